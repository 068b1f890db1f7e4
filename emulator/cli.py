"""`gigbot emulator`: serve the emulator on its own, for trying the bot without Telegram."""

from __future__ import annotations

import asyncio
import os
import signal

from emulator.server import Emulator


async def serve(host: str, port: int) -> None:
    """Serve until SIGINT/SIGTERM; prints the URL and the token the bot should use."""
    emulator = Emulator()
    bot = emulator.add_bot(os.environ.get("EMULATOR_BOT_TOKEN"))
    url = await emulator.start(host, port)
    print(f"Bot API emulator at {url}")
    print(f"Run the bot with: TELEGRAM_API_URL={url} BOT_TOKEN={bot.token} gigbot run")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await emulator.stop()
