"""Booking in conversation: day → time → seats → note → summary → Confirm; the provider's
answer; My bookings, the Agenda, cancel, reschedule, .ics.

The choice in progress lives in the FSM data; every press re-checks it against the
database (a time taken meanwhile is reported and fresh times shown). Booking ids from
buttons are untrusted: the service answers "not found" for anyone but the two parties.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters import HasText, PrivateChat
from bot.i18n import Translator, translator_for
from bot.replies import show
from handlers.booking_views import (
    BookingCallback,
    agenda_screen,
    bbutton,
    booking_card,
    calendar_screen,
    list_screen,
    note_keyboard,
    seats_screen,
    summary_screen,
    times_screen,
    when_both,
)
from handlers.menu import BookingsEntry
from handlers.offer_cards import format_place
from models import Booking, Offer, Provider, User, utcnow
from services import bookings, offers
from services.booking_view import booking_view
from services.bookings import BookingError, BookingNotFound, SlotTaken
from services.calendar_file import booking_ics
from services.input_values import iso_day, row_id, unix_instant, whole_number, year_month
from services.slots import slots_by_offer

CALENDAR_REACH = timedelta(days=400)  # no offer is bookable further ahead than this


class BookingStates(StatesGroup):
    """Where the booking dialogue waits for typed text."""

    choosing = State()  # buttons: day, time, seats, summary
    note = State()  # an optional note to the provider
    reason = State()  # an optional reason for a decline or cancellation


@dataclass
class Press:
    """A button press in the booking dialogue, with what answering it needs."""

    query: CallbackQuery
    answer: CallbackAnswer
    state: FSMContext
    session: AsyncSession
    user: User
    tz: ZoneInfo
    now: datetime
    _: Translator

    def refuse(self, key: str = "common.expired_button") -> None:
        """Answer the press with a short notice and change nothing."""
        self.answer.text = self._.text(key)

    async def show(self, screen: tuple[str, InlineKeyboardMarkup]) -> None:
        """Replace the pressed message with `screen`."""
        await show(self.query, *screen)


# --- choosing a time -----------------------------------------------------------------------


async def _free_days(
    session: AsyncSession, offer: Offer, year: int, month: int, zone: ZoneInfo, now: datetime
) -> tuple[set[date], date]:
    """Days of a month (in the customer's zone) with a free slot, and the last bookable day."""
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    slots = (await slots_by_offer(session, [offer], first - timedelta(days=1), following, now=now))[
        offer.id
    ]
    days = {
        slot.start.astimezone(zone).date()
        for slot in slots
        if first <= slot.start.astimezone(zone).date() < following
    }
    last = now.astimezone(zone).date() + timedelta(days=offer.max_advance_days)
    return days, last


async def _slots_on(
    session: AsyncSession, offer: Offer, day: date, zone: ZoneInfo, now: datetime
) -> list[Any]:
    found = (
        await slots_by_offer(
            session, [offer], day - timedelta(days=1), day + timedelta(days=1), now=now
        )
    )[offer.id]
    return [slot for slot in found if slot.start.astimezone(zone).date() == day]


async def start_booking(
    query: CallbackQuery,
    offer_id: int,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    _: Translator,
    callback_answer: CallbackAnswer,
    *,
    reschedule: int | None = None,
) -> None:
    """Open the month calendar of an offer (to book it, or to move a booking to it)."""
    try:
        offer = await bookings.bookable_offer(session, offer_id, user)
    except bookings.Suspended as error:
        callback_answer.text = _.text(error.key)
        callback_answer.show_alert = True
        return
    except BookingNotFound:
        callback_answer.text = _.text("start.offer_unavailable")
        return
    if offer.provider.user_id == user.id and reschedule is None:
        callback_answer.text = _.text("booking.error.own_offer")
        callback_answer.show_alert = True
        return
    await state.set_state(BookingStates.choosing)
    await state.set_data({"booking": {"offer_id": offer.id, "reschedule": reschedule}})
    now = utcnow()
    today = now.astimezone(tz).date()
    month = today
    days, last = await _free_days(session, offer, today.year, today.month, tz, now)
    if not days:  # nothing left this month: open the next one if it has free days
        following = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
        next_days, last = await _free_days(session, offer, following.year, following.month, tz, now)
        if next_days:
            month, days = following, next_days
    screen = calendar_screen(offer, month.year, month.month, days, today, last, _)
    if query.bot is not None:
        await query.bot.send_message(query.from_user.id, screen[0], reply_markup=screen[1])


async def _choice(state: FSMContext) -> dict[str, Any] | None:
    data = (await state.get_data()).get("booking")
    return data if isinstance(data, dict) else None


async def on_choose(
    query: CallbackQuery,
    callback_data: BookingCallback,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """Month, day, time, seats, note-skip, confirm and stop presses while choosing."""
    choice = await _choice(state)
    action, value = callback_data.action, callback_data.value
    if action == "noop":
        return
    if choice is None or choice.get("offer_id") != callback_data.offer_id:
        callback_answer.text = _.text("common.expired_button")
        return
    if action == "stop":
        await state.clear()
        await show(query, _("booking.stopped"))
        return
    try:
        offer = await bookings.bookable_offer(session, callback_data.offer_id)
    except BookingNotFound:
        await state.clear()
        await show(query, _("start.offer_unavailable"))
        return
    press = Press(query, callback_answer, state, session, user, tz, utcnow(), _)
    if action == "month":
        await _show_month(press, offer, value)
    elif action == "day":
        await _show_day(press, offer, value)
    elif action == "time":
        await _pick_time(press, offer, value, choice)
    elif action in ("seats", "note_skip", "confirm") and "start" not in choice:
        press.refuse()  # a button of a later step, pressed before a time was chosen
    elif action == "seats" and (seats := whole_number(value, 1, offer.capacity)) is not None:
        choice["seats"] = seats
        await state.update_data(booking=choice)
        await _ask_note(query, offer, state, _)
    elif action == "note_skip":
        await state.set_state(BookingStates.choosing)
        await show(query, *_summary(offer, choice, tz, _))
    elif action == "confirm":
        await _confirm(press, offer, choice)
    else:
        press.refuse()


async def _show_month(press: Press, offer: Offer, value: str) -> None:
    first = year_month(value)
    today = press.now.astimezone(press.tz).date()
    if first is None or first < today.replace(day=1) or first > today + CALENDAR_REACH:
        press.refuse()
        return
    year, month = first.year, first.month
    days, last = await _free_days(press.session, offer, year, month, press.tz, press.now)
    await press.show(calendar_screen(offer, year, month, days, today, last, press._))


async def _show_day(press: Press, offer: Offer, value: str) -> None:
    day = iso_day(value)
    today = press.now.astimezone(press.tz).date()
    if day is None or not today - timedelta(days=1) <= day <= today + CALENDAR_REACH:
        press.refuse()
        return
    slots = await _slots_on(press.session, offer, day, press.tz, press.now)
    await press.show(times_screen(offer, day, slots, press.tz, press._))


async def _pick_time(press: Press, offer: Offer, value: str, choice: dict[str, Any]) -> None:
    start = unix_instant(value)
    if start is None:
        press.refuse()
        return
    day = start.astimezone(press.tz).date()
    slots = await _slots_on(press.session, offer, day, press.tz, press.now)
    slot = next((s for s in slots if s.start == start), None)
    if slot is None:
        press.refuse("booking.error.taken")
        await press.show(times_screen(offer, day, slots, press.tz, press._))
        return
    choice.update(start=int(start.timestamp()), seats=1)
    await press.state.update_data(booking=choice)
    if offer.capacity > 1 and not choice.get("reschedule"):
        await press.show(seats_screen(offer, slot.seats_left, press._))
        return
    await _ask_note(press.query, offer, press.state, press._)


async def _ask_note(query: CallbackQuery, offer: Offer, state: FSMContext, _: Translator) -> None:
    await state.set_state(BookingStates.note)
    await show(query, _("booking.ask_note"), note_keyboard(offer.id, _))


def _summary(
    offer: Offer, choice: dict[str, Any], tz: ZoneInfo, _: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    start = datetime.fromtimestamp(int(choice["start"]), UTC)
    return summary_screen(
        offer,
        start,
        int(choice.get("seats") or 1),
        choice.get("note"),
        tz,
        _,
        rescheduling=bool(choice.get("reschedule")),
    )


async def on_note(
    message: Message, state: FSMContext, session: AsyncSession, tz: ZoneInfo, _: Translator
) -> None:
    """The note to the provider (up to 500 characters)."""
    choice = await _choice(state)
    text = (message.text or "").strip()
    if choice is None:
        await state.clear()
        return
    if len(text) > bookings.NOTE_LIMIT:
        await message.answer(_("booking.error.note_long"))
        return
    try:
        offer = await bookings.bookable_offer(session, int(choice["offer_id"]))
    except BookingNotFound:
        await state.clear()
        await message.answer(_("start.offer_unavailable"))
        return
    choice["note"] = text or None
    await state.set_state(BookingStates.choosing)
    await state.update_data(booking=choice)
    screen, markup = _summary(offer, choice, tz, _)
    await message.answer(screen, reply_markup=markup)


async def _confirm(press: Press, offer: Offer, choice: dict[str, Any]) -> None:
    """Book (or move the booking); a time taken meanwhile shows fresh times."""
    _, session, user, tz, now = press._, press.session, press.user, press.tz, press.now
    if "start" not in choice:
        press.refuse()
        return
    start = datetime.fromtimestamp(int(choice["start"]), UTC)
    moving = choice.get("reschedule")
    try:
        if moving:
            booking = await bookings.reschedule(session, user, int(moving), start, now=now)
            created = True
        else:
            booked = await bookings.book(
                session,
                user,
                offer.id,
                start,
                seats=int(choice.get("seats") or 1),
                note=choice.get("note"),
                now=now,
            )
            booking, created = booked.booking, booked.created
    except SlotTaken:
        day = start.astimezone(tz).date()
        slots = await _slots_on(session, offer, day, tz, now)
        text, markup = times_screen(offer, day, slots, tz, _)
        await show(press.query, _("booking.error.taken") + "\n\n" + text, markup)
        return
    except BookingError as error:
        await press.state.clear()
        await show(press.query, _(error.key))
        return
    await press.state.clear()
    key = "booking.done_requested" if booking.status == "requested" else "booking.done_confirmed"
    card, markup = await card_for(session, booking, user, tz, _, now)
    await show(press.query, _(key) + "\n\n" + card, markup)
    if created and press.query.bot is not None:
        role = bookings.role_of(booking, user)
        event = f"rescheduled_by_{role}" if moving else booking.status
        await notify_other_side(press.query.bot, session, booking, user, event, now)


# --- cards, notifications ------------------------------------------------------------------


async def card_for(
    session: AsyncSession,
    booking: Booking,
    user: User,
    zone: ZoneInfo,
    _: Translator,
    now: datetime,
) -> tuple[str, InlineKeyboardMarkup]:
    """`booking` as `user` sees it in `zone`: the card, with the other side's contact once
    it is confirmed, and this side's actions."""
    return booking_card(await booking_view(session, booking, user, now), zone, _)


async def notify_other_side(
    bot: Bot, session: AsyncSession, booking: Booking, actor: User, event: str, now: datetime
) -> None:
    """Tell the other party what happened, in their language and zone, with the card."""
    if bookings.role_of(booking, actor) == "customer":
        other_id = booking.provider.user_id
    else:
        other_id = booking.customer_id
    other = await session.get(User, other_id)
    if other is None:
        return
    _ = translator_for(other)
    zone = ZoneInfo(other.timezone or booking.provider.timezone)
    card, markup = await card_for(session, booking, other, zone, _, now)
    text = _(f"booking.notify.{event}", name=actor.full_name) + "\n\n" + card
    try:
        await bot.send_message(other.id, text, reply_markup=markup)
    except (TelegramForbiddenError, TelegramBadRequest):
        return  # blocked us or never started the bot: the booking stands; reminders later


# --- acting on a booking -------------------------------------------------------------------


async def on_booking_action(
    query: CallbackQuery,
    callback_data: BookingCallback,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """open, accept, decline, cancel, complete, no_show, ics, resched on a booking."""
    booking_id = row_id(callback_data.value)
    if booking_id is None:
        callback_answer.text = _.text("common.expired_button")
        return
    now = utcnow()
    try:
        booking = await bookings.party_booking(session, user, booking_id)
    except BookingNotFound:
        callback_answer.text = _.text("booking.error.not_found")
        return
    role = bookings.role_of(booking, user)
    action = callback_data.action
    if action == "open":
        await show(query, *await card_for(session, booking, user, tz, _, now))
    elif action == "ics":
        await _send_ics(query, booking, callback_answer, _, now)
    elif action == "resched":
        await start_booking(
            query,
            booking.offer_id,
            state,
            session,
            user,
            tz,
            _,
            callback_answer,
            reschedule=booking.id,
        )
    elif action == "cancel" or (action == "decline" and role == "provider"):
        await state.set_state(BookingStates.reason)
        await state.set_data({"pending": {"booking_id": booking.id, "action": action}})
        skip = InlineKeyboardMarkup(
            inline_keyboard=[[bbutton(_.text("booking.skip"), "reason_skip")]]
        )
        await show(query, _("booking.ask_reason"), skip)
    elif action in ("accept", "complete", "no_show"):
        await _apply(query, session, user, booking.id, action, None, tz, now, callback_answer, _)
    else:
        callback_answer.text = _.text("booking.error.not_found")


async def _apply(
    query: CallbackQuery | None,
    session: AsyncSession,
    user: User,
    booking_id: int,
    action: str,
    reason: str | None,
    tz: ZoneInfo,
    now: datetime,
    callback_answer: CallbackAnswer | None,
    _: Translator,
    *,
    message: Message | None = None,
) -> None:
    """Do `action` as this user; show the new card and tell the other side."""
    booking = await bookings.party_booking(session, user, booking_id)
    role = bookings.role_of(booking, user)
    service_action = f"cancel_by_{role}" if action == "cancel" else action
    try:
        changed = await bookings.change(
            session, user, booking.id, service_action, reason=reason, now=now
        )
    except BookingError as error:
        if callback_answer is not None:
            callback_answer.text = _.text(error.key)
        elif message is not None:
            await message.answer(_(error.key))
        return
    card, markup = await card_for(session, changed, user, tz, _, now)
    if query is not None:
        await show(query, card, markup)
    elif message is not None:
        await message.answer(card, reply_markup=markup)
    bot = query.bot if query is not None else message.bot if message is not None else None
    if bot is not None and action in ("accept", "decline", "cancel"):
        await notify_other_side(bot, session, changed, user, service_action, now)


async def on_reason(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """The reason typed for a decline or cancellation."""
    pending = (await state.get_data()).get("pending") or {}
    await state.clear()
    reason = (message.text or "").strip()[: bookings.REASON_LIMIT] or None
    await _pending(message, None, session, user, pending, reason, tz, _)


async def on_reason_skip(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """No reason given."""
    pending = (await state.get_data()).get("pending") or {}
    await state.clear()
    if not pending:
        callback_answer.text = _.text("common.expired_button")
        return
    await _pending(None, query, session, user, pending, None, tz, _, callback_answer)


async def _pending(
    message: Message | None,
    query: CallbackQuery | None,
    session: AsyncSession,
    user: User,
    pending: dict[str, Any],
    reason: str | None,
    tz: ZoneInfo,
    _: Translator,
    callback_answer: CallbackAnswer | None = None,
) -> None:
    try:
        await _apply(
            query,
            session,
            user,
            int(pending["booking_id"]),
            str(pending["action"]),
            reason,
            tz,
            utcnow(),
            callback_answer,
            _,
            message=message,
        )
    except (BookingNotFound, KeyError, ValueError):
        if message is not None:
            await message.answer(_("booking.error.not_found"))


async def _send_ics(
    query: CallbackQuery,
    booking: Booking,
    callback_answer: CallbackAnswer,
    _: Translator,
    now: datetime,
) -> None:
    if booking.status != "confirmed" or query.bot is None:
        callback_answer.text = _.text("booking.error.not_now")
        return
    place = format_place(booking.offer.place_kind, booking.offer.area, _)
    data = booking_ics(booking, place=place, now=now)
    await query.bot.send_document(
        query.from_user.id, BufferedInputFile(data, filename=f"booking-{booking.id}.ics")
    )


# --- lists ---------------------------------------------------------------------------------


async def _bookings_list(
    session: AsyncSession, user: User, tz: ZoneInfo, _: Translator, *, upcoming: bool
) -> tuple[str, InlineKeyboardMarkup]:
    """The user's upcoming or past bookings (with the agenda button for providers)."""
    items = await bookings.customer_bookings(session, user, now=utcnow(), upcoming=upcoming)
    is_provider = await offers.provider_of(session, user) is not None
    return list_screen(items, tz, _, upcoming=upcoming, is_provider=is_provider)


async def on_my_bookings(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """/bookings: upcoming bookings."""
    await state.clear()
    text, markup = await _bookings_list(session, user, tz, _, upcoming=True)
    await message.answer(text, reply_markup=markup)


async def on_bookings_menu(
    query: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """Main menu → My bookings."""
    await state.clear()
    await show(query, *await _bookings_list(session, user, tz, _, upcoming=True))


async def on_list(
    query: CallbackQuery,
    callback_data: BookingCallback,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """Upcoming ↔ past."""
    upcoming = callback_data.value != "past"
    await show(query, *await _bookings_list(session, user, tz, _, upcoming=upcoming))


async def _agenda(
    session: AsyncSession, user: User, _: Translator, first: int = 0
) -> tuple[str, InlineKeyboardMarkup]:
    provider: Provider | None = await offers.provider_of(session, user)
    zone = ZoneInfo(provider.timezone if provider else "UTC")
    today = utcnow().astimezone(zone).date()
    days = [today + timedelta(days=n) for n in range(7)]
    start = datetime.combine(today, datetime.min.time(), zone)
    items = await bookings.provider_agenda(
        session, user, start=start, end=start + timedelta(days=7)
    )
    return agenda_screen(items, days, zone, _, start=first)


async def on_agenda(
    message: Message, state: FSMContext, session: AsyncSession, user: User, _: Translator
) -> None:
    """/agenda: the provider's bookings today and this week."""
    await state.clear()
    text, markup = await _agenda(session, user, _)
    await message.answer(text, reply_markup=markup)


async def on_agenda_button(
    query: CallbackQuery,
    callback_data: BookingCallback,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """My bookings → Agenda, or another page of it."""
    first = whole_number(callback_data.value, 0, 9999) or 0
    await show(query, *await _agenda(session, user, _, first))


def build_router() -> Router:
    """Booking in private chats."""
    router = Router(name="booking")
    router.message.filter(PrivateChat())
    router.callback_query.filter(PrivateChat())
    router.message.register(on_my_bookings, Command("bookings"))
    router.message.register(on_agenda, Command("agenda"))
    router.callback_query.register(on_bookings_menu, BookingsEntry.filter())
    router.callback_query.register(on_list, BookingCallback.filter(F.action == "list"))
    router.callback_query.register(on_agenda_button, BookingCallback.filter(F.action == "agenda"))
    choosing = ("noop", "stop", "month", "day", "time", "seats", "note_skip", "confirm")
    router.callback_query.register(on_choose, BookingCallback.filter(F.action.in_(choosing)))
    router.callback_query.register(
        on_reason_skip, BookingCallback.filter(F.action == "reason_skip")
    )
    router.callback_query.register(on_booking_action, BookingCallback.filter())
    router.message.register(on_note, StateFilter(BookingStates.note), HasText())
    router.message.register(on_reason, StateFilter(BookingStates.reason), HasText())
    return router


__all__ = [
    "BookingStates",
    "build_router",
    "card_for",
    "notify_other_side",
    "start_booking",
    "when_both",
]
