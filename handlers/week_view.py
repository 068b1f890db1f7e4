"""The week picture: from /agenda, the provider's week drawn (handlers/week_picture.py)
from what services/week_view.py computes, a week at a time."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)
from aiogram.utils.callback_answer import CallbackAnswer
from babel.dates import format_date
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import Callback
from bot.filters import PrivateChat
from bot.i18n import Translator
from handlers.week_picture import WeekLabels, week_png
from models import User, utcnow
from services import offers
from services.week_view import DAYS, MAX_WEEKS_AHEAD, provider_week


class WeekPicture(Callback, prefix="wk"):
    """The week picture, `week` weeks from today."""

    week: Annotated[int, Field(ge=0, le=MAX_WEEKS_AHEAD)] = 0


def week_button(_: Translator) -> InlineKeyboardButton:
    """The agenda's button to this week's picture."""
    return InlineKeyboardButton(text=_.text("week.button"), callback_data=WeekPicture().pack())


def week_labels(first: date, zone: str, _: Translator) -> WeekLabels:
    """The picture's words in the reader's language."""
    last = first + timedelta(days=DAYS - 1)
    days = tuple(
        (format_date(day, "EEE", locale=_.locale), str(day.day))
        for day in (first + timedelta(days=n) for n in range(DAYS))
    )
    span = " – ".join(format_date(day, "d MMM", locale=_.locale) for day in (first, last))
    return WeekLabels(
        title=_.text("week.title", span=span),
        zone=zone,
        days=days,
        open=_.text("week.open"),
        booked=_.text("week.booked"),
        off=_.text("week.off"),
    )


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
        around.append(_button(_.text("week.earlier"), callback_data.week - 1))
    if callback_data.week < MAX_WEEKS_AHEAD:
        around.append(_button(_.text("week.later"), callback_data.week + 1))
    await query.bot.send_photo(
        query.from_user.id,
        BufferedInputFile(picture, filename=f"gigbot-week-{first.isoformat()}.png"),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[around]),
    )


def _button(text: str, week: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=WeekPicture(week=week).pack())


def build_router() -> Router:
    """The week picture, in private chats."""
    router = Router(name="week_view")
    router.callback_query.filter(PrivateChat())
    router.callback_query.register(on_week, WeekPicture.filter())
    return router
