"""Fixtures: databases (SQLite and PostgreSQL), the emulator, and gigbot running against it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db import create_engine, create_sessionmaker
from emulator import Emulator
from emulator.harness import Mode, RunningBot, make_settings, start_bot
from tests.databases import (
    create_pg_database,
    drop_pg_database,
    empty_pg_database,
    sqlite_copy,
    sqlite_template,
    unavailable,
)
from tests.trust_setup import World, started_world


@pytest.fixture(scope="session")
def sqlite_template_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sqlite_template(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    try:
        url = create_pg_database()
    except (OSError, Exception) as error:
        unavailable("PostgreSQL at 127.0.0.1:5432", error)
        raise
    yield url
    drop_pg_database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template_path: Path) -> str:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        return sqlite_copy(sqlite_template_path, tmp_path)
    url: str = request.getfixturevalue("pg_url")
    asyncio.run(empty_pg_database(url))
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the test database, for asserting what was stored."""
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on an engine with several pooled connections (SQLite too), for tests of
    services that race transactions against each other."""
    engine = create_engine(database_url, pool_size=4, max_overflow=0)
    yield create_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    """A running Bot API emulator with one bot account."""
    emulator = Emulator()
    emulator.add_bot()
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture(params=["polling", "webhook"])
def mode(request: pytest.FixtureRequest) -> Mode:
    """How the bot receives updates."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
async def running_bot(
    emulator: Emulator, database_url: str, mode: Mode
) -> AsyncIterator[RunningBot]:
    """gigbot running against the emulator, on each database, in each update mode."""
    bot = await start_bot(make_settings(emulator, database_url, mode), emulator)
    yield bot
    await bot.stop()


@pytest.fixture
async def tg(emulator: Emulator, running_bot: RunningBot) -> Emulator:
    """The emulator with gigbot listening: the usual entry point of conversation tests."""
    return emulator


@pytest.fixture
async def world(emulator: Emulator, database_url: str, engine: AsyncEngine) -> AsyncIterator[World]:
    """gigbot with an admin, a provider, a customer and a bystander, on each database."""
    async with started_world(emulator, database_url, engine) as started:
        yield started
