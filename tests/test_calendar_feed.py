"""The calendar feed: /calendar gives a private link to an iCal feed of one's confirmed
bookings, served by the bot's web server; a new link stops the old one, turning it off
or erasing one's data stops it too."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from aiohttp import web
from icalendar import Calendar
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.calendar_server import add_calendar_routes
from bot.db import create_engine, create_sessionmaker
from emulator import Emulator, SimUser
from emulator.harness import free_port, make_settings, start_bot
from services import bookings, calendar_feed, offers
from services.users import TelegramProfile, touch_user
from tests.helpers import offer_data
from tests.test_booking_flow import book_at_ten, studio_of_anna

LINK = re.compile(r"http://127\.0\.0\.1:\d+/calendar/[A-Za-z0-9_-]{43}\.ics")


@pytest.fixture
async def tg(emulator: Emulator, database_url: str) -> AsyncIterator[Emulator]:
    """gigbot by webhook, its web server reachable at PUBLIC_URL (here, on loopback)."""
    port = free_port()
    settings = make_settings(
        emulator,
        database_url,
        "webhook",
        webhook_url=f"http://127.0.0.1:{port}/telegram/webhook",
        public_url=f"http://127.0.0.1:{port}",
    )
    bot = await start_bot(settings, emulator)
    yield emulator
    await bot.stop()


async def fetch(url: str) -> tuple[int, str, bytes]:
    async with aiohttp.ClientSession() as client, client.get(url) as response:
        return response.status, response.content_type, await response.read()


async def feed_link(person: SimUser) -> str:
    reply = await person.send("/calendar")
    assert reply is not None
    found = LINK.search(reply.text or "")
    assert found is not None, reply.text
    return found.group()


def events(body: bytes) -> list[tuple[str, str]]:
    calendar = Calendar.from_ical(body)
    return [(str(e["summary"]), str(e["uid"])) for e in calendar.walk("VEVENT")]


async def test_the_feed_holds_confirmed_bookings_of_both_sides_and_follows_them(
    tg: Emulator, engine: AsyncEngine
) -> None:
    anna, offer_id = await studio_of_anna(tg, engine)
    carl = tg.user("Carl", last_name="Cole")
    await book_at_ten(carl, offer_id)
    carl_link, anna_link = await feed_link(carl), await feed_link(anna)
    assert carl_link != anna_link
    assert await feed_link(carl) == carl_link  # the same link until a new one is asked for
    status, content_type, body = await fetch(carl_link)
    assert (status, content_type) == (200, "text/calendar")
    ((summary, uid),) = events(body)
    assert summary == "Guitar lesson"
    calendar = Calendar.from_ical(body)
    (event,) = calendar.walk("VEVENT")
    assert str(event["location"]) == "Torstraße 1"
    assert "GEO:52.52;13.405" in body.decode()
    assert "10:00" in event.decoded("dtstart").strftime("%H:%M")
    # The provider's feed says who comes; the same booking, the same UID.
    assert events((await fetch(anna_link))[2]) == [("Guitar lesson · Carl Cole", uid)]
    # A cancelled booking leaves the feed at the next fetch.
    await carl.send("/bookings")
    await carl.press("Guitar lesson")
    await carl.press("✖ Cancel booking")
    await carl.send("Sick, sorry")
    assert events((await fetch(carl_link))[2]) == []
    assert events((await fetch(anna_link))[2]) == []


async def test_a_new_link_stops_the_old_one_and_turning_off_stops_both(tg: Emulator) -> None:
    carl = tg.user("Carl")
    old = await feed_link(carl)
    assert (await fetch(old))[0] == 200
    reply = await carl.press("🔄 New link")
    assert reply is not None
    assert "the old one no longer works" in (reply.text or "")
    found = LINK.search(reply.text or "")
    assert found is not None
    new = found.group()
    assert new != old
    assert (await fetch(old))[0] == 404
    assert (await fetch(new))[0] == 200
    await carl.press("Turn off")
    assert (await fetch(new))[0] == 404
    assert await feed_link(carl) not in (old, new)  # /calendar makes a fresh one


async def test_the_export_mentions_the_feed_and_erasing_ones_data_stops_it(
    tg: Emulator,
) -> None:
    carl = tg.user("Carl")
    link = await feed_link(carl)
    reply = await carl.send("/export_my_data")
    assert reply is not None
    assert reply.document is not None
    raw = tg.files[reply.document["file_id"]]["content"].decode()
    assert set(json.loads(raw)["calendar_feed"]) == {"created_at"}
    assert link.split("/")[-1].removesuffix(".ics") not in raw  # the secret is a password
    await carl.send("/delete_my_data")
    await carl.press("🗑 Yes, delete everything")
    assert (await fetch(link))[0] == 404


@pytest.mark.parametrize(
    "path",
    [
        "/calendar/short.ics",
        "/calendar/" + "A" * 43 + ".ics",  # well formed, never made
        "/calendar/" + "A" * 43,
        "/calendar/%2e%2e%2fetc%2fpasswd.ics",
        "/calendar/" + "é" * 43 + ".ics",
    ],
)
async def test_any_other_path_is_not_found(tg: Emulator, path: str) -> None:
    base = (await feed_link(tg.user("Carl"))).split("/calendar/")[0]
    assert (await fetch(base + path))[0] == 404


async def test_without_public_url_there_is_no_feed(
    emulator: Emulator, database_url: str, engine: AsyncEngine
) -> None:
    bot = await start_bot(make_settings(emulator, database_url, "polling"), emulator)
    try:
        reply = await emulator.user("Carl").send("/calendar")
        assert reply is not None
        assert "not enabled on this bot" in (reply.text or "")
    finally:
        await bot.stop()


async def test_a_database_out_of_reach_is_a_503_and_one_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine = create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/gone")  # nothing listens
    app = web.Application()
    add_calendar_routes(app, create_sessionmaker(engine))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    secret = "A" * 43
    try:
        status, _, body = await fetch(f"http://127.0.0.1:{port}/calendar/{secret}.ics")
    finally:
        await runner.cleanup()
        await engine.dispose()
    assert (status, body) == (503, b"try again later\n")
    (record,) = [r for r in caplog.records if r.name == "bot.calendar_server"]
    assert record.getMessage() == "calendar feed unavailable (ConnectionRefusedError)"
    assert secret not in caplog.text


async def test_a_full_feed_keeps_what_is_to_come(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(calendar_feed, "MAX_EVENTS", 1)
    now = datetime(2030, 6, 1, 10, tzinfo=UTC)  # within the offer's hours, 08–20
    async with create_sessionmaker(engine)() as session:
        anna = await touch_user(session, TelegramProfile(id=1, first_name="Anna"))
        carl = await touch_user(session, TelegramProfile(id=2, first_name="Carl"))
        lesson = await offers.create_offer(session, anna, offer_data(), default_timezone="UTC")
        for start in (now - timedelta(days=3), now + timedelta(days=3)):
            await bookings.book(session, carl, lesson.id, start, now=start - timedelta(days=1))
        secret = await calendar_feed.feed_secret(session, carl, now=now)
        await session.commit()
        body = await calendar_feed.feed_ics(session, secret, now=now)
    assert body is not None
    (event,) = Calendar.from_ical(body).walk("VEVENT")
    assert event.decoded("dtstart") == now + timedelta(days=3)
