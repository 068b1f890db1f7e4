"""Alembic environment: runs on a connection handed in by bot.migrate, or on its own."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from models import Base
from models.search_index import include_name

config = context.config
target_metadata = Base.metadata


def run_on_connection(connection: Connection) -> None:
    """Apply migrations on `connection` inside its transaction."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_standalone() -> None:
    """The `alembic` command line (upgrade, revision --autogenerate…): uses DATABASE_URL."""
    import os

    from bot.db import create_engine

    url = os.environ.get("DATABASE_URL", "sqlite+aiosqlite:///gigbot.db")

    async def run() -> None:
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(run_on_connection)
        finally:
            await engine.dispose()

    asyncio.run(run())


connection = config.attributes.get("connection")
if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run against a database")
if connection is None:
    run_standalone()
else:
    run_on_connection(connection)
