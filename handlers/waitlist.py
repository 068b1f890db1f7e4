"""Waiting lists: joining a fully booked day from the calendar, leaving, and taking or
declining a freed place held for one. See services.waitlist."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.filters import PrivateChat
from bot.i18n import Translator
from bot.replies import show
from handlers.booking import card_for, notify_other_side
from handlers.payments import start_payment
from handlers.waitlist_views import (
    DeclinePlace,
    JoinWaitlist,
    LeaveWaitlist,
    TakePlace,
    joined_screen,
)
from models import User, utcnow
from services import bookings, payments, waitlist


async def on_join(
    query: CallbackQuery,
    callback_data: JoinWaitlist,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """A 🔔 day of the calendar: join its waiting list (the booking dialogue ends)."""
    place = await waitlist.join(
        session, user, callback_data.offer_id, callback_data.day, now=utcnow()
    )
    offer = await bookings.bookable_offer(session, place.entry.offer_id)
    await state.clear()
    await show(query, *joined_screen(place, offer, _))


async def on_leave(
    query: CallbackQuery,
    callback_data: LeaveWaitlist,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """Leave the waiting list (a place held for one goes to the next in line)."""
    await waitlist.leave(session, user, callback_data.entry_id, now=utcnow())
    await show(query, _("waitlist.left"))


async def on_take(
    query: CallbackQuery,
    callback_data: TakePlace,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    settings: Settings,
    _: Translator,
) -> None:
    """Take the place held for one: booked at once, or the invoice when it is paid first."""
    held = await waitlist.offered(session, user, callback_data.booking_id)
    if payments.payable(held.offer, held.seats, enabled=settings.payments_enabled):
        await start_payment(query, held, session, settings, tz, _)
        return
    now = utcnow()
    booking = await waitlist.take(session, user, held.id, now=now)
    card, markup = await card_for(session, booking, user, tz, _, now)
    await show(query, _(f"booking.done_{booking.status}") + "\n\n" + card, markup)
    if query.bot is not None:
        await notify_other_side(query.bot, session, booking, user, booking.status, now)


async def on_decline(
    query: CallbackQuery,
    callback_data: DeclinePlace,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """No thanks: the place goes to the next in line."""
    await waitlist.decline(session, user, callback_data.booking_id, now=utcnow())
    await show(query, _("waitlist.declined"))


def build_router() -> Router:
    """Waiting lists, in private chats."""
    router = Router(name="waitlist")
    router.callback_query.filter(PrivateChat())
    router.callback_query.register(on_join, JoinWaitlist.filter())
    router.callback_query.register(on_leave, LeaveWaitlist.filter())
    router.callback_query.register(on_take, TakePlace.filter())
    router.callback_query.register(on_decline, DeclinePlace.filter())
    return router
