import hashlib
import os
import re
from pathlib import Path

import pytest

from dagster_project.ingest import raw as ingest


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
    by_name = _scan(root)
    assert set(by_name) == {"a.txt", "nested/b.txt", "link.txt"}
    assert by_name["nested/b.txt"]["quarantine_reason"] == ingest.DUPLICATE
    assert "a.txt" in (by_name["nested/b.txt"]["detail"] or "")
    assert by_name["link.txt"]["quarantine_reason"] == ingest.SYMLINK_OUTSIDE
    assert by_name["link.txt"]["text"] is None


def test_too_large_file_is_hashed_in_chunks_not_refused_silently(tmp_path: Path) -> None:
    f = tmp_path / "big.txt"
    payload = b"x" * (3 * (1 << 20) + 17)  # over several read chunks, a single line
    f.write_bytes(payload)
    rf = ingest.read_raw_file(f, tmp_path, max_bytes=1 << 20)
    assert rf.quarantine_reason == ingest.TOO_LARGE and rf.text is None
    assert rf.source_sha256 == hashlib.sha256(payload).hexdigest()
    assert "over the limit of 1048576 bytes" in (rf.detail or "")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Juan\u00a0Guaid\u200bó met\u202fofficials", "Juan Guaidó met officials"),
        ("line one\rline two\r\nline three\u2028four", "line one\nline two\r\nline three\nfour"),
        ("\ufeffsoft\u00adhyphen and Zero\u200b\u200c\u200dWidth", "softhyphen and ZeroWidth"),
        ("plain text stays as it is", "plain text stays as it is"),
        ("CRLF line ends\r\nare kept\r\n", "CRLF line ends\r\nare kept\r\n"),
        ("curly \u201cquotes\u201d \u2014 and accents \u00e9 stay", "curly \u201cquotes\u201d \u2014 and accents \u00e9 stay"),
    ],
)
def test_normalize_text_and_offsets_map_back(raw: str, expected: str) -> None:
    norm, omap = ingest.normalize_text(raw)
    assert norm == expected
    assert (omap is None) == (raw == expected)
    if omap is None:
        return
    # Every word of the normalized text maps back to the same characters in the decoded text.
    for m in re.finditer(r"\w+", norm):
        rs, re_ = omap.raw_span(m.start(), m.end())
        assert re.sub(r"[\u200b\u200c\u200d\u00ad\ufeff]", "", raw[rs:re_]) == m.group(0)


@pytest.mark.parametrize(
    ("data", "binary"),
    [
        (b"a" * 100 + b"\x01" * 8, False),  # up to max(8, 1%) stray control bytes are tolerated
        (b"a" * 100 + b"\x01" * 9, True),
        (b"a" * 2000 + b"\x07\x1f" * 10, False),  # 20 control bytes, 1% of 2,020 is 20
        (b"a" * 2000 + b"\x07\x1f" * 11, True),
        (b"tab\tform feed\x0cESC\x1b CR\r\n" * 20, False),  # white space and ESC are not control noise
        (b"\x02" * 20 + b"a" * 9000, False),  # only the first 8 kB is sampled, and 20 is under 1% of it
    ],
)
def test_control_bytes_mark_a_file_as_binary(data: bytes, binary: bool) -> None:
    assert ingest._looks_binary(data) is binary


def test_utf16_with_bom_is_decoded_not_binary(tmp_path: Path) -> None:
    f = tmp_path / "u16.txt"
    f.write_bytes("Sergei Lavrov spoke in Moscow on Monday.".encode("utf-16"))
    rf = ingest.read_raw_file(f, tmp_path)
    assert rf.quarantine_reason is None and rf.text == "Sergei Lavrov spoke in Moscow on Monday."


def test_special_files_links_and_odd_names(tmp_path: Path) -> None:
    root = tmp_path / "raw"
    (root / "sub").mkdir(parents=True)
    os.mkfifo(root / "pipe")
    (root / "loop").symlink_to(root / "loop")
    (root / "dangling.txt").symlink_to(root / "missing.txt")
    (root / "dirlink").symlink_to(root / "sub", target_is_directory=True)
    (root / "sub" / "real.txt").write_text("A report from Caracas about aircraft.")
    (root / "inside.txt").symlink_to(root / "sub" / "real.txt")
    (root / os.fsdecode(b"caf\xe9.txt")).write_text("Another report, from Valencia.")
    by_name = _scan(root)
    assert by_name["pipe"]["quarantine_reason"] == ingest.NOT_REGULAR
    assert by_name["loop"]["quarantine_reason"] == ingest.UNREADABLE
    assert by_name["dangling.txt"]["quarantine_reason"] == ingest.UNREADABLE
    assert by_name["dirlink"]["quarantine_reason"] == ingest.SYMLINK_OUTSIDE
    # A link inside the root is read like the file it points to, so it is that file's duplicate.
    assert by_name["inside.txt"]["quarantine_reason"] == ingest.DUPLICATE
    assert by_name["sub/real.txt"]["quarantine_reason"] is None
    assert by_name["caf\\xe9.txt"]["text"] == "Another report, from Valencia."
    assert len(by_name) == 7


def _scan(root: Path) -> dict:
    """The rows ingest reads from ``root`` (ingest/sources.py, what the raw_articles asset runs), by file."""
    from dagster_project.ingest.sources import scan_sources

    return {row["source_file"]: row for row in scan_sources(root, ingest.DEFAULT_MAX_BYTES)}
