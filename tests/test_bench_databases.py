"""The benches empty only databases that are clearly theirs, and honour the URL given."""

from __future__ import annotations

import os
import subprocess
import sys

import asyncpg
import pytest

from bench.databases import refuse_unless_disposable

pytestmark = pytest.mark.postgres
SERVER = "postgresql://postgres@127.0.0.1:5432"


def test_a_database_without_bench_in_its_name_is_refused() -> None:
    with pytest.raises(SystemExit):
        refuse_unless_disposable("postgresql+asyncpg://u@db/gigbot", yes_drop=False)
    refuse_unless_disposable("postgresql+asyncpg://u@db/gigbot", yes_drop=True)
    refuse_unless_disposable("postgresql+asyncpg://u@db/gigbot_bench_2", yes_drop=False)


@pytest.mark.parametrize(
    "command",
    [
        ["bench.search", "--sizes", "10", "--queries", "1", "--database-url"],
        ["bench.reviews", "--sizes", "10", "--events", "1", "--database-url"],
        ["bench.dispatch", "--updates", "1", "--pg"],
    ],
)
async def test_a_bench_leaves_someone_elses_database_alone(pg_url: str, command: list[str]) -> None:
    admin = await asyncpg.connect(f"{SERVER}/postgres")
    await admin.execute("DROP DATABASE IF EXISTS gigbot_precious WITH (FORCE)")
    await admin.execute("CREATE DATABASE gigbot_precious")
    try:
        precious = await asyncpg.connect(f"{SERVER}/gigbot_precious")
        await precious.execute("CREATE TABLE ledger (amount int); INSERT INTO ledger VALUES (42)")
        await precious.close()
        url = "postgresql+asyncpg://postgres@127.0.0.1:5432/gigbot_precious"
        done = subprocess.run(  # noqa: ASYNC221, S603 - a short child process of our own
            [sys.executable, "-m", *command, url],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ},
            check=False,
        )
        assert done.returncode == 2, done.stderr
        assert "refusing to empty the database 'gigbot_precious'" in done.stderr
        assert "Traceback" not in done.stderr
        precious = await asyncpg.connect(f"{SERVER}/gigbot_precious")
        assert await precious.fetchval("SELECT amount FROM ledger") == 42
        await precious.close()
    finally:
        await admin.execute("DROP DATABASE IF EXISTS gigbot_precious WITH (FORCE)")
        await admin.close()
