"""Returning freed heap pages to the OS between heavy steps (runtime/memory.py)."""

import platform

from dagster_project.runtime.memory import release_memory


def test_release_memory_trims_on_glibc_and_is_harmless_elsewhere() -> None:
    big = [bytes(2048) for _ in range(20_000)]  # ~40 MB of malloc'd blocks (over pymalloc's small-object limit)
    del big
    trimmed = release_memory()
    assert trimmed is (platform.libc_ver()[0] == "glibc")
