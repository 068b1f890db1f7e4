"""The async engine and session factory, with SQLite made safe for concurrent writers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.postgres_driver import lazy_begin_dbapi
from bot.sqlite_driver import OneTripConnection, one_trip_dbapi

SQLITE_BUSY_TIMEOUT_MS = 5000
# Execution option naming how a SQLite transaction begins: IMMEDIATE (default) takes the
# write lock at once; DEFERRED is for read-only work.
SQLITE_BEGIN = "sqlite_begin"
PG_RECYCLE_SECONDS = 1800  # a PostgreSQL connection is replaced after half an hour


def create_engine(
    database_url: str, *, sqlite_foreign_keys: bool = True, **kwargs: Any
) -> AsyncEngine:
    """Create the async engine for `database_url` (SQLite via aiosqlite or PostgreSQL).

    On SQLite each statement is one trip to aiosqlite's thread (bot.sqlite_driver);
    every connection gets WAL, foreign keys and a busy timeout, and every transaction
    starts with BEGIN IMMEDIATE: a deferred transaction that reads and then writes can
    fail with "database is locked" at once, busy timeout or not. On PostgreSQL a
    transaction begins at its first statement that is not a plain read
    (bot.postgres_driver).

    `sqlite_foreign_keys=False` is for migrations alone: SQLite's way to alter a table is
    to copy it and drop the old one, and dropping a table that others reference deletes
    its rows first — with foreign keys enforced, cascading to theirs (bot.migrate checks
    the keys itself before committing).
    """
    if database_url.startswith("sqlite"):
        # One connection per process: SQLite has one writer at a time anyway, and waiting
        # in the pool's FIFO queue is fair, where SQLite's busy handler polls with sleeps
        # and starves some writers into "database is locked" under load. The busy
        # timeout still covers other processes (a second `gigbot migrate`, say).
        kwargs.setdefault("pool_size", 1)
        kwargs.setdefault("max_overflow", 0)
        kwargs.setdefault("module", one_trip_dbapi())
        engine = create_async_engine(
            database_url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
        )
        _make_sqlite_transactional(engine, foreign_keys=sqlite_foreign_keys)
        return engine
    # No ping before every checkout (a round trip per update): connections are recycled
    # after PG_RECYCLE_SECONDS instead, and a connection the server dropped fails one
    # statement, after which SQLAlchemy discards the whole pool.
    kwargs.setdefault("pool_recycle", PG_RECYCLE_SECONDS)
    kwargs.setdefault("module", lazy_begin_dbapi())  # reads alone need no BEGIN
    return create_async_engine(database_url, **kwargs)


def _make_sqlite_transactional(engine: AsyncEngine, *, foreign_keys: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN, "IMMEDIATE")
        statement = f"BEGIN {'DEFERRED' if mode == 'DEFERRED' else 'IMMEDIATE'}"
        adapted = connection.connection.dbapi_connection
        if isinstance(adapted, OneTripConnection):
            adapted.begin_with_next(statement)  # no trip of its own
        else:
            connection.exec_driver_sql(statement)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Session factory; sessions keep loaded objects usable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


def is_sqlite(engine: AsyncEngine) -> bool:
    """True when the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"
