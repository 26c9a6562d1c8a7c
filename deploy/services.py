"""Start Dagster's own long-running services (``dagster-daemon``, ``dagster-webserver``) and always stop them.

Used by ``scripts/pg_e2e.py`` (``make test-postgres``). Each service runs in a session of its own so that one
signal to its process group reaches it and its code server; run workers that the code server starts may open
sessions of their own, so every descendant found at stop time is stopped too. Each service's process-group id
is in ``pid_file`` from its start until it is stopped, so the calling shell script can stop what a crashed or
killed Python process left behind (``scripts/test_postgres.sh``'s exit trap).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import psutil

BIN = Path(sys.executable).parent


def stop_tree(proc: subprocess.Popen, timeout: float = 30.0) -> None:
    """SIGTERM the process group of ``proc`` and every descendant, then SIGKILL whatever is left."""
    try:
        family = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    for p in family:
        with contextlib.suppress(psutil.Error):
            p.terminate()
    _, alive = psutil.wait_procs(family, timeout=timeout / 2)
    for p in alive:
        with contextlib.suppress(psutil.Error):
            p.kill()
    psutil.wait_procs(alive, timeout=5)


@contextlib.contextmanager
def supervised(cmd: Sequence[str], log: Path, *, env: Mapping[str, str], cwd: Path,
               pid_file: Path | None = None, stop_timeout: float = 30.0) -> Iterator[subprocess.Popen]:
    """Run ``cmd`` (output to ``log``) for the duration of the ``with`` block; stop it and its descendants after."""
    with log.open("ab") as fh:
        proc = subprocess.Popen(list(cmd), cwd=cwd, env=dict(env), stdout=fh, stderr=subprocess.STDOUT,
                                start_new_session=True)
    if pid_file is not None:
        with pid_file.open("a") as fh:
            fh.write(f"{proc.pid}\n")
    try:
        yield proc
    finally:
        stop_tree(proc, stop_timeout)
        if pid_file is not None:  # stopped: the shell must not signal a group id the system may reuse
            kept = [line for line in pid_file.read_text().splitlines() if line != str(proc.pid)]
            pid_file.write_text("".join(f"{line}\n" for line in kept))


def wait_for_http(url: str, proc: subprocess.Popen, timeout: float) -> None:
    """Wait until ``url`` answers 200, failing early if ``proc`` (the server) exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server (pid {proc.pid}) exited with status {proc.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(1)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


@contextlib.contextmanager
def dagster_webserver(workspace: Path, *, port: int, env: Mapping[str, str], log_dir: Path,
                      pid_file: Path | None = None, timeout: float = 180.0) -> Iterator[str]:
    """``dagster-webserver`` on 127.0.0.1:``port``, once it answers; yields its base URL (GraphQL at /graphql)."""
    url = f"http://127.0.0.1:{port}"
    cmd = [str(BIN / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(port), "-w", str(workspace)]
    with supervised(cmd, log_dir / "webserver.log", env=env, cwd=workspace.parent, pid_file=pid_file) as web:
        wait_for_http(f"{url}/server_info", web, timeout)
        yield url


@contextlib.contextmanager
def dagster_daemon(workspace: Path, *, env: Mapping[str, str], log_dir: Path,
                   pid_file: Path | None = None) -> Iterator[subprocess.Popen]:
    """``dagster-daemon run`` on ``workspace`` for the duration of the block."""
    cmd = [str(BIN / "dagster-daemon"), "run", "-w", str(workspace)]
    with supervised(cmd, log_dir / "daemon.log", env=env, cwd=workspace.parent, pid_file=pid_file) as proc:
        yield proc
