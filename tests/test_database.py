"""Persistence: SQLite is configured for concurrent writers; datetimes are aware UTC."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import SQLITE_BEGIN, create_engine, create_sessionmaker, is_sqlite
from bot.migrate import alembic_config, upgrade
from models import Base, User
from models.search_index import include_name
from services.users import TOUCH_EVERY, TelegramProfile, touch_user
from tests.databases import sqlite_copy
from tests.helpers import stored_user


async def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(
    sqlite_template_path: Path, tmp_path: Path
) -> None:
    engine = create_engine(sqlite_copy(sqlite_template_path, tmp_path))
    assert is_sqlite(engine)
    try:
        async with engine.connect() as connection:
            assert (await connection.scalar(text("PRAGMA journal_mode"))) == "wal"
            assert (await connection.scalar(text("PRAGMA foreign_keys"))) == 1
            assert (await connection.scalar(text("PRAGMA busy_timeout"))) == 5000
    finally:
        await engine.dispose()


async def test_concurrent_read_then_write_transactions_all_succeed(engine: AsyncEngine) -> None:
    """A deferred read-then-write on SQLite fails with "database is locked" at once;
    BEGIN IMMEDIATE makes writers queue instead."""
    sessions = create_sessionmaker(engine)
    async with sessions.begin() as session:
        await touch_user(session, TelegramProfile(id=1, first_name="Counter"))

    async def rename(n: int) -> None:
        async with sessions.begin() as session:
            user = await session.get(User, 1)
            assert user is not None
            await asyncio.sleep(0)  # let the others read too
            user.last_name = f"{n}"

    await asyncio.gather(*(rename(n) for n in range(20)))
    assert (await stored_user(engine, 1)).last_name is not None


async def test_a_read_only_session_can_begin_deferred(engine: AsyncEngine) -> None:
    reader = create_sessionmaker(engine.execution_options(**{SQLITE_BEGIN: "DEFERRED"}))
    async with reader() as session:
        assert (await session.scalar(text("SELECT 1"))) == 1


async def test_datetimes_come_back_aware_in_utc(engine: AsyncEngine) -> None:
    moment = datetime(2026, 3, 29, 3, 30, tzinfo=timezone(timedelta(hours=2)))
    async with create_sessionmaker(engine).begin() as session:
        await touch_user(session, TelegramProfile(id=5, first_name="Tz"), now=moment)
    stored = await stored_user(engine, 5)
    assert stored.created_at == moment
    assert stored.created_at.tzinfo == UTC
    assert stored.created_at.hour == 1


async def test_naive_datetimes_are_refused(engine: AsyncEngine) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        async with create_sessionmaker(engine).begin() as session:
            await touch_user(
                session, TelegramProfile(id=6, first_name="Naive"), now=datetime(2026, 1, 1)
            )


async def test_a_current_user_row_is_read_not_written(engine: AsyncEngine) -> None:
    """Most updates come from someone whose row already says it all: no write before the
    handler. The row is written again when Telegram's profile changes, the user had
    blocked the bot, or it was last seen more than TOUCH_EVERY ago."""
    sessions = create_sessionmaker(engine)
    start = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    anna = TelegramProfile(id=9, first_name="Anna", username="anna")

    async def touch(profile: TelegramProfile, minutes: float) -> User:
        async with sessions.begin() as session:
            await touch_user(session, profile, now=start + timedelta(minutes=minutes))
        return await stored_user(engine, profile.id)

    assert (await touch(anna, 0)).last_seen_at == start
    assert (await touch(anna, 1)).last_seen_at == start  # current: only read
    renamed = await touch(replace(anna, username="anna_k"), 2)
    assert (renamed.username, renamed.last_seen_at) == ("anna_k", start + timedelta(minutes=2))
    async with sessions.begin() as session:
        await session.execute(update(User).where(User.id == 9).values(blocked_bot=True))
    assert not (await touch(replace(anna, username="anna_k"), 3)).blocked_bot
    later = await touch(replace(anna, username="anna_k"), 3 + TOUCH_EVERY.total_seconds() / 60)
    assert later.last_seen_at == start + timedelta(minutes=3) + TOUCH_EVERY


async def test_telegram_ids_beyond_32_bits_fit(engine: AsyncEngine) -> None:
    big = 7_123_456_789
    async with create_sessionmaker(engine).begin() as session:
        await touch_user(session, TelegramProfile(id=big, first_name="Big"))
    assert (await stored_user(engine, big)).id == big


async def test_migrating_again_is_a_no_op(database_url: str, engine: AsyncEngine) -> None:
    await upgrade(database_url)
    await asyncio.gather(upgrade(database_url), upgrade(database_url))
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    async with engine.connect() as connection:
        assert (await connection.scalar(text("SELECT version_num FROM alembic_version"))) == head


async def test_the_migrated_schema_matches_the_models(engine: AsyncEngine) -> None:
    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_name}
        )
        return list(compare_metadata(context, Base.metadata))

    async with engine.connect() as connection:
        assert await connection.run_sync(differences) == []


@pytest.mark.postgres
async def test_a_dropped_postgresql_connection_costs_one_statement(pg_url: str) -> None:
    """No ping before every checkout: a connection the server dropped fails the one
    statement that meets it, the pool is discarded, and the next statement works.
    (PostgreSQL only: SQLite has no server to drop a connection.)"""
    engine = create_engine(pg_url)
    try:
        await _drop_one_connection(engine)
    finally:
        await engine.dispose()


async def _drop_one_connection(engine: AsyncEngine) -> None:
    async with engine.connect() as victim:  # back in the pool, idle, afterwards
        pid = await victim.scalar(text("SELECT pg_backend_pid()"))
    server = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    killer = await asyncpg.connect(server)
    try:
        # With a timeout, the call returns once the backend is gone (PostgreSQL 14+).
        assert await killer.fetchval("SELECT pg_terminate_backend($1, 5000)", pid)
    finally:
        await killer.close()
    invalidated: list[bool] = []
    for _attempt in range(3):
        try:
            async with engine.connect() as connection:
                assert await connection.scalar(text("SELECT 1")) == 1
        except DBAPIError as error:
            invalidated.append(error.connection_invalidated)
    assert invalidated == [True]
