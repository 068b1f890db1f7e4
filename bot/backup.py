"""`gigbot backup PATH`: a consistent copy of a running SQLite database.

SQLite's online backup API copies the database as one read transaction: in WAL mode the
bot keeps writing meanwhile (readers never block the writer), and the copy is the
database as it was at one instant, with what the WAL held included. The copy is written
beside PATH, checked (`PRAGMA integrity_check`), switched to a plain rollback journal
(one self-contained file), and only then renamed to PATH, so PATH is never a half-copy.

PostgreSQL is backed up with its own tools (`pg_dump`); see the README's *Production*.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

BUSY_TIMEOUT_SECONDS = 30.0


class BackupError(Exception):
    """The backup cannot be made; the message says why, in one line."""


def sqlite_path(database_url: str) -> Path:
    """The file of a SQLite DATABASE_URL; BackupError for any other database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(
            "gigbot backup copies SQLite databases; back PostgreSQL up with pg_dump "
            "(see the README's Production section)"
        )
    if not url.database or url.database == ":memory:":
        raise BackupError("DATABASE_URL names no database file")
    return Path(url.database)


def backup(database_url: str, target: Path) -> int:
    """Copy the database to `target` consistently while it may be in use; returns the
    size of the copy in bytes."""
    source = sqlite_path(database_url)
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    if target.exists() and target.resolve() == source.resolve():
        raise BackupError("the backup would overwrite the database itself")
    if not target.parent.is_dir():
        raise BackupError(f"there is no directory {target.parent}")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        reader = sqlite3.connect(source, timeout=BUSY_TIMEOUT_SECONDS)
        copy = sqlite3.connect(partial)
        try:
            reader.backup(copy)  # all pages in one step: one consistent snapshot
            verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict != "ok":
                raise BackupError(f"the copy failed its integrity check: {verdict}")
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
            reader.close()
        os.replace(partial, target)
    except sqlite3.Error as error:
        raise BackupError(f"cannot copy {source}: {error}") from None
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size
