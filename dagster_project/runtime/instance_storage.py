"""The embedded Dagster instance's SQLite storage, with its SQLAlchemy engines kept between calls.

Dagster's SQLite storages build a new SQLAlchemy engine for every read and write, open a new SQLite
connection on it, and dispose of both afterwards. A new engine starts with an empty compiled-statement
cache, and a new connection reads the database schema again, so storing one event cost 5 ms (a step
event) to 30 ms (an asset check evaluation, which also writes the cross-run index). A build writes about
180 events: 1.8 s of a 9-10 s one-article refresh at 1,000 articles.

:class:`PooledSqliteStorage` (``storage: custom`` in the ``dagster.yaml`` that ``build.ensure_environment`` writes)
uses the same files, schema, migrations and locking as Dagster's ``storage: sqlite``, so an instance
written by either opens with the other. Only the connection handling differs:

* the cross-run index (``history/runs/index.db``), ``runs.db`` and ``schedules.db`` keep one engine each,
  with a small connection pool;
* each run's own event log (``history/runs/<run_id>.db``) keeps its engine (and so its compiled statements)
  but still closes its connection after every write. The UI follows a running run by watching that file,
  and SQLite copies its write-ahead log into the file when the last connection closes: a pooled connection
  would keep the UI's live view of the run from updating.

Engines are kept in a small least-recently-used table per storage and dropped in a forked child (a
connection must not be shared across ``fork``).
"""

from __future__ import annotations

import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagster._core.storage.base_storage import DagsterStorage
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage
from dagster._core.storage.schedules.sqlite.sqlite_schedule_storage import SqliteScheduleStorage
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite_storage import (
    DagsterSqliteStorage,
    _event_logs_directory,
    _runs_directory,
    _schedule_directory,
)
from dagster._serdes import ConfigurableClassData
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

__all__ = ["PooledSqliteEventLogStorage", "PooledSqliteRunStorage", "PooledSqliteScheduleStorage",
           "PooledSqliteStorage"]

# Run shards stay open in a long-lived process (the UI) only while they are recently used.
MAX_ENGINES = 8


class EngineCache:
    """SQLAlchemy engines by connection string, at most ``size``; the least recently used is disposed first."""

    def __init__(self, size: int = MAX_ENGINES) -> None:
        self.size = size
        self._engines: OrderedDict[tuple[str, bool], Engine] = OrderedDict()
        self._lock = threading.Lock()
        _ALL.add(self)

    def get(self, conn_string: str, *, pooled: bool, **connect_args: Any) -> Engine:
        """The engine for ``conn_string``; ``pooled=False`` closes each connection when it is returned."""
        key = (conn_string, pooled)
        with self._lock:
            engine = self._engines.get(key)
            if engine is not None:
                self._engines.move_to_end(key)
                return engine
            options: dict[str, Any] = {"connect_args": connect_args} if connect_args else {}
            if pooled:
                # A few connections: Dagster's threads (the UI's, the daemon's) may each hold one at a time.
                options.update(pool_size=2, max_overflow=8)
            else:
                options.update(poolclass=NullPool)
            engine = create_engine(conn_string, **options)
            self._engines[key] = engine
            while len(self._engines) > self.size:
                _, old = self._engines.popitem(last=False)
                old.dispose()
            return engine

    def __len__(self) -> int:
        return len(self._engines)

    def dispose(self, *, close: bool = True) -> None:
        """Close every pooled connection (``close=False`` in a forked child: only forget the parent's)."""
        with self._lock:
            for engine in self._engines.values():
                engine.dispose(close=close)
            self._engines.clear()


_ALL: weakref.WeakSet[EngineCache] = weakref.WeakSet()


def _forget_after_fork() -> None:
    # A forked child must not use (nor close) the parent's SQLite connections; it opens its own.
    for cache in list(_ALL):
        cache._lock = threading.Lock()  # the parent may have held it at the fork
        cache.dispose(close=False)


os.register_at_fork(after_in_child=_forget_after_fork)


@contextmanager
def _transaction(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn, conn.begin():
        yield conn


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's per-run-sharded SQLite event log, keeping engines between calls (see the module docstring)."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines = EngineCache()  # before the parent's __init__, which may already write the index
        super().__init__(base_dir, inst_data)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # The parent's version, except for where the engine comes from: same lock, same lazy schema set-up.
        with self._db_lock:
            engine = self._engines.get(self.conn_string_for_shard(shard), pooled=shard == INDEX_SHARD_NAME,
                                       timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with _transaction(engine) as conn:
                yield conn

    def wipe(self) -> None:
        self._engines.dispose()  # no open connection to a file that is about to be deleted
        super().wipe()

    def dispose(self) -> None:
        self._engines.dispose()
        super().dispose()


class _OneEngine:
    """``connect`` for a storage with a single database file: one engine, a small pool of connections."""

    _conn_string: str

    def __init__(self, conn_string: str, inst_data: ConfigurableClassData | None = None) -> None:
        self._engines = EngineCache(size=1)
        super().__init__(conn_string, inst_data)  # type: ignore[call-arg]  # the Dagster storage class next in the MRO

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with _transaction(self._engines.get(self._conn_string, pooled=True)) as conn:
            yield conn

    def dispose(self) -> None:
        self._engines.dispose()
        super().dispose()  # type: ignore[misc]


class PooledSqliteRunStorage(_OneEngine, SqliteRunStorage):
    """Dagster's SQLite run storage (``runs.db``) with one engine and a small connection pool."""


class PooledSqliteScheduleStorage(_OneEngine, SqliteScheduleStorage):
    """Dagster's SQLite schedule and sensor storage (``schedules.db``) with one engine and a small pool."""


class PooledSqliteStorage(DagsterSqliteStorage):
    """``storage: sqlite`` (same folder layout under ``base_dir``) built from the pooled storages above."""

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None) -> None:
        self.base_dir = base_dir
        self._run_storage = PooledSqliteRunStorage.from_local(_runs_directory(base_dir))
        self._event_log_storage = PooledSqliteEventLogStorage(_event_logs_directory(base_dir))
        self._schedule_storage = PooledSqliteScheduleStorage.from_local(_schedule_directory(base_dir))
        self._inst_data = inst_data
        DagsterStorage.__init__(self)  # type: ignore[arg-type]

    @classmethod
    def from_config_value(  # type: ignore[override]
        cls, inst_data: ConfigurableClassData, config_value: dict[str, Any]
    ) -> PooledSqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)

