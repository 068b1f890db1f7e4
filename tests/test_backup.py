"""`gigbot backup PATH` copies a SQLite database while it is being written to: the copy
is whole (each transaction in or out entirely), passes its integrity check, and restored
in place of the database it serves again; PostgreSQL is refused with one line."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.backup import BackupError, backup

NOW = "2026-11-30 12:00:00.000000"


def writer(path: Path, stop: threading.Event, written: list[int]) -> None:
    """Insert users two per transaction, as fast as SQLite allows, until stopped."""
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    next_id = 1
    while not stop.is_set():
        connection.execute("BEGIN IMMEDIATE")
        for user_id in (next_id, next_id + 1):
            connection.execute(
                "INSERT INTO users (id, first_name, created_at, last_seen_at) VALUES (?, ?, ?, ?)",
                (user_id, f"user {user_id}", NOW, NOW),
            )
        connection.execute("COMMIT")
        next_id += 2
        written.append(next_id - 1)
    connection.close()


def run_cli(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", ""), "DATABASE_URL": database_url}
    return subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def triggers(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {name for (name,) in rows}


def test_a_backup_taken_while_writing_is_whole_and_restores(tmp_path: Path) -> None:
    database = tmp_path / "gigbot.db"
    url = f"sqlite+aiosqlite:///{database}"
    assert run_cli("migrate", database_url=url, cwd=tmp_path).returncode == 0
    stop, written = threading.Event(), list[int]()
    thread = threading.Thread(target=writer, args=(database, stop, written))
    thread.start()
    try:
        while len(written) < 200:  # well under way before the first copy
            time.sleep(0.01)
        copies = []
        for number in range(3):  # in this process: the moment a copy begins is known
            target = tmp_path / f"copy{number}.db"
            writes_before = len(written)
            backup(url, target)
            copies.append((target, writes_before, len(written)))
        target = tmp_path / "by-command.db"  # and as the command, from another process
        writes_before = len(written)
        result = run_cli("backup", str(target), database_url=url, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert f"backed up to {target}" in result.stdout
        copies.append((target, writes_before, len(written)))
    finally:
        stop.set()
        thread.join()
    for target, writes_before, writes_after in copies:
        assert not Path(f"{target}-wal").exists()  # one self-contained file
        with sqlite3.connect(target) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
            ids = [row[0] for row in connection.execute("SELECT id FROM users ORDER BY id")]
        # Everything committed before the copy began is in it, the WAL's part included.
        assert len(ids) >= 2 * writes_before
        assert ids == list(range(1, len(ids) + 1))  # no transaction half in
        assert len(ids) % 2 == 0
        assert len(ids) <= 2 * writes_after
    assert triggers(copies[-1][0]) == triggers(database)
    # Restore: stop the bot, put the copy in place of the database (without the old WAL
    # and shared-memory files), start it again.
    restored = tmp_path / "restored" / "gigbot.db"
    restored.parent.mkdir()
    restored.write_bytes(copies[-1][0].read_bytes())
    restored_url = f"sqlite+aiosqlite:///{restored}"
    result = run_cli("migrate", database_url=restored_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(restored) as connection:
        count = connection.execute("SELECT count(*) FROM users").fetchone()[0]
    with sqlite3.connect(copies[-1][0]) as connection:
        assert count == connection.execute("SELECT count(*) FROM users").fetchone()[0]


def test_backup_refuses_what_it_cannot_copy(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="pg_dump"):
        backup("postgresql+asyncpg://postgres@127.0.0.1/gigbot", tmp_path / "x.db")
    with pytest.raises(BackupError, match="there is no database"):
        backup(f"sqlite+aiosqlite:///{tmp_path / 'none.db'}", tmp_path / "x.db")
    (tmp_path / "real.db").write_bytes(b"")
    with pytest.raises(BackupError, match="overwrite the database itself"):
        backup(f"sqlite+aiosqlite:///{tmp_path / 'real.db'}", tmp_path / "real.db")


def test_the_command_fails_in_one_line_for_postgresql(tmp_path: Path) -> None:
    result = run_cli(
        "backup", "x.db", database_url="postgresql+asyncpg://postgres@127.0.0.1/x", cwd=tmp_path
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "pg_dump" in result.stderr
