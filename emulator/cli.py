"""`gigbot emulator`: serve the emulator on its own, for trying the bot without Telegram."""

from __future__ import annotations

import os

from bot.signals import until_stopped
from emulator.server import Emulator


async def serve(host: str, port: int) -> None:
    """Serve until SIGINT/SIGTERM; prints the URL and the token the bot should use."""
    emulator = Emulator()
    bot = emulator.add_bot(os.environ.get("EMULATOR_BOT_TOKEN"))
    url = await emulator.start(host, port)
    print(f"Bot API emulator at {url}")
    print(f"Run the bot with: TELEGRAM_API_URL={url} BOT_TOKEN={bot.token} gigbot run")
    try:
        await until_stopped()
    finally:
        await emulator.stop()
