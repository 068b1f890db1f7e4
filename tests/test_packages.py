"""Packages on SQLite and PostgreSQL: put on sale, bought once per charge, drawn by
bookings (never below zero under concurrency), a session given back by a cancellation
in time but not a late one, an expired package unused, and someone else's purchase."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Booking, PackagePurchase, Payment, PurchaseStatus
from services import bookings, offers, package_ledger, packages
from services.offers import OfferData
from services.payment_ledger import Charge
from services.users import TelegramProfile, touch_user
from tests.helpers import offer_data, publish
from tests.helpers import user_in as user

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
ANNA, CARL, DORA = 1, 1000, 1001
START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def offer(**fields: Any) -> OfferData:
    hours = [(d, 480, 1200) for d in range(7)]
    return offer_data(**{"duration_min": 60, "weekly": hours, "price_minor": 4000, **fields})


@pytest.fixture
async def offer_id(sessions: async_sessionmaker[AsyncSession]) -> int:
    (made,) = await publish(sessions, ANNA, offer())
    async with sessions() as session:
        for user_id in (CARL, DORA):
            await touch_user(session, TelegramProfile(id=user_id, first_name=f"U{user_id}"))
        await session.commit()
    return made


async def bought(
    sessions: async_sessionmaker[AsyncSession], offer_id: int, charge: str = "tg-1"
) -> PackagePurchase:
    """Anna puts 5 sessions on sale for 180; Carl buys them."""
    async with sessions() as session:
        package = await packages.add_package(
            session,
            await user(session, ANNA),
            offer_id,
            sessions=5,
            valid_days=30,
            price_minor=18000,
        )
        invoice = await packages.start_purchase(
            session, await user(session, CARL), package.id, enabled=True
        )
        assert invoice.payload == f"gigbot:p{invoice.purchase.id}"
        assert await packages.check_checkout(session, CARL, invoice.payload, "EUR", 18000) is None
        purchase = await packages.record_payment(
            session,
            await user(session, CARL),
            Charge(invoice.payload, "EUR", 18000, charge, "pr"),
            now=NOW,
        )
        assert purchase is not None
        await session.commit()
        return purchase


async def book(
    sessions: async_sessionmaker[AsyncSession], offer_id: int, start: datetime
) -> Booking:
    async with sessions() as session:
        booked = await bookings.book(
            session, await user(session, CARL), offer_id, start, now=NOW, use_package=True
        )
        await session.commit()
        return booked.booking


async def left(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(PackagePurchase.sessions_left)) or 0)


async def test_a_package_bought_once_and_drawn_by_bookings(
    sessions: async_sessionmaker[AsyncSession], offer_id: int
) -> None:
    purchase = await bought(sessions, offer_id)
    assert purchase.status == PurchaseStatus.ACTIVE
    assert purchase.expires_at == NOW + timedelta(days=30)
    async with sessions() as session:  # the same payment again changes nothing
        again = await packages.record_payment(
            session,
            await user(session, CARL),
            Charge(f"gigbot:p{purchase.id}", "EUR", 18000, "tg-1", "pr"),
            now=NOW,
        )
        assert again is None
        assert await session.scalar(select(func.count()).select_from(Payment)) == 1
        balance = await packages.balances(session, await user(session, CARL), now=NOW)
        assert [(b.purchase.sessions_left, b.purchase.sessions) for b in balance] == [(5, 5)]
    booking = await book(sessions, offer_id, START)
    assert booking.purchase_id == purchase.id
    assert await left(sessions) == 4


async def test_a_cancellation_in_time_gives_the_session_back_a_late_one_does_not(
    sessions: async_sessionmaker[AsyncSession], offer_id: int
) -> None:
    await bought(sessions, offer_id)
    early = await book(sessions, offer_id, START + timedelta(days=3))
    late = await book(sessions, offer_id, NOW + timedelta(hours=3))
    assert await left(sessions) == 3
    async with sessions() as session:
        carl = await user(session, CARL)
        cancel = bookings.Transition.CANCEL_BY_CUSTOMER
        await bookings.change(session, carl, early.id, cancel, now=NOW)  # 3 days ahead
        await bookings.change(session, carl, late.id, cancel, now=NOW)  # in 3 hours: late
        await session.commit()
    assert await left(sessions) == 4


async def test_concurrent_bookings_never_take_a_package_below_zero(
    sessions: async_sessionmaker[AsyncSession], offer_id: int
) -> None:
    """Twelve bookings at once against five sessions: five are paid from the package and
    the rest book as they would without one (this offer asks for no prepayment)."""
    await bought(sessions, offer_id)
    times = [START + timedelta(days=n) for n in range(12)]

    async def attempt(start: datetime) -> bool:
        try:
            await book(sessions, offer_id, start)
        except package_ledger.NoSessionsLeft:  # chosen, then used up by another: nothing
            return False
        return True

    results = await asyncio.gather(*map(attempt, times))
    assert await left(sessions) == 0
    async with sessions() as session:
        drawn = await session.scalar(select(func.count()).where(Booking.purchase_id.is_not(None)))
        assert drawn == 5
        made = await session.scalar(select(func.count()).select_from(Booking))
        assert made == sum(results)
    assert sum(results) >= 5


async def test_an_expired_package_pays_for_nothing(
    sessions: async_sessionmaker[AsyncSession], offer_id: int
) -> None:
    await bought(sessions, offer_id)
    async with sessions() as session:
        beyond = NOW + timedelta(days=31)
        assert not await package_ledger.covers(session, CARL, offer_id, 1, beyond)
        assert await package_ledger.covers(session, CARL, offer_id, 1, START)
        assert not await package_ledger.covers(session, CARL, offer_id, 6, START)


async def test_packages_are_checked_and_someone_elses_purchase_changes_nothing(
    sessions: async_sessionmaker[AsyncSession], offer_id: int
) -> None:
    async with sessions() as session:
        anna = await user(session, ANNA)
        carl = await user(session, CARL)
        dora = await user(session, DORA)
        with pytest.raises(packages.PackageError):  # dearer than one by one
            await packages.add_package(
                session, anna, offer_id, sessions=5, valid_days=30, price_minor=20001
            )
        with pytest.raises(packages.PackageError):  # not a choice
            await packages.add_package(
                session, anna, offer_id, sessions=7, valid_days=30, price_minor=100
            )
        with pytest.raises(offers.OfferNotFound):  # not her offer
            await packages.add_package(
                session, carl, offer_id, sessions=5, valid_days=30, price_minor=100
            )
        package = await packages.add_package(
            session, anna, offer_id, sessions=5, valid_days=30, price_minor=100
        )
        with pytest.raises(bookings.OwnOffer):
            await packages.start_purchase(session, anna, package.id, enabled=True)
        with pytest.raises(packages.PackageError):
            await packages.start_purchase(session, carl, package.id, enabled=False)
        invoice = await packages.start_purchase(session, carl, package.id, enabled=True)
        payload = invoice.payload
        assert await packages.check_checkout(session, DORA, payload, "EUR", 100) == (
            "payments.refused.unknown"
        )
        assert await packages.check_checkout(session, CARL, payload, "EUR", 99) == (
            "payments.refused.changed"
        )
        stolen = await packages.record_payment(
            session,
            dora,
            Charge(payload, "EUR", 100, "tg-x", "pr"),
            now=NOW,
        )
        assert stolen is None
        await packages.withdraw(session, anna, package.id)
        assert await packages.check_checkout(session, CARL, payload, "EUR", 100) == (
            "packages.refused.gone"
        )
        await session.commit()
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Payment)) == 0
