"""How booking looks: the month calendar, times, summary, booking cards and lists."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from babel.dates import format_date, format_datetime, get_day_names
from pydantic import Field

from bot.callbacks import Callback, Day, Instant, Month, RowId
from bot.i18n import Html, Translator
from bot.pages import fit
from handlers.customer_rules_views import BlockCustomer
from handlers.moderation_views import report_button
from handlers.offer_views import format_place, format_price
from handlers.review_views import AskStars, customer_line, review_button
from models import Booking, Offer, Role
from services.availability import Slot
from services.booking_view import BookingAction, BookingView, Contact
from services.payments import PaidInfo

MAX_SEAT_BUTTONS = 8  # seats offered as buttons at most (one row)


# One typed callback per action. Offer and booking ids are still untrusted: the choosing
# presses must match the dialogue's offer, and services.bookings answers anyone but the
# two parties of a booking exactly as for a booking that does not exist.
class Inert(Callback, prefix="b-x"):
    """A calendar cell or heading: does nothing."""


class JoinWaitlist(Callback, prefix="w-join"):
    """A fully booked day of the calendar: wait for a place (handled by handlers.waitlist)."""

    offer_id: RowId
    day: Day


class CancelFollowing(Callback, prefix="r-stop"):
    """A booking of a series: ask before cancelling it and the following ones (handled
    by handlers.series)."""

    booking_id: RowId


class RepeatMenu(Callback, prefix="r-menu"):
    """From the summary: repeat this time, how often and how many times (handled by
    handlers.series)."""

    offer_id: RowId


class StopBooking(Callback, prefix="b-stop"):
    """Leave the booking dialogue."""

    offer_id: RowId


class ShowMonth(Callback, prefix="b-month"):
    """The calendar of one month."""

    offer_id: RowId
    month: Month


class ShowDay(Callback, prefix="b-day"):
    """The free times of one day."""

    offer_id: RowId
    day: Day


class PickTime(Callback, prefix="b-time"):
    """Choose a start time."""

    offer_id: RowId
    start: Instant


class PickSeats(Callback, prefix="b-seats"):
    """How many seats of a group session."""

    offer_id: RowId
    seats: Annotated[int, Field(ge=1, le=MAX_SEAT_BUTTONS)]


class SkipNote(Callback, prefix="b-note-skip"):
    """No note to the provider."""

    offer_id: RowId


class ConfirmBooking(Callback, prefix="b-ok"):
    """Book (or move the booking) as summarised."""

    offer_id: RowId


class SkipReason(Callback, prefix="b-why-skip"):
    """No reason for a decline or cancellation."""


class OpenBooking(Callback, prefix="b-open"):
    """A booking's card."""

    booking_id: RowId


class CalendarFile(Callback, prefix="b-ics"):
    """The booking as an .ics file."""

    booking_id: RowId


class BookingMap(Callback, prefix="b-map"):
    """Where the booking happens, as a map pin."""

    booking_id: RowId


class MoveBooking(Callback, prefix="b-move"):
    """Reschedule: choose a new time."""

    booking_id: RowId


class CancelBooking(Callback, prefix="b-cancel"):
    """Cancel (asks for an optional reason first)."""

    booking_id: RowId


class DeclineBooking(Callback, prefix="b-decline"):
    """Decline a request (asks for an optional reason first)."""

    booking_id: RowId


class ChangeBooking(Callback, prefix="b-do"):
    """A change made at once: accept a request, mark completed or no-show."""

    booking_id: RowId
    change: Literal["accept", "complete", "no_show"]


class BookingsList(Callback, prefix="b-list"):
    """The customer's upcoming or past bookings, a page of them."""

    past: bool
    page: Annotated[int, Field(ge=0, le=10_000)] = 0


class AgendaPage(Callback, prefix="b-agenda"):
    """The provider's agenda, from session number `first`."""

    first: Annotated[int, Field(ge=0, le=9999)] = 0


def bbutton(text: str, data: CallbackData) -> InlineKeyboardButton:
    """A booking button."""
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def clock(moment: datetime, zone: ZoneInfo) -> str:
    """ "09:30": the 24-hour wall time in `zone`, the same in every language we speak
    (Babel's "HH:mm" gives the same text, at many times the cost, for a screen of times)."""
    return moment.astimezone(zone).strftime("%H:%M")


def when_text(moment: datetime, zone: ZoneInfo, _: Translator) -> str:
    """ "Sat 28 Nov 2026, 10:00" in `zone`."""
    return format_datetime(moment.astimezone(zone), "EEE d MMM y, HH:mm", locale=_.locale)


def when_both(moment: datetime, reader: ZoneInfo, provider: ZoneInfo, _: Translator) -> str:
    """The time in the reader's zone, with the provider's local time when they differ."""
    text = when_text(moment, reader, _)
    if moment.astimezone(reader).utcoffset() != moment.astimezone(provider).utcoffset():
        local = clock(moment, provider)
        text += " " + _.text("booking.provider_time", time=local, zone=provider.key)
    return text


def calendar_screen(
    offer: Offer,
    year: int,
    month: int,
    free_days: set[date],
    today: date,
    last: date,
    _: Translator,
    *,
    full_days: set[date] | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """A month: days with a free slot are buttons; fully booked days one may wait for
    (`full_days`) are 🔔 buttons that join their waiting list; the rest are dots."""
    title = format_date(date(year, month, 1), "LLLL y", locale=_.locale)
    nav: list[InlineKeyboardButton] = []
    if (year, month) > (today.year, today.month):
        prev_month = (year - (month == 1), (month - 2) % 12 + 1)
        nav.append(bbutton("‹", ShowMonth(offer_id=offer.id, month=date(*prev_month, 1))))
    nav.append(bbutton(title, Inert()))
    if (year, month) < (last.year, last.month):
        following = (year + (month == 12), month % 12 + 1)
        nav.append(bbutton("›", ShowMonth(offer_id=offer.id, month=date(*following, 1))))
    names = get_day_names("narrow", locale=_.locale)
    rows = [nav, [bbutton(str(names[d]), Inert()) for d in range(7)]]
    for week in calendar.Calendar().monthdatescalendar(year, month):
        row = []
        for day in week:
            if day.month != month:
                row.append(bbutton(" ", Inert()))
            elif day in free_days:
                row.append(bbutton(str(day.day), ShowDay(offer_id=offer.id, day=day)))
            elif full_days and day in full_days:
                row.append(bbutton(f"🔔{day.day}", JoinWaitlist(offer_id=offer.id, day=day)))
            else:
                row.append(bbutton("·", Inert()))
        rows.append(row)
    rows.append([bbutton(_.text("common.cancel"), StopBooking(offer_id=offer.id))])
    text = _("booking.choose_day", title=offer.title)
    if not free_days:
        text += "\n" + _("booking.no_days_this_month")
    if full_days:
        text += "\n" + _("waitlist.calendar_hint")
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def times_screen(
    offer: Offer, day: date, slots: Sequence[Slot], reader: ZoneInfo, _: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    """The free times of a day in the customer's zone (with the provider's when different)."""
    provider = ZoneInfo(offer.provider.timezone)
    buttons = []
    for slot in slots:
        label = clock(slot.start, reader)
        if slot.start.astimezone(reader).utcoffset() != slot.start.astimezone(provider).utcoffset():
            local = clock(slot.start, provider)
            label += f" ({local})"
        buttons.append(bbutton(label, PickTime(offer_id=offer.id, start=slot.start)))
    rows = [buttons[i : i + 4] for i in range(0, len(buttons), 4)]
    rows.append(
        [bbutton(_.text("common.back"), ShowMonth(offer_id=offer.id, month=day.replace(day=1)))]
    )
    when = format_date(day, "EEEE d MMMM", locale=_.locale)
    key = "booking.choose_time" if slots else "booking.no_times"
    text = _(key, day=when)
    if slots and provider.key != reader.key:
        text += "\n" + _("booking.times_note", zone=reader.key, provider_zone=provider.key)
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def seats_screen(offer: Offer, seats_left: int, _: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """How many seats of a group session."""
    buttons = [
        bbutton(str(n), PickSeats(offer_id=offer.id, seats=n))
        for n in range(1, min(seats_left, MAX_SEAT_BUTTONS) + 1)
    ]
    rows = [buttons, [bbutton(_.text("common.cancel"), StopBooking(offer_id=offer.id))]]
    return _("booking.choose_seats", left=seats_left), InlineKeyboardMarkup(inline_keyboard=rows)


def note_keyboard(offer_id: int, _: Translator) -> InlineKeyboardMarkup:
    """Skip the note."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [bbutton(_.text("booking.skip"), SkipNote(offer_id=offer_id))],
            [bbutton(_.text("common.cancel"), StopBooking(offer_id=offer_id))],
        ]
    )


def summary_screen(
    offer: Offer,
    start: datetime,
    seats: int,
    note: str | None,
    reader: ZoneInfo,
    _: Translator,
    *,
    rescheduling: bool,
    prepay: int | None = None,
    repeat: bool = False,
) -> tuple[str, InlineKeyboardMarkup]:
    """Everything about to be booked, with Confirm / Back / Cancel; `prepay`: the amount
    paid on confirming, in the offer's currency's minor units; `repeat`: offer to book
    the same time every week too."""
    provider = ZoneInfo(offer.provider.timezone)
    text = _(
        "booking.summary",
        title=offer.title,
        when=when_both(start, reader, provider, _),
        seats=seats,
        price=format_price(offer.price_minor * seats, offer.currency, _),
        place=format_place(offer.place_kind, offer.area, _),
        note=note or "—",
    )
    if offer.requires_approval:
        text += "\n\n" + _("booking.needs_approval")
    if prepay is not None:
        text += "\n\n" + _("payments.on_confirm", amount=format_price(prepay, offer.currency, _))
    confirm = "booking.confirm_move" if rescheduling else "booking.confirm"
    rows = [
        [bbutton(_.text(confirm), ConfirmBooking(offer_id=offer.id))],
        [bbutton(_.text("series.button"), RepeatMenu(offer_id=offer.id))] if repeat else [],
        [
            bbutton(
                _.text("common.back"),
                ShowDay(offer_id=offer.id, day=start.astimezone(reader).date()),
            ),
            bbutton(_.text("common.cancel"), StopBooking(offer_id=offer.id)),
        ],
    ]
    return text, InlineKeyboardMarkup(inline_keyboard=[row for row in rows if row])


def contact_html(contact: Contact) -> Html:
    """A link that opens a chat with the other side on Telegram, and the phone if shared."""
    from html import escape

    if contact.username:
        link = f'<a href="https://t.me/{escape(contact.username)}">@{escape(contact.username)}</a>'
    else:
        link = f'<a href="tg://user?id={contact.user_id}">{escape(contact.name)}</a>'
    if contact.phone:
        link += f", {escape(contact.phone)}"
    return Html(link)


def booking_card(
    view: BookingView, reader: ZoneInfo, _: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    """A booking as one side sees it, with the buttons of what the view allows."""
    booking, role = view.booking, view.role
    offer = booking.offer
    provider_zone = ZoneInfo(booking.provider.timezone)
    lines = [
        _(
            "booking.card",
            title=offer.title,
            when=when_both(booking.starts_at, reader, provider_zone, _),
            seats=booking.seats,
            place=format_place(offer.place_kind, offer.area, _),
            status=_.text(f"booking.status.{booking.status}"),
        )
    ]
    if booking.note:
        lines.append(_("booking.card_note", note=booking.note))
    if booking.reason:
        lines.append(_("booking.card_reason", reason=booking.reason))
    if view.other_contact is not None:
        lines.append(_(f"booking.contact.{role}", contact=contact_html(view.other_contact)))
    elif view.contact_pending:
        lines.append(_("booking.contact_after_confirmation"))
    if view.customer_record is not None:
        lines.append(customer_line(view.customer_record, _))
    if view.paid is not None:
        amount = format_price(view.paid.amount_minor, view.paid.currency, _)
        lines.append(_(f"payments.card.{view.paid.refund}", amount=amount))
    if view.package_left is not None:
        lines.append(_("packages.card", left=view.package_left))
    return "\n\n".join(lines), InlineKeyboardMarkup(inline_keyboard=_action_rows(view, _))


def _action_rows(view: BookingView, _: Translator) -> list[list[InlineKeyboardButton]]:
    """One button per allowed action, paired as the card shows them."""
    booking, allowed = view.booking, set(view.actions)
    booking_id = booking.id
    buttons = {
        BookingAction.ACCEPT: lambda: bbutton(
            _.text("booking.accept"), ChangeBooking(booking_id=booking_id, change="accept")
        ),
        BookingAction.DECLINE: lambda: bbutton(
            _.text("booking.decline"), DeclineBooking(booking_id=booking_id)
        ),
        BookingAction.CALENDAR: lambda: bbutton(
            _.text("booking.ics"), CalendarFile(booking_id=booking_id)
        ),
        BookingAction.MAP: lambda: bbutton(
            _.text("booking.map"), BookingMap(booking_id=booking_id)
        ),
        BookingAction.COMPLETE: lambda: bbutton(
            _.text("booking.completed"), ChangeBooking(booking_id=booking_id, change="complete")
        ),
        BookingAction.NO_SHOW: lambda: bbutton(
            _.text("booking.no_show"), ChangeBooking(booking_id=booking_id, change="no_show")
        ),
        BookingAction.RATE: lambda: review_button(
            _.text("review.button" if view.role == Role.CUSTOMER else "review.rate_customer"),
            AskStars(side=view.role, booking_id=booking.id),
        ),
        BookingAction.RESCHEDULE: lambda: bbutton(
            _.text("booking.reschedule"), MoveBooking(booking_id=booking_id)
        ),
        BookingAction.CANCEL: lambda: bbutton(
            _.text("booking.cancel"), CancelBooking(booking_id=booking_id)
        ),
        BookingAction.REPORT: lambda: report_button(_, "booking", booking.id),
        BookingAction.CANCEL_FOLLOWING: lambda: bbutton(
            _.text("series.cancel_following"), CancelFollowing(booking_id=booking_id)
        ),
        BookingAction.BLOCK: lambda: bbutton(
            _.text("customers.block"), BlockCustomer(booking_id=booking_id, blocked=True)
        ),
        BookingAction.UNBLOCK: lambda: bbutton(
            _.text("customers.unblock"), BlockCustomer(booking_id=booking_id, blocked=False)
        ),
    }
    layout = (
        (BookingAction.ACCEPT, BookingAction.DECLINE),
        (BookingAction.CALENDAR, BookingAction.MAP),
        (BookingAction.COMPLETE, BookingAction.NO_SHOW),
        (BookingAction.RATE,),
        (BookingAction.RESCHEDULE, BookingAction.CANCEL),
        (BookingAction.CANCEL_FOLLOWING,),
        (BookingAction.REPORT, BookingAction.BLOCK, BookingAction.UNBLOCK),
    )
    rows = [[buttons[action]() for action in row if action in allowed] for row in layout]
    return [row for row in rows if row]


def _agenda_label(time: str, title: str, paid: PaidInfo | None, _: Translator) -> str:
    """An agenda button: the time, the title (cut to fit) and what was paid, if anything."""
    if paid is None:
        return f"{time} · {title}"[:60]
    amount = _.text(
        f"payments.agenda.{paid.refund}", amount=format_price(paid.amount_minor, paid.currency, _)
    )
    return f"{time} · {title[:30]} · {amount}"[:64]


def list_screen(
    items: Iterable[Booking],
    reader: ZoneInfo,
    _: Translator,
    *,
    upcoming: bool,
    is_provider: bool,
    page: int = 0,
    more: bool = False,
) -> tuple[str, InlineKeyboardMarkup]:
    """The customer's bookings, one button each, a page at a time; switch between
    upcoming and past."""
    rows = [
        [
            bbutton(
                f"{format_datetime(b.starts_at.astimezone(reader), 'd MMM HH:mm', locale=_.locale)}"
                f" · {b.offer.title}"[:60],
                OpenBooking(booking_id=b.id),
            )
        ]
        for b in items
    ]
    title = _("booking.list_upcoming" if upcoming else "booking.list_past")
    if not rows:
        title += "\n" + _("booking.list_empty")
    nav = []
    if page > 0:
        nav.append(
            bbutton(_.text("search.previous"), BookingsList(past=not upcoming, page=page - 1))
        )
    if more:
        nav.append(bbutton(_.text("search.next"), BookingsList(past=not upcoming, page=page + 1)))
    if nav:
        rows.append(nav)
    switch = "past" if upcoming else "upcoming"
    footer = [bbutton(_.text(f"booking.show_{switch}"), BookingsList(past=upcoming))]
    if is_provider:
        footer.append(bbutton(_.text("booking.agenda"), AgendaPage()))
    rows.append(footer)
    return title, InlineKeyboardMarkup(inline_keyboard=rows)


def agenda_screen(
    items: Sequence[Booking],
    days: Sequence[date],
    zone: ZoneInfo,
    _: Translator,
    *,
    title_key: str = "booking.agenda_title",
    start: int = 0,
    paged: bool = True,
    paid: Mapping[int, PaidInfo] | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """The provider's days: each day's bookings, group sessions with seats taken. As many
    sessions as fit one message, from session number `start`; then "and N more", with a
    Next button when `paged` (a notice has none: /agenda shows the rest). `paid`: what
    was paid before each booking stood (by booking id), shown on its button."""
    sessions: list[tuple[date, datetime, list[Booking]]] = []
    for day in days:
        grouped: dict[tuple[int, datetime], list[Booking]] = {}
        for booking in items:
            if booking.starts_at.astimezone(zone).date() == day:
                grouped.setdefault((booking.offer_id, booking.starts_at), []).append(booking)
        sessions.extend((day, when, group) for (_offer, when), group in grouped.items())
    chunks = [_agenda_chunk(day, when, group, zone, _, paid or {}) for day, when, group in sessions]
    page = fit([(len(text) + len(head), len(buttons)) for head, text, buttons in chunks], start)
    lines = [_(title_key)]
    rows: list[list[InlineKeyboardButton]] = []
    previous_day: date | None = None
    for index in range(page.start, page.end):
        head, text, buttons = chunks[index]
        if sessions[index][0] != previous_day:
            lines.append(head)
            previous_day = sessions[index][0]
        lines.append(text)
        rows.extend([button] for button in buttons)
    if not sessions:
        lines.append(_("booking.agenda_empty"))
    if page.has_next:
        lines.append(_("booking.agenda_more", count=page.total - page.end))
    navigation = []
    if paged and page.has_previous:
        navigation.append(bbutton(_.text("booking.agenda_first"), AgendaPage()))
    if paged and page.has_next:
        navigation.append(bbutton(_.text("search.next"), AgendaPage(first=page.end)))
    if navigation:
        rows.append(navigation)
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


def _agenda_chunk(
    day: date,
    start: datetime,
    group: list[Booking],
    zone: ZoneInfo,
    _: Translator,
    paid: Mapping[int, PaidInfo],
) -> tuple[str, str, list[InlineKeyboardButton]]:
    """One session of the agenda: its day's heading, its line, a button per booking."""
    offer = group[0].offer
    time = clock(start, zone)
    head = _("booking.agenda_day", day=format_date(day, "EEEE d MMMM", locale=_.locale))
    line = _(
        "booking.agenda_line",
        time=time,
        title=offer.title,
        taken=sum(b.seats for b in group),
        capacity=offer.capacity,
    )
    buttons = [
        bbutton(_agenda_label(time, offer.title, paid.get(b.id), _), OpenBooking(booking_id=b.id))
        for b in group
    ]
    return head, line, buttons
