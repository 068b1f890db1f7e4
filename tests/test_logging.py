"""The bot token never reaches a log line, even when things fail."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import assemble, close
from bot.log import REDACTED, RedactingFilter, setup_logging
from bot.migrate import upgrade
from emulator import Emulator, Fault
from emulator.harness import make_settings


@pytest.fixture
def log_stream(emulator: Emulator) -> Iterator[io.StringIO]:
    """Our own log set-up, as `gigbot run` does it, writing to a buffer."""
    yield from logging_to_buffer("DEBUG", [emulator.bot.token])


@pytest.fixture
def info_stream() -> Iterator[io.StringIO]:
    """Our own log set-up at the default level, writing to a buffer."""
    yield from logging_to_buffer("INFO", [])


def logging_to_buffer(
    level: str, secrets: list[str], log_format: str = "text"
) -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    stream = io.StringIO()
    setup_logging(level, secrets=secrets, stream=stream, log_format=log_format)
    for handler in saved_handlers:  # keep pytest's capture handlers too
        root.addHandler(handler)
    yield stream
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved_handlers:
        root.addHandler(handler)
    root.setLevel(saved_level)


def test_the_filter_hides_the_token_in_messages_and_tracebacks() -> None:
    token = "123456789:AAsecretSECRETsecretSECRETsecret123"
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "url %s", (f"/bot{token}/x",), None)
    try:
        raise RuntimeError(f"https://api.telegram.org/bot{token}/getMe")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    RedactingFilter([token]).filter(record)
    text = logging.Formatter().format(record)
    assert token not in text
    assert REDACTED in text
    assert "RuntimeError" in text


def test_any_token_shaped_string_is_hidden_too() -> None:
    assert RedactingFilter([]).redact("see 5555555:AAotherTOKENotherTOKENotherTOKEN12") == (
        f"see {REDACTED}"
    )


async def test_a_failing_handler_logs_no_token_and_apologises(
    log_stream: io.StringIO, tg: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    token = tg.bot.token
    caplog.set_level(logging.DEBUG)
    alice = tg.user("Alice")
    await alice.send("/start")
    # Telegram fails the next reply: the handler raises, the error handler takes over.
    tg.inject(Fault(method="sendMessage", status=500, description="Internal Server Error"))
    await alice.send("/help")
    assert any("something went wrong" in (m.text or "") for m in alice.turn)
    output = log_stream.getvalue()
    assert "failed: TelegramServerError" in output
    assert token not in output
    assert token not in caplog.text
    assert token.split(":")[1] not in output


async def test_an_idle_bot_logs_nothing_periodically_and_starts_in_few_lines(
    info_stream: io.StringIO, tmp_path: Path, emulator: Emulator
) -> None:
    stream = info_stream
    url = f"sqlite+aiosqlite:///{tmp_path / 'idle.db'}"
    await upgrade(url)
    assert stream.getvalue().count("\n") == 1, stream.getvalue()
    assert "migrated from empty to" in stream.getvalue()
    await upgrade(url)
    assert "schema is current" in stream.getvalue()
    # The outbox job's wake-ups: APScheduler logs two INFO lines per run by default.
    app = assemble(make_settings(emulator, url, "polling", scheduler_interval=0.01))
    runs = 0
    three_runs = asyncio.Event()
    run_once = app.scheduler.run_once

    async def counted() -> None:
        nonlocal runs
        await run_once()
        runs += 1
        if runs == 3:
            three_runs.set()

    app.scheduler.run_once = counted  # type: ignore[method-assign]
    before = stream.getvalue()
    assert await app.scheduler.start()
    await asyncio.wait_for(three_runs.wait(), 10)
    await close(app)
    after = stream.getvalue()[len(before) :].splitlines()
    # (A 10 ms interval may make APScheduler warn that a run was skipped; that is fine.)
    assert [line for line in after if " INFO " in line and "scheduler started" not in line] == []
