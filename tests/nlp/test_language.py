from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from langdetect import LangDetectException, detect_langs
from langdetect.language import Language

from dagster_project.nlp.language import _Detector, _factory, detect_language
from tests.conftest import SEEDS


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Two Russian military planes landed in Venezuela's main airport on Saturday, reportedly carrying troops.", "en"),
        ("El Gobierno de Colombia inauguró este viernes el mayor parque solar del país, con capacidad para miles.", "es"),
        ("Le trafic ferroviaire sera très perturbé mardi dans plusieurs régions en raison d'une grève des contrôleurs.",
         "fr"),
        ("Die Bundesregierung hat am Mittwoch ein neues Gesetz zur Förderung erneuerbarer Energien beschlossen.", "de"),
        ("short", None),
    ],
)
def test_detect_language(text: str, lang: str | None) -> None:
    assert detect_language(text) == lang


def test_detection_is_deterministic() -> None:
    text = "Rescue teams used boats to reach families stranded on rooftops near the river after the floods."
    assert len({detect_language(text) for _ in range(5)}) == 1


# Texts in several scripts and shapes: all-capitals words, URLs and e-mail addresses (removed
# before detection), Vietnamese combining marks (normalized), runs of spaces, mixed Latin/Cyrillic.
_SAMPLES = [
    "Двa российских военных самолета приземлились в главном аэропорту Венесуэлы в субботу, сообщили СМИ.",
    "東京で地震が発生しました。気象庁によると、震源の深さは約十キロで、津波の心配はないということです。",
    "Hà Nội là thủ đô của Việt Nam, thành phố lớn thứ hai cả nước về dân số và diện tích.",
    "Hà Nội là thủ đô của Việt Nam, thành phố lớn",  # decomposed marks (U+0300..U+0323)
    "مرحبا بكم في الأخبار العربية اليوم، حيث نقدم لكم آخر المستجدات من المنطقة والعالم.",
    "NATO AND THE UN SAID ON MONDAY that the convoy reached Kharkiv; see https://example.org/a?b=1 or mail a.b@example.com",
    "Il governo italiano ha approvato    un decreto   per sostenere le famiglie colpite dall'alluvione.",
    "ВЛАДИВОСТОК, 5 марта. /ТАСС/. Самолет Ан-124 Russian Air Force landed in Caracas on Saturday evening.",
]


@pytest.mark.parametrize("text", _SAMPLES + [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))])
def test_detector_gives_exactly_langdetects_answer(text: str) -> None:
    """The rewritten loops must not change a single probability: compare with langdetect itself."""
    sample = " ".join(text.split())[:3000]
    ours = _Detector(_factory())
    ours.append(sample)
    got = [(x.lang, x.prob) for x in ours.get_probabilities()]
    assert got == [(x.lang, x.prob) for x in detect_langs(sample)]
    assert got  # every sample is long enough to be told


_PIECES = [
    "the ", "landed ", "Caracas ", "NATO ", "UN ", "AN-124 ", "Ан-124 ", "самолет ", "東京 ", "ひらがな ", "カタカナ ",
    "مرحبا ", "Hà Nội ", "a\u0301 ", "ñ ", "ß ", "ſ ", "İstanbul ", "ş ", "ț ", "ی ", "한국 ", "ㄅ ", "Ω ", "  ",
    "https://ex.com/a?b=1 ", "jo@ex.com ", "1234 ", ". ", "— ", "\u2019s ", "\u00e0 ",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=6)), min_size=1, max_size=60).map("".join))
def test_detector_matches_langdetect_on_any_text(text: str) -> None:
    """Any mix of scripts, capitals, URLs, e-mail addresses and spacing: the same ranking, or the same refusal."""

    def ranked(detect: Callable[[str], list[Language]]) -> list[tuple[str, float]] | str:
        try:
            return [(x.lang, x.prob) for x in detect(text)]
        except LangDetectException as exc:
            return str(exc)

    def ours(t: str) -> list[Language]:
        detector = _Detector(_factory())
        detector.append(t)
        return list(detector.get_probabilities())

    assert ranked(ours) == ranked(detect_langs)
