"""The benches' PostgreSQL databases: only ones that are clearly theirs are emptied.

A bench empties the database it is given (`DROP SCHEMA public CASCADE`). A mistyped URL
must not cost anyone their data, so a database whose name does not say "bench" is refused
unless the caller says `--yes-drop`.
"""

from __future__ import annotations

import sys

import asyncpg
from sqlalchemy import make_url, text

from bot.db import create_engine

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/gigbot_bench"


def refuse_unless_disposable(database_url: str, *, yes_drop: bool) -> None:
    """Exit with one line unless the database's name contains "bench" or `yes_drop`."""
    name = make_url(database_url).database or ""
    if "bench" not in name.lower() and not yes_drop:
        print(
            f"bench: refusing to empty the database {name!r}: its name does not say "
            "'bench'. Give a bench database, or --yes-drop if you really mean it.",
            file=sys.stderr,
        )
        raise SystemExit(2)


async def fresh_postgres(database_url: str, *, yes_drop: bool) -> None:
    """Create the database at `database_url` if it is missing, and empty it."""
    refuse_unless_disposable(database_url, yes_drop=yes_drop)
    url = make_url(database_url)
    server = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    admin = await asyncpg.connect(server)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", url.database)
        if not exists:
            await admin.execute(f'CREATE DATABASE "{url.database}"')
    finally:
        await admin.close()
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()
