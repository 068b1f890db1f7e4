"""gigbot's own cost per update, without HTTP: updates fed straight to the dispatcher,
Bot API calls answered by a stub session. Complements bench/updates.py (end to end).

    python -m bench.dispatch [--updates 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.types import Update

from bench.databases import DEFAULT_URL, fresh_postgres
from bench.report import backend_name, percentiles
from bench.stub_bot import TOKEN, StubSession, bench_settings
from bot.app import add_request_middlewares, assemble, close, freeze_startup_objects
from bot.migrate import upgrade

OLD_BUTTON = "button:old:1"  # a press of a button no handler takes: every filter is tried


def start_update(update_id: int, user_id: int, text: str) -> Update:
    """A private message `text` from `user_id`, or a press of OLD_BUTTON."""
    user = {"id": user_id, "is_bot": False, "first_name": f"User {user_id}", "language_code": "en"}
    if text == OLD_BUTTON:
        chat = {"id": user_id, "type": "private", "first_name": user["first_name"]}
        message = {"message_id": 1, "date": 0, "chat": chat, "text": "a screen"}
        query = {"id": str(update_id), "from": user, "chat_instance": "1", "data": text[7:]}
        return Update.model_validate(
            {"update_id": update_id, "callback_query": {**query, "message": message}}
        )
    return Update.model_validate(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "text": text,
                "from": user,
                "chat": {"id": user_id, "type": "private", "first_name": user["first_name"]},
                "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
                if text.startswith("/")
                else [],
            },
        }
    )


async def measure(database_url: str, count: int, text: str) -> str:
    """Feed `count` updates (100 users, one at a time) and time each."""
    app = assemble(bench_settings(database_url))
    session = StubSession()
    add_request_middlewares(session)
    bot = Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))
    for n in range(200):  # warm-up: rows exist, lazy pydantic models built
        await app.dispatcher.feed_update(bot, start_update(n + 1, 1000 + n % 100, text))
    freeze_startup_objects()  # as `gigbot run` does before taking updates
    timings = []
    for n in range(count):
        update = start_update(10_000 + n, 1000 + n % 100, text)
        began = time.perf_counter()
        await app.dispatcher.feed_update(bot, update)
        timings.append(time.perf_counter() - began)
    await close(app)
    mean = statistics.mean(timings)
    return (
        f"{backend_name(database_url):10} {text!r:15} mean {mean * 1000:5.2f} ms  "
        f"{percentiles(timings, 50, 99)}  ({1 / mean:5.0f} updates/s on one core)"
    )


async def main() -> None:
    """SQLite and PostgreSQL, for /start, for unknown text and for an old button."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--pg", default=DEFAULT_URL, help="PostgreSQL database; emptied first")
    parser.add_argument("--yes-drop", action="store_true", help="empty a non-bench database")
    args = parser.parse_args()
    await fresh_postgres(args.pg, yes_drop=args.yes_drop)
    with tempfile.TemporaryDirectory() as directory:
        for url in (f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}", args.pg):
            await upgrade(url)
            for text in ("/start", "hello there", OLD_BUTTON):
                print(await measure(url, args.updates, text))


if __name__ == "__main__":
    asyncio.run(main())
