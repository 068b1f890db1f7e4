"""The offer service on a real database: validation, ownership, pause, delete, photos."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.db import create_sessionmaker
from models import User
from services import offers
from services.availability import free_slots
from services.offers import InvalidOffer, OfferData, OfferNotFound, TooManyPhotos
from services.slots import offers_with_rules
from services.users import TelegramProfile, touch_user

DOG_WALKING = OfferData(
    title="Dog walking",
    category="pets",
    duration_min=45,
    price_minor=1500,
    currency="EUR",
    weekly=[(0, 480, 720), (0, 1020, 1200)],
    area="Prenzlauer Berg",
)


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with create_sessionmaker(engine)() as session:
        yield session


async def person(session: AsyncSession, user_id: int, name: str) -> User:
    return await touch_user(session, TelegramProfile(id=user_id, first_name=name))


async def test_a_first_offer_creates_the_provider_profile(session: AsyncSession) -> None:
    anna = await person(session, 1, "Anna")
    anna.timezone = "Europe/Berlin"
    offer = await offers.create_offer(session, anna, DOG_WALKING, default_timezone="UTC")
    assert offer.id is not None
    provider = await offers.provider_of(session, anna)
    assert provider is not None
    assert (provider.display_name, provider.timezone) == ("Anna", "Europe/Berlin")
    assert [o.id for o in await offers.my_offers(session, anna)] == [offer.id]
    loaded = await offers.owned_offer(session, anna, offer.id)
    assert [(h.weekday, h.start_min, h.end_min) for h in loaded.hours] == DOG_WALKING.weekly


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"price_minor": -100}, "price.negative"),
        ({"duration_min": 4}, "duration.range"),
        ({"duration_min": 721}, "duration.range"),
        ({"capacity": 0}, "capacity.range"),
        ({"capacity": 101}, "capacity.range"),
        ({"title": "x" * 3000}, "title.length"),
        ({"title": " "}, "title.length"),
        ({"weekly": [(0, 720, 480)]}, "hours.end_before_start"),
        ({"weekly": []}, "hours.missing"),
        ({"weekly": [(7, 60, 120)]}, "hours.weekday"),
        ({"currency": "ZZZ"}, "price.currency"),
        ({"category": "weapons"}, "category.unknown"),
    ],
)
async def test_bad_values_are_refused_and_nothing_is_saved(
    session: AsyncSession, change: dict[str, Any], key: str
) -> None:
    anna = await person(session, 1, "Anna")
    with pytest.raises(InvalidOffer) as error:
        await offers.create_offer(
            session, anna, replace(DOG_WALKING, **change), default_timezone="UTC"
        )
    assert error.value.key == key
    assert await offers.my_offers(session, anna) == []
    assert await offers.provider_of(session, anna) is None


async def test_only_the_owner_can_touch_an_offer(session: AsyncSession) -> None:
    anna = await person(session, 1, "Anna")
    mallory = await person(session, 2, "Mallory")
    offer = await offers.create_offer(session, anna, DOG_WALKING, default_timezone="UTC")
    for attempt in (
        offers.owned_offer(session, mallory, offer.id),
        offers.update_offer(session, mallory, offer.id, price_minor=1),
        offers.set_paused(session, mallory, offer.id, paused=True),
        offers.delete_offer(session, mallory, offer.id),
        offers.add_photo(session, mallory, offer.id, "AgACfile"),
        offers.owned_offer(session, anna, 999_999),
    ):
        with pytest.raises(OfferNotFound):
            await attempt
    unchanged = await offers.owned_offer(session, anna, offer.id)
    assert (unchanged.price_minor, unchanged.status, unchanged.photos) == (1500, "published", [])


async def test_edits_are_validated_as_a_whole(session: AsyncSession) -> None:
    anna = await person(session, 1, "Anna")
    offer = await offers.create_offer(session, anna, DOG_WALKING, default_timezone="UTC")
    updated = await offers.update_offer(
        session, anna, offer.id, title="Dog walks", weekly=[(5, 600, 840)], capacity=3
    )
    assert (updated.title, updated.capacity) == ("Dog walks", 3)
    assert [(h.weekday, h.start_min) for h in updated.hours] == [(5, 600)]
    with pytest.raises(InvalidOffer):
        await offers.update_offer(session, anna, offer.id, duration_min=1000)
    with pytest.raises(InvalidOffer):
        await offers.update_offer(session, anna, offer.id, provider_id=2)


async def test_paused_and_deleted_offers_are_hidden_from_customers(
    session: AsyncSession,
) -> None:
    anna = await person(session, 1, "Anna")
    offer = await offers.create_offer(session, anna, DOG_WALKING, default_timezone="UTC")
    assert (await offers.public_offer(session, offer.id)).id == offer.id
    await offers.set_paused(session, anna, offer.id, paused=True)
    with pytest.raises(OfferNotFound):
        await offers.public_offer(session, offer.id)
    await offers.set_paused(session, anna, offer.id, paused=False)
    await offers.delete_offer(session, anna, offer.id)
    with pytest.raises(OfferNotFound):
        await offers.public_offer(session, offer.id)
    with pytest.raises(OfferNotFound):
        await offers.owned_offer(session, anna, offer.id)
    assert await offers.my_offers(session, anna) == []


async def test_at_most_five_photos(session: AsyncSession) -> None:
    anna = await person(session, 1, "Anna")
    offer = await offers.create_offer(session, anna, DOG_WALKING, default_timezone="UTC")
    counts = [await offers.add_photo(session, anna, offer.id, f"file{n}") for n in range(5)]
    assert counts == [1, 2, 3, 4, 5]
    with pytest.raises(TooManyPhotos):
        await offers.add_photo(session, anna, offer.id, "file6")


async def test_an_offer_yields_its_free_slots(session: AsyncSession) -> None:
    anna = await person(session, 1, "Anna")
    anna.timezone = "Europe/Berlin"
    offer = await offers.create_offer(session, anna, DOG_WALKING, default_timezone="UTC")
    loaded = await offers.owned_offer(session, anna, offer.id)
    monday = date(2026, 6, 1)
    slots = free_slots(
        offers.availability_rules(loaded), monday, monday, now=datetime(2026, 5, 30, tzinfo=UTC)
    )
    # 08:00-12:00 and 17:00-20:00 Berlin (UTC+2), 45 minutes each.
    assert [s.start.strftime("%H:%M") for s in slots] == [
        "06:00",
        "06:45",
        "07:30",
        "08:15",
        "09:00",
        "15:00",
        "15:45",
        "16:30",
        "17:15",
    ]


async def test_date_exceptions_change_the_free_slots(session: AsyncSession) -> None:
    anna = await person(session, 1, "Anna")
    offer = await offers.create_offer(session, anna, DOG_WALKING, default_timezone="UTC")
    monday, sunday = date(2026, 6, 1), date(2026, 6, 7)
    today = date(2026, 5, 30)
    await offers.add_exception(session, anna, offer.id, day=monday, closed=True, today=today)
    await offers.add_exception(
        session, anna, offer.id, day=sunday, closed=False, start_min=600, end_min=690, today=today
    )
    loaded = await offers.owned_offer(session, anna, offer.id)
    rules = offers.availability_rules(loaded)
    now = datetime(2026, 5, 30, tzinfo=UTC)
    assert free_slots(rules, monday, monday, now=now) == []
    sunday_slots = free_slots(rules, sunday, sunday, now=now)
    assert [s.start.strftime("%H:%M") for s in sunday_slots] == ["10:00", "10:45"]
    with pytest.raises(InvalidOffer) as error:
        await offers.add_exception(
            session, anna, offer.id, day=date(2026, 5, 1), closed=True, today=today
        )
    assert error.value.key == "exception.past"
    await offers.clear_exceptions(session, anna, offer.id)
    assert (await offers.owned_offer(session, anna, offer.id)).exceptions == []


async def test_booking_rules_are_validated(session: AsyncSession) -> None:
    anna = await person(session, 1, "Anna")
    offer = await offers.create_offer(session, anna, DOG_WALKING, default_timezone="UTC")
    updated = await offers.update_offer(
        session,
        anna,
        offer.id,
        buffer_min=15,
        min_notice_min=1440,
        max_advance_days=14,
        requires_approval=True,
    )
    assert (updated.buffer_min, updated.min_notice_min, updated.max_advance_days) == (15, 1440, 14)
    for change, key in (
        ({"buffer_min": 500}, "buffer.range"),
        ({"max_advance_days": 0}, "advance.range"),
        ({"min_notice_min": -5}, "notice.range"),
    ):
        with pytest.raises(InvalidOffer) as error:
            await offers.update_offer(session, anna, offer.id, **change)
        assert error.value.key == key


async def test_an_offer_without_photos_is_shown_in_one_statement(
    engine: AsyncEngine, session: AsyncSession
) -> None:
    """The detail reads an offer's photos only when it has some, and a list never: each
    follow-up statement was a tenth of a customer's step."""
    anna = await person(session, 1, "Anna")
    bare = await offers.create_offer(session, anna, DOG_WALKING, default_timezone="UTC")
    shown = await offers.create_offer(session, anna, DOG_WALKING, default_timezone="UTC")
    for n in range(3):
        await offers.add_photo(session, anna, shown.id, f"file{n}")
    await session.commit()
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        async with create_sessionmaker(engine)() as fresh:
            plain = await offers.find_public_offer(fresh, bare.id)
            assert plain is not None
            assert plain.photos == []
            assert len(statements) == 1
            found = await offers.find_public_offer(fresh, shown.id)
            assert found is not None
            assert [p.file_id for p in found.photos] == ["file0", "file1", "file2"]
            assert len(statements) == 3
            listed = await offers_with_rules(fresh, [bare.id, shown.id])
            assert sorted(o.id for o in listed) == [bare.id, shown.id]
            assert all(len(o.hours) == 2 for o in listed)
            assert len(statements) == 4
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
