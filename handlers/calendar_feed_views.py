"""The calendar feed's screen: the private link and how to subscribe to it."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Callback
from bot.i18n import Translator


class FeedAction(Callback, prefix="cal"):
    """A new link (the old one stops working) or no feed at all."""

    action: str  # new, off


def feed_screen(url: str, _: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """The link, where to paste it, and the New link / Turn off buttons."""
    rows = [
        [
            InlineKeyboardButton(
                text=_.text("calendar.new"), callback_data=FeedAction(action="new").pack()
            ),
            InlineKeyboardButton(
                text=_.text("calendar.off"), callback_data=FeedAction(action="off").pack()
            ),
        ]
    ]
    return _("calendar.feed", url=url), InlineKeyboardMarkup(inline_keyboard=rows)
