"""/stats_me: how the provider's business went over the last 4, 12 or 52 weeks — a chart
(handlers/stats_me_views.py) of what services/provider_stats.py counts, and a summary."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    Message,
)
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters import PrivateChat
from bot.i18n import Translator
from handlers.stats_me_views import (
    StatsPeriod,
    chart_labels,
    periods_keyboard,
    stats_png,
    summary,
)
from models import User, utcnow
from services import offers
from services.provider_stats import PERIODS, provider_stats


async def send_stats(
    message: Message | CallbackQuery,
    session: AsyncSession,
    user: User,
    weeks: int,
    _: Translator,
) -> bool:
    """The chart with its summary to the user; False when they are not a provider."""
    provider = await offers.provider_of(session, user)
    if provider is None or message.bot is None:
        return False
    stats = await provider_stats(session, provider, weeks=weeks, now=utcnow())
    picture = await asyncio.to_thread(stats_png, stats, chart_labels(stats, weeks, _))
    first = stats.weeks[0].monday
    last = stats.weeks[-1].monday + timedelta(days=6)
    await message.bot.send_photo(
        user.id,
        BufferedInputFile(picture, filename=f"gigbot-stats-{first}-{last}.png"),
        caption=summary(stats, weeks, _),
        reply_markup=periods_keyboard(weeks, _),
    )
    return True


async def on_stats_me(message: Message, session: AsyncSession, user: User, _: Translator) -> None:
    """/stats_me: the last 12 weeks."""
    if not await send_stats(message, session, user, PERIODS[1], _):
        await message.answer(_("stats_me.not_provider"))


async def on_period(
    query: CallbackQuery,
    callback_data: StatsPeriod,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """Another period."""
    if not await send_stats(query, session, user, callback_data.weeks, _):
        callback_answer.text = _.text("common.expired_button")


def build_router() -> Router:
    """The provider's stats, in private chats."""
    router = Router(name="provider_stats")
    router.message.filter(PrivateChat())
    router.callback_query.filter(PrivateChat())
    router.message.register(on_stats_me, Command("stats_me"))
    router.callback_query.register(on_period, StatsPeriod.filter(F.weeks.in_(PERIODS)))
    return router
