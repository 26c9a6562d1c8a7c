"""Crash safety and concurrency of publishing, with real processes and real SIGKILLs.

A child process publishes a version of small tables; its ``os.fsync``/``os.rename``/``os.replace``
are slowed down (in the child only) so that a kill at a random moment lands inside publishing:
while staging, between the rename and the LATEST swap, or after. The tables and the publish code
are the real ones.
"""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dagster_project import dataset
from dagster_project.publish.version import STAGING, publish, read_latest
from dagster_project.runtime.locking import BUILD_LOCK, curated_lock

REPO = Path(__file__).resolve().parents[2]

CHILD = r'''
import os, sys, time
from dagster_project.publish.version import publish
from published_rows import article_row, mention_row, published_tables

def tables(n):
    """n articles, one mention each: every n is a different dataset (one more raw file)."""
    text = "Nicolas Maduro spoke in Caracas."
    arts = [article_row(f"a{i}", f"f{i}.txt", f"{i:064x}", f"Report {i}", text) for i in range(n)]
    ments = [mention_row(f"m{i}", f"a{i}", text, "Caracas", "place") for i in range(n)]
    return published_tables(articles=arts, mentions=ments)

def sources(n):
    return {f"f{i}.txt": f"{i:064x}" for i in range(n)}

if __name__ == "__main__":
    curated, n, delay = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    def slow(fn):
        def wrapped(*a, **k):
            time.sleep(delay)
            out = fn(*a, **k)
            time.sleep(delay)
            return out
        return wrapped
    os.fsync, os.rename, os.replace = slow(os.fsync), slow(os.rename), slow(os.replace)
    t = tables(n)
    print("READY", flush=True)
    r = publish(t, __import__("pathlib").Path(curated), sources(n), {"run": f"child-{os.getpid()}"})
    print(f"DONE {r.version} {r.parent_version} {r.published}", flush=True)
'''


def _child(tmp_path: Path) -> Path:
    script = tmp_path / "publish_child.py"
    script.write_text(CHILD)
    return script


def _spawn(script: Path, curated: Path, n: int, delay: float) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join((str(REPO), str(REPO / "tests")))}
    proc = subprocess.Popen([sys.executable, str(script), str(curated), str(n), str(delay)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "READY", line + (proc.stderr.read() if proc.stderr else "")
    return proc


def _load_child(script: Path):  # type: ignore[no-untyped-def]
    import importlib.util

    spec = importlib.util.spec_from_file_location("publish_child", script)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _state(curated: Path) -> str:
    staging = curated / STAGING
    if staging.is_dir() and any(staging.iterdir()):
        return "staging-left"
    latest = read_latest(curated)
    newest = dataset.versions(curated)[-1] if dataset.versions(curated) else None
    if newest != latest:
        return "renamed-not-latest"
    return "complete"


@pytest.mark.integration
def test_sigkill_during_publishing_20_times_never_corrupts_and_converges(tmp_path: Path) -> None:
    script = _child(tmp_path)
    child = _load_child(script)
    curated = tmp_path / "curated"
    delay = 0.015
    # How long an unkilled publish takes after READY (not counting the child's start-up), to aim the kills inside it.
    proc = _spawn(script, curated, 1, delay)
    start = time.monotonic()
    out, err = proc.communicate(timeout=60)
    window = time.monotonic() - start
    assert proc.returncode == 0, err
    assert read_latest(curated) == "1.0.0"
    rnd = random.Random(20260321)
    kills, states, n = 0, [], 1
    while kills < 20:
        n += 1
        proc = _spawn(script, curated, n, delay)
        time.sleep(rnd.uniform(0.0, window))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        if proc.returncode != -signal.SIGKILL:
            continue  # finished before the kill landed: not counted
        kills += 1
        states.append(_state(curated))
        latest = read_latest(curated)
        assert latest is not None
        # LATEST names a complete version whose hashes verify.
        assert dataset.verify(latest, curated) == []
        for v in dataset.versions(curated):
            assert dataset.verify(v, curated) == [], v
        # The next build converges: same inputs -> LATEST holds exactly these tables.
        # (nothing new when the kill landed after the LATEST swap)
        r = publish(child.tables(n), curated, child.sources(n), {"run": "converge"})
        assert read_latest(curated) == r.version
        assert dataset.load("articles", root=curated).height == n
        assert not list((curated / STAGING).iterdir())
        again = publish(child.tables(n), curated, child.sources(n), {"run": "again"})
        assert not again.published and again.version == r.version
    assert kills == 20
    # The random kills really landed inside publishing, not only before or after it.
    assert "staging-left" in states, states
    versions = dataset.versions(curated)
    assert len(versions) == len(set(versions)) >= 21
    for v in versions:
        m = dataset.manifest(v, curated)
        assert m["newsetl"]["parent_version"] in (None, *versions)


@pytest.mark.integration
def test_two_concurrent_publishes_are_serialized(tmp_path: Path) -> None:
    script = _child(tmp_path)
    curated = tmp_path / "curated"
    a = _spawn(script, curated, 2, 0.15)  # slow enough to still be publishing when b starts
    b = _spawn(script, curated, 3, 0.01)
    assert a.poll() is None, "a finished before b started: the test would not overlap them"
    out_a, err_a = a.communicate(timeout=120)
    out_b, err_b = b.communicate(timeout=120)
    assert a.returncode == 0 and b.returncode == 0, err_a + err_b
    done = sorted(line.split()[1:] for line in (out_a + out_b).splitlines() if line.startswith("DONE"))
    # One went first (parent None), the other saw its result (parent = the first one): no lost update.
    assert done == [["1.0.0", "None", "True"], ["1.1.0", "1.0.0", "True"]]
    assert read_latest(curated) == "1.1.0"
    for v in ("1.0.0", "1.1.0"):
        assert dataset.verify(v, curated) == []


@pytest.mark.integration
def test_second_build_on_a_locked_curated_root_exits_with_a_clear_message(tmp_path: Path) -> None:
    curated = tmp_path / "curated"
    env = {**os.environ, "NEWSETL_CURATED_DIR": str(curated), "DAGSTER_HOME": str(tmp_path / "home"),
           "NEWSETL_RAW_DIR": str(REPO / "raw")}
    with curated_lock(curated, BUILD_LOCK):
        proc = subprocess.run([sys.executable, "-m", "dagster_project.build", "--wait", "0.5"], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=120)
    assert proc.returncode == 75
    assert f"another build (pid {os.getpid()}) holds" in proc.stderr
    assert "waiting for it to finish" in proc.stderr and "not building" in proc.stderr
    assert read_latest(curated) is None


@pytest.mark.integration
def test_a_killed_build_takes_its_run_process_with_it(tmp_path: Path) -> None:
    """The build's runs go in a spawned process: killing the build must end that process too, and free the lock."""
    import psutil

    curated = tmp_path / "curated"
    env = {**os.environ, "NEWSETL_CURATED_DIR": str(curated), "DAGSTER_HOME": str(tmp_path / "home"),
           "NEWSETL_RAW_DIR": str(REPO / "raw")}
    build = subprocess.Popen([sys.executable, "-m", "dagster_project.build"], cwd=REPO, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    workers: list[psutil.Process] = []
    while not workers and time.monotonic() < deadline and build.poll() is None:
        workers = [p for p in psutil.Process(build.pid).children() if "spawn_main" in " ".join(p.cmdline())]
        time.sleep(0.1)
    assert workers, "no run process was started"
    time.sleep(2)  # well into the run: importing the project, planning
    build.send_signal(signal.SIGKILL)
    build.wait(timeout=10)
    gone, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive, f"run process(es) {[p.pid for p in alive]} outlived the killed build"
    with curated_lock(curated, BUILD_LOCK, timeout=5):  # nothing holds the lock any more
        pass


def test_lock_waits_for_the_holder(tmp_path: Path) -> None:
    import threading

    order: list[str] = []
    with curated_lock(tmp_path, BUILD_LOCK):

        def second() -> None:
            with curated_lock(tmp_path, BUILD_LOCK, timeout=30):
                order.append("second")

        t = threading.Thread(target=second)
        t.start()
        time.sleep(0.3)
        order.append("first-done")
    t.join(timeout=30)
    assert order == ["first-done", "second"]


@pytest.mark.slow
def test_sigkill_full_builds_at_random_points_then_converge(tmp_path: Path) -> None:
    """The real ``python -m dagster_project.build`` killed 20 times anywhere in its run."""
    curated = tmp_path / "curated"
    env = {**os.environ, "NEWSETL_CURATED_DIR": str(curated), "DAGSTER_HOME": str(tmp_path / "home"),
           "NEWSETL_RAW_DIR": str(tmp_path / "raw")}
    (tmp_path / "raw").mkdir()
    seeds = sorted((REPO / "raw").glob("*.txt"))
    (tmp_path / "raw" / seeds[0].name).write_bytes(seeds[0].read_bytes())
    cmd = [sys.executable, "-m", "dagster_project.build"]
    start = time.monotonic()
    first = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    duration = time.monotonic() - start
    assert first.returncode == 0, first.stderr[-2000:]
    rnd = random.Random(7)
    for i in range(20):
        # Each round adds a raw file, so every build has something new to publish.
        src = seeds[1 + i % (len(seeds) - 1)]
        (tmp_path / "raw" / f"{i:02d}_{src.name}").write_text(src.read_text() + f"\nUpdate {i}.\n")
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Aim at the end of the run, where publishing happens.
        time.sleep(rnd.uniform(0.5 * duration, 1.2 * duration))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        latest = read_latest(curated)
        assert latest is not None and dataset.verify(latest, curated) == []
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    latest = dataset.latest(curated)
    assert dataset.verify(latest, curated) == []
    assert not list((curated / STAGING).iterdir())
    arts = dataset.load("articles", root=curated)
    assert arts["source_file"].n_unique() == 21
