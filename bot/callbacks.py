"""Bounded field types for `CallbackData` classes.

Callback data is untrusted: a forged or stale button can carry any text. A field typed
with one of these fails validation for a value out of range, so the button's filter does
not match, the fallback answers it as an old button, and nothing changes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated

from pydantic import AfterValidator, Field

from services.input_values import ROW_ID_MAX
from services.outbox import REMINDER_CHOICES
from services.timezones import is_timezone

RowId = Annotated[int, Field(ge=1, le=ROW_ID_MAX)]
"""The id of one of gigbot's rows."""

OptionalRowId = Annotated[int, Field(ge=0, le=ROW_ID_MAX)]
"""A row id, or 0 where the button concerns no row."""


def _reminder_choice(hours: int) -> int:
    if hours not in REMINDER_CHOICES:
        raise ValueError("not a reminder time one can choose")
    return hours


ReminderHours = Annotated[int, AfterValidator(_reminder_choice)]
"""One of the reminder times a user can choose (services.outbox.REMINDER_CHOICES)."""


# What a button's `value` may look like, per action. The shape is checked when the data
# is unpacked; the range (is this day bookable? is this id yours?) where it is used.
NO_VALUE = ""
ROW = r"[1-9][0-9]{0,9}"
SMALL = r"[0-9]{1,4}"
DAY = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
MONTH = r"[0-9]{4}-[0-9]{2}"
INSTANT = r"[1-9][0-9]{0,11}"
WORD = r"[a-z_]{1,32}"


class ValueShapes:
    """Which actions a CallbackData class has, and the pattern of `value` for each."""

    def __init__(self, shapes: Mapping[str, str]) -> None:
        self._patterns = {action: re.compile(pattern) for action, pattern in shapes.items()}

    def check(self, action: str, value: str) -> None:
        """ValueError unless `action` is known and `value` matches its pattern in full
        (NO_VALUE: empty); call it from the class's `model_validator(mode="after")`."""
        pattern = self._patterns.get(action)
        if pattern is None or pattern.fullmatch(value) is None:
            raise ValueError("no button of ours carries this")


def _known_zone(name: str) -> str:
    if not is_timezone(name):
        raise ValueError("not an IANA time zone")
    return name


Zone = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(_known_zone)]
"""An IANA time zone name that exists (at most 40 characters, so it fits a button)."""
