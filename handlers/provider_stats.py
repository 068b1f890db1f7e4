"""/stats_me: how the provider's business went over the last 4, 12 or 52 weeks — a chart
(handlers/stats_chart.py) of what services/provider_stats.py counts, and a summary."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.callback_answer import CallbackAnswer
from babel.dates import format_date
from babel.numbers import format_decimal
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import Callback
from bot.filters import PrivateChat
from bot.i18n import Translator
from handlers.offer_views import format_price
from handlers.stats_chart import ChartLabels, stats_png
from models import User, utcnow
from services import offers
from services.provider_stats import PERIODS, ProviderStats, provider_stats


class StatsPeriod(Callback, prefix="st-me"):
    """The stats over `weeks` weeks (one of PERIODS)."""

    weeks: int


def summary(stats: ProviderStats, weeks: int, _: Translator) -> str:
    """The numbers of the chart in a few lines."""
    income = " · ".join(format_price(minor, code, _) for code, minor in stats.income.items())
    latest = stats.weeks[-1]
    rating = (
        _.text(
            "stats_me.rating_value",
            rating=format_decimal(round(latest.rating, 1), locale=_.locale),
            count=latest.reviews,
        )
        if latest.rating is not None
        else _.text("stats_me.no_rating")
    )
    return _(
        "stats_me.summary",
        weeks=weeks,
        completed=stats.completed,
        no_show=stats.no_show,
        cancelled=stats.cancelled,
        income=income or "—",
        customers=stats.customers,
        new=stats.new_customers,
        rating=rating,
    )


def chart_labels(stats: ProviderStats, weeks: int, _: Translator) -> ChartLabels:
    """The chart's words in the reader's language."""
    return ChartLabels(
        title=_.text("stats_me.title", weeks=weeks),
        bookings=_.text("stats_me.bookings"),
        completed=_.text("stats_me.completed"),
        no_show=_.text("stats_me.no_show"),
        cancelled=_.text("stats_me.cancelled"),
        customers=_.text("stats_me.customers"),
        new=_.text("stats_me.new"),
        returning=_.text("stats_me.returning"),
        rating=_.text("stats_me.rating"),
        weeks=tuple(format_date(w.monday, "d MMM", locale=_.locale) for w in stats.weeks),
    )


def periods_keyboard(current: int, _: Translator) -> InlineKeyboardMarkup:
    """4 / 12 / 52 weeks, the one shown marked."""
    buttons = [
        InlineKeyboardButton(
            text=("✓ " if weeks == current else "") + _.text("stats_me.period", weeks=weeks),
            callback_data=StatsPeriod(weeks=weeks).pack(),
        )
        for weeks in PERIODS
    ]
    return InlineKeyboardMarkup(inline_keyboard=[buttons])


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
