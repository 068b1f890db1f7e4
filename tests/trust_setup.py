"""Shared set-up of the trust tests: a bot with an admin, a provider, a customer and a
booking that already happened (handlers use the real clock, so the past is real)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.db import create_sessionmaker
from bot.notifier import deliver_due
from bot.sender import Sender
from emulator import Emulator, SimUser
from emulator.harness import RunningBot, make_settings, start_bot
from handlers.notices import decide
from models import User, utcnow
from services import bookings, offers
from services.offers import OfferData
from services.users import TelegramProfile, touch_user


def offer_data(title: str = "Haircut") -> OfferData:
    """An offer bookable at any hour of any day, with no notice."""
    return OfferData(
        title=title,
        category="beauty",
        duration_min=60,
        price_minor=2000,
        currency="EUR",
        weekly=[(d, 0, 1440) for d in range(7)],
        min_notice_min=0,
    )


def hour(days: float) -> datetime:
    """A whole hour `days` from now (negative: in the past)."""
    return (utcnow() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)


async def stored_person(session: AsyncSession, person: SimUser) -> User:
    """The person's user row, as the bot keeps it from their messages."""
    account = person.account
    profile = TelegramProfile(
        id=person.id, first_name=account.first_name, username=account.username
    )
    return await touch_user(session, profile)


async def quiet(_seconds: float) -> None:
    """The sender's waits, not waited in tests."""


@dataclass
class World:
    """The running bot and its people: Ada the admin, Anna the provider, Carl her
    customer, Dora a bystander."""

    tg: Emulator
    bot: RunningBot
    engine: AsyncEngine
    ada: SimUser
    anna: SimUser
    carl: SimUser
    dora: SimUser

    async def deliver(self, now: datetime | None = None) -> dict[str, int]:
        """Run the scheduler's job once at `now` (default: the real now)."""
        sender = Sender(self.bot.app.bot, per_second=1000, sleep=quiet)
        sessions = self.bot.app.sessionmaker
        return dict(await deliver_due(sessions, sender, decide=decide, now=now or utcnow()))

    async def offer(self, who: SimUser, title: str = "Haircut") -> int:
        """An offer published by `who` through the service."""
        async with create_sessionmaker(self.engine)() as session:
            user = await stored_person(session, who)
            offer_id = (
                await offers.create_offer(session, user, offer_data(title), default_timezone="UTC")
            ).id
            await session.commit()
        return offer_id

    async def booking(
        self, offer_id: int, customer: SimUser, start: datetime, *, outcome: str | None = None
    ) -> int:
        """`customer` books `start` (decided three days before it); the provider then marks
        it `outcome` ("complete", "no_show") an hour after the start, if given."""
        async with create_sessionmaker(self.engine)() as session:
            user = await stored_person(session, customer)
            booked = await bookings.book(
                session, user, offer_id, start, now=start - timedelta(days=3)
            )
            if outcome is not None:
                offer = await offers.public_offer(session, offer_id)
                provider = await session.get(User, offer.provider.user_id)
                assert provider is not None
                await bookings.change(
                    session, provider, booked.booking.id, outcome, now=start + timedelta(hours=1)
                )
            await session.commit()
        return booked.booking.id


@asynccontextmanager
async def started_world(
    emulator: Emulator, database_url: str, engine: AsyncEngine
) -> AsyncIterator[World]:
    """gigbot with Ada as its admin (polling: both update paths are tested elsewhere)."""
    ada = emulator.user("Ada", username="ada_admin")
    settings = make_settings(emulator, database_url, "polling", admin_ids=[ada.id])
    running = await start_bot(settings, emulator)
    names = ("Anna", "Carl", "Dora")
    people = [emulator.user(name, username=f"{name.lower()}_nb") for name in names]
    for person in (ada, *people):
        await person.send("/start")
    try:
        yield World(emulator, running, engine, ada, *people)
    finally:
        await running.stop()
