"""Names survive legacy encodings: each file is decoded with the code page it was written in.

The texts are short news sentences naming real people and places, written for these tests, in each legacy
encoding users meet in news feeds. charset-normalizer alone scores cp1252 and cp1250 (and ISO-8859-1) alike on
such text and took the first: "Peña" came out "Peńa", "Wałęsa" as "Wa³êsa" (issue 18).
"""

from pathlib import Path

import polars as pl
import pytest

from dagster_project.ingest.charsets import garbled, spelled
from dagster_project.ingest.raw import decode_bytes, read_raw_file

CASES = {
    # (text, encoding written in, encodings a reader may record for it)
    "es_cp1252": ("CARACAS (Reuters) - María Peña, a spokeswoman for the ministry, said on Monday that João Garcão "
                  "and José Muñoz would fly to Brasília. “We will go,” Peña said.", "cp1252", {"cp1252"}),
    # ISO-8859-1 is cp1252 outside 0x80-0x9F: the same text, recorded under the superset's name.
    "es_latin1": ("CARACAS - María Peña said on Monday that João Garcão and José Muñoz would travel to Brasília "
                  "with Ángel Núñez and Íñigo Errejón.", "latin-1", {"cp1252"}),
    "es_prose_cp1252": ("El ministro de Defensa, Vladimir Padrino López, dijo el lunes en Caracas que el avión "
                        "llegó con ochenta toneladas de ayuda. La señora Peña añadió que habrá más vuelos.",
                        "cp1252", {"cp1252"}),
    "pt_latin1": ("O presidente Luiz Inácio Lula da Silva disse em São Paulo que a missão chegará à Guiné-Bissau "
                  "em março; João Garcão confirmou a informação.", "latin-1", {"cp1252"}),
    "de_fr_cp1252": ("BERLIN - Außenministerin Annalena Baerbock traf in Köln den französischen Minister "
                     "Jean-Noël Barrot und Gérald Darmanin; « Nous sommes prêts », a déclaré Barrot.",
                     "cp1252", {"cp1252"}),
    "pl_cp1250": ("WARSZAWA - Lech Wałęsa i Małgorzata Kidawa-Błońska spotkali się w Łodzi ze Zbigniewem Ziobrą; "
                  "Paweł Gruszczyński powiedział, że samolot przyleci w środę.", "cp1250", {"cp1250"}),
    "pl_names_cp1250": ("Warsaw - Lech Wałęsa and Małgorzata Kidawa-Błońska met Zbigniew Ziobro in Łódź on "
                        "Tuesday, said Paweł Gruszczyński.", "cp1250", {"cp1250"}),
    "cs_cp1250": ("PRAHA - Ministr zahraničí Tomáš Petříček a Jiří Kočí se v Brně sešli s Antonínem Dvořákem; "
                  "Václav Havel by řekl, že letadlo přistálo v pátek.", "cp1250", {"cp1250"}),
    "cs_names_cp1250": ("Prague - Antonín Dvořák and Jiří Kočí met Tomáš Petříček in Brno; Dagmar Havlová "
                        "and Šárka Ťapková spoke.", "cp1250", {"cp1250"}),
    "ru_cp1251": ("МОСКВА - Министр иностранных дел Сергей Лавров заявил в понедельник, что Россия отправила "
                  "самолёт Ан-124 в Каракас.", "cp1251", {"cp1251"}),
    "ru_koi8r": ("МОСКВА - Министр иностранных дел Сергей Лавров заявил в понедельник, что Россия отправила "
                 "самолёт Ан-124 в Каракас.", "koi8-r", {"koi8_r"}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_legacy_encodings_keep_names_intact(name: str) -> None:
    text, encoding, recorded = CASES[name]
    decoded = decode_bytes(text.encode(encoding))
    assert decoded is not None
    assert decoded[0] == text, f"{name}: decoded as {decoded[1]}: {decoded[0]!r}"
    assert decoded[1] in recorded


def test_utf8_with_bom_is_decoded_without_the_bom() -> None:
    text = "María Peña, João Garcão, Lech Wałęsa, Сергей Лавров"
    assert decode_bytes(b"\xef\xbb\xbf" + text.encode("utf-8")) == (text, "utf-8-sig")


def test_the_issue_file_is_read_with_its_names_and_encoding(tmp_path: Path) -> None:
    """The file of issue 18, read as ingest reads it: names intact, the code page recorded."""
    text = "Caracas, 27 March 2019\n\nMaría Peña met João Garcão at the airport on Tuesday.\n"
    (tmp_path / "names.txt").write_bytes(text.encode("cp1252"))
    rf = read_raw_file(tmp_path / "names.txt", tmp_path)
    assert rf.quarantine_reason is None and rf.encoding == "cp1252"
    assert "María Peña" in (rf.text or "") and "João Garcão" in (rf.text or "")


def test_wrong_code_pages_look_garbled_and_right_ones_do_not() -> None:
    assert garbled(["Wa³êsa", "£ódŸ"]) >= 3
    assert garbled(["Wałęsa", "Łódź", "Peña", "“Peña,”"]) == 0
    assert garbled(["пРИВЕТ"]) >= 1 and garbled(["ПРИВЕТ", "Привет", "привет"]) == 0
    assert spelled(["Garção", "Peña"]) == 1.0
    assert spelled(["Garçăo", "Peña"]) == 0.5


@pytest.mark.integration
def test_encodings_are_published_with_the_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the whole pipeline: raw_articles.encoding and datapackage.json record the code page used."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from dagster_project import build, dataset

    raw = tmp_path / "raw"
    raw.mkdir()
    bodies = {
        "cp1252.txt": ("Venezuela receives cargo\n\nCARACAS, 27 March 2019 - María Peña said on Tuesday that "
                       "João Garcão had landed in Caracas with 35 tonnes of medicine.\n", "cp1252"),
        "cp1250.txt": ("Polish aid lands\n\nWARSAW, 27 March 2019 - Małgorzata Kidawa-Błońska said on Tuesday that "
                       "Paweł Gruszczyński flew to Łódź with 12 tonnes of aid.\n", "cp1250"),
        "koi8.txt": ("Russian jet lands\n\nMOSCOW, 27 March 2019 - Сергей Лавров said on Tuesday that an Antonov "
                     "An-124 had landed in Caracas.\n", "koi8-r"),
        "bom.txt": ("Aid arrives\n\nCARACAS, 27 March 2019 - Ángel Núñez said on Tuesday that a Boeing 747 landed "
                    "in Valencia.\n", "utf-8-sig"),
    }
    for name, (body, enc) in bodies.items():
        (raw / name).write_bytes(body.encode(enc))
    monkeypatch.setenv("NEWSETL_RAW_DIR", str(raw))
    monkeypatch.setenv("NEWSETL_CURATED_DIR", str(tmp_path / "curated"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        assert build.main([]) == 0
    curated = tmp_path / "curated"
    version = dataset.latest(curated)
    sources = {s["path"]: s for s in dataset.manifest(version, curated)["sources"]}
    assert {p: s["encoding"] for p, s in sources.items()} == {
        "cp1252.txt": "cp1252", "cp1250.txt": "cp1250", "koi8.txt": "koi8_r", "bom.txt": "utf-8-sig"}
    texts = "\n".join(pl.read_parquet(curated / version / "articles.parquet")["text"])
    for name in ("María Peña", "João Garcão", "Małgorzata Kidawa-Błońska", "Paweł Gruszczyński", "Łódź",
                 "Сергей Лавров", "Ángel Núñez"):
        assert name in texts
