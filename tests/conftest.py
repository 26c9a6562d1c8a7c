"""Shared fixtures: tiny raw corpora in tmp_path and a session-wide spaCy pipeline."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "raw"

WIRE = """Gunmen seize oil tanker off Lagos

By Amina Okafor

Reuters, 14 June 2021

LAGOS (Reuters) - Pirates boarded a tanker carrying 40,000 tonnes of crude near Lagos on Sunday, the Nigerian navy said. President Muhammadu Buhari ordered an inquiry.

A navy spokesman said about 20 sailors were taken hostage. Buhari said the attack would not go unanswered.
"""

BLOG = """## **Cargo jet lands in Nairobi**

*Tuesday, Jul 6 2021*

A Boeing C-17 carrying 12 armoured vehicles landed at Jomo Kenyatta airport in Kenya on Monday, officials said.

Defence secretary Eugene Wamalwa said the <u>aircraft</u> left from Germany.

Support our journalism. Donate today to keep it free for everyone.
"""


@pytest.fixture
def raw_root(tmp_path: Path) -> Path:
    root = tmp_path / "raw"
    root.mkdir()
    (root / "wire.txt").write_text(WIRE, encoding="utf-8")
    (root / "blog.md").write_text(BLOG, encoding="utf-8")
    (root / "empty.txt").write_bytes(b"")
    return root


@pytest.fixture(scope="session")
def nlp():  # type: ignore[no-untyped-def]
    from dagster_project.nlp.model import load_nlp

    return load_nlp()


def outputs(events: Iterable[Any]) -> dict[str, Any]:
    """The values an asset called directly yielded, by output name (its check results are left out)."""
    return {e.output_name: e.value for e in events if isinstance(e, dg.Output)}
