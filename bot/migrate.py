"""Apply Alembic migrations from inside the running program."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

import migrations
from bot.db import create_engine

# Arbitrary constant: the PostgreSQL advisory lock that serialises instances migrating
# at the same start-up.
_MIGRATION_LOCK_ID = 0x67_69_67_62

log = logging.getLogger(__name__)


def alembic_config() -> Config:
    """Alembic configuration pointing at the installed migrations package."""
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    return config


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _upgrade_on(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
    before = _revision(connection)
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
    after = _revision(connection)
    if before == after:
        log.info("database schema is current (%s)", after)
    else:
        log.info("database schema migrated from %s to %s", before or "empty", after)


async def upgrade(database_url: str) -> None:
    """Bring the database at `database_url` to the newest schema; safe to run concurrently."""
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade_on)
    finally:
        await engine.dispose()
