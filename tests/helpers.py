"""Small helpers shared by tests."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import create_sessionmaker
from bot.emulator import SimUser
from handlers.settings import AskTimezone
from models import User


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
