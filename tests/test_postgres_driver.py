"""On PostgreSQL, a transaction begins at the first statement that needs one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from asyncpg.transaction import Transaction
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import create_engine
from bot.postgres_driver import only_reads

READS = ("SELECT users.id FROM users WHERE users.id = $1", "\n  select count(*) from offers")
MORE_THAN_READS = (
    "SELECT id FROM notifications FOR UPDATE SKIP LOCKED",
    "SELECT id FROM bookings FOR NO KEY UPDATE",
    "SELECT id FROM bookings FOR KEY SHARE",
    "SELECT pg_advisory_xact_lock($1, $2)",
    "SELECT nextval('offers_id_seq')",
    "INSERT INTO users (id) VALUES ($1)",
    "UPDATE offers SET status = $1",
    "SAVEPOINT sa_savepoint_1",
    "WITH moved AS (DELETE FROM t RETURNING *) SELECT * FROM moved",
)


def test_what_only_reads() -> None:
    assert [only_reads(statement) for statement in READS] == [True] * len(READS)
    assert not any(only_reads(statement) for statement in MORE_THAN_READS)


@pytest.fixture
async def engine(pg_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(pg_url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP TABLE IF EXISTS lazy_things"))
        await connection.execute(text("CREATE TABLE lazy_things (id integer PRIMARY KEY)"))
    yield engine
    async with engine.begin() as connection:
        await connection.execute(text("DROP TABLE lazy_things"))
    await engine.dispose()


@pytest.fixture
def begun(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per BEGIN asyncpg sends."""
    started: list[int] = []
    original = Transaction.start

    async def counting(self: Transaction) -> Any:
        started.append(1)
        return await original(self)

    monkeypatch.setattr(Transaction, "start", counting)
    return started


@pytest.mark.postgres
async def test_reading_alone_sends_no_begin_and_no_commit(
    engine: AsyncEngine, begun: list[int]
) -> None:
    async with engine.connect() as connection:
        assert await connection.scalar(text("SELECT count(*) FROM lazy_things")) == 0
        assert await connection.scalar(text("SELECT 1")) == 1
        await connection.commit()
    assert begun == []


@pytest.mark.postgres
async def test_a_write_begins_the_transaction_and_rolls_back_whole(
    engine: AsyncEngine, begun: list[int]
) -> None:
    async with engine.connect() as connection:
        await connection.scalar(text("SELECT count(*) FROM lazy_things"))
        await connection.execute(text("INSERT INTO lazy_things VALUES (1)"))
        await connection.execute(text("INSERT INTO lazy_things VALUES (2)"))
        assert await connection.scalar(text("SELECT count(*) FROM lazy_things")) == 2
        await connection.rollback()
        assert begun == [1]
        assert await connection.scalar(text("SELECT count(*) FROM lazy_things")) == 0


@pytest.mark.postgres
async def test_row_locks_and_advisory_locks_begin_it(engine: AsyncEngine, begun: list[int]) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT id FROM lazy_things FOR UPDATE"))
        assert await connection.scalar(text("SELECT pg_current_xact_id_if_assigned()")) is None
        await connection.rollback()
        await connection.execute(text("SELECT pg_advisory_xact_lock(4242)"))
        held = await connection.scalar(
            text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242")
        )
        assert held == 1  # held until the transaction ends, so there is one
        await connection.rollback()
    assert begun == [1, 1]


@pytest.mark.postgres
@pytest.mark.parametrize(
    "configured",
    [
        {"connect_args": {"server_settings": {"default_transaction_isolation": "repeatable read"}}},
        {"isolation_level": "REPEATABLE READ"},
    ],
    ids=["server default", "engine"],
)
async def test_another_isolation_keeps_every_statement_in_a_transaction(
    pg_url: str, begun: list[int], configured: dict[str, Any]
) -> None:
    engine = create_engine(pg_url, **configured)
    try:
        async with engine.connect():  # the dialect's first look at the server
            pass
        begun.clear()
        async with engine.connect() as connection:
            await connection.scalar(text("SELECT 1"))
            await connection.commit()
    finally:
        await engine.dispose()
    assert begun == [1]


async def _server_dsn(engine: AsyncEngine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.mark.postgres
async def test_reads_outside_a_transaction_see_other_commits(engine: AsyncEngine) -> None:
    """READ COMMITTED as before: each read sees what others committed before it."""
    other = await asyncpg.connect(await _server_dsn(engine))
    try:
        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT count(*) FROM lazy_things")) == 0
            await other.execute("INSERT INTO lazy_things VALUES (7)")
            assert await connection.scalar(text("SELECT count(*) FROM lazy_things")) == 1
    finally:
        await other.close()
