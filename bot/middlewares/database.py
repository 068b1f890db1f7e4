"""One database session per update, and the rule that it is committed before the bot speaks.

The session is committed when the handler succeeds and rolled back when it fails. In
addition, any Bot API call made while handling the update first commits what the handler
has done so far (`CommitBeforeSending`), so:

- a user is never told about a change that is not yet durable ("Booked!" followed by a
  failed commit cannot happen);
- no transaction, and so no SQLite write lock or PostgreSQL row lock, is held across a
  network round trip to Telegram.

A failure after a reply rolls back only what was written after that reply.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from aiogram import Bot

_current_session: ContextVar[AsyncSession | None] = ContextVar("gigbot_session", default=None)
_HELD = "gigbot_held"


@event.listens_for(Session, "loaded_as_persistent")
def _hold(session: Session, instance: object) -> None:
    """Keeps each row an update's session loads for as long as the update: SQLAlchemy's
    identity map holds objects weakly, so a row read again later in the same update (the
    other party of a booking: for the outbox, the card, the notice) went back to the
    database once the first reader had let go of it."""
    held: list[object] | None = session.info.get(_HELD)
    if held is not None:
        held.append(instance)


class DatabaseMiddleware(BaseMiddleware):
    """Puts `session` into the handler data and owns its transaction."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        async with self._sessionmaker() as session:
            session.info[_HELD] = []  # see _hold
            data["session"] = session
            token = _current_session.set(session)
            try:
                result = await handler(event, data)
            except BaseException:
                await session.rollback()
                raise
            finally:
                _current_session.reset(token)
            await session.commit()
            return result


class CommitBeforeSending(BaseRequestMiddleware):
    """Bot API request middleware: commits the current update's session before each call."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        session = _current_session.get()
        if session is not None and session.in_transaction():
            await session.commit()
        return await make_request(bot, method)
