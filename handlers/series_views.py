"""Repeat bookings: callbacks and screens (how often and how many, the preview of every
occurrence, the series booked, cancelling the following ones)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from babel.dates import format_datetime

from bot.callbacks import Callback, RowId, one_of
from bot.i18n import Translator
from handlers.booking_views import CancelFollowing, RepeatMenu, SkipNote
from models import Booking, Offer
from services.series import COUNTS, EVERY_WEEKS, Occurrence

__all__ = ["CancelFollowing", "RepeatMenu"]


EveryWeeks = Annotated[int, one_of(EVERY_WEEKS)]
Count = Annotated[int, one_of(COUNTS)]


class RepeatPreview(Callback, prefix="r-see"):
    """Every occurrence of a series, free or taken."""

    offer_id: RowId
    every: EveryWeeks
    count: Count


class BookSeries(Callback, prefix="r-ok"):
    """Book the free occurrences shown."""

    offer_id: RowId
    every: EveryWeeks
    count: Count


class CancelFollowingSure(Callback, prefix="r-stop-ok"):
    """Cancel this occurrence and the following ones."""

    booking_id: RowId


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    """A button of this feature."""
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def menu_screen(offer: Offer, _: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """How often, how many times."""
    rows = [
        [
            button(
                _.text(f"series.every_{every}", count=count),
                RepeatPreview(offer_id=offer.id, every=every, count=count),
            )
            for count in COUNTS
        ]
        for every in EVERY_WEEKS
    ]
    rows.append([button(_.text("common.back"), SkipNote(offer_id=offer.id))])
    return _("series.menu", title=offer.title), InlineKeyboardMarkup(inline_keyboard=rows)


def when(start: datetime, reader: ZoneInfo, _: Translator) -> str:
    """ "Tue 3 Dec, 10:00" in the reader's zone and language."""
    return format_datetime(start.astimezone(reader), "EEE d MMM, HH:mm", locale=_.locale)


def preview_screen(
    offer: Offer,
    occurrences: Sequence[Occurrence],
    every: int,
    count: int,
    reader: ZoneInfo,
    _: Translator,
) -> tuple[str, InlineKeyboardMarkup]:
    """Each occurrence, free (✅) or taken (✖); book the free ones, or go back."""
    lines = [_("series.preview", title=offer.title)]
    for occurrence in occurrences:
        if occurrence.start is None:
            lines.append(_("series.no_such_time"))
        elif occurrence.free:
            lines.append("✅ " + when(occurrence.start, reader, _))
        else:
            lines.append(_("series.taken", when=when(occurrence.start, reader, _)))
    free = sum(1 for occurrence in occurrences if occurrence.free)
    rows = []
    if free:
        label = _.text("series.book", count=free)
        rows.append([button(label, BookSeries(offer_id=offer.id, every=every, count=count))])
    else:
        lines.append(_("series.none_free"))
    rows.append([button(_.text("common.back"), RepeatMenu(offer_id=offer.id))])
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


def booked_text(made: Sequence[Booking], reader: ZoneInfo, _: Translator) -> str:
    """The series booked: how many, from when, and each time."""
    times = "\n".join("• " + when(booking.starts_at, reader, _) for booking in made)
    key = "series.booked_requested" if made and made[0].status == "requested" else "series.booked"
    return _(key, count=len(made), title=made[0].offer.title if made else "") + "\n" + times


def cancel_following_screen(
    booking: Booking, count: int, reader: ZoneInfo, _: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    """Are you sure: this one and the following ones of the series."""
    text = _("series.cancel_ask", count=count, when=when(booking.starts_at, reader, _))
    rows = [
        [
            button(
                _.text("series.cancel_yes", count=count), CancelFollowingSure(booking_id=booking.id)
            )
        ]
    ]
    return text, InlineKeyboardMarkup(inline_keyboard=rows)
