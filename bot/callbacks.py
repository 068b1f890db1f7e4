"""Reading numbers from button values, which are untrusted input."""

from __future__ import annotations

MAX_ID = 2**31 - 1  # ids beyond this come from forged buttons


def button_number(value: str, limit: int = MAX_ID) -> int | None:
    """A button value as a number up to `limit`, or None when it is not one."""
    return int(value) if value.isdigit() and len(value) <= 10 and int(value) <= limit else None
