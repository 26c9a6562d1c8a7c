"""The curated root's locks (runtime/locking.py, filelock): exclusive, named holder, released when the holder dies."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dagster_project.runtime.locking import BUILD_LOCK, PUBLISH_LOCK, LockBusy, curated_lock

REPO = Path(__file__).resolve().parents[2]

HOLD = ("import sys, time; from pathlib import Path; from dagster_project.runtime.locking import curated_lock\n"
        "with curated_lock(Path(sys.argv[1]), sys.argv[2]):\n    print('held', flush=True); time.sleep(600)\n")


def _holder(curated: Path, name: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(curated), name], cwd=REPO, stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    proc.stdout.close()
    assert line == "held"
    return proc


def test_a_busy_lock_names_its_holder_and_gives_up_after_the_timeout(tmp_path: Path) -> None:
    proc = _holder(tmp_path, BUILD_LOCK)
    try:
        notify = io.StringIO()
        started = time.monotonic()
        with pytest.raises(LockBusy, match=rf"pid {proc.pid}\) holds .*gave up after 0.3s"), \
                curated_lock(tmp_path, BUILD_LOCK, timeout=0.3, notify=notify):
            pass
        assert 0.3 <= time.monotonic() - started < 10
        assert f"another build (pid {proc.pid}) holds" in notify.getvalue()
        with curated_lock(tmp_path, PUBLISH_LOCK, timeout=0):  # the other lock is free
            pass
    finally:
        proc.kill()
        proc.wait()


def test_the_lock_is_released_when_its_holder_is_killed(tmp_path: Path) -> None:
    proc = _holder(tmp_path, BUILD_LOCK)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with curated_lock(tmp_path, BUILD_LOCK, timeout=5):
        assert (tmp_path / BUILD_LOCK).read_text(encoding="utf-8") == str(os.getpid())
