"""Language work: parsing raw text into articles, extracting and resolving mentions, syndication and claims.

Pure, Dagster-free modules; they import ``contracts`` and each other, never ``assets`` or ``publish`` (from ``runtime``
only the default model name and the code fingerprint that keys the stored gazetteer).
"""
