"""Per-item result cache for incremental builds: Parquet segments keyed by content hash and code fingerprint.

A refresh re-parses and re-extracts only the articles whose content (or the code that processes them) changed.
Results live on disk as Parquet, never pickle, under ``<namespace>/<fingerprint>/``:

* ``rows-<segment>.parquet``: the result rows of a batch of items, each row tagged with its ``cache_key``;
* ``keys-<segment>.parquet``: the keys that batch covered (items that produced no row are cached too).
  It is written last (atomically), so a segment without its keys file is an interrupted write and ignored.

The fingerprint hashes the source of the code that produces the rows (found by following imports, so a
code change invalidates the cache without anyone bumping a version constant) plus explicit salts such as
``PARSER_VERSION`` or the spaCy model version. A new fingerprint starts an empty folder; stale ones are pruned.
Work is written in chunks, so memory stays bounded by the chunk size, not by the corpus size.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

KEY = "cache_key"
SEGMENT = "cache_segment"
T = TypeVar("T")


def content_key(*parts: str | int | None) -> str:
    """A stable key for an item from the values that determine its result (e.g. name and content hash)."""
    h = hashlib.sha256()
    for p in parts:
        h.update(repr(p).encode())
        h.update(b"\x1f")
    return h.hexdigest()[:32]


def package_dir(package: str) -> Path | None:
    """The folder of an installed top-level package, found without importing it (None when absent)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _module_file(name: str, package: str) -> Path | None:
    """The source file of module ``name`` inside ``package``, found on disk without importing anything.

    (``importlib.util.find_spec("a.b.c")`` imports ``a.b``: following ``from a.b import name`` that way would
    import the extractors, and spaCy with them, into a process that only wants a hash of their source.)
    """
    root = package_dir(package)
    if root is None:
        return None
    base = root.joinpath(*name.split(".")[1:])
    for path in (base / "__init__.py", base.with_suffix(".py")):
        if path.is_file():
            return path
    return None


def _statements(nodes: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """Every statement in ``nodes`` and in the blocks nested in them (function and class bodies, ``if``,
    ``try``/``except``, ``with``, loops, ``match``), without descending into expressions.

    An import is always a statement, so this finds the same imports as ``ast.walk`` while visiting a tenth of
    the nodes: the fingerprints are computed in every build, and walking every expression took ~0.1 s.
    """
    for node in nodes:
        yield node
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, list) and value and isinstance(value[0], (ast.stmt, ast.excepthandler, ast.match_case)):
                yield from _statements(value)


@functools.lru_cache(maxsize=512)
def _imported_modules(source: str, module: str, is_package: bool) -> frozenset[str]:
    """Names of the modules ``source`` imports, with relative imports made absolute (remembered per source:
    the parse and extract fingerprints of one build share most of their modules)."""
    out: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in _statements(ast.parse(source).body):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            out.add(base)
            # ``from pkg import submodule`` imports a module, not only a name.
            out.update(f"{base}.{alias.name}" for alias in node.names)
    return frozenset(out)


def source_closure(roots: Sequence[str], package: str) -> dict[str, Path]:
    """Every module of ``package`` reachable by imports from ``roots`` (module name -> source file)."""
    seen: dict[str, Path] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen or not (name == package or name.startswith(package + ".")):
            continue
        path = _module_file(name, package)
        if path is None:
            continue
        seen[name] = path
        todo.extend(_imported_modules(path.read_text(encoding="utf-8"), name, path.name == "__init__.py"))
        # Importing ``a.b.c`` runs ``a/__init__`` and ``a/b/__init__`` too.
        parts = name.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))
    return seen


def code_fingerprint(
    roots: Sequence[str], package: str, data_files: Iterable[Path] = (), salts: Iterable[str] = ()
) -> str:
    """A hash of the source of ``roots`` and every module of ``package`` they import, data files and salts."""
    h = hashlib.sha256()
    for name, path in sorted(source_closure(roots, package).items()):
        h.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    for path in sorted(data_files):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for salt in salts:
        h.update(salt.encode() + b"\0")
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class CacheStats:
    """How many items were found in the cache and how many were computed."""

    hits: int
    misses: int


class ResultCache:
    """Result rows of one processing step, for one code fingerprint, as Parquet segments."""

    def __init__(self, root: Path, namespace: str, fingerprint: str, schema: dict[str, pl.DataType]) -> None:
        self.base = Path(root) / namespace
        self.fingerprint = fingerprint
        self.dir = self.base / fingerprint
        self.schema: dict[str, Any] = {KEY: pl.String(), **schema}
        self.dir.mkdir(parents=True, exist_ok=True)

    def prune_stale(self) -> list[str]:
        """Delete the folders of other fingerprints (results of code that no longer exists)."""
        removed = []
        for child in self.base.iterdir():
            if child.is_dir() and child.name != self.fingerprint:
                shutil.rmtree(child, ignore_errors=True)
                removed.append(child.name)
        return removed

    def _key_files(self) -> list[Path]:
        return sorted(self.dir.glob("keys-*.parquet"))

    def _keys_frame(self) -> pl.LazyFrame:
        files = self._key_files()
        if not files:
            return pl.LazyFrame(schema={KEY: pl.String(), SEGMENT: pl.String()})
        # The first (oldest) segment to hold a key wins, so duplicates from concurrent runs are harmless.
        return pl.scan_parquet(files).unique(KEY, keep="first", maintain_order=True)

    def cached_keys(self) -> set[str]:
        return set(self._keys_frame().select(KEY).collect().to_series().to_list())

    def write_segment(self, keys: Sequence[str], rows: pl.DataFrame) -> str:
        """Store the rows computed for ``keys``; the keys file is the commit marker, written last."""
        # Time-ordered names: the oldest segment sorts first.
        segment = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        rows = rows.select(list(self.schema)).cast(pl.Schema(self.schema)).with_columns(pl.lit(segment).alias(SEGMENT))
        _atomic_parquet(rows, self.dir / f"rows-{segment}.parquet")
        k = pl.DataFrame({KEY: list(keys), SEGMENT: [segment] * len(keys)}, schema={KEY: pl.String(), SEGMENT: pl.String()})
        _atomic_parquet(k, self.dir / f"keys-{segment}.parquet")
        return segment

    def load(self, keys: Iterable[str]) -> pl.DataFrame:
        """The cached rows of ``keys`` (with their ``cache_key`` column), read lazily from the segments."""
        wanted = pl.DataFrame({KEY: list(dict.fromkeys(keys))}, schema={KEY: pl.String()})
        files = [self.dir / f.name.replace("keys-", "rows-", 1) for f in self._key_files()]
        if not files or wanted.is_empty():
            return pl.DataFrame(schema=self.schema)
        owners = self._keys_frame().join(wanted.lazy(), on=KEY, how="semi")
        return (
            pl.scan_parquet(files)
            .join(owners, on=[KEY, SEGMENT], how="semi")
            .select(list(self.schema))
            .collect()
        )

    def compact(self, max_segments: int = 32) -> bool:
        """Merge the segments into one when there are many (each refresh adds one or more)."""
        files = self._key_files()
        if len(files) <= max_segments:
            return False
        keys = self._keys_frame().collect()
        rows = self.load(keys[KEY].to_list())
        segment = self.write_segment(keys[KEY].to_list(), rows)
        for f in files:
            if segment not in f.name:
                (self.dir / f.name.replace("keys-", "rows-", 1)).unlink(missing_ok=True)
                f.unlink(missing_ok=True)
        return True

    def fill(
        self,
        items: Iterable[tuple[str, T]],
        compute: Callable[[Iterable[tuple[str, T]]], Iterator[tuple[str, list[dict[str, Any]]]]],
        chunk_size: int = 500,
    ) -> CacheStats:
        """Compute the rows of the items not yet cached, in chunks of ``chunk_size`` items.

        ``compute`` receives the missing ``(key, item)`` pairs as one stream (so it can batch them, e.g.
        through ``nlp.pipe``) and yields ``(key, rows)`` once per item. Each chunk is written as a segment
        as soon as it is complete, so an interrupted refresh keeps the work already done.
        """
        known = self.cached_keys()
        hits = 0

        def missing() -> Iterator[tuple[str, T]]:
            nonlocal hits
            for key, item in items:
                if key in known:
                    hits += 1
                else:
                    known.add(key)  # an item listed twice is computed once
                    yield key, item

        misses = 0
        results = compute(missing())
        while True:
            chunk = list(islice(results, chunk_size))
            if not chunk:
                break
            misses += len(chunk)
            rows = [{KEY: key, **row} for key, item_rows in chunk for row in item_rows]
            frame = pl.DataFrame(rows, schema=self.schema, orient="row") if rows else pl.DataFrame(schema=self.schema)
            self.write_segment([key for key, _ in chunk], frame)
        self.compact()
        return CacheStats(hits=hits, misses=misses)


def _atomic_parquet(df: pl.DataFrame, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    df.write_parquet(tmp)
    tmp.replace(path)



# The data files (gazetteers, aircraft list) that parsing and extraction read.
DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def data_files(root: Path = DATA_DIR) -> list[Path]:
    """The data files under ``root`` that parsing and extraction read (their bytes are fingerprinted)."""
    # Not the package's Python files, nor the bytecode Python writes beside them on first import: a
    # __pycache__ appearing after the first build changed the fingerprint and threw the caches away.
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*")
                  if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts)


def parse_fingerprint(extra_modules: Sequence[str] = ()) -> str:
    """Code identity of parsing: ``nlp.parse`` and everything it imports, the data files, PARSER_VERSION."""
    from dagster_project.nlp.parse import PARSER_VERSION

    roots = ["dagster_project.nlp.parse", *extra_modules]
    return code_fingerprint(roots, "dagster_project", data_files(), [PARSER_VERSION])


def extract_fingerprint(model: str, extra_modules: Sequence[str] = ()) -> str:
    """Code identity of extraction: ``nlp.extract``, ``nlp.model`` and their imports, data, model version."""
    from importlib.metadata import PackageNotFoundError, version

    from dagster_project.nlp.extract import EXTRACTOR_VERSION

    try:
        model_version = version(model)
    except PackageNotFoundError:
        model_version = "unknown"
    roots = ["dagster_project.nlp.extract.candidates", "dagster_project.nlp.extract", "dagster_project.nlp.extract.pipeline",
             "dagster_project.nlp.model", *extra_modules]
    salts = [EXTRACTOR_VERSION, f"{model}=={model_version}", f"spacy=={version('spacy')}"]
    return code_fingerprint(roots, "dagster_project", data_files(), salts)


# What the extraction evaluation (evaluation/extract_eval.py) measures besides extraction itself: the parser makes
# the text it reads and entity resolution the entities it scores, so a change to either changes the figures.
EVALUATED_MODULES = ("dagster_project.nlp.parse", "dagster_project.nlp.resolve")


def evaluated_fingerprint(model: str) -> str:
    """The fingerprint an extraction evaluation report is keyed by: :func:`extract_fingerprint` over the extraction
    code and the modules it is scored through (:data:`EVALUATED_MODULES`). The committed report
    (``evaluation/extract/report.json``) holds the one it measured; a card quotes it only for the same code."""
    return extract_fingerprint(model, EVALUATED_MODULES)
