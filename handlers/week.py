"""The week picture: from /agenda, the provider's week drawn (handlers/week_views.py)
from what services/week_view.py computes, a week at a time."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardMarkup,
)
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters import PrivateChat
from bot.i18n import Translator
from handlers.week_views import WeekPicture, week_labels, week_page_button, week_png
from models import User, utcnow
from services import offers
from services.week_view import DAYS, MAX_WEEKS_AHEAD, provider_week


async def on_week(
    query: CallbackQuery,
    callback_data: WeekPicture,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """The picture of the chosen week, with buttons to the weeks around it."""
    provider = await offers.provider_of(session, user)
    if provider is None or query.bot is None:  # not a provider (a forged or old press)
        callback_answer.text = _.text("common.expired_button")
        return
    zone = ZoneInfo(provider.timezone)
    first = utcnow().astimezone(zone).date() + timedelta(days=DAYS * callback_data.week)
    week = await provider_week(session, provider, first)
    picture = await asyncio.to_thread(week_png, week, week_labels(first, zone.key, _))
    around = []
    if callback_data.week > 0:
        around.append(week_page_button(_.text("week.earlier"), callback_data.week - 1))
    if callback_data.week < MAX_WEEKS_AHEAD:
        around.append(week_page_button(_.text("week.later"), callback_data.week + 1))
    await query.bot.send_photo(
        query.from_user.id,
        BufferedInputFile(picture, filename=f"gigbot-week-{first.isoformat()}.png"),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[around]),
    )


def build_router() -> Router:
    """The week picture, in private chats."""
    router = Router(name="week_view")
    router.callback_query.filter(PrivateChat())
    router.callback_query.register(on_week, WeekPicture.filter())
    return router
