import pytest

from dagster_project.core.language import detect_language


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
