"""Last router: whatever nobody else handled gets a hint instead of silence."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.filters import PrivateChat
from bot.i18n import Translator
from handlers.menu_views import main_menu


async def on_unknown_message(message: Message, _: Translator) -> None:
    """Unknown text, commands, stickers…: point to the menu."""
    await message.answer(_("common.unknown_input"), reply_markup=main_menu(_))


async def on_unknown_callback(
    query: CallbackQuery, callback_answer: CallbackAnswer, _: Translator
) -> None:
    """A button from an old message, or forged callback data."""
    callback_answer.text = _.text("common.expired_button")


def build_router() -> Router:
    """Catch-alls: private messages and any callback query nobody handled."""
    router = Router(name="fallback")
    router.message.register(on_unknown_message, PrivateChat())
    router.callback_query.register(on_unknown_callback)
    return router
