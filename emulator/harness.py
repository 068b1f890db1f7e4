"""Runs the real gigbot in-process against the emulator, by polling or by webhook.

Used by the tests and the benchmarks; the only hook into the bot is `observe_updates`,
which tells the emulator when an update has been handled completely.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from typing import Any, Literal

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from aiohttp import web

from bot.app import Gigbot, assemble, close, run_polling, webhook_application
from bot.config import Settings
from emulator import Emulator

Mode = Literal["polling", "webhook"]
WEBHOOK_SECRET = "test-secret_0123456789"  # noqa: S105 - the emulator's, not a real secret


def free_port() -> int:
    """A TCP port on loopback that is free right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_settings(emulator: Emulator, database_url: str, mode: Mode, **overrides: Any) -> Settings:
    """Settings of a bot under test: the emulator's URL, no .env, generous flood limits."""
    values: dict[str, Any] = {
        "bot_token": emulator.bot.token,
        "database_url": database_url,
        "telegram_api_url": emulator.url,
        "flood_rate": 1000.0,
        "flood_burst": 1000,
        # Tests deliver notifications explicitly, at the instants they choose.
        "scheduler_interval": 3600.0,
    }
    if mode == "webhook":
        values["webhook_url"] = f"http://127.0.0.1:{free_port()}/telegram/webhook"
        values["webhook_secret"] = WEBHOOK_SECRET
        values["webhook_host"] = "127.0.0.1"
    values.update(overrides)
    if "webhook_url" in values:
        values.setdefault("webhook_port", int(values["webhook_url"].split(":")[2].split("/")[0]))
    return Settings(_env_file=None, **values)


def observe_updates(dispatcher: Dispatcher, emulator: Emulator) -> None:
    """Tell the emulator when the dispatcher has finished each update (error handling included)."""
    feed = dispatcher.feed_update

    async def observed(bot: Bot, update: Update, **kwargs: Any) -> Any:
        try:
            return await feed(bot, update, **kwargs)
        finally:
            emulator.mark_processed(bot.token, update.update_id)

    dispatcher.feed_update = observed  # type: ignore[method-assign]


@dataclass
class RunningBot:
    """A started gigbot instance and how to stop it."""

    app: Gigbot
    mode: Mode
    task: asyncio.Task[None] | None = None
    runner: web.AppRunner | None = None

    async def stop(self) -> None:
        """Stop receiving updates and release every connection."""
        if self.task is not None:
            await self.app.dispatcher.stop_polling()
            await self.task
        if self.runner is not None:
            await self.runner.cleanup()
        await close(self.app)


async def start_bot(settings: Settings, emulator: Emulator) -> RunningBot:
    """Start gigbot with `settings`; returns once it is ready for updates."""
    app = assemble(settings)
    observe_updates(app.dispatcher, emulator)
    started = asyncio.Event()

    async def mark_started() -> None:
        started.set()

    app.dispatcher.startup.register(mark_started)
    if settings.uses_webhook:
        runner = web.AppRunner(webhook_application(app), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", settings.webhook_port).start()
        return RunningBot(app, "webhook", runner=runner)
    task = asyncio.create_task(run_polling(app, handle_signals=False))
    done, _ = await asyncio.wait(
        {task, asyncio.create_task(started.wait())}, return_when=asyncio.FIRST_COMPLETED, timeout=15
    )
    if task in done:
        task.result()  # start-up failed: raise its error here
    return RunningBot(app, "polling", task=task)
