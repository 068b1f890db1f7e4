"""Upgrading a database that holds data: rows written under an old schema (0004: users,
a provider, an offer with its hours, a confirmed booking) come through every later
migration, and the upgraded database works — the old offer is found by its words and
booked again, an edit of it is searchable, and the old booking is listed for its customer.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import column, insert, table, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import create_engine, create_sessionmaker
from bot.migrate import BrokenForeignKeys, upgrade
from models import BookingStatus, Offer, Provider, User
from models.base import UTCDateTime
from services import bookings
from services.search import search
from services.search_query import SearchQuery
from services.users import TelegramProfile, touch_user
from tests.databases import create_pg_database, drop_pg_database, unavailable

OLD_SCHEMA = "0004"  # users, providers, offers and their hours, booking sessions, bookings
WRITTEN = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
BOOKED = NOW + timedelta(days=2, hours=1)  # the old confirmed booking, still ahead
PROVIDER_USER, CUSTOMER, NEWCOMER = 7001, 7002, 7003


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database (no schema at all) of each kind."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    try:
        url = create_pg_database(migrate=False)
    except Exception as error:  # any failure to reach the server
        unavailable("PostgreSQL at 127.0.0.1:5432", error)
        raise
    yield url
    drop_pg_database(url)


def old_table(name: str, *names: str, times: tuple[str, ...] = ()) -> Any:
    """A table as the old schema had it: only the columns written here."""
    return table(name, *(column(n) for n in names), *(column(n, UTCDateTime()) for n in times))


async def write_old_rows(url: str) -> tuple[int, int]:
    """What a deployment on the old schema held, written with that schema's columns (ids
    from the database, as a deployment's were); the offer's and the booking's ids."""
    users = old_table(
        "users", "id", "first_name", "language", "timezone", times=("created_at", "last_seen_at")
    )
    providers = old_table(
        "providers", "id", "user_id", "display_name", "timezone", "place_kind", "phone",
        times=("created_at",),
    )  # fmt: skip
    offers = old_table(
        "offers", "id", "provider_id", "status", "title", "description", "category",
        "duration_min", "price_minor", "currency", "capacity", "place_kind", "buffer_min",
        "min_notice_min", "max_advance_days", times=("created_at", "updated_at"),
    )  # fmt: skip
    hours = old_table("offer_hours", "offer_id", "weekday", "start_min", "end_min")
    seats = old_table(
        "booking_sessions", "id", "offer_id", "provider_id", "capacity", "seats_taken",
        times=("starts_at", "ends_at", "blocked_until"),
    )  # fmt: skip
    booked = old_table(
        "bookings", "id", "session_id", "offer_id", "provider_id", "customer_id", "seats",
        "status", "note", times=("starts_at", "ends_at", "created_at", "updated_at"),
    )  # fmt: skip
    ends = BOOKED + timedelta(hours=1)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            run = connection.execute
            await run(
                insert(users),
                [
                    {"id": number, "first_name": name, "language": "en", "timezone": "UTC",
                     "created_at": WRITTEN, "last_seen_at": WRITTEN}
                    for number, name in ((PROVIDER_USER, "Olga"), (CUSTOMER, "Carl"))
                ],
            )  # fmt: skip
            provider_id = await run(
                insert(providers).returning(providers.c.id),
                {"user_id": PROVIDER_USER, "display_name": "Olga's music", "timezone": "UTC",
                 "place_kind": "online", "phone": "+34600000000", "created_at": WRITTEN},
            )  # fmt: skip
            provider = provider_id.scalar_one()
            offer_id = await run(
                insert(offers).returning(offers.c.id),
                {"provider_id": provider, "status": "published", "title": "Theremin lessons",
                 "description": "Play without touching", "category": "lessons",
                 "duration_min": 60, "price_minor": 3000, "currency": "EUR", "capacity": 1,
                 "place_kind": "online", "buffer_min": 0, "min_notice_min": 0,
                 "max_advance_days": 60, "created_at": WRITTEN, "updated_at": WRITTEN},
            )  # fmt: skip
            offer = offer_id.scalar_one()
            await run(
                insert(hours),
                [{"offer_id": offer, "weekday": day, "start_min": 0, "end_min": 1440}
                 for day in range(7)],
            )  # fmt: skip
            session_id = await run(
                insert(seats).returning(seats.c.id),
                {"offer_id": offer, "provider_id": provider, "capacity": 1, "seats_taken": 1,
                 "starts_at": BOOKED, "ends_at": ends, "blocked_until": ends},
            )  # fmt: skip
            booking_id = await run(
                insert(booked).returning(booked.c.id),
                {"session_id": session_id.scalar_one(), "offer_id": offer,
                 "provider_id": provider, "customer_id": CUSTOMER, "seats": 1,
                 "status": "confirmed", "note": "Bring headphones", "starts_at": BOOKED,
                 "ends_at": ends, "created_at": WRITTEN, "updated_at": WRITTEN},
            )  # fmt: skip
            return offer, booking_id.scalar_one()
    finally:
        await engine.dispose()


async def test_rows_written_under_an_old_schema_survive_every_migration_and_work(
    empty_url: str,
) -> None:
    await upgrade(empty_url, OLD_SCHEMA)
    offer_id, booking_id = await write_old_rows(empty_url)
    await upgrade(empty_url)  # as `gigbot run` does at start-up

    engine = create_engine(empty_url)
    sessions = create_sessionmaker(engine)
    try:
        async with sessions() as session:
            offer = await session.get(Offer, offer_id)
            assert offer is not None
            assert (offer.title, offer.price_minor, offer.currency, offer.status) == (
                "Theremin lessons", 3000, "EUR", "published"
            )  # fmt: skip
            provider = await session.get(Provider, offer.provider_id)
            assert provider is not None
            assert (provider.user_id, provider.phone) == (PROVIDER_USER, "+34600000000")
            assert await found(session, "theremin") == [offer_id]
            customer = await session.get(User, CUSTOMER)
            assert customer is not None
            upcoming, _more = await bookings.customer_bookings(
                session, customer, now=NOW, upcoming=True
            )
            assert [(b.id, b.status, b.note, b.starts_at) for b in upcoming] == [
                (booking_id, BookingStatus.CONFIRMED, "Bring headphones", BOOKED)
            ]
            # The old offer takes new bookings, and its taken time stays taken.
            newcomer = await touch_user(session, TelegramProfile(id=NEWCOMER, first_name="Nia"))
            await session.commit()
            with pytest.raises(bookings.SlotTaken):
                await bookings.book(session, newcomer, offer_id, BOOKED, now=NOW)
        async with sessions() as session:
            newcomer = await touch_user(session, TelegramProfile(id=NEWCOMER, first_name="Nia"))
            later = BOOKED + timedelta(hours=3)
            made = await bookings.book(session, newcomer, offer_id, later, now=NOW)
            await session.commit()
            assert made.created
            assert made.booking.id != booking_id
            # An edit of the old offer is what the search finds from then on.
            offer = await session.get(Offer, offer_id)
            assert offer is not None
            offer.title = "Bandoneon lessons"
            await session.commit()
            assert await found(session, "bandoneon") == [offer_id]
            assert await found(session, "theremin") == []
    finally:
        await engine.dispose()


async def found(session: AsyncSession, text: str) -> list[int]:
    """The offers a search for `text` finds, best first."""
    page = await search(session, SearchQuery(text=text), now=NOW)
    return [hit.offer_id for hit in page.hits]


async def write_orphan_hours(url: str) -> None:
    """Opening hours of an offer that does not exist, written with the keys off."""
    engine = create_engine(url, sqlite_foreign_keys=False)
    try:
        async with engine.begin() as connection:
            hours = old_table("offer_hours", "offer_id", "weekday", "start_min", "end_min")
            await connection.execute(
                insert(hours), {"offer_id": 999, "weekday": 0, "start_min": 0, "end_min": 60}
            )
    finally:
        await engine.dispose()


async def test_a_sqlite_migration_that_would_leave_broken_references_commits_nothing(
    tmp_path: Path,
) -> None:
    # SQLite migrations run with foreign keys off; the references are checked before
    # the commit. A row that already points nowhere (written with the keys off) stops
    # the upgrade, and the database stays as it was.
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await upgrade(url, OLD_SCHEMA)
    await write_old_rows(url)
    await write_orphan_hours(url)
    with pytest.raises(BrokenForeignKeys, match=r"1 row\(s\) .* in offer_hours, to offers"):
        await upgrade(url)
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            revision = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        await engine.dispose()
    assert revision == OLD_SCHEMA


async def test_a_current_sqlite_database_starts_without_reading_every_table(
    tmp_path: Path,
) -> None:
    # The references are checked after a migration only: a database already current
    # starts at once, whatever its size (and whatever rows it already held).
    url = f"sqlite+aiosqlite:///{tmp_path / 'current.db'}"
    await upgrade(url)
    await write_orphan_hours(url)
    await upgrade(url)  # no BrokenForeignKeys: nothing migrated, nothing checked
