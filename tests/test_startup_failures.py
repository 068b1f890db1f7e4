"""What a person can get wrong at start-up ends in one clear line and a non-zero exit code,
with the token never shown; cosmetic Bot API calls failing at start never stop the bot."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from emulator import Emulator, Fault
from emulator.harness import free_port, make_settings, start_bot

TOKEN = "123456789:AAEexampleexampleexampleexampleexa"


async def gigbot(tmp_path: Path, *args: str, **env: str) -> tuple[int, list[str]]:
    """Run `gigbot ARGS` with only `env` set; its exit code and stderr lines."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", ""), **env},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, stderr.decode().splitlines()


@pytest.fixture
async def path_echoing_server() -> AsyncIterator[str]:
    """A server that answers 404 quoting the path, as a mistyped proxy or Bot API URL does."""

    async def not_found(request: web.Request) -> web.Response:
        return web.Response(status=404, text=f"404: no route {request.path}")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", not_found)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_a_wrong_token_is_one_line_and_nothing_is_created(
    emulator: Emulator, tmp_path: Path
) -> None:
    code, lines = await gigbot(tmp_path, "run", BOT_TOKEN=TOKEN, TELEGRAM_API_URL=emulator.url)
    assert code != 0
    assert len(lines) == 1, lines
    assert "refused BOT_TOKEN" in lines[0]
    assert TOKEN not in lines[0]
    assert not (tmp_path / "gigbot.db").exists()  # the token is checked before anything


async def test_a_url_that_quotes_the_token_back_never_shows_it(
    tmp_path: Path, path_echoing_server: str
) -> None:
    code, lines = await gigbot(
        tmp_path, "run", BOT_TOKEN=TOKEN, TELEGRAM_API_URL=path_echoing_server
    )
    assert code != 0
    assert len(lines) == 1, lines
    assert "TELEGRAM_API_URL" in lines[0]
    assert TOKEN not in "\n".join(lines)
    assert TOKEN.split(":")[1] not in "\n".join(lines)


async def test_no_network_is_one_line(tmp_path: Path) -> None:
    code, lines = await gigbot(
        tmp_path, "run", BOT_TOKEN=TOKEN, TELEGRAM_API_URL=f"http://127.0.0.1:{free_port()}"
    )
    assert code != 0
    assert len(lines) == 1, lines
    assert "cannot reach the Bot API" in lines[0]


@pytest.mark.parametrize(
    ("database_url", "expected"),
    [
        (f"postgresql://postgres:hunter2@127.0.0.1:{free_port()}/gigbot", "Connect call failed"),
        ("sqlite:////proc/no-such-dir/gigbot.db", "unable to open database file"),
    ],
)
async def test_a_database_that_cannot_be_opened_is_one_line(
    emulator: Emulator, tmp_path: Path, database_url: str, expected: str
) -> None:
    code, lines = await gigbot(
        tmp_path,
        "run",
        BOT_TOKEN=emulator.bot.token,
        TELEGRAM_API_URL=emulator.url,
        DATABASE_URL=database_url,
    )
    assert code != 0
    assert len(lines) == 1, lines
    assert "cannot open or migrate the database" in lines[0]
    assert expected in lines[0]
    assert "hunter2" not in lines[0]


async def test_migrate_needs_no_token(tmp_path: Path) -> None:
    code, lines = await gigbot(tmp_path, "migrate", DATABASE_URL="sqlite:///gigbot.db")
    assert code == 0, lines
    assert (tmp_path / "gigbot.db").exists()


async def test_failing_menus_at_start_do_not_stop_the_bot(
    emulator: Emulator, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    for status in (500, 404):  # a server error, and a Bot API server without the method
        emulator.inject(Fault(method="setMyCommands", status=status, retry_after=None, times=-1))
    running = await start_bot(make_settings(emulator, database_url, "polling"), emulator)
    try:
        reply = await emulator.user("Alice").send("/start")
        assert reply is not None
        assert "Hi, Alice" in (reply.text or "")
    finally:
        await running.stop()
    assert any("could not publish the command menus" in r.getMessage() for r in caplog.records)
