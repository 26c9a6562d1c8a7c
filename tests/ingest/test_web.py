"""Web pages and WARC archives: trafilatura's text and metadata, located raw offsets, streamed archives."""

import base64
import gc
import hashlib
import json
import re
import warnings
from io import BytesIO
from pathlib import Path

import dagster as dg
import polars as pl
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from dagster_project.assets.partitions import ALL_SHARDS_TAGS
from dagster_project.ingest.html import Refusal, is_html_file, parse_page, sniff_html, visible_text
from dagster_project.ingest.sources import scan_sources
from dagster_project.ingest.warc import read_record_page
from dagster_project.nlp.text import slug

PARAS = [
    "A powerful storm struck the eastern coast on Tuesday, forcing thousands of residents to leave their homes "
    "&amp; seek shelter in schools and sports halls.",
    "Officials said the <b>storm</b> brought winds of up to 150 km/h and heavy rain that flooded several towns "
    "along the shore overnight.",
    "Rescue teams from three provinces were deployed, and the national weather service warned that more rain is "
    "expected later this week across the region.",
]


def page(title: str = "Storm hits coast", paras: list[str] = PARAS, extra_head: str = "") -> str:
    body = "".join(f"<p>{p}</p>\n" for p in paras)
    return f"""<!DOCTYPE html><html lang="en"><head><title>{title} | Daily Bugle</title>
<meta property="og:site_name" content="Daily Bugle"><link rel="canonical" href="https://bugle.example/storm">
<meta property="article:published_time" content="2024-03-05T10:00:00Z"><meta name="author" content="Jane Roe">
<script type="text/html"><div>template <\\/script> text that is never shown</div></script>{extra_head}
</head><body data-page="article" class="layout
  wide"><nav><a href="/">Home</a> | <a href="/world">World news and more</a></nav>
<article><h1>{title}</h1>
{body}</article>
<aside><h3>Read also</h3><ul><li><a href="/x">Parliament debates the new budget for the coming year</a></li></ul>
</aside><footer>Copyright 2024 Daily Bugle. All rights reserved. Subscribe to our newsletter today.</footer>
</body></html>"""


def test_page_text_and_metadata_come_from_the_page() -> None:
    [art] = parse_page(page(), "storm.html", "0" * 64)  # type: ignore[misc]
    assert art.title == "Storm hits coast"
    assert (art.outlet, art.author, art.url) == ("Daily Bugle", "Jane Roe", "https://bugle.example/storm")
    assert art.published_date is not None and art.published_date.isoformat() == "2024-03-05"
    assert art.language == "en" and art.source_format == "html"
    assert art.text.split("\n\n")[0].startswith("A powerful storm struck")
    assert "leave their homes & seek shelter" in art.text
    assert not re.search(r"<[a-zA-Z/]", art.text)
    for furniture in ("Home", "Read also", "Parliament debates", "All rights reserved", "never shown"):
        assert furniture not in art.text


def test_raw_offsets_point_into_the_decoded_html() -> None:
    html = page()
    [art] = parse_page(html, "storm.html", "0" * 64)  # type: ignore[misc]
    assert art.raw_offsets_note is None
    for seg in art.segments:
        assert seg.raw_start is not None and seg.raw_end is not None
        raw = html[seg.raw_start:seg.raw_end]
        assert " ".join(re.sub(r"<[^>]+>", "", raw).replace("&amp;", "&").split()) == seg.text
    i = art.text.index("storm brought")
    rs, re_ = art.offset_map.raw_span(i, i + len("storm"))
    assert html[rs:re_] == "storm" and html[rs - 3:rs] == "<b>"


def test_a_paragraph_not_in_the_html_verbatim_has_null_offsets_and_a_note() -> None:
    html = page()
    # Simulate an extractor that joined text across elements: the paragraph is nowhere verbatim.
    from dagster_project.ingest import html as html_mod

    real = html_mod.extract_page

    def joined(p: str, url: str | None = None) -> html_mod.Page:
        meta = real(p, url)
        head, first, *rest = meta.paragraphs  # the headline, dropped from the text, then the story
        return html_mod.Page([head, first + " Extra words", *rest], meta.title, meta.outlet,
                             meta.author, meta.published_date, meta.url, meta.declared_language)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(html_mod, "extract_page", joined)
        [art] = parse_page(html, "storm.html", "0" * 64)  # type: ignore[misc]
    first, *rest = art.segments
    assert first.raw_start is None and first.raw_end is None
    assert all(s.raw_start is not None for s in rest)
    assert art.raw_offsets_note is not None and art.raw_offsets_note.startswith("1 of 3 paragraph(s)")
    assert art.offset_map.raw_span(0, 5) == (-1, -1)
    assert art.raw_start == rest[0].raw_start


def test_a_5_mb_page_is_parsed_and_a_huge_text_is_refused(tmp_path: Path) -> None:
    blob = "<script>var state = " + json.dumps(["x" * 1000] * 5200) + ";</script>"
    big = page(extra_head=blob)
    assert len(big.encode()) > 5_000_000
    (tmp_path / "big.html").write_text(big, encoding="utf-8")
    [row] = scan_sources(tmp_path, 300_000)
    assert row["quarantine_reason"] is None and row["source_format"] == "html"
    [art] = parse_page(row["text"], "big.html", row["source_sha256"])  # type: ignore[misc]
    assert art.title == "Storm hits coast" and len(art.text) < 1000
    long_paras = [f"Paragraph {i} says that the storm was strong and that people left their homes. " * 20
                  for i in range(300)]
    refused = parse_page(page(paras=long_paras), "long.html", "0" * 64)
    assert isinstance(refused, Refusal) and refused.reason == "too_large" and "over the limit" in refused.detail


def test_html_is_sniffed_but_text_quoting_a_tag_is_not(tmp_path: Path) -> None:
    assert sniff_html(b"\xef\xbb\xbf  <!DOCTYPE html><html>") and sniff_html(b"<html lang='de'><head>")
    assert not sniff_html(b"Reuters - The <b>minister</b> said on Monday")
    (tmp_path / "saved_page").write_text(page(), encoding="utf-8")
    assert is_html_file(tmp_path / "saved_page")


def test_visible_text_skips_scripts_and_maps_back() -> None:
    html = "<p>One &amp; two</p><script>x = '<p>no</p>'</script><p>three\n  four</p>"
    text, omap, _ = visible_text(html)
    assert text.strip() == "One & two three four"
    i = text.index("four")
    assert html[slice(*omap.raw_span(i, i + 4))] == "four"


def _warc(path: Path, pages: list[tuple[str, bytes]], extras: bool = True) -> None:
    # warcio's writer computes digests through temporary files it never closes: collected here, silently.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        _write_warc(path, pages, extras)
        gc.collect()


def _write_warc(path: Path, pages: list[tuple[str, bytes]], extras: bool) -> None:
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=path.name.endswith(".gz"))
        w.write_record(w.create_warcinfo_record(path.name, {"software": "tests"}))

        def resp(uri: str, body: bytes, ctype: str, status: str = "200 OK") -> None:
            h = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
            # The payload digest given up front: computing it, warcio leaves a temporary file open.
            digest = "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode()
            w.write_record(w.create_warc_record(uri, "response", payload=BytesIO(body), http_headers=h,
                                                warc_headers_dict={"WARC-Payload-Digest": digest}))

        if extras:
            resp("https://bugle.example/robots.txt", b"User-agent: *\nDisallow:", "text/plain")
            resp("https://bugle.example/logo.png", b"\x89PNG\r\n\x1a\n....", "image/png")
            resp("https://bugle.example/old", b"", "text/html", "301 Moved Permanently")
            req = StatusAndHeaders("GET / HTTP/1.1", [("Host", "bugle.example")], is_http_request=True)
            w.write_record(w.create_warc_record("https://bugle.example/", "request", http_headers=req))
        for uri, body in pages:
            resp(uri, body, "text/html; charset=utf-8")


def test_warc_gives_one_row_per_html_response_and_counts_the_rest(tmp_path: Path) -> None:
    one = page().encode()
    two = page("Flood hits town", [p.replace("storm", "flood") for p in PARAS]).encode()
    _warc(tmp_path / "a.warc.gz", [("https://bugle.example/storm", one), ("https://bugle.example/flood", two)])
    # A second archive re-crawls one URL (new bytes) and holds one page byte-identical to the first archive's.
    _warc(tmp_path / "b.warc", [("https://bugle.example/flood", two + b" "), ("https://other.example/x", one)],
          extras=False)
    rows = scan_sources(tmp_path, 300_000)
    records = [r for r in rows if r["source_format"] == "warc_record"]
    archives = {r["source_file"]: r for r in rows if r["source_format"] == "warc"}
    assert len(records) == 4 and all(r.get("text") is None for r in records)
    assert all(re.fullmatch(r"[ab]\.warc(\.gz)?#<urn:uuid:[0-9a-f-]+>", r["source_file"]) for r in records)
    accepted = [r for r in records if r.get("quarantine_reason") is None]
    assert [r["url"] for r in accepted] == ["https://bugle.example/storm", "https://bugle.example/flood"]
    dups = sorted(r["detail"].split(" ")[0] for r in records if r.get("quarantine_reason") == "duplicate")
    assert dups == ["byte-identical", "same"]
    assert json.loads(archives["a.warc.gz"]["warc_records"]) == {
        "html": 2, "non_html": 1, "redirect": 1, "request": 1, "robots_txt": 1, "warcinfo": 1}
    assert archives["a.warc.gz"].get("quarantine_reason") is None and archives["a.warc.gz"]["source_sha256"]
    html, encoding = read_record_page(tmp_path / "a.warc.gz", accepted[1]["record_offset"], 10**7)  # type: ignore[misc]
    assert encoding == "utf-8" and "Flood hits town" in html


def test_a_file_named_warc_that_is_not_one_is_quarantined(tmp_path: Path) -> None:
    (tmp_path / "broken.warc.gz").write_bytes(b"this is not a warc archive at all")
    [row] = scan_sources(tmp_path, 300_000)
    assert row["quarantine_reason"] == "unreadable" and "not a readable WARC" in row["detail"]


def test_slugs_are_readable_and_unique_in_every_script() -> None:
    names = ["Αλέξης Τσίπρας", "Κυριάκος Μητσοτάκης", "Владимир Путин", "Алексей Навальный", "习近平", "李强",
             "محمد بن سلمان", "张伟", "章伟"]
    slugs = [slug(n) for n in names]
    assert len(set(slugs)) == len(names)
    assert slugs[0].startswith("alexis-tsipras-") and slugs[2].startswith("vladimir-putin-")
    assert slugs[4].startswith("xijinping-")
    assert all(re.fullmatch(r"[a-z0-9-]+", s) for s in slugs)
    assert slug("Nicolás Maduro") == "nicolas-maduro" and slug("Boeing 747") == "boeing-747"


@pytest.mark.integration
def test_pages_and_a_warc_publish_with_names_in_three_scripts(tmp_path: Path) -> None:
    from dagster_project.assets import extract, ingest, parse, publish
    from dagster_project.io_manager import PolarsParquetIOManager
    from dagster_project.resources import NlpModel, StorageRoots

    raw = tmp_path / "raw"
    raw.mkdir()
    greek = ["Prime Minister Κυριάκος Μητσοτάκης met Αλέξης Τσίπρας in Athens on Monday to discuss the budget "
             "and the new agreement with the European Union on migration.",
             "Later, Владимир Путин and Сергей Лавров spoke by telephone with 习近平 about trade and the war, "
             "officials in Moscow and Beijing said on Tuesday evening."]
    (raw / "greek.html").write_text(page("Leaders meet in Athens", greek + PARAS[:1]), encoding="utf-8")
    _warc(raw / "crawl.warc.gz", [("https://bugle.example/storm", page().encode())])
    roots = StorageRoots(raw_dir=str(raw), curated_dir=str(tmp_path / "curated"), dagster_home=str(tmp_path / "h"))
    assets = [*dg.load_assets_from_modules([ingest, parse, extract, publish]),
              *dg.load_asset_checks_from_modules([ingest, parse, extract, publish])]
    with dg.instance_for_test() as instance:
        result = dg.materialize(assets, instance=instance, tags=ALL_SHARDS_TAGS, resources={
            "roots": roots, "nlp": NlpModel(), "io_manager": PolarsParquetIOManager(roots=roots)})
    assert result.success
    curated = tmp_path / "curated"
    version = curated / (curated / "LATEST").read_text().strip()
    articles = pl.read_parquet(version / "articles.parquet")
    assert sorted(articles["title"]) == ["Leaders meet in Athens", "Storm hits coast"]
    assert set(articles["url"]) == {"https://bugle.example/storm"}
    warc_art = articles.filter(pl.col("source_file").str.starts_with("crawl.warc.gz#"))
    assert warc_art.height == 1 and warc_art["source_format"].item() == "html"
    entities = pl.read_parquet(version / "entities.parquet")
    assert entities["entity_id"].is_unique().all()
    assert not entities["entity_id"].is_in(["person:x", "place:x"]).any()
    package = json.loads((version / "datapackage.json").read_text())
    assert "crawl.warc.gz" in json.dumps(package)


def test_one_articles_contract_failure_splits_off_that_article_only() -> None:
    from contracts import Segments
    from dagster_project.assets._tables import split_failing_rows

    segs = pl.DataFrame({
        "segment_id": ["a-0", "a-1", "b-0", "c-0"], "article_id": ["a", "a", "b", "c"], "seq": [0, 1, 0, 0],
        "kind": ["body", "body", "not-a-kind", "body"], "raw_start": [0, 5, 0, 9], "raw_end": [4, 9, 3, 2],
        "start": [0, 5, 0, 0], "end": [4, 9, 3, 4], "text": ["t", "t", "t", "t"]})
    kept, failed = split_failing_rows(segs, Segments)
    assert kept["article_id"].to_list() == ["a", "a"]
    assert set(failed) == {"b", "c"}
    assert "kind" in failed["b"] and "raw_span_ordered" in failed["c"]
    # A failure no row explains (a missing column) is not split: the blocking check must still fail.
    kept, failed = split_failing_rows(segs.drop("text"), Segments)
    assert failed == {} and kept.height == 4


def test_a_list_items_bullet_maps_nowhere_but_its_text_maps_to_the_html() -> None:
    items = ["Pizza was searched more often than any other food this year, the company said.",
             "Searches for the new pastry rose sharply after it arrived in the shops last spring."]
    html = page(paras=PARAS).replace("</article>", "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul></article>")
    [art] = parse_page(html, "list.html", "0" * 64)  # type: ignore[misc]
    seg = next(s for s in art.segments if s.text == "- " + items[0])
    assert seg.raw_start is not None and html[seg.raw_start:seg.raw_end] == items[0]
    assert art.offset_map.raw_span(seg.start, seg.start + 2) == (-1, -1)  # type: ignore[operator]
    i = art.text.index("Pizza")
    assert html[slice(*art.offset_map.raw_span(i, i + 5))] == "Pizza"
    assert art.raw_offsets_note is None


def test_markup_shown_as_text_stays_out_of_the_text() -> None:
    code = "<pre>&lt;div itemscope itemtype=\"https://schema.org/LocalBusiness\"&gt;&lt;/div&gt;</pre>"
    html = page(paras=PARAS).replace("</article>", code + "</article>")
    [art] = parse_page(html, "code.html", "0" * 64)  # type: ignore[misc]
    assert "<div" not in art.text and "itemscope" not in art.text
    listing = [s for s in art.segments if s.kind == "boilerplate"]
    assert len(listing) == 1 and listing[0].start is None and "<div itemscope" in listing[0].text
    assert listing[0].raw_start is not None and "&lt;div itemscope" in html[listing[0].raw_start:listing[0].raw_end]


def test_scanning_an_archive_keeps_memory_flat(tmp_path: Path) -> None:
    import tracemalloc

    # 40 MB of images around one page: the scan must hold a record's worth at most, never the archive.
    blob = bytes(range(256)) * 4096 * 4  # 4 MiB
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        with (tmp_path / "big.warc.gz").open("wb") as fh:
            w = WARCWriter(fh, gzip=True)
            for i in range(10):
                h = StatusAndHeaders("200 OK", [("Content-Type", "image/jpeg")], protocol="HTTP/1.1")
                digest = "sha1:" + base64.b32encode(hashlib.sha1(blob).digest()).decode()
                w.write_record(w.create_warc_record(f"https://bugle.example/{i}.jpg", "response", payload=BytesIO(blob),
                                                    http_headers=h, warc_headers_dict={"WARC-Payload-Digest": digest}))
        gc.collect()
    _warc(tmp_path / "page.warc", [("https://bugle.example/storm", page().encode())], extras=False)
    tracemalloc.start()
    try:
        rows = scan_sources(tmp_path, 300_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    archives = {r["source_file"]: json.loads(r["warc_records"]) for r in rows if r["source_format"] == "warc"}
    assert archives["big.warc.gz"] == {"non_html": 10}
    # Memory follows the largest record (decompression may hold it about twice), not the 40 MiB archive.
    assert peak < 3 * len(blob), f"scan peaked at {peak} bytes of Python memory"
