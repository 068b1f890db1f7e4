"""SQLite through aiosqlite with one thread hand-off per statement.

aiosqlite runs each call on its own thread, and SQLAlchemy's adapter makes four calls
per statement (open a cursor, execute, fetch the rows, close the cursor): four trips to
that thread and back through the event loop, each costing more CPU than a small query
itself. This adapter does all four in one trip. It changes nothing SQLAlchemy sees: the
rows, description, row count and last row id come back together, and errors are those
of sqlite3. A transaction's BEGIN travels with its first statement, and a commit or
rollback with nothing open is skipped; connecting and closing are SQLAlchemy's own.

It rests on two internals, both pinned in pyproject.toml and covered by
tests/test_sqlite_driver.py: aiosqlite's `Connection._execute` (run a function on the
connection's thread) and SQLAlchemy's `AsyncAdapt_aiosqlite_connection.cursor`.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Iterator, Sequence
from functools import partial
from typing import Any, cast

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_

Description = tuple[tuple[Any, ...], ...] | None


def _run(
    connection: sqlite3.Connection,
    operation: str,
    parameters: Any,
    many: bool,
    begin: str | None,
) -> tuple[Description, list[Any], int, int | None]:
    """On the connection's thread: the transaction's BEGIN if it is still to be sent,
    then the whole statement, rows included."""
    if begin is not None:
        connection.execute(begin)
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneTripCursor:
    """A DB-API cursor whose execute runs, fetches and closes in one trip."""

    arraysize = 1

    def __init__(self, adapted: OneTripConnection) -> None:
        self._adapted = adapted
        self._rows: collections.deque[Any] = collections.deque()
        self.description: Description = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    def execute(self, operation: str, parameters: Any = None) -> None:
        """Run one statement and keep all its rows."""
        self._trip(operation, parameters, many=False)

    def executemany(self, operation: str, seq_of_parameters: Any) -> None:
        """Run one statement for each set of parameters."""
        self._trip(operation, seq_of_parameters, many=True)

    def _trip(self, operation: str, parameters: Any, *, many: bool) -> None:
        adapted = self._adapted
        driver = cast(aiosqlite.Connection, adapted._connection)
        begin, adapted._begin = adapted._begin, None
        try:
            work = partial(_run, driver._conn, operation, parameters, many, begin)
            outcome = await_(driver._execute(work))  # type: ignore[no-untyped-call]
        except Exception as error:
            self._adapted._handle_exception(error)
        self.description, rows, self.rowcount, self.lastrowid = outcome
        self._rows = collections.deque(rows)

    async def _async_soft_close(self) -> None:
        """Nothing to do: the sqlite3 cursor closed on its thread (SQLAlchemy's asyncio
        results call this)."""

    def close(self) -> None:
        """Drop rows not fetched."""
        self._rows.clear()

    def fetchone(self) -> Any:
        """The next row, or None."""
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        """Up to `size` next rows."""
        rows = self._rows
        return [rows.popleft() for _ in range(min(size or self.arraysize, len(rows)))]

    def fetchall(self) -> Sequence[Any]:
        """The remaining rows."""
        rows = list(self._rows)
        self._rows.clear()
        return rows

    def __iter__(self) -> Iterator[Any]:
        while self._rows:
            yield self._rows.popleft()

    def __enter__(self) -> OneTripCursor:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's adapted aiosqlite connection, handing out one-trip cursors.

    A transaction's BEGIN travels with its first statement (`begin_with_next`), and a
    commit or rollback with no transaction open on the SQLite connection costs no trip:
    the pool's rollback of every connection handed back after a commit, and the whole
    of a transaction that ran no statement, are then free.
    """

    __slots__ = ("_begin",)

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._begin: str | None = None

    def begin_with_next(self, statement: str) -> None:
        """Send `statement` (a BEGIN) just before the next statement, in its trip."""
        self._begin = statement

    def _in_transaction(self) -> bool:
        if self._begin is not None:  # begun on paper only: nothing to end
            self._begin = None
            return False
        raw = cast(aiosqlite.Connection, self._connection)._connection
        return raw is not None and raw.in_transaction

    def commit(self) -> None:
        """Commit, if SQLite has a transaction open."""
        if self._in_transaction():
            super().commit()

    def rollback(self) -> None:
        """Roll back, if SQLite has a transaction open."""
        if self._in_transaction():
            super().rollback()

    def cursor(self, server_side: bool = False) -> Any:
        """A one-trip cursor (gigbot never asks for server-side ones)."""
        if server_side:
            return super().cursor(server_side=True)
        return OneTripCursor(self)


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The DB-API module SQLAlchemy's aiosqlite dialect uses, with one-trip cursors."""

    def connect(self, *args: Any, **kwargs: Any) -> OneTripConnection:
        """Connect as SQLAlchemy does, then hand out one-trip cursors."""
        adapted = super().connect(*args, **kwargs)
        return OneTripConnection(self, adapted._connection)


def one_trip_dbapi() -> OneTripDBAPI:
    """The module to pass to `create_async_engine(..., module=...)`."""
    return OneTripDBAPI(aiosqlite, sqlite3)
