"""/calendar: a private, revocable calendar subscription of the user's bookings."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.filters import PrivateChat
from bot.i18n import Translator
from bot.replies import show
from handlers.calendar_feed_views import FeedAction, feed_screen
from models import User, utcnow
from services import calendar_feed


async def on_calendar(
    message: Message, session: AsyncSession, user: User, settings: Settings, _: Translator
) -> None:
    """The user's feed link (made on first use), or why there is none on this bot."""
    if not settings.calendar_feeds:
        await message.answer(_("calendar.disabled"))
        return
    secret = await calendar_feed.feed_secret(session, user, now=utcnow())
    text, markup = feed_screen(settings.calendar_url(secret), _)
    await message.answer(text, reply_markup=markup)


async def on_action(
    query: CallbackQuery,
    callback_data: FeedAction,
    session: AsyncSession,
    user: User,
    settings: Settings,
    _: Translator,
) -> None:
    """A new link in place of the old one, or the feed turned off."""
    if not settings.calendar_feeds:
        await show(query, _("calendar.disabled"))
        return
    if callback_data.action == "off":
        await calendar_feed.turn_off(session, user)
        await show(query, _("calendar.turned_off"))
        return
    secret = await calendar_feed.rotate(session, user, now=utcnow())
    text, markup = feed_screen(settings.calendar_url(secret), _)
    await show(query, _("calendar.renewed") + "\n\n" + text, markup)


def build_router() -> Router:
    """The calendar feed, in private chats."""
    router = Router(name="calendar_feed")
    router.message.filter(PrivateChat())
    router.callback_query.filter(PrivateChat())
    router.message.register(on_calendar, Command("calendar"))
    router.callback_query.register(on_action, FeedAction.filter(F.action.in_(("new", "off"))))
    return router
