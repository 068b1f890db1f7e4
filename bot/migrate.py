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


def _upgrade_on(connection: Connection, revision: str) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
    before = _revision(connection)
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
    after = _revision(connection)
    if connection.dialect.name == "sqlite" and before != after:
        _check_foreign_keys(connection)  # only after a migration: it reads every table
    if before == after:
        log.info("database schema is current (%s)", after)
    else:
        log.info("database schema migrated from %s to %s", before or "empty", after)


class BrokenForeignKeys(Exception):
    """A migration left rows whose references point nowhere; nothing was committed."""


def _check_foreign_keys(connection: Connection) -> None:
    """On SQLite, migrations run with foreign keys off (see bot.db.create_engine): check
    every reference before the migration's transaction commits, as SQLite's own recipe
    for altering a table does."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        table, _rowid, parent, _key = broken[0]
        raise BrokenForeignKeys(
            f"the migration would leave {len(broken)} row(s) referring to missing rows "
            f"(the first in {table}, to {parent}); nothing was changed"
        )


async def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database at `database_url` to the newest schema (or to `revision`, for
    tests of upgrading old data); safe to run concurrently."""
    engine = create_engine(database_url, sqlite_foreign_keys=False)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade_on, revision)
    finally:
        await engine.dispose()
