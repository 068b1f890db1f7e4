"""Conversation tests of "your data": the JSON export, and erasure — future bookings
cancelled with notices, dialogue state gone (Redis included), and afterwards no row of
any table holding the user's id, name, username or phone."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import redis.asyncio as redis
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import create_sessionmaker
from emulator import Emulator, SimUser
from emulator.harness import make_settings, start_bot
from models import Base, Booking, Offer, Provider, Review
from services import offers
from services.offers import OfferNotFound
from tests.trust_setup import World, hour

REDIS_URL = "redis://127.0.0.1:6379/0"


CATALOGUE = {
    # Every table the database has, FTS5's shadow tables and the search index included.
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table'",
    "postgresql": "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
}


async def every_value(engine: AsyncEngine) -> list[tuple[str, str, Any]]:
    """(table, column, value) for every cell of every table in the database's catalogue;
    binary cells (FTS5 segments) are read as text."""
    cells: list[tuple[str, str, Any]] = []
    async with engine.connect() as connection:
        names = list((await connection.execute(text(CATALOGUE[engine.dialect.name]))).scalars())
        assert set(Base.metadata.tables) <= set(names)
        for name in names:
            result = await connection.execute(text(f'SELECT * FROM "{name}"'))  # noqa: S608
            for row in result.mappings():
                for column, value in row.items():
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("utf-8", "ignore")
                    cells.append((name, column, value))
    return cells


def traces(
    cells: list[tuple[str, str, Any]], person: SimUser, *words: str
) -> list[tuple[str, str, Any]]:
    """The cells that hold the person's id, or one of `words` (name, username, phone)."""
    found = []
    for table, column, value in cells:
        if (
            value == person.id
            or (isinstance(value, str) and any(w.lower() in value.lower() for w in words))
            or (isinstance(value, dict) and str(person.id) in json.dumps(value))
        ):
            found.append((table, column, value))
    return found


async def test_the_export_holds_everything_about_the_user(world: World) -> None:
    offer_id = await world.offer(world.anna)
    await world.booking(offer_id, world.carl, hour(-2), outcome="complete")
    await world.deliver()
    await world.carl.press("★★★★★")
    await world.carl.send("Lovely")
    reply = await world.carl.send("/export_my_data")
    assert reply is not None
    assert reply.document is not None
    data = json.loads(world.tg.files[reply.document["file_id"]]["content"])
    assert data["account"]["id"] == world.carl.id
    assert data["account"]["username"] == "carl_nb"
    [booking] = data["bookings_as_customer"]
    assert (booking["offer_title"], booking["status"]) == ("Haircut", "completed")
    assert data["reviews_written"][0]["comment"] == "Lovely"
    # Anna's export shows her offer and the booking, without Carl's id.
    reply = await world.anna.send("/export_my_data")
    assert reply is not None
    assert reply.document is not None
    raw = world.tg.files[reply.document["file_id"]]["content"].decode()
    anna = json.loads(raw)
    assert anna["offers"][0]["title"] == "Haircut"
    assert anna["reviews_received"][0]["stars"] == 5
    assert str(world.carl.id) not in raw


async def test_erasing_a_customer_leaves_only_an_anonymous_ledger(world: World) -> None:
    offer_id = await world.offer(world.anna)
    past = await world.booking(offer_id, world.carl, hour(-2), outcome="complete")
    future = await world.booking(offer_id, world.carl, hour(2))
    await world.deliver()
    await world.carl.press("★★★★")
    await world.carl.send("Carl was here")
    await world.carl.send("/find")  # a dialogue in progress
    storage = world.bot.app.dispatcher.fsm.storage
    key = StorageKey(bot_id=world.bot.app.bot.id, chat_id=world.carl.id, user_id=world.carl.id)
    assert await storage.get_state(key) is not None
    reply = await world.carl.send("/delete_my_data")
    assert reply is not None
    assert "cannot be undone" in (reply.text or "")
    done = await world.carl.press("🗑 Yes, delete everything")
    assert done is not None
    assert "Your data is deleted (1 future bookings cancelled)" in (done.text or "")
    # Anna is told her booking is cancelled; her reputation still counts Carl's stars.
    await world.deliver()
    anna_last = world.anna.last
    assert anna_last is not None
    assert "This booking is cancelled" in (anna_last.text or "")
    async with create_sessionmaker(world.engine)() as session:
        statuses = dict((await session.execute(select(Booking.id, Booking.status))).all())
        [offer] = await session.scalars(select(Offer).where(Offer.id == offer_id))
        [review] = await session.scalars(select(Review))
    assert statuses == {past: "completed", future: "cancelled_by_customer"}
    assert (offer.review_count, review.stars, review.comment) == (1, 4, None)
    # The dialogue state is gone.
    assert await storage.get_state(key) is None
    assert await storage.get_data(key) == {}
    cells = await every_value(world.engine)
    assert traces(cells, world.carl, "Carl", "carl_nb") == []


async def test_erasing_a_provider_removes_profile_offers_and_phone(world: World) -> None:
    offer_id = await world.offer(world.anna)
    booking_id = await world.booking(offer_id, world.carl, hour(2))
    async with create_sessionmaker(world.engine)() as session:
        [provider] = await session.scalars(select(Provider))
        provider.phone = "+34600111222"
        provider.bio = "Anna cuts hair in Gracia"
        [offer] = await session.scalars(select(Offer).where(Offer.id == offer_id))
        offer.description = "Sharp fades by Anna, call 600111222"
        offer.area = "Vallcarca"
        await session.commit()
    await world.anna.send("/delete_my_data")
    await world.anna.press("🗑 Yes, delete everything")
    await world.deliver()
    carl_last = world.carl.last
    assert carl_last is not None
    assert "This booking is cancelled" in (carl_last.text or "")
    reply = await world.dora.send(f"/start offer_{offer_id}")
    assert reply is not None
    assert "Haircut" not in (reply.text or "")
    async with create_sessionmaker(world.engine)() as session:
        [booking] = await session.scalars(select(Booking).where(Booking.id == booking_id))
        assert booking.status == "cancelled_by_provider"
        with pytest.raises(OfferNotFound):
            await offers.public_provider(session, booking.provider_id)
    cells = await every_value(world.engine)
    found = traces(cells, world.anna, "Anna", "anna_nb", "600111222", "Gracia", "Vallcarca")
    assert found == []
    assert "fades" not in str(cells)


@pytest.mark.redis
async def test_erasure_clears_the_dialogue_state_in_redis(
    emulator: Emulator, database_url: str, engine: AsyncEngine
) -> None:
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    prefix = f"gigbot-test-{uuid.uuid4().hex[:8]}"
    settings = make_settings(
        emulator, database_url, "polling", redis_url=REDIS_URL, redis_key_prefix=prefix
    )
    running = await start_bot(settings, emulator)
    try:
        carl = emulator.user("Carl", username="carl_nb")
        await carl.send("/start")
        await carl.send("/find")  # waits for words: state and data in Redis
        keys = [str(k) for k in await client.keys(f"{prefix}*")]
        assert any(str(carl.id) in k for k in keys)
        await carl.send("/delete_my_data")
        await carl.press("🗑 Yes, delete everything")
        keys = [str(k) for k in await client.keys(f"{prefix}*")]
        assert not any(str(carl.id) in k for k in keys), keys
    finally:
        await running.stop()
        for key in await client.keys(f"{prefix}*"):
            await client.delete(key)
        await client.aclose()
