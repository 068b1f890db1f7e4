"""Whole-update throughput: gigbot in-process against the emulator over loopback HTTP.

Each simulated user sends /start repeatedly (upsert of the user row, two translations,
one sendMessage with a keyboard); all users at once. Prints updates per second and the
latency from the update being queued to the bot having finished it.

    python -m bench.updates [--users 50] [--rounds 20] [--pg postgresql://postgres@127.0.0.1:5432]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

from bench.report import backend_name, percentiles
from bot.migrate import upgrade
from emulator import Emulator
from emulator.harness import Mode, make_settings, start_bot

MODES: tuple[Mode, ...] = ("polling", "webhook")


async def measure(database_url: str, mode: Mode, users: int, rounds: int) -> str:
    """One run; returns a line of results."""
    emulator = Emulator()
    emulator.add_bot()
    await emulator.start()
    running = await start_bot(make_settings(emulator, database_url, mode), emulator)
    people = [emulator.user(f"User {n}", language=("en", "ru", "es")[n % 3]) for n in range(users)]
    latencies: list[float] = []

    async def converse(person: object) -> None:
        for _ in range(rounds):
            started = time.perf_counter()
            await person.send("/start")  # type: ignore[attr-defined]
            latencies.append(time.perf_counter() - started)

    for person in people:  # warm-up: rows exist, caches are hot
        await person.send("/start")
    latencies.clear()
    began = time.perf_counter()
    await asyncio.gather(*(converse(person) for person in people))
    elapsed = time.perf_counter() - began
    await running.stop()
    await emulator.stop()
    return (
        f"{backend_name(database_url):10} {mode:8} {len(latencies) / elapsed:7.0f} updates/s   "
        f"{percentiles(latencies, 50, 95, 99)}"
    )


async def main() -> None:
    """Run every backend and mode."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(f"{args.users} users x {args.rounds} /start each, concurrently")
    with tempfile.TemporaryDirectory() as directory:
        sqlite_url = f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}"
        await upgrade(sqlite_url)
        for mode in MODES:
            print(await measure(sqlite_url, mode, args.users, args.rounds))
    name = f"gigbot_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(f"{args.pg}/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        pg_url = f"{args.pg.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
        await upgrade(pg_url)
        for mode in MODES:
            print(await measure(pg_url, mode, args.users, args.rounds))
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
