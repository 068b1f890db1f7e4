"""Repeat bookings: from the summary, the same time every week (or every N weeks); the
preview of every occurrence; booking the free ones together; cancelling this and all
following occurrences. See services.series."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.filters import PrivateChat
from bot.i18n import Translator, translator_for
from bot.replies import show
from handlers.booking import Choosing
from handlers.series_views import (
    BookSeries,
    CancelFollowing,
    CancelFollowingSure,
    RepeatMenu,
    RepeatPreview,
    booked_text,
    cancel_following_screen,
    menu_screen,
    preview_screen,
    when,
)
from models import Booking, User, utcnow
from services import bookings, series


def _first(choice: dict[str, Any]) -> datetime | None:
    start = choice.get("start")
    return datetime.fromtimestamp(int(start), UTC) if isinstance(start, int) else None


async def on_menu(
    query: CallbackQuery,
    callback_data: RepeatMenu,
    callback_answer: CallbackAnswer,
    choice: dict[str, Any],
    session: AsyncSession,
    settings: Settings,
    _: Translator,
) -> None:
    """How often and how many times to repeat the chosen time."""
    offer = await bookings.bookable_offer(session, callback_data.offer_id)
    if _first(choice) is None or choice.get("reschedule"):
        callback_answer.text = _.text("common.expired_button")
        return
    if not series.repeatable(offer, payments_enabled=settings.payments_enabled):
        raise series.SeriesError("series.error.prepaid")
    await show(query, *menu_screen(offer, _))


async def _preview(
    query: CallbackQuery,
    offer_id: int,
    every: int,
    count: int,
    choice: dict[str, Any],
    state: FSMContext,
    session: AsyncSession,
    tz: ZoneInfo,
    _: Translator,
    *,
    head: str = "",
) -> None:
    """Show every occurrence; remember the free ones the customer is shown."""
    first = _first(choice)
    if first is None:
        return
    offer = await bookings.bookable_offer(session, offer_id)
    seats = int(choice.get("seats") or 1)
    seen = await series.preview(session, offer, first, every, count, seats=seats, now=utcnow())
    free = [int(o.start.timestamp()) for o in seen if o.free and o.start is not None]
    choice["series"] = {"every": every, "count": count, "free": free}
    await state.update_data(booking=choice)
    text, markup = preview_screen(offer, seen, every, count, tz, _)
    await show(query, head + text, markup)


async def on_preview(
    query: CallbackQuery,
    callback_data: RepeatPreview,
    choice: dict[str, Any],
    state: FSMContext,
    session: AsyncSession,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """Every occurrence of the series chosen, free or taken."""
    await _preview(
        query,
        callback_data.offer_id,
        callback_data.every,
        callback_data.count,
        choice,
        state,
        session,
        tz,
        _,
    )


async def on_book(
    query: CallbackQuery,
    callback_data: BookSeries,
    callback_answer: CallbackAnswer,
    choice: dict[str, Any],
    state: FSMContext,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    settings: Settings,
    _: Translator,
) -> None:
    """Book the free occurrences shown, all or none; if one was taken meanwhile, the
    fresh preview instead."""
    shown = choice.get("series")
    first = _first(choice)
    every, count = callback_data.every, callback_data.count
    if (
        first is None
        or not isinstance(shown, dict)
        or (shown.get("every"), shown.get("count")) != (every, count)
    ):
        callback_answer.text = _.text("common.expired_button")
        return
    expected = [datetime.fromtimestamp(int(start), UTC) for start in shown.get("free") or []]
    try:
        made = await series.book_series(
            session,
            user,
            callback_data.offer_id,
            first,
            every,
            count,
            expected=expected,
            seats=int(choice.get("seats") or 1),
            note=choice.get("note"),
            limits=settings.booking_limits,
            payments_enabled=settings.payments_enabled,
            now=utcnow(),
        )
    except series.SeriesChanged:
        head = _("series.changed") + "\n\n"
        await _preview(
            query, callback_data.offer_id, every, count, choice, state, session, tz, _, head=head
        )
        return
    await state.clear()
    await show(query, booked_text(made, tz, _))
    if query.bot is not None:
        await _tell_other_side(query.bot, session, made, user, "series.notify_booked")


async def on_cancel_following(
    query: CallbackQuery,
    callback_data: CancelFollowing,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """Are you sure: this booking and the following ones of its series."""
    booking, count = await series.following(session, user, callback_data.booking_id, now=utcnow())
    await show(query, *cancel_following_screen(booking, count, tz, _))


async def on_cancel_following_sure(
    query: CallbackQuery,
    callback_data: CancelFollowingSure,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """Cancel this booking and the following ones; the other side is told once."""
    cancelled = await series.cancel_following(
        session, user, callback_data.booking_id, reason=None, now=utcnow()
    )
    await show(query, _("series.cancelled", count=len(cancelled)))
    if query.bot is not None and cancelled:
        await _tell_other_side(query.bot, session, cancelled, user, "series.notify_cancelled")


async def _tell_other_side(
    bot: Bot, session: AsyncSession, made: list[Booking], actor: User, key: str
) -> None:
    """One message to the other side about the whole series, in their language and zone."""
    first = made[0]
    other = await session.get(User, bookings.other_party_id(first, actor))
    if other is None:
        return
    _ = translator_for(other)
    zone = ZoneInfo(other.timezone or first.provider.timezone)
    lines = "\n".join("• " + when(booking.starts_at, zone, _) for booking in made)
    text = _(key, name=actor.full_name, count=len(made), title=first.offer.title) + "\n" + lines
    try:
        await bot.send_message(other.id, text)
    except (TelegramForbiddenError, TelegramBadRequest):
        return  # blocked us or never started the bot: the bookings stand


def build_router() -> Router:
    """Repeat bookings, in private chats."""
    router = Router(name="series")
    router.callback_query.filter(PrivateChat())
    router.callback_query.register(on_menu, RepeatMenu.filter(), Choosing())
    router.callback_query.register(on_preview, RepeatPreview.filter(), Choosing())
    router.callback_query.register(on_book, BookSeries.filter(), Choosing())
    router.callback_query.register(on_cancel_following, CancelFollowing.filter())
    router.callback_query.register(on_cancel_following_sure, CancelFollowingSure.filter())
    return router
