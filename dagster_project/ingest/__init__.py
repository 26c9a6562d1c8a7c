"""Reading the raw root: text files, HTML pages (trafilatura) and WARC archives (warcio), each accepted with its
decoded text or refused with a reason; the raw-root guard and the raw state the sensor compares with LATEST.

Pure, Dagster-free modules; they import ``nlp`` (offset maps, language, the parser's header reading) and, for the
sensor's comparison only, ``publish.version``'s manifest reader; never ``assets``.
"""
