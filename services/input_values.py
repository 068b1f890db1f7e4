"""Untrusted text — typed by a person or carried by a button — read into bounded values.

Each reader returns None for anything it does not accept, never raises, and accepts ASCII
digits only: str.isdigit accepts '①' and '²', which `int()` refuses, and
`int()` takes other scripts' digits ('٣') that no button of ours carries.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

ROW_ID_MAX = 2**31 - 1  # the primary keys of gigbot's own tables are 32-bit integers
USER_ID_MAX = 2**63 - 1  # Telegram ids; 0 and negative ids belong to erased accounts
# Dates and instants outside these years come from forged buttons, never from ours.
FIRST_YEAR = 2000
LAST_YEAR = 2100

_DIGITS = re.compile(r"[0-9]{1,19}")
_ISO_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})")


def whole_number(text: str | None, low: int, high: int) -> int | None:
    """`text` (surrounding spaces allowed) as an integer in low..high, else None."""
    if text is None:
        return None
    text = text.strip()
    if _DIGITS.fullmatch(text) is None:
        return None
    number = int(text)
    return number if low <= number <= high else None


def row_id(text: str | None) -> int | None:
    """The id of one of gigbot's rows (1..2^31-1), else None."""
    return whole_number(text, 1, ROW_ID_MAX)


def user_id(text: str | None) -> int | None:
    """A Telegram user id (1..2^63-1), else None."""
    return whole_number(text, 1, USER_ID_MAX)


def iso_day(text: str | None) -> date | None:
    """A `YYYY-MM-DD` day between the years 2000 and 2100, else None."""
    found = _ISO_DAY.fullmatch(text or "")
    if found is None:
        return None
    year, month, day = (int(part) for part in found.groups())
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def year_month(text: str | None) -> date | None:
    """A `YYYY-M` month (as its first day) between the years 2000 and 2100, else None."""
    found = _MONTH.fullmatch(text or "")
    if found is None:
        return None
    year, month = int(found.group(1)), int(found.group(2))
    if not FIRST_YEAR <= year <= LAST_YEAR or not 1 <= month <= 12:
        return None
    return date(year, month, 1)


def unix_instant(text: str | None) -> datetime | None:
    """A Unix time in seconds (years 2000 to 2100) as an aware UTC datetime, else None."""
    low = int(datetime(FIRST_YEAR, 1, 1, tzinfo=UTC).timestamp())
    high = int(datetime(LAST_YEAR, 12, 31, tzinfo=UTC).timestamp())
    seconds = whole_number(text, low, high)
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)
