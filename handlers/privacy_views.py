"""Your data: the erasure's callbacks and confirmation screen."""

from __future__ import annotations

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)

from bot.callbacks import Callback
from bot.i18n import Translator


class PrivacyCallback(Callback, prefix="pv"):
    """The answer to "erase everything?"."""

    action: str  # erase, keep


def confirm_keyboard(_: Translator) -> InlineKeyboardMarkup:
    """Erase / Keep, the dangerous one spelled out."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_.text("privacy.erase"),
                    callback_data=PrivacyCallback(action="erase").pack(),
                )
            ],
            [
                InlineKeyboardButton(
                    text=_.text("privacy.keep"), callback_data=PrivacyCallback(action="keep").pack()
                )
            ],
        ]
    )
