"""A whole customer conversation, gigbot beside a bare aiogram echo bot, in one process.

Nine updates per customer — `/start`, `/find`, search words, open the first result,
*Book*, a day, a time, *Skip* the note, *Confirm* — over a catalogue of offers from many
providers. The customer presses the buttons the bot actually sent (read from a stub Bot
API session that answers without I/O). The echo bot gets updates of the same shapes and
answers each (a message, or the callback query). Both are fed straight to their
dispatchers, interleaved: one customer at a time, and bursts of customers at once.

    python -m bench.conversation [--offers 1000] [--providers 200] [--customers 40]
                                 [--burst 100] [--rounds 3] [--pg URL] [--only sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import CallbackQuery, Message, Update

from bench.databases import DEFAULT_URL, fresh_postgres
from bench.report import backend_name
from bench.stub_bot import TOKEN, StubSession, bench_settings
from bot.app import add_request_middlewares, assemble, close, freeze_startup_objects
from bot.config import Settings
from bot.db import create_engine, create_sessionmaker
from bot.migrate import upgrade
from services import offers
from services.offers import OfferData
from services.users import TelegramProfile, touch_user

STEPS = ("/start", "/find", "words", "open", "book", "day", "time", "skip note", "confirm")
# The button each pressing step looks for, by the prefix of its callback data.
PRESSES = {
    "open": "s-open:",
    "book": "s-book:",
    "day": "b-day:",
    "time": "b-time:",
    "skip note": "b-note-skip:",
    "confirm": "b-ok:",
}
SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "bo")


def word(number: int) -> str:
    """A made-up word per number ("kaka", "kalo", …), so each customer finds one offer."""
    letters = [SYLLABLES[int(digit)] for digit in f"{number:04d}"]
    return "".join(letters)


class Recorder(StubSession):
    """A Bot API that answers at once and remembers each chat's messages and buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.ids = itertools.count(1)
        self.screens: dict[int, dict[int, list[str]]] = defaultdict(dict)

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        chat_id = getattr(method, "chat_id", None) or 1
        message_id = getattr(method, "message_id", None) or next(self.ids)
        markup = getattr(method, "reply_markup", None)
        rows = getattr(markup, "inline_keyboard", None)
        if isinstance(chat_id, int) and (rows is not None or hasattr(method, "text")):
            self.screens[chat_id][message_id] = [
                button.callback_data for row in rows or [] for button in row if button.callback_data
            ]
        return self.answer(method, chat_id, message_id)

    def button(self, chat_id: int, prefix: str) -> tuple[int, str] | None:
        """The newest message of the chat with a button whose data starts with `prefix`."""
        for message_id in sorted(self.screens[chat_id], reverse=True):
            for data in self.screens[chat_id][message_id]:
                if data.startswith(prefix):
                    return message_id, data
        return None


class Updates:
    """Private-chat updates of one customer."""

    numbers = itertools.count(1)

    def __init__(self, user_id: int) -> None:
        self.user = {"id": user_id, "is_bot": False, "first_name": "Carl", "language_code": "en"}
        self.chat = {"id": user_id, "type": "private", "first_name": "Carl"}

    def text(self, text: str) -> Update:
        """A message."""
        number = next(self.numbers)
        entities = (
            [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
            if text.startswith("/")
            else []
        )
        message = {
            "message_id": number,
            "date": 0,
            "text": text,
            "from": self.user,
            "chat": self.chat,
            "entities": entities,
        }
        return Update.model_validate({"update_id": number, "message": message})

    def press(self, message_id: int, data: str) -> Update:
        """A press of a button with `data` on message `message_id`."""
        number = next(self.numbers)
        message = {"message_id": message_id, "date": 0, "chat": self.chat, "text": "screen"}
        query = {
            "id": str(number),
            "from": self.user,
            "chat_instance": "1",
            "data": data,
            "message": message,
        }
        return Update.model_validate({"update_id": number, "callback_query": query})


@dataclass
class Tally:
    """Latencies per step, wall time and CPU time of a set of conversations."""

    steps: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    updates: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    failures: int = 0

    def add(self, other: Tally) -> None:
        """Fold another run in."""
        for step, values in other.steps.items():
            self.steps[step].extend(values)
        self.updates += other.updates
        self.wall += other.wall
        self.cpu += other.cpu
        self.failures += other.failures

    @property
    def per_second(self) -> float:
        """Updates handled per second of wall time."""
        return self.updates / self.wall if self.wall else 0.0

    def latencies(self) -> list[float]:
        """Every update's latency."""
        return [value for values in self.steps.values() for value in values]


Feed = Callable[[Update], Awaitable[Any]]


async def converse(feed: Feed, recorder: Recorder, user_id: int, words: str, tally: Tally) -> None:
    """One customer's nine updates; each press uses a button the bot sent."""
    updates = Updates(user_id)
    for step in STEPS:
        if step in PRESSES:
            found = recorder.button(user_id, PRESSES[step])
            if found is None:  # the echo bot sends no buttons: press a button of that shape
                found = (1, PRESSES[step] + "1")
            update = updates.press(*found)
        else:
            update = updates.text(words if step == "words" else step)
        began = time.perf_counter()
        await feed(update)
        tally.steps[step].append(time.perf_counter() - began)
        tally.updates += 1
    if recorder.button(user_id, "b-cancel:") is None and recorder.screens[user_id]:
        tally.failures += 1  # gigbot did not end on a booking card: the bench is wrong


async def run(
    feed: Feed, recorder: Recorder, customers: list[tuple[int, str]], *, at_once: bool
) -> Tally:
    """The customers' conversations, one after another or all at once."""
    tally = Tally()
    wall, cpu = time.perf_counter(), time.process_time()
    if at_once:
        await asyncio.gather(*(converse(feed, recorder, u, w, tally) for u, w in customers))
    else:
        for user_id, words in customers:
            await converse(feed, recorder, user_id, words, tally)
    tally.wall, tally.cpu = time.perf_counter() - wall, time.process_time() - cpu
    return tally


def echo_dispatcher() -> Dispatcher:
    """The bare aiogram bot: answers each message with its text, each press with nothing."""
    router = Router()

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    @router.callback_query()
    async def answer(query: CallbackQuery) -> None:
        await query.answer()

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    return dispatcher


def lesson(title: str) -> OfferData:
    """A half-hour lesson bookable at any hour of any day, with no notice."""
    return OfferData(
        title=title,
        category="lessons",
        duration_min=30,
        price_minor=2000,
        currency="EUR",
        weekly=[(day, 0, 1440) for day in range(7)],
        min_notice_min=0,
        max_advance_days=60,
    )


async def seed(database_url: str, offer_count: int, provider_count: int) -> None:
    """Offers with a made-up word each, open every day around the clock, no notice."""
    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        providers = [
            await touch_user(session, TelegramProfile(id=500_000 + n, first_name=f"Pro {n}"))
            for n in range(provider_count)
        ]
        for n in range(offer_count):
            data = lesson(f"Guitar lesson {word(n)}")
            provider = providers[n % provider_count]
            await offers.create_offer(session, provider, data, default_timezone="UTC")
        await session.commit()
    await engine.dispose()


@dataclass
class Bots:
    """gigbot and the echo bot, each with its recorder."""

    gigbot_feed: Feed
    gigbot_recorder: Recorder
    echo_feed: Feed
    echo_recorder: Recorder


def bots(settings: Settings) -> tuple[Bots, Callable[[], Awaitable[None]]]:
    """Both dispatchers behind stub sessions; and how to close gigbot."""
    app = assemble(settings)
    gigbot_recorder, echo_recorder = Recorder(), Recorder()
    add_request_middlewares(gigbot_recorder)
    defaults = DefaultBotProperties(parse_mode="HTML")
    gigbot_bot = Bot(TOKEN, session=gigbot_recorder, default=defaults)
    echo_bot = Bot(TOKEN, session=echo_recorder, default=defaults)
    echo = echo_dispatcher()

    async def gigbot_feed(update: Update) -> Any:
        return await app.dispatcher.feed_update(gigbot_bot, update)

    async def echo_feed(update: Update) -> Any:
        return await echo.feed_update(echo_bot, update)

    async def closing() -> None:
        await close(app)

    return Bots(gigbot_feed, gigbot_recorder, echo_feed, echo_recorder), closing


def summary(name: str, mode: str, gigbot: Tally, echo: Tally) -> list[str]:
    """The lines of one database and mode."""
    ratio = gigbot.per_second / echo.per_second if echo.per_second else 0.0
    everything = gigbot.latencies()
    cuts = statistics.quantiles(everything, n=100)
    lines = [
        f"{name:10} {mode:14} ratio {ratio:6.3f}×  gigbot {gigbot.per_second:7.0f} updates/s"
        f" (echo {echo.per_second:6.0f})  p50 {cuts[49] * 1000:6.1f} ms"
        f"  p99 {cuts[98] * 1000:7.1f} ms  CPU {gigbot.cpu / gigbot.updates * 1000:5.2f} ms/update"
        + (f"  FAILED CONVERSATIONS {gigbot.failures}" if gigbot.failures else "")
    ]
    for step in STEPS:
        values = gigbot.steps[step]
        if len(values) > 1:
            points = statistics.quantiles(values, n=100)
            lines.append(
                f"{'':26}{step:10} p50 {points[49] * 1000:6.1f} ms  p99 {points[98] * 1000:7.1f} ms"
            )
    return lines


async def measure(database_url: str, args: argparse.Namespace) -> list[str]:
    """Seed, then interleave gigbot and echo rounds, one at a time and in bursts."""
    await upgrade(database_url)
    await seed(database_url, args.offers, args.providers)
    both, closing = bots(bench_settings(database_url))
    results: dict[str, tuple[Tally, Tally]] = {
        "one at a time": (Tally(), Tally()),
        f"{args.burst} at once": (Tally(), Tally()),
    }
    next_user = itertools.count(1_000_000)
    next_offer = itertools.count(0)

    def customers(count: int) -> list[tuple[int, str]]:
        return [
            (next(next_user), word(next(next_offer) % args.offers)) for _customer in range(count)
        ]

    # Warm-up: every code path once, lazy pydantic models built.
    await run(both.gigbot_feed, both.gigbot_recorder, customers(3), at_once=False)
    await run(both.echo_feed, both.echo_recorder, customers(3), at_once=False)
    freeze_startup_objects()  # as `gigbot run` does before taking updates
    for _round in range(args.rounds):
        for mode, at_once, count in (
            ("one at a time", False, args.customers),
            (f"{args.burst} at once", True, args.burst),
        ):
            gigbot, echo = results[mode]
            batch = customers(count)
            gigbot.add(await run(both.gigbot_feed, both.gigbot_recorder, batch, at_once=at_once))
            echo.add(await run(both.echo_feed, both.echo_recorder, batch, at_once=at_once))
    await closing()
    name = backend_name(database_url)
    return [line for mode, (g, e) in results.items() for line in summary(name, mode, g, e)]


async def main() -> None:
    """Both databases (or one, with --only)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--offers", type=int, default=1000)
    parser.add_argument("--providers", type=int, default=200)
    parser.add_argument("--customers", type=int, default=40, help="one at a time, per round")
    parser.add_argument("--burst", type=int, default=100, help="customers at once, per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pg", default=DEFAULT_URL, help="PostgreSQL database; emptied first")
    parser.add_argument("--yes-drop", action="store_true", help="empty a non-bench database")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    if args.offers < args.burst * args.rounds + args.customers * args.rounds + 6:
        parser.error("--offers must exceed the customers of every round (one offer each)")
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {args.offers} offers, {args.providers} providers"
    )
    with tempfile.TemporaryDirectory() as directory:
        urls = {
            "sqlite": f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}",
            "postgresql": args.pg,
        }
        for name, url in urls.items():
            if args.only not in (None, name):
                continue
            if name == "postgresql":
                await fresh_postgres(url, yes_drop=args.yes_drop)
            for line in await measure(url, args):
                print(line, flush=True)


if __name__ == "__main__":
    asyncio.run(main())
