"""`gigbot run` as a real process against the emulator: migrates, starts, answers."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp
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
    status_port = free_port()  # polling serves /healthz and /metrics here
    if mode == "polling":
        env["STATUS_PORT"] = str(status_port)
    if mode == "webhook":
        port = status_port = free_port()
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
        async with aiohttp.ClientSession() as client:
            async with client.get(f"http://127.0.0.1:{status_port}/healthz") as answer:
                assert answer.status == 200
            async with client.get(f"http://127.0.0.1:{status_port}/metrics") as answer:
                assert 'gigbot_updates_total{outcome="handled",type="message"} 3.0' in (
                    await answer.text()
                )
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)
        stderr = await stderr_read
    log = stderr.decode()
    assert process.returncode == 0, log
    assert emulator.bot.token not in log
    assert (tmp_path / "gigbot.db").exists()  # migrated at start
    assert "gigbot started as @gigbot_test_bot" in log
