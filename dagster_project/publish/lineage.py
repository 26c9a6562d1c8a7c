"""Code lineage facts recorded with each published version."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git_commit(repo: Path) -> str | None:
    """The checked-out commit, or None outside a git checkout (e.g. an installed wheel)."""
    try:
        out = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    sha = out.stdout.strip()
    return sha if out.returncode == 0 and len(sha) == 40 else None


def git_dirty(repo: Path) -> bool | None:
    """Whether tracked files differ from the commit (then the commit alone does not name the code)."""
    try:
        out = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=5, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return bool(out.stdout.strip()) if out.returncode == 0 else None
