"""Booking in conversation: day → time → seats → note → summary → Confirm; the provider's
answer; My bookings, the Agenda, cancel, reschedule, .ics.

The choice in progress lives in the FSM data; every press re-checks it against the
database (a time taken meanwhile is reported and fresh times shown). Booking ids from
buttons are untrusted: the service answers "not found" for anyone but the two parties.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, Filter, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.filters import HasText, PrivateChat
from bot.i18n import Translator, translator_for
from bot.replies import send_pin, show
from handlers.booking_views import (
    AgendaPage,
    BookingMap,
    BookingsList,
    CalendarFile,
    CancelBooking,
    ChangeBooking,
    ConfirmBooking,
    DeclineBooking,
    Inert,
    MoveBooking,
    OpenBooking,
    PickSeats,
    PickTime,
    ShowDay,
    ShowMonth,
    SkipNote,
    SkipReason,
    StopBooking,
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
from handlers.menu_views import BookingsEntry
from handlers.offer_views import format_place
from handlers.packages_views import balances_text
from handlers.week_views import week_button
from models import Booking, BookingStatus, Offer, Provider, User, utcnow
from services import bookings, offers, package_ledger, packages, payments, series, waitlist
from services.booking_guard import BookingLimits
from services.booking_view import BookingAction, allowed_actions, booking_view
from services.calendar_file import booking_ics
from services.input_values import ROW_ID_MAX
from services.map_pins import map_pin
from services.slots import slots_by_offer

CALENDAR_REACH = timedelta(days=400)  # no offer is bookable further ahead than this


class BookingStates(StatesGroup):
    """Where the booking dialogue waits for typed text."""

    choosing = State()  # buttons: day, time, seats, summary
    note = State()  # an optional note to the provider
    reason = State()  # an optional reason for a decline or cancellation


# --- choosing a time -----------------------------------------------------------------------


async def _free_days(
    session: AsyncSession, offer: Offer, year: int, month: int, zone: ZoneInfo, now: datetime
) -> tuple[set[date], date]:
    """Days of a month (in the customer's zone) with a free slot, and the last bookable day."""
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    # A day in the provider's calendar is the customer's day when they share a zone; one
    # free slot then tells it is free.
    same_zone = zone.key == offer.provider.timezone
    found = await slots_by_offer(
        session,
        [offer],
        first - timedelta(days=1),
        following,
        now=now,
        per_day=1 if same_zone else None,
    )
    slots = found[offer.id]
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
    *,
    reschedule: int | None = None,
    limits: BookingLimits = bookings.UNLIMITED,
) -> None:
    """Open the month calendar of an offer (to book it within `limits`, or to move a
    booking to it)."""
    offer = await bookings.offer_to_book(
        session, offer_id, user, rescheduling=bool(reschedule), limits=limits
    )
    via = (await state.get_data()).get("via")
    community = (
        via.get("community") if isinstance(via, dict) and via.get("offer") == offer.id else None
    )
    await state.set_state(BookingStates.choosing)
    choice = {"offer_id": offer.id, "reschedule": reschedule, "community": community}
    await state.set_data({"booking": choice})
    now = utcnow()
    today = now.astimezone(tz).date()
    month = today
    days, last = await _free_days(session, offer, today.year, today.month, tz, now)
    if not days:  # nothing left this month: open the next one if it has free days
        following = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
        next_days, last = await _free_days(session, offer, following.year, following.month, tz, now)
        if next_days:
            month, days = following, next_days
    full = _full_days(offer, month, days, today, last, tz) if not reschedule else set()
    screen = calendar_screen(offer, month.year, month.month, days, today, last, _, full_days=full)
    if query.bot is not None:
        await query.bot.send_message(query.from_user.id, screen[0], reply_markup=screen[1])


def _community_of(choice: dict[str, Any]) -> int | None:
    """The community the dialogue came from (FSM data: trusted only as a plain int in
    range; the service credits it only when the community lists the offer)."""
    value = choice.get("community")
    return value if isinstance(value, int) and 1 <= value <= ROW_ID_MAX else None


async def _choice(state: FSMContext) -> dict[str, Any] | None:
    data = (await state.get_data()).get("booking")
    return data if isinstance(data, dict) else None


class Choosing(Filter):
    """A press of the booking dialogue in progress (placed after the callback's own
    filter): its offer is the dialogue's. Hands the handler the choice so far; a press
    of another or a finished dialogue is an old button, left to the fallback."""

    async def __call__(
        self, query: CallbackQuery, callback_data: CallbackData, state: FSMContext
    ) -> bool | dict[str, Any]:
        choice = await _choice(state)
        offer_id = getattr(callback_data, "offer_id", None)
        if choice is None or offer_id is None or choice.get("offer_id") != offer_id:
            return False
        return {"choice": choice}


async def on_inert() -> None:
    """A calendar cell or heading: the press is answered, nothing happens."""


async def on_stop(query: CallbackQuery, state: FSMContext, _: Translator) -> None:
    """Cancel the booking dialogue."""
    await state.clear()
    await show(query, _("booking.stopped"))


async def on_month(
    query: CallbackQuery,
    callback_data: ShowMonth,
    callback_answer: CallbackAnswer,
    choice: dict[str, Any],
    session: AsyncSession,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """Another month of the calendar."""
    offer = await bookings.bookable_offer(session, callback_data.offer_id)
    now = utcnow()
    first, today = callback_data.month, now.astimezone(tz).date()
    if first < today.replace(day=1) or first > today + CALENDAR_REACH:
        callback_answer.text = _.text("common.expired_button")
        return
    days, last = await _free_days(session, offer, first.year, first.month, tz, now)
    moving = bool(choice.get("reschedule"))
    full = _full_days(offer, first, days, today, last, tz) if not moving else set()
    screen = calendar_screen(offer, first.year, first.month, days, today, last, _, full_days=full)
    await show(query, *screen)


def _full_days(
    offer: Offer, month: date, free: set[date], today: date, last: date, zone: ZoneInfo
) -> set[date]:
    """The month's days one may wait for. Waiting lists count the provider's days, so
    they are offered when the customer's calendar is the provider's (the same zone)."""
    if zone.key != offer.provider.timezone:
        return set()
    first = month.replace(day=1)
    end = date(first.year + (first.month == 12), first.month % 12 + 1, 1) - timedelta(days=1)
    return waitlist.full_days(offer, first, end, free, today, last)


async def on_day(
    query: CallbackQuery,
    callback_data: ShowDay,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """The free times of a day."""
    offer = await bookings.bookable_offer(session, callback_data.offer_id)
    now = utcnow()
    day, today = callback_data.day, now.astimezone(tz).date()
    if not today - timedelta(days=1) <= day <= today + CALENDAR_REACH:
        callback_answer.text = _.text("common.expired_button")
        return
    slots = await _slots_on(session, offer, day, tz, now)
    await show(query, *times_screen(offer, day, slots, tz, _))


async def on_time(
    query: CallbackQuery,
    callback_data: PickTime,
    callback_answer: CallbackAnswer,
    choice: dict[str, Any],
    state: FSMContext,
    session: AsyncSession,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """A start time: then seats (group sessions), else the note."""
    offer = await bookings.bookable_offer(session, callback_data.offer_id)
    start = callback_data.start
    day = start.astimezone(tz).date()
    slots = await _slots_on(session, offer, day, tz, utcnow())
    slot = next((s for s in slots if s.start == start), None)
    if slot is None:
        callback_answer.text = _.text("booking.error.taken")
        await show(query, *times_screen(offer, day, slots, tz, _))
        return
    choice.update(start=int(start.timestamp()), seats=1)
    await state.update_data(booking=choice)
    if offer.capacity > 1 and not choice.get("reschedule"):
        await show(query, *seats_screen(offer, slot.seats_left, _))
        return
    await _ask_note(query, offer, state, _)


async def on_seats(
    query: CallbackQuery,
    callback_data: PickSeats,
    callback_answer: CallbackAnswer,
    choice: dict[str, Any],
    state: FSMContext,
    session: AsyncSession,
    _: Translator,
) -> None:
    """How many seats."""
    offer = await bookings.bookable_offer(session, callback_data.offer_id)
    if "start" not in choice or callback_data.seats > offer.capacity:
        callback_answer.text = _.text("common.expired_button")
        return
    choice["seats"] = callback_data.seats
    await state.update_data(booking=choice)
    await _ask_note(query, offer, state, _)


async def on_note_skip(
    query: CallbackQuery,
    callback_data: SkipNote,
    callback_answer: CallbackAnswer,
    choice: dict[str, Any],
    state: FSMContext,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    settings: Settings,
    _: Translator,
) -> None:
    """No note: the summary."""
    offer = await bookings.bookable_offer(session, callback_data.offer_id)
    if "start" not in choice:
        callback_answer.text = _.text("common.expired_button")
        return
    await state.set_state(BookingStates.choosing)
    await show(query, *await _summary(session, user, offer, choice, tz, settings, _))


async def _ask_note(query: CallbackQuery, offer: Offer, state: FSMContext, _: Translator) -> None:
    await state.set_state(BookingStates.note)
    await show(query, _("booking.ask_note"), note_keyboard(offer.id, _))


async def _summary(
    session: AsyncSession,
    user: User,
    offer: Offer,
    choice: dict[str, Any],
    tz: ZoneInfo,
    settings: Settings,
    _: Translator,
) -> tuple[str, InlineKeyboardMarkup]:
    """The summary before Confirm: what it will cost now (nothing when a package of the
    customer's pays for it), and whether it can repeat."""
    start = datetime.fromtimestamp(int(choice["start"]), UTC)
    seats = int(choice.get("seats") or 1)
    moving = bool(choice.get("reschedule"))
    enabled = settings.payments_enabled
    prepay = None if moving else payments.payable(offer, seats, enabled=enabled)
    if prepay is not None and await package_ledger.covers(session, user.id, offer.id, seats, start):
        prepay = None  # the package pays, as Confirm will find
    repeat = not moving and series.repeatable(offer, payments_enabled=enabled)
    return summary_screen(
        offer,
        start,
        seats,
        choice.get("note"),
        tz,
        _,
        rescheduling=moving,
        prepay=prepay,
        repeat=repeat,
    )


async def on_note(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    settings: Settings,
    _: Translator,
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
    offer = await bookings.bookable_offer(session, int(choice["offer_id"]))
    choice["note"] = text or None
    await state.set_state(BookingStates.choosing)
    await state.update_data(booking=choice)
    screen, markup = await _summary(session, user, offer, choice, tz, settings, _)
    await message.answer(screen, reply_markup=markup)


async def on_confirm(
    query: CallbackQuery,
    callback_data: ConfirmBooking,
    callback_answer: CallbackAnswer,
    choice: dict[str, Any],
    state: FSMContext,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    settings: Settings,
    _: Translator,
) -> None:
    """Book (or move the booking); a time taken meanwhile shows fresh times."""
    offer = await bookings.bookable_offer(session, callback_data.offer_id)
    if "start" not in choice:
        callback_answer.text = _.text("common.expired_button")
        return
    now = utcnow()
    moving = choice.get("reschedule")
    chosen = bookings.Choice(
        offer_id=offer.id,
        start=datetime.fromtimestamp(int(choice["start"]), UTC),
        seats=int(choice.get("seats") or 1),
        note=choice.get("note"),
        moving=int(moving) if moving else None,
        community_id=_community_of(choice),
    )
    new = chosen.moving is None
    # A time to be paid first is held; but a package of the customer's pays instead,
    # when one can (decided by the booking service in the same statement as its rules).
    paying = new and payments.payable(offer, chosen.seats, enabled=settings.payments_enabled)
    hold = timedelta(minutes=settings.payment_hold_minutes) if paying else None
    booked = await bookings.book_choice(
        session,
        user,
        chosen,
        now=now,
        limits=settings.booking_limits,
        offer=offer,
        hold=hold,
        use_package=new,
    )
    if booked is None:
        day = chosen.start.astimezone(tz).date()
        slots = await _slots_on(session, offer, day, tz, now)
        text, markup = times_screen(offer, day, slots, tz, _)
        await show(query, _("booking.error.taken") + "\n\n" + text, markup)
        return
    await state.clear()
    booking = booked.booking
    if booking.status == BookingStatus.HELD:
        from handlers.payments import start_payment  # payments build on booking

        if booked.created:  # a double tap leaves the first invoice to be paid
            await start_payment(query, booking, session, settings, tz, _)
        return
    key = f"booking.done_{booking.status}"
    card, markup = await card_for(session, booking, user, tz, _, now)
    await show(query, _(key) + "\n\n" + card, markup)
    if booked.created and query.bot is not None:
        role = bookings.role_of(booking, user)
        event = f"rescheduled_by_{role}" if moving else booking.status
        await notify_other_side(query.bot, session, booking, user, event, now)


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
    other = await session.get(User, bookings.other_party_id(booking, actor))
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


async def on_open(
    query: CallbackQuery,
    callback_data: OpenBooking,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """A booking's card."""
    booking = await bookings.party_booking(session, user, callback_data.booking_id)
    await show(query, *await card_for(session, booking, user, tz, _, utcnow()))


async def on_calendar_file(
    query: CallbackQuery,
    callback_data: CalendarFile,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """The booking as an .ics file (confirmed bookings)."""
    booking = await bookings.party_booking(session, user, callback_data.booking_id)
    now = utcnow()
    role = bookings.role_of(booking, user)
    if BookingAction.CALENDAR not in allowed_actions(booking, role, now) or query.bot is None:
        raise bookings.NotNow()
    place = format_place(booking.offer.place_kind, booking.offer.area, _)
    data = booking_ics(booking, place=place, now=now)
    await query.bot.send_document(
        query.from_user.id, BufferedInputFile(data, filename=f"booking-{booking.id}.ics")
    )


async def on_map(
    query: CallbackQuery,
    callback_data: BookingMap,
    session: AsyncSession,
    user: User,
) -> None:
    """Where to go: the offer's place as a map pin (confirmed bookings of a place)."""
    booking = await bookings.party_booking(session, user, callback_data.booking_id)
    role = bookings.role_of(booking, user)
    pin = map_pin(booking.offer)
    if BookingAction.MAP not in allowed_actions(booking, role, utcnow()) or pin is None:
        raise bookings.NotNow()
    await send_pin(query.bot, query.from_user.id, pin)


async def on_move(
    query: CallbackQuery,
    callback_data: MoveBooking,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """Reschedule: the offer's calendar, to choose the new time."""
    booking = await bookings.party_booking(session, user, callback_data.booking_id)
    await start_booking(query, booking.offer_id, state, session, user, tz, _, reschedule=booking.id)


async def _ask_reason(
    query: CallbackQuery,
    booking: Booking,
    user: User,
    change: bookings.Transition,
    state: FSMContext,
    _: Translator,
) -> None:
    bookings.check_change(booking, user, change, now=utcnow())
    await state.set_state(BookingStates.reason)
    await state.set_data({"pending": {"booking_id": booking.id, "change": change}})
    skip = InlineKeyboardMarkup(inline_keyboard=[[bbutton(_.text("booking.skip"), SkipReason())]])
    await show(query, _("booking.ask_reason"), skip)


async def on_cancel(
    query: CallbackQuery,
    callback_data: CancelBooking,
    session: AsyncSession,
    user: User,
    state: FSMContext,
    _: Translator,
) -> None:
    """Cancel: asks for an optional reason first."""
    booking = await bookings.party_booking(session, user, callback_data.booking_id)
    change = bookings.CANCELLATIONS[bookings.role_of(booking, user)]
    await _ask_reason(query, booking, user, change, state, _)


async def on_decline(
    query: CallbackQuery,
    callback_data: DeclineBooking,
    session: AsyncSession,
    user: User,
    state: FSMContext,
    _: Translator,
) -> None:
    """Decline a request: asks for an optional reason first."""
    booking = await bookings.party_booking(session, user, callback_data.booking_id)
    await _ask_reason(query, booking, user, bookings.Transition.DECLINE, state, _)


async def on_change(
    query: CallbackQuery,
    callback_data: ChangeBooking,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """Accept a request, mark a booking completed or a no-show."""
    change = bookings.Transition(callback_data.change)
    card = await _apply(session, user, callback_data.booking_id, change, None, tz, _, query.bot)
    await show(query, *card)


async def _apply(
    session: AsyncSession,
    user: User,
    booking_id: int,
    change: bookings.Transition,
    reason: str | None,
    tz: ZoneInfo,
    _: Translator,
    bot: Bot | None,
) -> tuple[str, InlineKeyboardMarkup]:
    """Make `change` as this user; tell the other side; the new card. Made already (a
    double tap, an update handled again): the card, and nobody is told twice."""
    now = utcnow()
    try:
        changed = await bookings.change(session, user, booking_id, change, reason=reason, now=now)
    except bookings.NotNow:
        booking = await bookings.party_booking(session, user, booking_id)
        if not bookings.already_made(booking, change):
            raise
        return await card_for(session, booking, user, tz, _, now)
    if bot is not None and change in bookings.TOLD_TO_OTHER_SIDE:
        await notify_other_side(bot, session, changed, user, change, now)
    return await card_for(session, changed, user, tz, _, now)


async def _pending(state: FSMContext) -> tuple[int, bookings.Transition] | None:
    """The change waiting for its reason (and leave the dialogue)."""
    pending = (await state.get_data()).get("pending")
    await state.clear()
    if not isinstance(pending, dict):
        return None
    return int(pending["booking_id"]), bookings.Transition(pending["change"])


async def on_reason(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """The reason typed for a decline or cancellation."""
    pending = await _pending(state)
    if pending is None:
        return
    reason = (message.text or "").strip()[: bookings.REASON_LIMIT] or None
    text, markup = await _apply(session, user, *pending, reason, tz, _, message.bot)
    await message.answer(text, reply_markup=markup)


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
    pending = await _pending(state)
    if pending is None:
        callback_answer.text = _.text("common.expired_button")
        return
    await show(query, *await _apply(session, user, *pending, None, tz, _, query.bot))


# --- lists ---------------------------------------------------------------------------------


async def _bookings_list(
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    _: Translator,
    *,
    upcoming: bool,
    page: int = 0,
) -> tuple[str, InlineKeyboardMarkup]:
    """A page of the user's upcoming or past bookings (with the agenda button for
    providers)."""
    items, more = await bookings.customer_bookings(
        session, user, now=utcnow(), upcoming=upcoming, page=page
    )
    is_provider = await offers.provider_of(session, user) is not None
    text, markup = list_screen(
        items, tz, _, upcoming=upcoming, is_provider=is_provider, page=page, more=more
    )
    if upcoming and page == 0:
        found = await packages.balances(session, user, now=utcnow())
        if found:
            text = balances_text(found, tz, _) + "\n\n" + text
    return text, markup


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
    callback_data: BookingsList,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """Upcoming ↔ past, and their pages."""
    upcoming, page = not callback_data.past, callback_data.page
    await show(query, *await _bookings_list(session, user, tz, _, upcoming=upcoming, page=page))


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
    paid = await payments.paid_for(session, [booking.id for booking in items])
    text, markup = agenda_screen(items, days, zone, _, start=first, paid=paid)
    if provider is not None:
        markup.inline_keyboard.append([week_button(_)])
    return text, markup


async def on_agenda(
    message: Message, state: FSMContext, session: AsyncSession, user: User, _: Translator
) -> None:
    """/agenda: the provider's bookings today and this week."""
    await state.clear()
    text, markup = await _agenda(session, user, _)
    await message.answer(text, reply_markup=markup)


async def on_agenda_button(
    query: CallbackQuery,
    callback_data: AgendaPage,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """My bookings → Agenda, or another page of it."""
    await show(query, *await _agenda(session, user, _, callback_data.first))


def build_router() -> Router:
    """Booking in private chats."""
    router = Router(name="booking")
    router.message.filter(PrivateChat())
    router.callback_query.filter(PrivateChat())
    router.message.register(on_my_bookings, Command("bookings"))
    router.message.register(on_agenda, Command("agenda"))
    on_press = router.callback_query.register
    on_press(on_bookings_menu, BookingsEntry.filter())
    on_press(on_list, BookingsList.filter())
    on_press(on_agenda_button, AgendaPage.filter())
    on_press(on_inert, Inert.filter())
    on_press(on_stop, StopBooking.filter(), Choosing())
    on_press(on_month, ShowMonth.filter(), Choosing())
    on_press(on_day, ShowDay.filter(), Choosing())
    on_press(on_time, PickTime.filter(), Choosing())
    on_press(on_seats, PickSeats.filter(), Choosing())
    on_press(on_note_skip, SkipNote.filter(), Choosing())
    on_press(on_confirm, ConfirmBooking.filter(), Choosing())
    on_press(on_reason_skip, SkipReason.filter())
    on_press(on_open, OpenBooking.filter())
    on_press(on_calendar_file, CalendarFile.filter())
    on_press(on_map, BookingMap.filter())
    on_press(on_move, MoveBooking.filter())
    on_press(on_cancel, CancelBooking.filter())
    on_press(on_decline, DeclineBooking.filter())
    on_press(on_change, ChangeBooking.filter())
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
