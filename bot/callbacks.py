"""Bounded field types for `CallbackData` classes.

Callback data is untrusted: a forged or stale button can carry any text. A field typed
with one of these fails validation for a value out of range, so the button's filter does
not match, the fallback answers it as an old button, and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal

from aiogram import Router
from aiogram.filters import Filter
from aiogram.filters.callback_data import CallbackData, CallbackQueryFilter
from aiogram.types import CallbackQuery
from magic_filter import MagicFilter
from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer

from services.input_values import ROW_ID_MAX, USER_ID_MAX, iso_day, unix_instant, year_month
from services.outbox import REMINDER_CHOICES
from services.timezones import is_timezone

RowId = Annotated[int, Field(ge=1, le=ROW_ID_MAX)]
"""The id of one of gigbot's rows."""

OptionalRowId = Annotated[int, Field(ge=0, le=ROW_ID_MAX)]
"""A row id, or 0 where the button concerns no row."""

UserId = Annotated[int, Field(ge=1, le=USER_ID_MAX)]
"""A Telegram user's id (an erased account's negative id is never on a button)."""


def one_of(choices: tuple[int, ...]) -> AfterValidator:
    """A validator of a number a button carries: one of `choices` (the ones we show)."""

    def check(value: int) -> int:
        if value not in choices:
            raise ValueError("not one of the choices")
        return value

    return AfterValidator(check)


def _reminder_choice(hours: int) -> int:
    if hours not in REMINDER_CHOICES:
        raise ValueError("not a reminder time one can choose")
    return hours


ReminderHours = Annotated[int, AfterValidator(_reminder_choice)]
"""One of the reminder times a user can choose (services.outbox.REMINDER_CHOICES)."""


def _read_with(reader: Callable[[str], object | None], what: str) -> Callable[[object], object]:
    """A before-validator: text from a button read by `reader` (None: refused)."""

    def read(value: object) -> object:
        if not isinstance(value, str):
            return value  # a value our own code built
        parsed = reader(value)
        if parsed is None:
            raise ValueError(f"not {what} between the years 2000 and 2100")
        return parsed

    return read


Day = Annotated[
    date,
    BeforeValidator(_read_with(iso_day, "a day")),
    PlainSerializer(date.isoformat, return_type=str),
]
"""A day (`YYYY-MM-DD` in the button) between the years 2000 and 2100."""

Month = Annotated[
    date,
    BeforeValidator(_read_with(year_month, "a month")),
    PlainSerializer(lambda first: f"{first.year}-{first.month:02d}", return_type=str),
]
"""A month, as its first day (`YYYY-MM` in the button), between the years 2000 and 2100."""

Instant = Annotated[
    datetime,
    BeforeValidator(_read_with(unix_instant, "a moment")),
    PlainSerializer(lambda moment: str(int(moment.timestamp())), return_type=str),
]
"""A moment (Unix seconds in the button) between the years 2000 and 2100, aware, UTC."""


def _known_zone(name: str) -> str:
    if not is_timezone(name):
        raise ValueError("not an IANA time zone")
    return name


Zone = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(_known_zone)]
"""An IANA time zone name that exists (at most 40 characters, so it fits a button)."""


class PrefixFirst(CallbackQueryFilter):
    """aiogram's callback filter, comparing the prefix before parsing: a press meant for
    another class is turned down by one string comparison (aiogram's own filter unpacks
    the data, raising and catching an exception, for every handler it passes)."""

    async def __call__(self, query: CallbackQuery) -> Literal[False] | dict[str, Any]:
        data = query.data if isinstance(query, CallbackQuery) else None
        prefix, separator = self.callback_data.__prefix__, self.callback_data.__separator__
        if not data or (data != prefix and not data.startswith(prefix + separator)):
            return False
        return await super().__call__(query)


class Callback(CallbackData, prefix="-"):
    """The base of gigbot's callback data: `filter()` compares the prefix first."""

    @classmethod
    def filter(cls, rule: MagicFilter | None = None) -> CallbackQueryFilter:
        """The filter of this class's buttons (handing the handler `callback_data`)."""
        return PrefixFirst(callback_data=cls, rule=rule)


class PressFor(Filter):
    """A router's callback filter: the press's prefix is one of its handlers'."""

    def __init__(self, prefixes: frozenset[str]) -> None:
        self.prefixes = prefixes

    async def __call__(self, query: CallbackQuery) -> bool:
        return (query.data or "").split(":", 1)[0] in self.prefixes


def skip_other_presses(router: Router) -> None:
    """When every button handler of `router` starts with a `PrefixFirst` filter, let the
    router turn down a press for none of them with one lookup instead of trying each."""
    handlers = router.callback_query.handlers
    firsts = [handler.filters[0].callback if handler.filters else None for handler in handlers]
    if handlers and all(isinstance(first, PrefixFirst) for first in firsts):
        prefixes = frozenset(
            first.callback_data.__prefix__ for first in firsts if isinstance(first, PrefixFirst)
        )
        router.callback_query.filter(PressFor(prefixes))
