"""Waiting lists: callbacks and screens (joined, a freed place offered)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from babel.dates import format_date

from bot.callbacks import Callback, RowId
from bot.i18n import Translator
from handlers.booking_views import JoinWaitlist, clock, when_both
from models import Booking, Offer
from services.waitlist import Place

__all__ = ["JoinWaitlist"]


class LeaveWaitlist(Callback, prefix="w-leave"):
    """Leave the line (one tap)."""

    entry_id: RowId


class TakePlace(Callback, prefix="w-take"):
    """Take the place held for me."""

    booking_id: RowId


class DeclinePlace(Callback, prefix="w-no"):
    """No thanks: the next in line is asked."""

    booking_id: RowId


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    """A button of this feature."""
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def joined_screen(place: Place, offer: Offer, _: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """On the list: which day, the place in the line, and how to leave."""
    text = _(
        "waitlist.joined",
        title=offer.title,
        day=format_date(place.entry.day, "EEEE d MMMM", locale=_.locale),
        position=place.position,
    )
    leave = button(_.text("waitlist.leave"), LeaveWaitlist(entry_id=place.entry.id))
    return text, InlineKeyboardMarkup(inline_keyboard=[[leave]])


def place_offered_screen(
    booking: Booking, reader: ZoneInfo, _: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    """A freed place held for the customer: take it (paying first when the offer asks),
    or let it go to the next in line."""
    offer = booking.offer
    until: datetime = booking.pay_by or booking.starts_at
    text = _(
        "waitlist.offered",
        title=offer.title,
        when=when_both(booking.starts_at, reader, ZoneInfo(offer.provider.timezone), _),
        until=clock(until, reader),
    )
    rows = [
        [
            button(_.text("waitlist.take"), TakePlace(booking_id=booking.id)),
            button(_.text("waitlist.decline"), DeclinePlace(booking_id=booking.id)),
        ]
    ]
    return text, InlineKeyboardMarkup(inline_keyboard=rows)
