"""Language identification of article bodies (nlp/language.py, langdetect-rs)."""

import threading

import pytest

from dagster_project.nlp.language import MIN_CHARS, detect_language
from tests.conftest import SEEDS


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Two Russian military planes landed in Venezuela's main airport on Saturday, reportedly carrying troops.", "en"),
        ("El Gobierno de Colombia inauguró este viernes el mayor parque solar del país, con capacidad para miles.", "es"),
        ("Le trafic ferroviaire sera très perturbé mardi dans plusieurs régions en raison d'une grève des contrôleurs.",
         "fr"),
        ("Die Bundesregierung hat am Mittwoch ein neues Gesetz zur Förderung erneuerbarer Energien beschlossen.", "de"),
        ("Два российских военных самолета приземлились в главном аэропорту Венесуэлы в субботу, сообщили СМИ.", "ru"),
        ("Hà Nội là thủ đô của Việt Nam, thành phố lớn thứ hai cả nước về dân số và diện tích.", "vi"),
        ("مرحبا بكم في الأخبار العربية اليوم، حيث نقدم لكم آخر المستجدات من المنطقة والعالم.", "ar"),
        ("Il governo italiano ha approvato    un decreto   per sostenere le famiglie colpite dall'alluvione.", "it"),
        ("short", None),
    ],
)
def test_detect_language(text: str, lang: str | None) -> None:
    assert detect_language(text) == lang


def test_too_short_featureless_or_unsure_is_null() -> None:
    assert detect_language("x" * (MIN_CHARS - 1)) is None
    assert detect_language("1234 5678 9012 3456 7890 1234 5678 9012 3456 7890 1234") is None  # no letters at all
    assert detect_language("https://example.org/a?b=1 " * 5) is None  # URLs are removed before detection


def test_the_seed_articles_are_english() -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    assert texts and {detect_language(t) for t in texts} == {"en"}


def test_detection_is_deterministic_across_threads() -> None:
    text = "Rescue teams used boats to reach families stranded on rooftops near the river after the floods."
    got: list[str | None] = []
    threads = [threading.Thread(target=lambda: got.extend(detect_language(text) for _ in range(20))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(got) == {"en"} and len(got) == 80
