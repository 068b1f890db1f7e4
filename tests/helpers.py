"""Small helpers shared by tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from babel.dates import format_date
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.db import create_sessionmaker
from emulator import EmuMessage, SimUser
from handlers.settings_views import AskTimezone
from models import User
from services import offers
from services.offers import OfferData
from services.users import TelegramProfile, touch_user

DAYTIME = [(day, 480, 1200) for day in range(7)]  # 08:00–20:00 every day


def offer_data(title: str = "Haircut", **fields: Any) -> OfferData:
    """An offer bookable from now on, 08:00–20:00 every day (UTC), with `fields` changed."""
    data = OfferData(
        title=title,
        category="beauty",
        duration_min=60,
        price_minor=2000,
        currency="EUR",
        weekly=DAYTIME,
        min_notice_min=0,
    )
    return replace(data, **fields)


async def publish(
    database: AsyncEngine | async_sessionmaker[AsyncSession],
    provider_id: int,
    *items: OfferData,
    first_name: str | None = None,
    username: str | None = None,
) -> list[int]:
    """`items` published straight through the service by one provider (their user row
    made if need be, in UTC); the offers' ids."""
    sessions = create_sessionmaker(database) if isinstance(database, AsyncEngine) else database
    async with sessions() as session:
        profile = TelegramProfile(
            id=provider_id, first_name=first_name or f"Provider{provider_id}", username=username
        )
        user = await touch_user(session, profile)
        ids = [
            (await offers.create_offer(session, user, data, default_timezone="UTC")).id
            for data in items
        ]
        await session.commit()
    return ids


async def user_in(session: AsyncSession, user_id: int) -> User:
    """The user's row in this session (it must exist)."""
    found = await session.get(User, user_id)
    assert found is not None
    return found


async def stored_user(engine: AsyncEngine, user_id: int) -> User:
    """The user's row as it is in the database now."""
    async with create_sessionmaker(engine)() as session:
        user = await session.get(User, user_id)
        assert user is not None, f"no row for user {user_id}"
        return user


async def with_timezone(person: SimUser, city: str = "Berlin") -> SimUser:
    """`person` after choosing their time zone in /settings (a provider's hours need one)."""
    await person.send("/settings")
    assert person.last is not None
    await person.press_callback(person.last, AskTimezone().pack())
    await person.send(city)
    return person


async def turn_to_month_of(person: SimUser, day: date) -> EmuMessage:
    """In the booking calendar just shown, turn to `day`'s month if another one is shown
    (the calendar opens at the first month with a free day: on a month's last day, with
    a day's notice, that is already the next one); the calendar message."""
    calendar = [m for m in person.emulator.messages_in(person.id) if m.from_bot][-1]
    language = (person.account.language_code or "en")[:2]
    title = format_date(date(day.year, day.month, 1), "LLLL y", locale=language)
    if title not in calendar.buttons:  # the month's name heads the day buttons
        turned = await person.press("›")
        assert turned is not None
        calendar = turned
    return calendar
