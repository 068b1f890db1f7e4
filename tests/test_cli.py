"""`gigbot run` as a real process against the emulator: migrates, starts, answers."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from emulator import Emulator
from emulator.harness import free_port


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_gigbot_run_answers_start_in_three_languages(
    emulator: Emulator, tmp_path: Path, mode: str
) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "BOT_TOKEN": emulator.bot.token,
        "TELEGRAM_API_URL": emulator.url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'gigbot.db'}",
        "LOG_LEVEL": "DEBUG",
    }
    if mode == "webhook":
        port = free_port()
        env |= {
            "WEBHOOK_URL": f"http://127.0.0.1:{port}/hook",
            "WEBHOOK_SECRET": "s3cret-s3cret-s3cret",
            "WEBHOOK_HOST": "127.0.0.1",
            "WEBHOOK_PORT": str(port),
        }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stderr is not None
    # Drained while the bot runs: a full pipe would block its logging, and so the bot.
    stderr_read = asyncio.create_task(process.stderr.read())
    try:
        for language, greeting in (("en", "Hi, Ana"), ("ru", "Привет, Ana"), ("es", "¡Hola, Ana")):
            ana = emulator.user("Ana", language=language)
            mark = await ana.send_nowait("/start")
            reply = await emulator.wait_for_message(
                ana.id, lambda m: "Ana" in (m.text or ""), after_seq=mark, timeout=30
            )
            assert greeting in (reply.text or "")
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)
        stderr = await stderr_read
    log = stderr.decode()
    assert process.returncode == 0, log
    assert emulator.bot.token not in log
    assert (tmp_path / "gigbot.db").exists()  # migrated at start
    assert "gigbot started as @gigbot_test_bot" in log
