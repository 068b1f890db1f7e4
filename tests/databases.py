"""Test databases: a migrated SQLite template copied per test, and one PostgreSQL
database per test run, emptied between tests."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from pathlib import Path

import asyncpg
import pytest

from bot.migrate import upgrade

PG_DSN = os.environ.get("GIGBOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
# CI sets this so an unreachable service fails the run instead of skipping tests.
REQUIRE_SERVICES = os.environ.get("GIGBOT_REQUIRE_SERVICES") == "1"


def unavailable(service: str, error: Exception) -> None:
    """Skip (or fail, where services are required) because `service` cannot be reached."""
    message = f"{service} cannot be reached: {type(error).__name__}: {error}"
    if REQUIRE_SERVICES:
        pytest.fail(message)
    pytest.skip(message)


def sqlite_template(directory: Path) -> Path:
    """A SQLite file migrated to the newest schema."""
    path = directory / "template.db"
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


def sqlite_copy(template: Path, directory: Path) -> str:
    """A fresh database for one test: a copy of the template; returns its URL."""
    path = directory / f"{uuid.uuid4().hex}.db"
    shutil.copyfile(template, path)
    return f"sqlite+aiosqlite:///{path}"


async def _create_pg(name: str) -> None:
    connection = await asyncpg.connect(f"{PG_DSN}/postgres", timeout=5)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def _drop_pg(name: str) -> None:
    connection = await asyncpg.connect(f"{PG_DSN}/postgres", timeout=5)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def create_pg_database(*, migrate: bool = True) -> str:
    """Create a database for this test run, migrated unless told not to; returns its
    SQLAlchemy URL."""
    name = f"gigbot_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    asyncio.run(_create_pg(name))
    url = f"{PG_DSN.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
    if migrate:
        asyncio.run(upgrade(url))
    return url


def drop_pg_database(url: str) -> None:
    """Drop the test-run database."""
    asyncio.run(_drop_pg(url.rsplit("/", 1)[1]))


async def empty_pg_database(url: str) -> None:
    """Delete every row of every table but Alembic's, so each test starts clean."""
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        tables = await connection.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'"
        )
        if tables:
            names = ", ".join(f'"{row["tablename"]}"' for row in tables)
            await connection.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await connection.close()
