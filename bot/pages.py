"""Telegram's limits on one message, and fitting a list into pages within them.

A message holds at most 4,096 characters and 100 inline buttons. List screens put as
many items on a page as fit well inside both (room is left for a title, a "more" line
and the navigation row), and offer the next page with a button.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MESSAGE_LIMIT = 4096
BUTTON_LIMIT = 100
TEXT_BUDGET = 3500  # an item list's share of a message
BUTTON_BUDGET = 40  # an item list's share of a message's buttons; a phone screen shows fewer


@dataclass(frozen=True)
class Page:
    """Which items of a list one page shows: `items[start:end]`."""

    start: int
    end: int
    total: int

    @property
    def has_next(self) -> bool:
        """Whether items follow this page."""
        return self.end < self.total

    @property
    def has_previous(self) -> bool:
        """Whether items come before this page."""
        return self.start > 0


def fit(
    sizes: Sequence[tuple[int, int]],
    start: int,
    *,
    text_budget: int = TEXT_BUDGET,
    button_budget: int = BUTTON_BUDGET,
) -> Page:
    """The page that begins at item `start` (clamped into the list) and holds as many
    items as fit: each item's (characters, buttons) from `sizes`. A page always holds at
    least one item, so an item larger than the budget still shows (alone)."""
    total = len(sizes)
    start = max(0, min(start, max(total - 1, 0)))
    end, text, buttons = start, 0, 0
    while end < total:
        length, count = sizes[end]
        if end > start and (text + length > text_budget or buttons + count > button_budget):
            break
        text, buttons, end = text + length, buttons + count, end + 1
    return Page(start, end, total)
