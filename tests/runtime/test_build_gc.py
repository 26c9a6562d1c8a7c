"""``make dataset`` keeps the garbage collector off its imports and away from their objects during the run."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from dagster_project import build


@pytest.mark.parametrize("enabled_before", [True, False])
def test_run_freezes_the_heap_during_the_run_and_restores_the_collector(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, enabled_before: bool) -> None:
    seen: dict[str, object] = {}

    def execute(curated: Path) -> int:
        seen["enabled_while_importing"] = gc.isenabled()
        gc.freeze()  # what _execute does once the job and the instance exist
        gc.enable()
        seen["frozen"] = gc.get_freeze_count()
        return 7

    monkeypatch.setattr(build, "_execute", execute)
    monkeypatch.setattr(build, "prestart_extraction", lambda: False)
    (gc.enable if enabled_before else gc.disable)()
    try:
        assert build._run(tmp_path) == 7
        assert gc.isenabled() is enabled_before
    finally:
        gc.enable()
    assert seen["enabled_while_importing"] is False
    assert isinstance(seen["frozen"], int) and seen["frozen"] > 0
    assert gc.get_freeze_count() == 0  # the caller's objects are collectable again


def test_a_failing_run_restores_the_collector(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def execute(curated: Path) -> int:
        gc.freeze()
        raise RuntimeError("instance unavailable")

    monkeypatch.setattr(build, "_execute", execute)
    monkeypatch.setattr(build, "prestart_extraction", lambda: False)
    with pytest.raises(RuntimeError, match="instance unavailable"):
        build._run(tmp_path)
    assert gc.isenabled() and gc.get_freeze_count() == 0
