from pathlib import Path

import pytest

from dagster_project.core import ingest


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"", ingest.EMPTY),
        (b"   \n\t ", ingest.EMPTY),
        (b"abc\x00def" * 10, ingest.BINARY),
        (b"Plain English text about a cargo plane.", None),
        ("Café in Caracas, naïve résumé.".encode("cp1252"), None),
        ("\ufeffA BOM-prefixed file.".encode(), None),
    ],
)
def test_read_raw_file_reasons(tmp_path: Path, payload: bytes, reason: str | None) -> None:
    f = tmp_path / "a.txt"
    f.write_bytes(payload)
    rf = ingest.read_raw_file(f, tmp_path)
    assert rf.quarantine_reason == reason
    if reason is None:
        assert rf.text and "\ufeff" not in rf.text


def test_cp1252_is_decoded_not_quarantined(tmp_path: Path) -> None:
    f = tmp_path / "latin.txt"
    f.write_bytes("Nicolás Maduro met officials in Maiquetía on Sunday morning.".encode("cp1252"))
    rf = ingest.read_raw_file(f, tmp_path)
    assert rf.text is not None and "Nicolás" in rf.text


def test_too_large_is_refused_without_reading(tmp_path: Path) -> None:
    f = tmp_path / "big.txt"
    f.write_bytes(b"a" * 2000)
    rf = ingest.read_raw_file(f, tmp_path, max_bytes=1000)
    assert rf.quarantine_reason == ingest.TOO_LARGE and rf.bytes == 2000


def test_scan_marks_duplicates_and_symlinks(tmp_path: Path) -> None:
    root = tmp_path / "raw"
    (root / "nested").mkdir(parents=True)
    (root / "a.txt").write_text("same text here")
    (root / "nested" / "b.txt").write_text("same text here")
    outside = tmp_path / "secret.txt"
    outside.write_text("do not read")
    (root / "link.txt").symlink_to(outside)
    by_name = {rf.source_file: rf for rf in ingest.scan_raw(root)}
    assert set(by_name) == {"a.txt", "nested/b.txt", "link.txt"}
    assert by_name["nested/b.txt"].quarantine_reason == ingest.DUPLICATE
    assert "a.txt" in (by_name["nested/b.txt"].detail or "")
    assert by_name["link.txt"].quarantine_reason == ingest.SYMLINK_OUTSIDE
    assert by_name["link.txt"].text is None
