"""The evaluation harness's own matching logic, on small synthetic gold and predictions."""

import json
from collections import Counter
from pathlib import Path

import pytest

from dagster_project.evaluation.extract_eval import (
    PRF,
    AliasIndex,
    GoldArticle,
    GoldError,
    PredArticle,
    PredMention,
    check_floors,
    entity_scores,
    evaluate,
    fold,
    load_gold,
    multiset_prf,
    norm_surface,
    parse_gold,
    quantity_key,
    resolution_errors,
)


def gold(name: str = "a", mentions=(), entities=(), quantities=(), source_file: str = "a.txt", part: int = 0) -> GoldArticle:
    return parse_gold(name, {
        "root": "corpus", "source_file": source_file, "part": part,
        "mentions": [{"type": t, "surface": s, "count": n} for t, s, n in mentions],
        "entities": [{"type": t, "canonical": c, "aliases": list(a)} for t, c, a in entities],
        "quantities": list(quantities),
    })


def pred(*mentions: PredMention, source_file: str = "corpus/a.txt", part: int = 0) -> PredArticle:
    return PredArticle(source_file, part, list(mentions))


@pytest.mark.parametrize(
    ("gold_counts", "pred_counts", "expected"),
    [
        ({"Maduro": 3}, {"Maduro": 3}, (3, 0, 0)),
        ({"Maduro": 3}, {"Maduro": 1}, (1, 0, 2)),
        ({"Maduro": 1}, {"Maduro": 4}, (1, 3, 0)),
        ({"Maduro": 2, "Putin": 1}, {"Maduro": 2, "Mr Putin": 1}, (2, 1, 1)),
        ({}, {"Twitter": 2}, (0, 2, 0)),
        ({"US": 5}, {}, (0, 0, 5)),
    ],
)
def test_multiset_prf_counts_occurrences(gold_counts: dict, pred_counts: dict, expected: tuple) -> None:
    prf, missed, extra = multiset_prf(Counter(gold_counts), Counter(pred_counts))
    assert (prf.tp, prf.fp, prf.fn) == expected
    assert sum(missed.values()) == expected[2]
    assert sum(extra.values()) == expected[1]


@pytest.mark.parametrize(
    ("tp", "fp", "fn", "p", "r", "f1"),
    [
        (8, 2, 2, 0.8, 0.8, 0.8),
        (1, 0, 3, 1.0, 0.25, 0.4),
        (0, 0, 0, 1.0, 1.0, 1.0),  # nothing annotated and nothing predicted is perfect, not undefined
        (0, 3, 0, 0.0, 1.0, 0.0),
        (0, 0, 2, 0.0, 0.0, 0.0),  # predicting nothing when there was something to find scores 0
    ],
)
def test_prf_arithmetic(tp: int, fp: int, fn: int, p: float, r: float, f1: float) -> None:
    s = PRF(tp, fp, fn)
    assert (s.precision, s.recall) == pytest.approx((p, r))
    assert s.f1 == pytest.approx(f1)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Nicolás Maduro", "Nicolas Maduro", True),
        ("Juan Guaidó", "JUAN GUAIDO", True),
        ("the United States", "United States", True),
        ("Maiquetía  airport", "Maiquetia airport", True),
        ("Russia’s", "Russia's", True),
        ("An–124", "An-124", True),
        ("Il-62", "II-62", False),  # the typo is an alias, not a folding rule
        ("Caracas", "Caraças", True),
        ("Guaidó", "Guaido Jr", False),
    ],
)
def test_fold_accents_case_and_article(a: str, b: str, same: bool) -> None:
    assert (fold(a) == fold(b)) is same


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Nicolás\nMaduro", "Nicolás Maduro", True),
        ("Venezuela’s", "Venezuela's", True),
        ("Nicolás Maduro", "Nicolas Maduro", False),  # surfaces are exact spans: accents matter
        ("US", "us", False),
    ],
)
def test_norm_surface_keeps_spelling(a: str, b: str, same: bool) -> None:
    assert (norm_surface(a) == norm_surface(b)) is same


MADURO = ("person", "Nicolás Maduro", ("Maduro", "Nicolas Maduro"))
USA = ("place", "United States", ("US", "America"))
AN124 = ("aircraft", "An-124", ("Antonov-124", "AN-124"))


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["Nicolás Maduro"], (1, 0, 0)),
        (["nicolas maduro"], (1, 0, 0)),  # accents and case folded
        (["Maduro"], (1, 0, 0)),  # an alias is accepted as the canonical name
        (["Nicolás Maduro", "Maduro"], (1, 1, 0)),  # one person listed twice in an article: one is spurious
        (["Hugo Chávez"], (0, 1, 1)),
        ([], (0, 0, 1)),
    ],
)
def test_entity_scores_accept_aliases_one_to_one(names: list[str], expected: tuple) -> None:
    g = gold(mentions=[("person", "Maduro", 2)], entities=[MADURO])
    p = pred(*[PredMention("person", "Maduro", f"person:{i}", n) for i, n in enumerate(names)])
    prf, _, _ = entity_scores(g, p, AliasIndex([g]))["person"]
    assert (prf.tp, prf.fp, prf.fn) == expected


def test_entity_scores_credit_unresolved_mentions_by_surface() -> None:
    g = gold(mentions=[("aircraft", "Antonov-124", 1)], entities=[AN124])
    p = pred(PredMention("aircraft", "Antonov-124", None, None))
    prf, _, _ = entity_scores(g, p, AliasIndex([g]))["aircraft"]
    assert (prf.tp, prf.fp, prf.fn) == (1, 0, 0)


def test_place_aliases_include_iso_country_names() -> None:
    g = gold(mentions=[("place", "Venezuela", 1)], entities=[("place", "Venezuela", ())])
    index = AliasIndex([g])
    assert index.lookup("place", "Venezuela, Bolivarian Republic of") == "Venezuela"
    assert index.lookup("place", "Bolivarian Republic of Venezuela") == "Venezuela"
    assert index.lookup("person", "Venezuela") is None


@pytest.mark.parametrize(
    ("gold_q", "pred_q", "expected"),
    [
        ([("100", 100, "count")], [(100.0, "count")], (1, 0, 0)),
        ([("35 tons", 35, "tonne")], [(35.0, "tonne"), (35.0, "tonne")], (1, 0, 0)),  # a set per article
        ([("35 tons", 35, "tonne")], [(35.0, "count")], (0, 1, 1)),
        ([("dozens", None, "count")], [(None, "count")], (1, 0, 0)),
        ([("billions of dollars", None, "USD")], [(None, "usd")], (1, 0, 0)),
        ([("three million", 3_000_000, "count")], [(3_000_000.0000001, "count")], (1, 0, 0)),
    ],
)
def test_quantity_entities_match_on_value_and_unit(gold_q: list, pred_q: list, expected: tuple) -> None:
    g = gold(mentions=[("quantity", s, 1) for s, _, _ in gold_q],
             quantities=[{"surface": s, "value": v, "unit": u, "quantified": None, "qualifier": None} for s, v, u in gold_q])
    p = pred(*[PredMention("quantity", "x", value=v, unit=u) for v, u in pred_q])
    prf, _, _ = entity_scores(g, p, AliasIndex([g]))["quantity"]
    assert (prf.tp, prf.fp, prf.fn) == expected


def test_quantity_key_treats_nan_as_vague() -> None:
    assert quantity_key(float("nan"), "count") == (None, "count")
    assert quantity_key(None, None) == (None, "count")


def _two_articles() -> tuple[GoldArticle, GoldArticle]:
    a = gold("a", mentions=[("person", "Nicolás Maduro", 1), ("person", "Maduro", 2), ("place", "US", 1)],
             entities=[MADURO, USA])
    b = gold("b", source_file="b.txt", mentions=[("person", "Maduro", 1), ("place", "United States", 1),
                                                  ("place", "America", 1)], entities=[MADURO, USA])
    return a, b


def test_resolution_finds_split_across_articles_and_within() -> None:
    a, b = _two_articles()
    pa = pred(PredMention("person", "Nicolás Maduro", "person:nicolas-maduro", "Nicolás Maduro"),
              PredMention("person", "Maduro", "person:maduro", "Maduro"),
              PredMention("person", "Maduro", "person:maduro", "Maduro"),
              PredMention("place", "US", "place:us", "US"))
    pb = pred(PredMention("person", "Maduro", "person:nicolas-maduro", "Nicolás Maduro"),
              PredMention("place", "United States", "place:us", "US"),
              PredMention("place", "America", "place:us", "US"), source_file="corpus/b.txt")
    res = resolution_errors([("a", a, pa), ("b", b, pb)])
    assert [(s["type"], s["gold"], sorted(e["entity_id"] for e in s["entities"])) for s in res["splits"]] == [
        ("person", "Nicolás Maduro", ["person:maduro", "person:nicolas-maduro"])
    ]
    assert res["merges"] == []


def test_resolution_finds_merge_and_counts_unresolved() -> None:
    g = gold(mentions=[("person", "Maduro", 1), ("person", "Guaidó", 1), ("aircraft", "Antonov-124", 1)],
             entities=[MADURO, ("person", "Juan Guaidó", ("Guaidó",)), AN124])
    p = pred(PredMention("person", "Maduro", "person:x", "Maduro"),
             PredMention("person", "Guaidó", "person:x", "Maduro"),
             PredMention("person", "Twitter", "person:x", "Maduro"),  # not a gold mention: not aligned
             PredMention("aircraft", "Antonov-124", None, None))
    res = resolution_errors([("a", g, p)])
    assert res["merges"] == [{"entity_id": "person:x", "canonical_name": "Maduro",
                              "gold": ["Juan Guaidó", "Nicolás Maduro"]}]
    assert res["splits"] == []
    assert res["unresolved_mentions"] == {"aircraft": 1}


def test_evaluate_scores_missing_article_as_all_missed() -> None:
    a, b = _two_articles()
    pa = pred(PredMention("person", "Nicolás Maduro", "person:nicolas-maduro", "Nicolás Maduro"),
              PredMention("person", "Maduro", "person:nicolas-maduro", "Nicolás Maduro"),
              PredMention("person", "Maduro", "person:nicolas-maduro", "Nicolás Maduro"),
              PredMention("place", "US", "place:us", "United States"),
              PredMention("place", "Twitter", "place:twitter", "Twitter"))
    report = evaluate([a, b], [pa, pred(source_file="corpus/unlabelled.txt")])
    assert report["mention"]["person"] == {"tp": 3, "fp": 0, "fn": 1, "precision": 1.0, "recall": 0.75,
                                           "f1": pytest.approx(0.8571, abs=1e-4)}
    assert (report["mention"]["place"]["tp"], report["mention"]["place"]["fp"], report["mention"]["place"]["fn"]) == (1, 1, 2)
    assert report["missing_articles"] == [{"gold": "b", "source_file": "corpus/b.txt", "part": 0}]
    assert report["ungraded_articles"] == ["corpus/unlabelled.txt#0"]
    # No aircraft or quantities anywhere: those types score a perfect 1.0 rather than dividing by zero.
    assert report["mention"]["aircraft"]["f1"] == 1.0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"root": "elsewhere"}, "root must be"),
        ({"mentions": [{"type": "org", "surface": "EU", "count": 1}]}, "unknown mention type"),
        ({"mentions": [{"type": "person", "surface": "Maduro", "count": 0}]}, "count must be"),
        ({"mentions": [{"type": "person", "surface": "Mauro", "count": 1}],
          "entities": [{"type": "person", "canonical": "Nicolás Maduro", "aliases": ["Maduro"]}]}, "not a name of"),
        ({"mentions": [{"type": "quantity", "surface": "100", "count": 1}]}, "no value/unit record"),
        ({"entities": [{"type": "place", "canonical": "Georgia", "aliases": ["GA"]},
                       {"type": "place", "canonical": "Georgia (US state)", "aliases": ["Georgia"]}]}, "belongs to both"),
    ],
)
def test_parse_gold_rejects_inconsistent_records(data: dict, message: str) -> None:
    with pytest.raises(GoldError, match=message):
        parse_gold("bad", {"root": "corpus", "source_file": "x.txt", "part": 0, **data})


def test_load_gold_rejects_two_records_for_one_report(tmp_path: Path) -> None:
    rec = {"root": "raw", "source_file": "x.txt", "part": 0, "mentions": [], "entities": [], "quantities": []}
    for name in ("one", "two"):
        (tmp_path / f"{name}.json").write_text(json.dumps(rec), encoding="utf-8")
    with pytest.raises(GoldError, match="annotate the same report"):
        load_gold(tmp_path)


@pytest.mark.parametrize(
    ("floors", "n_failures"),
    [
        ({"mention": {"person": 0.5, "macro": 0.5}, "entity": {"aircraft": 0.9}}, 0),
        ({"mention": {"person": 0.9}}, 1),
        ({"mention": {"macro": 0.99}, "entity": {"macro": 0.99, "quantity": 0.99}}, 3),
        ({"resolution": {"max_splits": 2, "max_merges": 0}}, 0),
        ({"resolution": {"max_splits": 1, "max_merges": 0}}, 1),
    ],
)
def test_check_floors(floors: dict, n_failures: int) -> None:
    report = {
        "mention": {t: {"f1": 0.8} for t in ("person", "aircraft", "place", "quantity")},
        "entity": {t: {"f1": 0.95} for t in ("person", "aircraft", "place", "quantity")},
        "mention_macro_f1": 0.8, "entity_macro_f1": 0.95,
        "resolution": {"splits": [{"gold": "United States"}, {"gold": "Nicolás Maduro"}], "merges": []},
    }
    assert len(check_floors(report, floors)) == n_failures


def test_read_published_joins_entities_quantities_and_parts(tmp_path: Path) -> None:
    import polars as pl

    from dagster_project.evaluation.extract_eval import read_published

    pl.DataFrame({"article_id": ["a1", "a2"], "source_file": ["corpus/x.txt", "corpus/x.txt"], "part": [0, 1],
                  "text": ["Maduro sent 35 tons.", "Nothing here."]}).write_parquet(tmp_path / "articles.parquet")
    pl.DataFrame({"mention_id": ["m1", "m2", "m3"], "article_id": ["a1", "a1", "a1"],
                  "mention_type": ["person", "quantity", "aircraft"], "surface": ["Maduro", "35 tons", "Y-20"],
                  "start": [0, 12, 0], "end": [6, 19, 4], "entity_id": ["person:nicolas-maduro", None, None]},
                 ).write_parquet(tmp_path / "mentions.parquet")
    pl.DataFrame({"entity_id": ["person:nicolas-maduro"], "entity_type": ["person"],
                  "canonical_name": ["Nicolás Maduro"]}).write_parquet(tmp_path / "entities.parquet")
    pl.DataFrame({"mention_id": ["m2"], "value": [35.0], "unit": ["tonne"], "quantified": [None],
                  "qualifier": ["about"]}, schema_overrides={"quantified": pl.String}).write_parquet(tmp_path / "quantities.parquet")
    arts = {a.key: a for a in read_published(tmp_path)}
    assert set(arts) == {("corpus/x.txt", 0), ("corpus/x.txt", 1)}
    assert arts[("corpus/x.txt", 1)].mentions == []
    by_type = {m.type: m for m in arts[("corpus/x.txt", 0)].mentions}
    assert by_type["person"].canonical_name == "Nicolás Maduro"
    assert (by_type["quantity"].value, by_type["quantity"].unit, by_type["quantity"].qualifier) == (35.0, "tonne", "about")
    assert by_type["aircraft"].entity_id is None


def test_format_delta_reports_changes_and_fixed_splits() -> None:
    from dagster_project.evaluation.extract_eval import format_delta

    def rep(f1: float, splits: list[str]) -> dict:
        return {"mention": {t: {"f1": f1} for t in ("person", "aircraft", "place", "quantity")},
                "entity": {t: {"f1": f1} for t in ("person", "aircraft", "place", "quantity")},
                "mention_macro_f1": f1, "entity_macro_f1": f1,
                "resolution": {"splits": [{"type": "person", "gold": g} for g in splits]}}

    text = format_delta(rep(0.9, ["Donald Trump"]), rep(0.8, ["Donald Trump", "Nicolás Maduro"]))
    assert "person 0.900 (+0.100)" in text
    assert "splits fixed: Nicolás Maduro" in text
    assert "new splits" not in text
