import pytest

from dagster_project.nlp.textmap import OffsetMap, TextBuilder


def _build(raw: str, ops: list[tuple]) -> tuple[str, OffsetMap]:
    b = TextBuilder()
    for op in ops:
        if op[0] == "copy":
            b.copy(raw, op[1], op[2])
        else:
            b.replace(op[1], op[2], op[3])
    return b.build()


RAW = "<p>Tom &amp; Jerry</p>\n\n<p>Mike Pompeo</p>"


@pytest.mark.parametrize(
    ("needle", "raw_needle"),
    [("Tom", "Tom"), ("Jerry", "Jerry"), ("Mike Pompeo", "Mike Pompeo"), ("Tom & Jerry", "Tom &amp; Jerry")],
)
def test_raw_span_round_trips(needle: str, raw_needle: str) -> None:
    text, omap = _build(
        RAW,
        [("copy", 3, 7), ("replace", "&", 7, 12), ("copy", 12, 18), ("replace", "\n\n", 22, 24), ("copy", 27, 38)],
    )
    assert text == "Tom & Jerry\n\nMike Pompeo"
    start = text.index(needle)
    rs, re_ = omap.raw_span(start, start + len(needle))
    assert RAW[rs:re_] == raw_needle


def test_json_round_trip_and_shift() -> None:
    text, omap = _build("abc def", [("copy", 0, 3), ("replace", " ", 3, 4), ("copy", 4, 7)])
    again = OffsetMap.from_json(omap.to_json())
    assert again.raw_span(4, 7) == (4, 7)
    shifted = omap.shifted(4)
    assert shifted.raw_span(0, 3) == (4, 7)
    assert text[4:] == "def"


def test_adjacent_copies_merge() -> None:
    b = TextBuilder()
    b.copy("abcdef", 0, 3)
    b.copy("abcdef", 3, 6)
    _, omap = b.build()
    assert len(omap.pieces) == 1
