"""The main menu: the screen /start shows; each entry is handled by its feature's router."""

from __future__ import annotations

from functools import cache

from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.callback_answer import CallbackAnswer

from bot.config import Locale
from bot.filters import PrivateChat
from bot.i18n import Translator, translator


class MenuCallback(CallbackData, prefix="menu"):
    """A press on a main-menu entry."""

    action: str


MENU_ENTRIES = (
    ("find", "menu.find"),
    ("bookings", "menu.bookings"),
    ("offer", "menu.offer"),
    ("settings", "menu.settings"),
)


def main_menu(_: Translator) -> InlineKeyboardMarkup:
    """The main-menu keyboard, two entries a row."""
    return _main_menu(_.locale)


@cache
def _main_menu(locale: Locale) -> InlineKeyboardMarkup:
    # Built once per language: it is the same for everyone, and aiogram's keyboard
    # builder deep-copies its buttons (about 2 ms a menu on our machines).
    _ = translator(locale)
    buttons = [
        InlineKeyboardButton(text=_.text(key), callback_data=MenuCallback(action=action).pack())
        for action, key in MENU_ENTRIES
    ]
    return InlineKeyboardMarkup(inline_keyboard=[buttons[:2], buttons[2:]])


async def on_menu_entry(
    query: CallbackQuery,
    callback_data: MenuCallback,
    callback_answer: CallbackAnswer,
    _: Translator,
) -> None:
    """An entry no feature router took (stale or forged): say the button is not active."""
    callback_answer.text = _.text("common.expired_button")


def build_router() -> Router:
    """Main-menu entries that no feature router took."""
    router = Router(name="menu")
    router.callback_query.filter(PrivateChat())
    router.callback_query.register(on_menu_entry, MenuCallback.filter())
    return router
