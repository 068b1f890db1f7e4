"""An offer's photo screen: the keyboard while adding photos (its callbacks are in
my_offers_views, whose card opens it)."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from bot.i18n import Translator
from handlers.my_offers_views import ClearPhotos, PhotosDone, button


def done_keyboard(offer_id: int, _: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button(_.text("photos.done"), PhotosDone(offer_id=offer_id)),
                button(_.text("photos.clear"), ClearPhotos(offer_id=offer_id)),
            ]
        ]
    )
