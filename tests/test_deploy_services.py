"""deploy/services.py: the daemon and webserver of make test-postgres are always stopped, with what they started."""

from __future__ import annotations

import socket
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from deploy.services import supervised, wait_for_http

# A parent that starts a child in a session of its own (as a code server's run worker may), writes the child's
# pid, and waits; with IGNORE_TERM both ignore SIGTERM, as a hung process would.
FAMILY = textwrap.dedent("""
    import signal, subprocess, sys, time
    ignore = sys.argv[2] == "1"
    if ignore:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    body = "import signal, time\\n" + ("signal.signal(signal.SIGTERM, signal.SIG_IGN)\\n" if ignore else "") + "time.sleep(600)"
    child = subprocess.Popen([sys.executable, "-c", body], start_new_session=True)
    open(sys.argv[1], "w").write(str(child.pid))
    time.sleep(600)
""")


def _wait_for_file(path: Path) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return int(path.read_text())
        time.sleep(0.1)
    raise AssertionError(f"{path} was never written")


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.mark.parametrize("ignore_term", [False, True])
def test_the_service_and_a_descendant_in_its_own_session_stop_even_when_the_block_fails(
    tmp_path: Path, ignore_term: bool
) -> None:
    script, child_file, pids = tmp_path / "family.py", tmp_path / "child.pid", tmp_path / "services.pid"
    script.write_text(FAMILY)
    cmd = [sys.executable, str(script), str(child_file), "1" if ignore_term else "0"]
    pids.write_text("12345\n")  # another service's entry
    with pytest.raises(RuntimeError, match="the test failed"), supervised(
        cmd, tmp_path / "log", env={}, cwd=tmp_path, pid_file=pids, stop_timeout=2
    ) as proc:
        child = _wait_for_file(child_file)
        assert psutil.Process(child).is_running() and proc.poll() is None
        assert psutil.Process(child).ppid() == proc.pid
        # The shell's exit trap has the process-group id while the service runs...
        assert pids.read_text() == f"12345\n{proc.pid}\n"
        raise RuntimeError("the test failed")
    assert proc.poll() is not None
    assert _gone(child)
    assert pids.read_text() == "12345\n"  # ...and not after it was stopped (the id may be reused)


def test_wait_for_http_returns_once_the_server_answers(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "http.server", "-b", "127.0.0.1", str(port)]
    with supervised(cmd, tmp_path / "log", env={}, cwd=tmp_path) as proc:
        wait_for_http(f"http://127.0.0.1:{port}/", proc, timeout=60)
        assert proc.poll() is None


def test_wait_for_http_fails_early_when_the_server_exits(tmp_path: Path) -> None:
    cmd = [sys.executable, "-c", "raise SystemExit(3)"]
    with supervised(cmd, tmp_path / "log", env={}, cwd=tmp_path) as proc:
        started = time.monotonic()
        with pytest.raises(RuntimeError, match="exited with status 3"):
            wait_for_http("http://127.0.0.1:9/", proc, timeout=60)
        assert time.monotonic() - started < 30
