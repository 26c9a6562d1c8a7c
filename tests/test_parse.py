import datetime as dt

import pytest

from dagster_project.core.parse import make_article_id, parse_file
from tests.conftest import BLOG, SEEDS, WIRE


def test_wire_story_metadata() -> None:
    [art] = parse_file(WIRE, "wire.txt", "0" * 64)
    assert art.title == "Gunmen seize oil tanker off Lagos"
    assert art.author == "Amina Okafor"
    assert art.published_date == dt.date(2021, 6, 14)
    assert art.agency == "Reuters"
    assert art.dateline == "Lagos"  # all-caps datelines are title-cased
    assert art.text.startswith("LAGOS (Reuters)")


def test_markup_and_donation_removed_with_offsets() -> None:
    [art] = parse_file(BLOG, "blog.md", "1" * 64)
    assert art.title == "Cargo jet lands in Nairobi"
    assert "<u>" not in art.text and "**" not in art.text
    assert "Donate" not in art.text
    i = art.text.index("aircraft")
    rs, re_ = art.offset_map.raw_span(i, i + len("aircraft"))
    assert BLOG[rs:re_] == "aircraft"


@pytest.mark.parametrize("part", [0, 1, 7])
def test_article_id_is_stable_and_distinct(part: int) -> None:
    assert make_article_id("a" * 64, part) == make_article_id("a" * 64, part)
    assert make_article_id("a" * 64, part) != make_article_id("b" * 64, part)


def test_seed_with_two_reports_splits() -> None:
    raw = (SEEDS / "000_7d6fb3e3987d9f6f.txt").read_text(encoding="utf-8")
    arts = parse_file(raw, "000.txt", "c" * 64)
    assert len(arts) == 2
    assert arts[0].agency == "AFP"
    assert "Sputnik" in arts[1].text and "Sputnik" not in arts[0].text


def test_parse_is_deterministic() -> None:
    a = parse_file(WIRE, "w", "0" * 64)
    b = parse_file(WIRE, "w", "0" * 64)
    assert [x.text for x in a] == [x.text for x in b]
