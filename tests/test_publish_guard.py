"""Publish guards through the real ``make dataset`` entry point: a missing, unlistable or empty raw root, and a
version that loses too many articles, publish nothing; ``LATEST`` and every version stay byte-identical."""

import io
import os
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from dagster_project import build, dataset
from dagster_project.assets.partitions import ALL_SHARDS_TAGS
from dagster_project.ingest import guard as raw_guard
from dagster_project.publish.guard import ShrinkPolicy, shrink_failure

REPORT = """Cargo flight {i} lands in Caracas

By Ana Torres

Reuters, {day} March 2019

CARACAS (Reuters) - A Russian Antonov An-124 landed at Maiquetia airport on {day} March carrying {i} tonnes of
cargo for flight {i}, a Venezuelan official said. President Nicolas Maduro met the crew in Caracas.
"""


def _build(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = build.main(list(args))
    return code, out.getvalue(), err.getvalue()


def _curated_state(curated: Path) -> dict[str, bytes]:
    """Every file of the curated root a reader can see (LATEST and the version folders), byte for byte."""
    return {p.relative_to(curated).as_posix(): p.read_bytes() for p in sorted(curated.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(curated).parts)}


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    raw, curated, home = tmp_path / "raw", tmp_path / "curated", tmp_path / "home"
    raw.mkdir()
    for i in range(1, 11):  # ten reports, one article each: one lost is 10%, three lost 30%
        (raw / f"flight_{i:02d}.txt").write_text(REPORT.format(i=i, day=i + 10), encoding="utf-8")
    monkeypatch.setenv("NEWSETL_RAW_DIR", str(raw))
    monkeypatch.setenv("NEWSETL_CURATED_DIR", str(curated))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("NEWSETL_ALLOW_SHRINK", "0")  # restored after the test, whatever --allow-shrink set
    monkeypatch.delenv("NEWSETL_MAX_SHRINK", raising=False)
    return {"raw": raw, "curated": curated, "home": home, "tmp": tmp_path}


@pytest.mark.integration
def test_missing_unlistable_and_empty_raw_roots_fail_and_publish_nothing(
    env: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = _build()
    assert code == 0 and "published version 1.0.0" in out
    before = _curated_state(env["curated"])

    # A typo in NEWSETL_RAW_DIR.
    missing = env["tmp"] / "raw-typo"
    monkeypatch.setenv("NEWSETL_RAW_DIR", str(missing))
    code, out, err = _build()
    assert code == build.EX_NOINPUT and out == ""
    assert f"raw root {missing} does not exist" in err and "nothing was published and LATEST is unchanged" in err
    assert _curated_state(env["curated"]) == before

    # An empty folder (sub-folders without files are still empty).
    empty = env["tmp"] / "raw-empty"
    (empty / "2019" / "march").mkdir(parents=True)
    monkeypatch.setenv("NEWSETL_RAW_DIR", str(empty))
    code, _, err = _build()
    assert code == build.EX_NOINPUT and f"raw root {empty} holds no files" in err
    assert _curated_state(env["curated"]) == before

    # A folder that cannot be listed. The tests may run as root, whom chmod does not stop: the listing is made to
    # fail as the operating system fails it for another user.
    monkeypatch.setenv("NEWSETL_RAW_DIR", str(env["raw"]))
    real_scandir = os.scandir

    def refuse(path: "os.PathLike[str] | str" = ".") -> "os.ScandirIterator[str]":
        if Path(path) == env["raw"]:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(raw_guard.os, "scandir", refuse)
    code, _, err = _build()
    assert code == build.EX_NOINPUT and f"raw root {env['raw']} cannot be listed: Permission denied" in err
    assert _curated_state(env["curated"]) == before
    assert dataset.latest(env["curated"]) == "1.0.0" and dataset.versions(env["curated"]) == ["1.0.0"]


@pytest.mark.integration
def test_a_version_losing_over_20_percent_needs_allow_shrink(env: dict[str, Path]) -> None:
    raw, curated = env["raw"], env["curated"]
    code, out, _ = _build()
    assert code == 0 and "published version 1.0.0" in out

    # One article of ten is lost: normal, published, and the changelog names it.
    (raw / "flight_10.txt").unlink()
    code, out, _ = _build()
    assert code == 0 and "published version 1.1.0" in out, out
    log = (curated / "1.1.0" / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "0 added, 1 removed" in log
    assert "### Removed\n\n- “Cargo flight 10 lands in Caracas” (`flight_10.txt`, part 0)" in log
    before = _curated_state(curated)

    # Three of the nine remaining (33%): refused by the audit, nothing published.
    for i in (1, 2, 3):
        (raw / f"flight_{i:02d}.txt").unlink()
    code, out, err = _build()
    assert code == 1 and out == ""
    assert "would lose 3 of the 9 articles of 1.1.0 (33%, over the 20%" in err and "--allow-shrink" in err
    assert _curated_state(curated) == before
    assert dataset.latest(curated) == "1.1.0"

    # The share is configurable: with 40% allowed the same loss is published...
    os.environ["NEWSETL_MAX_SHRINK"] = "0.4"
    try:
        code, out, _ = _build()
    finally:
        del os.environ["NEWSETL_MAX_SHRINK"]
    assert code == 0 and "published version 1.2.0" in out, out
    before = _curated_state(curated)

    # ... and past the limit, a person's explicit word does it: four of the six left (67%).
    for i in (4, 5, 6, 7):
        (raw / f"flight_{i:02d}.txt").unlink()
    code, _, err = _build()
    assert code == 1 and "would lose 4 of the 6 articles of 1.2.0" in err
    assert _curated_state(curated) == before
    code, out, _ = _build("--allow-shrink")
    assert code == 0 and "published version 1.3.0" in out, out
    assert dataset.latest(curated) == "1.3.0"
    after = _curated_state(curated)
    assert {k: v for k, v in after.items() if not k.startswith("1.3.0/") and k != "LATEST"} == {
        k: v for k, v in before.items() if k != "LATEST"}


def test_the_ingest_asset_fails_on_a_missing_raw_root(tmp_path: Path) -> None:
    """Runs started by the UI, the sensor or the schedule fail at ingest too, before anything downstream runs."""
    import dagster as dg

    from dagster_project.assets.ingest import raw_articles
    from dagster_project.resources import StorageRoots

    missing = tmp_path / "raw-typo"
    roots = StorageRoots(raw_dir=str(missing), curated_dir=str(tmp_path / "curated"), dagster_home=str(tmp_path))
    with dg.instance_for_test() as instance:
        result = dg.materialize([raw_articles], resources={"roots": roots}, instance=instance, raise_on_error=False,
                                tags=ALL_SHARDS_TAGS)
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert f"raw root {missing} does not exist" in str(failure.step_failure_data.error)
    assert not (tmp_path / "curated").exists()


def test_shrink_failure_counts_strictly_more_than_the_share() -> None:
    policy = ShrinkPolicy()
    assert shrink_failure("1.0.0", 5, 4, policy) is None  # one of five is exactly 20%: allowed
    assert shrink_failure("1.0.0", 10, 12, policy) is None
    message = shrink_failure("1.0.0", 5, 3, policy)
    assert message is not None and "lose 2 of the 5 articles of 1.0.0 (40%" in message
    assert shrink_failure("1.0.0", 5, 0, ShrinkPolicy(allow=True)) is None
    assert shrink_failure("1.0.0", 5, 3, ShrinkPolicy(max_share=0.5)) is None


def test_shrink_policy_reads_its_environment_when_asked() -> None:
    assert ShrinkPolicy.from_env({}) == ShrinkPolicy(0.2, False)
    assert ShrinkPolicy.from_env({"NEWSETL_ALLOW_SHRINK": "1", "NEWSETL_MAX_SHRINK": "0.5"}) == ShrinkPolicy(0.5, True)
    assert ShrinkPolicy.from_env({"NEWSETL_ALLOW_SHRINK": "0"}).allow is False
    with pytest.raises(ValueError, match="NEWSETL_MAX_SHRINK"):
        ShrinkPolicy.from_env({"NEWSETL_MAX_SHRINK": "twenty"})
    with pytest.raises(ValueError, match="NEWSETL_MAX_SHRINK"):
        ShrinkPolicy.from_env({"NEWSETL_MAX_SHRINK": "20"})


def test_raw_root_problem_names_each_mistake(tmp_path: Path) -> None:
    assert "does not exist" in (raw_guard.raw_root_problem(tmp_path / "nope") or "")
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    assert "is not a folder" in (raw_guard.raw_root_problem(tmp_path / "file.txt") or "")
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    assert "holds no files" in (raw_guard.raw_root_problem(tmp_path / "empty") or "")
    (tmp_path / "empty" / "sub" / "a.txt").write_bytes(b"")  # an empty file is a file: ingest quarantines it
    assert raw_guard.raw_root_problem(tmp_path / "empty") is None
    assert raw_guard.preflight("s3://bucket/raw") is None  # checked on the downloaded copy by the asset
