"""The main menu: the screen /start shows; each entry is handled by its feature's router
(a stale or forged entry falls through to the fallback's old-button answer)."""

from __future__ import annotations

from functools import cache

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Callback
from bot.config import Locale
from bot.i18n import Translator, translator


# One typed callback per entry; each feature's router takes its own.
class FindEntry(Callback, prefix="menu-find"):
    """Main menu → Find a service."""


class BookingsEntry(Callback, prefix="menu-bookings"):
    """Main menu → My bookings."""


class OfferEntry(Callback, prefix="menu-offer"):
    """Main menu → Offer a service."""


class SettingsEntry(Callback, prefix="menu-settings"):
    """Main menu → Settings."""


class CommunitiesEntry(Callback, prefix="menu-communities"):
    """Main menu → Communities (for group and channel admins)."""


MENU_ENTRIES: tuple[tuple[CallbackData, str], ...] = (
    (FindEntry(), "menu.find"),
    (BookingsEntry(), "menu.bookings"),
    (OfferEntry(), "menu.offer"),
    (SettingsEntry(), "menu.settings"),
    (CommunitiesEntry(), "menu.communities"),
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
        InlineKeyboardButton(text=_.text(key), callback_data=entry.pack())
        for entry, key in MENU_ENTRIES
    ]
    return InlineKeyboardMarkup(inline_keyboard=[buttons[:2], buttons[2:4], buttons[4:]])
