"""Ways of showing a screen that every handler shares."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from services.map_pins import MapPin

log = logging.getLogger(__name__)


async def show(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Show a screen in place of the pressed message, or as a new one if it is gone.

    Telegram refuses an edit that changes nothing ("message is not modified"); a user
    pressing the same button twice is not an error, so that refusal is ignored.
    """
    if isinstance(query.message, Message):
        try:
            await query.message.edit_text(text, reply_markup=markup)
        except TelegramBadRequest as error:
            if "message is not modified" not in error.message:
                raise
        return
    if query.bot is not None:
        await query.bot.send_message(query.from_user.id, text, reply_markup=markup)


async def send_pin(bot: Bot | None, chat_id: int, pin: MapPin) -> None:
    """A place as a Telegram venue (a map pin with its name and address). A refusal is
    logged and skipped: the pin adds to a screen, the screen goes on without it."""
    if bot is None:
        return
    try:
        await bot.send_venue(
            chat_id, pin.latitude, pin.longitude, title=pin.title, address=pin.address
        )
    except TelegramBadRequest as error:
        log.warning("the map pin was refused (%s)", type(error).__name__)
