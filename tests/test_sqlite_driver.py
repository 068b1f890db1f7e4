"""One trip to aiosqlite's thread per statement, with nothing else changed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import create_engine


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'trips.db'}")
    async with engine.begin() as connection:
        await connection.execute(
            text("CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT UNIQUE, n INTEGER)")
        )
    yield engine
    await engine.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every function aiosqlite runs on its thread, by name."""
    calls: list[str] = []
    original: Callable[..., Awaitable[Any]] = aiosqlite.Connection._execute

    async def counting(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(getattr(getattr(fn, "func", fn), "__name__", "?"))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    return calls


async def test_a_statement_with_rows_is_one_trip(engine: AsyncEngine, trips: list[str]) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))  # begins the transaction
        trips.clear()
        result = await connection.execute(text("SELECT :a AS a, :b AS b"), {"a": 1, "b": "x"})
        assert len(trips) == 1  # SQLAlchemy's own adapter takes four
        assert list(result.keys()) == ["a", "b"]
        assert result.all() == [(1, "x")]


async def test_row_counts_and_row_ids_come_back(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        inserted = await connection.execute(text("INSERT INTO things (name, n) VALUES ('a', 1)"))
        assert inserted.lastrowid == 1
        await connection.execute(
            text("INSERT INTO things (name, n) VALUES (:name, :n)"),
            [{"name": "b", "n": 1}, {"name": "c", "n": 2}],
        )
        changed = await connection.execute(text("UPDATE things SET n = 5 WHERE n = 1"))
        assert changed.rowcount == 2  # compare-and-set transitions read this
        returned = await connection.execute(
            text("UPDATE things SET n = 6 WHERE name = 'c' RETURNING id, n")
        )
        assert returned.all() == [(3, 6)]
        rows = await connection.execute(text("SELECT name FROM things ORDER BY id"))
        assert rows.fetchone() == ("a",)
        assert rows.fetchmany(5) == [("b",), ("c",)]
        assert rows.fetchone() is None


async def test_errors_are_sqlalchemys_and_the_connection_goes_on(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("INSERT INTO things (name, n) VALUES ('a', 1)"))
        with pytest.raises(IntegrityError):
            await connection.execute(text("INSERT INTO things (name, n) VALUES ('a', 2)"))
        await connection.rollback()
        count = await connection.scalar(text("SELECT count(*) FROM things"))
        assert count == 0


async def test_a_transaction_is_its_statements_and_a_commit(
    engine: AsyncEngine, trips: list[str]
) -> None:
    """BEGIN travels with the first statement; handing the connection back after the
    commit costs no rollback trip."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
        await connection.execute(text("SELECT 2"))
        await connection.commit()
    assert trips == ["_run", "_run", "commit"]


async def test_a_transaction_without_statements_costs_no_trip(
    engine: AsyncEngine, trips: list[str]
) -> None:
    async with engine.connect() as connection:
        await connection.begin()
        await connection.commit()
        await connection.begin()
        await connection.rollback()
    assert trips == []


async def test_the_deferred_begin_is_still_immediate(tmp_path: Path) -> None:
    """The write lock is taken by the first statement: a second writer waits for it."""
    path = tmp_path / "lock.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    other = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))  # a read, in BEGIN IMMEDIATE
            async with other.connect() as second:
                raw = await second.get_raw_connection()
                assert raw.driver_connection is not None
                await raw.driver_connection.execute("PRAGMA busy_timeout=0")
                with pytest.raises(OperationalError, match="locked"):
                    await second.execute(text("SELECT 1"))
            await connection.rollback()
        async with other.connect() as second:
            assert await second.scalar(text("SELECT 1")) == 1
    finally:
        await engine.dispose()
        await other.dispose()
