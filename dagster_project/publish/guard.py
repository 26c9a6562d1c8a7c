"""The shrink guard of the publish audit: a version that loses many of its parent's articles needs a person's word.

Published versions are immutable and ``LATEST`` is what researchers read, so a raw root that lost most of its
files (a half-synced mount, a wrong sub-folder, a cleaned-up bucket) must not silently become the newest
release. Losing a few articles is normal (a retracted report, a file moved to quarantine): those are published
and named in the changelog. Losing more than ``max_share`` of the parent's articles is refused unless the build
was run with ``--allow-shrink`` (``NEWSETL_ALLOW_SHRINK=1``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_MAX_SHARE = 0.20
ALLOW_ENV = "NEWSETL_ALLOW_SHRINK"
MAX_SHARE_ENV = "NEWSETL_MAX_SHRINK"
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class ShrinkPolicy:
    """How much of the parent's articles a new version may lose without an explicit permission."""

    max_share: float = DEFAULT_MAX_SHARE
    allow: bool = False

    def __post_init__(self) -> None:
        if not 0.0 <= self.max_share <= 1.0:
            raise ValueError(f"{MAX_SHARE_ENV} must be a share between 0 and 1, not {self.max_share!r}")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ShrinkPolicy:
        """The policy of this run: ``NEWSETL_ALLOW_SHRINK`` (1/true/yes) and ``NEWSETL_MAX_SHRINK`` (0.2 = 20%).

        Read when a version is published, never at import time.
        """
        env = os.environ if env is None else env
        share = env.get(MAX_SHARE_ENV, "").strip()
        try:
            max_share = float(share) if share else DEFAULT_MAX_SHARE
        except ValueError as exc:
            raise ValueError(f"{MAX_SHARE_ENV} must be a share between 0 and 1, not {share!r}") from exc
        return cls(max_share, env.get(ALLOW_ENV, "").strip().lower() in _TRUE)


def shrink_failure(parent_version: str, parent_articles: int, articles: int, policy: ShrinkPolicy) -> str | None:
    """The audit failure for a version of ``articles`` articles whose parent had ``parent_articles``, or ``None``.

    Strictly more than ``max_share`` of the parent's articles must be lost to refuse: with the default 20%, one
    article of five may go.
    """
    lost = parent_articles - articles
    if policy.allow or lost <= 0 or lost <= policy.max_share * parent_articles:
        return None
    return (
        f"articles: this version would lose {lost} of the {parent_articles} articles of {parent_version} "
        f"({100 * lost / parent_articles:.0f}%, over the {100 * policy.max_share:.0f}% a build may drop on its "
        f"own). If the raw files were removed on purpose, build again with --allow-shrink "
        f"({ALLOW_ENV}=1); else check NEWSETL_RAW_DIR"
    )
