"""Reading the raw root: every file is accepted with its decoded text or refused with a reason.

Pure, Dagster-free modules; they may import ``nlp.textmap`` and the standard library's file handling, nothing else here.
"""
