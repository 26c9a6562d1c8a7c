"""A hostile raw corpus (the seeds plus one file per bad-input case) built end to end.

Every file is generated in tmp_path at test time; nothing big or binary is committed. The build
is the real ``make dataset`` entry point (``dagster_project.build.main``) run in-process.
"""

import hashlib
import json
import os
import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from dagster_project import build, dataset
from dagster_project.ingest import raw as ingest

SEEDS = Path(__file__).resolve().parent.parent / "raw"

SECRET = "TOP-SECRET-OUTSIDE-THE-RAW-ROOT-7f3a"


def _article(title: str, who: str, place: str, plane: str, n: int) -> str:
    """A plausible report (body lines long enough to be taken as body text)."""
    return (
        f"{title}\n\nBy Ana Torres\n\nReuters, 14 June 2021\n\n"
        f"{place.upper()} (Reuters) - Officials said {who} met the crew of a {plane} that landed in {place} "
        f"on Sunday carrying {n} tonnes of equipment and about {n + 7} soldiers, according to the defence ministry.\n\n"
        f"{who} told reporters the flight had been planned for weeks and that a second aircraft would follow "
        f"from Moscow later in the month, officials in {place} confirmed.\n"
    )


# file name -> expected outcome: "published" or the quarantine reason.
EXPECTED: dict[str, str] = {
    "empty.txt": ingest.EMPTY,
    "whitespace_only.txt": ingest.EMPTY,
    "invisible_only.txt": ingest.EMPTY,
    "image.png": ingest.BINARY,
    "nul_in_text.txt": ingest.BINARY,
    "undecodable.txt": ingest.UNDECODABLE,
    "huge_single_line.txt": ingest.TOO_LARGE,
    "boilerplate_only.txt": ingest.NO_ARTICLE_TEXT,
    "nested/copy_of_seed.txt": ingest.DUPLICATE,
    "link_outside.txt": ingest.SYMLINK_OUTSIDE,
    "link_outside_dir": ingest.SYMLINK_OUTSIDE,
    "pipe.fifo": ingest.NOT_REGULAR,
    "latin1_cp1252.txt": "published",
    "crlf.txt": "published",
    "lone_cr.txt": "published",
    "bom.txt": "published",
    "utf16_bom.txt": "published",
    "zero_width_nbsp.txt": "published",
    "nested/deeper/folder/report.md": "published",
    "bad\\xffname.txt": "published",
    "link_inside.txt": ingest.DUPLICATE,
}


def make_corpus(root: Path, outside: Path) -> None:
    root.mkdir(parents=True)
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copy(seed, root / seed.name)
    first_seed = sorted(SEEDS.glob("*.txt"))[0]
    (root / "empty.txt").write_bytes(b"")
    (root / "whitespace_only.txt").write_bytes(b"  \r\n\t \n \n")
    (root / "invisible_only.txt").write_text("\u200b\u200b\ufeff\n\u00a0\n", encoding="utf-8")
    (root / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    (root / "nul_in_text.txt").write_bytes(_article("Nul", "Jorge Arreaza", "Caracas", "Il-62", 3).encode()
                                           .replace(b"Sunday", b"Sun\x00day"))
    rnd = random.Random(7)
    (root / "undecodable.txt").write_bytes(bytes(rnd.randrange(128, 256) for _ in range(600)))
    with (root / "huge_single_line.txt").open("wb") as fh:  # 20 MB, one line, no newline at all
        chunk = b"word " * 200_000
        for _ in range(20):
            fh.write(chunk)
    (root / "boilerplate_only.txt").write_text(
        "Advertisement\n\nSupport the Guardian\n\nSubscribe to our newsletter\n\n"
        "Copyright 2019 Example Media. All rights reserved.\n\nShare this article\n", encoding="utf-8")
    (root / "nested").mkdir()
    shutil.copy(first_seed, root / "nested" / "copy_of_seed.txt")
    (outside / "secret.txt").write_text(_article(SECRET, "Nobody", "Nowhere", "glider", 1), encoding="utf-8")
    (outside / "secret_dir").mkdir()
    (outside / "secret_dir" / "inner.txt").write_text(SECRET, encoding="utf-8")
    (root / "link_outside.txt").symlink_to(outside / "secret.txt")
    (root / "link_outside_dir").symlink_to(outside / "secret_dir", target_is_directory=True)
    (root / "link_inside.txt").symlink_to(root / first_seed.name)
    os.mkfifo(root / "pipe.fifo")
    (root / "latin1_cp1252.txt").write_bytes(
        _article("Señal de Maiquetía", "Nicolás Maduro", "Maiquetía", "An-124", 35).replace("-", "–")
        .encode("cp1252"))
    (root / "crlf.txt").write_bytes(
        _article("CRLF report", "Delcy Rodríguez", "Valencia", "Il-76", 12).replace("\n", "\r\n").encode())
    (root / "lone_cr.txt").write_bytes(
        _article("Old Mac report", "Diosdado Cabello", "Maracay", "Tu-154", 8).replace("\n", "\r").encode())
    (root / "bom.txt").write_bytes(b"\xef\xbb\xbf" + _article("BOM report", "Vladimir Padrino", "Barquisimeto",
                                                              "An-26", 5).encode())
    (root / "utf16_bom.txt").write_bytes(_article("UTF-16 report", "Sergei Lavrov", "Moscow", "Il-96", 9)
                                         .encode("utf-16"))
    (root / "zero_width_nbsp.txt").write_text(
        _article("Zero\u200bwidth report", "Juan\u00a0Guaid\u200bó", "Maracaibo", "An\u200b-124", 40)
        .replace("the crew", "the\u00a0crew\u200d"), encoding="utf-8")
    (root / "nested" / "deeper" / "folder").mkdir(parents=True)
    (root / "nested" / "deeper" / "folder" / "report.md").write_text(
        "## " + _article("Nested report", "Elliott Abrams", "Puerto Ayacucho", "C-17", 21), encoding="utf-8")
    (root / os.fsdecode(b"bad\xffname.txt")).write_text(
        _article("Odd file name", "Tareck El Aissami", "Cumana", "Boeing 747", 2), encoding="utf-8")


def _tree_hashes(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_symlink() or not p.is_file():
            out[str(p)] = "link" if p.is_symlink() else "dir-or-special"
        else:
            out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    base = tmp_path_factory.mktemp("hostile")
    raw, outside, curated = base / "raw", base / "outside", base / "curated"
    outside.mkdir()
    make_corpus(raw, outside)
    before = _tree_hashes(raw)
    import io
    from contextlib import redirect_stdout

    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEWSETL_RAW_DIR", str(raw))
        mp.setenv("NEWSETL_CURATED_DIR", str(curated))
        mp.setenv("DAGSTER_HOME", str(base / "home"))
        with redirect_stdout(out):
            code = build.main([])
    version = dataset.latest(curated)
    yield {"code": code, "stdout": out.getvalue(), "raw": raw, "curated": curated, "version": version,
           "folder": curated / version, "before": before, "outside": outside}


@pytest.mark.integration
def test_hostile_corpus_builds_with_exit_0_and_a_summary(hostile_build: dict) -> None:
    assert hostile_build["code"] == 0
    summary = hostile_build["stdout"]
    assert "published version 1.0.0" in summary
    n_quarantined = sum(1 for v in EXPECTED.values() if v != "published")
    assert f"quarantined: {n_quarantined} " in summary
    assert '"too_large": 1' in summary and '"symlink_outside_root": 2' in summary
    assert dataset.verify(root=hostile_build["curated"]) == []


@pytest.mark.integration
def test_every_raw_file_is_accounted_for_with_the_expected_outcome(hostile_build: dict) -> None:
    folder = hostile_build["folder"]
    arts = pl.read_parquet(folder / "articles.parquet")
    quar = pl.read_parquet(folder / "quarantine.parquet")
    outcome = {f: "published" for f in arts["source_file"]}
    for f, reason in quar.select("source_file", "reason").iter_rows():
        assert f not in outcome, f"{f} both published and quarantined"
        outcome[f] = reason
    seeds = {p.name: "published" for p in SEEDS.glob("*.txt")}
    assert outcome == {**seeds, **EXPECTED}
    # Each reason comes with a human-readable detail; the duplicate names its original.
    assert quar["detail"].null_count() == 0
    dup = quar.filter(pl.col("source_file") == "nested/copy_of_seed.txt")["detail"].item()
    assert sorted(SEEDS.glob("*.txt"))[0].name in dup
    # The manifest lists every raw file too, with its sha256 when it could be read.
    sources = {s["path"]: s for s in json.loads((folder / "datapackage.json").read_text())["sources"]}
    assert set(sources) == set(outcome)
    assert sources["huge_single_line.txt"]["hash"] == "sha256:" + hashlib.sha256(b"word " * 4_000_000).hexdigest()
    assert "hash" not in sources["link_outside.txt"]


@pytest.mark.integration
def test_odd_but_valid_files_are_published_clean(hostile_build: dict) -> None:
    folder = hostile_build["folder"]
    arts = pl.read_parquet(folder / "articles.parquet")
    ments = pl.read_parquet(folder / "mentions.parquet")
    by_file = {r["source_file"]: r for r in arts.iter_rows(named=True)}
    assert "Nicolás Maduro" in by_file["latin1_cp1252.txt"]["text"]
    assert "Maiquetía" in by_file["latin1_cp1252.txt"]["text"]
    for f in ("crlf.txt", "lone_cr.txt", "bom.txt", "utf16_bom.txt", "zero_width_nbsp.txt"):
        text = by_file[f]["text"]
        assert not any(c in text for c in "\r\ufeff\u200b\u200d\u00a0"), f
    assert "Juan Guaidó met the crew" in by_file["zero_width_nbsp.txt"]["text"]
    assert by_file["crlf.txt"]["title"] == "CRLF report"
    assert by_file["bom.txt"]["title"] == "BOM report"
    people = set(ments.filter(pl.col("mention_type") == "person")["surface"])
    assert {"Nicolás Maduro", "Juan Guaidó"} <= people
    # Raw offsets index the normalized decoded text; the manifest keeps the map back to the decoded file.
    sources = {s["path"]: s for s in json.loads((folder / "datapackage.json").read_text())["sources"]}
    assert sources["zero_width_nbsp.txt"]["normalization"]
    assert sources["utf16_bom.txt"]["encoding"] == "utf-16"
    assert sources["latin1_cp1252.txt"]["encoding"] not in ("utf-8", "ascii")


@pytest.mark.integration
def test_nothing_from_outside_the_raw_root_is_published(hostile_build: dict) -> None:
    folder = hostile_build["folder"]
    outside = str(hostile_build["outside"])
    for p in folder.rglob("*"):
        if p.is_dir():
            continue
        if p.suffix == ".parquet":
            df = pl.read_parquet(p)
            blob = json.dumps(df.select(pl.col(pl.String)).to_dicts(), ensure_ascii=False)
        else:
            # Text files (manifest, card, changelog) and binary ones (plots) alike: search the bytes.
            blob = p.read_bytes().decode("utf-8", errors="replace")
        assert SECRET not in blob, p
        assert outside not in blob, p
        assert "Nobody" not in blob, p


@pytest.mark.integration
def test_raw_files_are_never_modified(hostile_build: dict) -> None:
    assert _tree_hashes(hostile_build["raw"]) == hostile_build["before"]


@pytest.mark.integration
def test_rebuilding_the_hostile_corpus_publishes_nothing_new(hostile_build: dict) -> None:
    import io
    from contextlib import redirect_stdout

    before = {p.name for p in hostile_build["curated"].iterdir()}
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEWSETL_RAW_DIR", str(hostile_build["raw"]))
        mp.setenv("NEWSETL_CURATED_DIR", str(hostile_build["curated"]))
        mp.setenv("DAGSTER_HOME", str(hostile_build["curated"].parent / "home"))
        with redirect_stdout(out):
            code = build.main([])
    assert code == 0
    assert "no change: LATEST stays 1.0.0" in out.getvalue()
    assert {p.name for p in hostile_build["curated"].iterdir()} == before
