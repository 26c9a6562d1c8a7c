"""The warm helper processes (runtime/background.py): work comes back, and a dead helper never fails a caller."""

import os
from concurrent.futures import BrokenExecutor

import pytest

from dagster_project.runtime import background


def test_work_runs_in_a_helper_and_comes_back() -> None:
    background.prestart(processes=1)
    try:
        future = background.submit(os.getpid)
        assert future is not None
        assert future.result(timeout=60) != os.getpid()
    finally:
        background.shutdown()
    assert background.submit(os.getpid) is None  # after shutdown, callers do the work themselves


def test_a_pool_whose_helper_died_takes_no_more_work() -> None:
    background.prestart(processes=1)
    try:
        died = background.submit(os._exit, 3)  # what the OOM killer would do to it
        assert died is not None
        with pytest.raises(BrokenExecutor):
            died.result(timeout=60)
        assert background.submit(os.getpid) is None
        assert not background.running()
    finally:
        background.shutdown()
