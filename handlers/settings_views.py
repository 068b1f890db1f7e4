"""Settings' callbacks and screens: language, reminders, time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.types import (
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import Callback, ReminderHours, Zone
from bot.config import LOCALES, Locale
from bot.i18n import LANGUAGE_NAMES, Translator
from models import User
from services.outbox import REMINDER_CHOICES, reminder_hours


# One typed callback per action; a value no button of ours carries fails unpacking.
class ShowSettings(Callback, prefix="set"):
    """Back to the settings screen."""


class LanguageMenu(Callback, prefix="set-lang"):
    """Settings → Language."""


class ChooseLanguage(Callback, prefix="set-lang-ok"):
    """One of the languages gigbot speaks."""

    locale: Locale


class RemindersMenu(Callback, prefix="set-rem"):
    """Settings → Reminders."""


class ToggleReminder(Callback, prefix="set-rem-x"):
    """One reminder time on or off."""

    hours: ReminderHours


class AskTimezone(Callback, prefix="set-tz"):
    """Settings → Time zone."""


class ChooseTimezone(Callback, prefix="set-tz-ok"):
    """One of several zones a typed city matched."""

    zone: Zone


class BackToMenu(Callback, prefix="set-menu"):
    """Settings → main menu."""


def render_settings(user: User, tz: ZoneInfo, _: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """The settings screen: current language and time zone, with buttons to change them."""
    now = datetime.now(tz).strftime("%H:%M")
    hours = reminder_hours(user)
    reminders = (
        ", ".join(_.text("settings.hours_before", hours=h) for h in hours)
        if hours
        else _.text("settings.reminders_off")
    )
    text = _(
        "settings.title",
        language=LANGUAGE_NAMES[_.locale],
        timezone=tz.key,
        time=now,
        reminders=reminders,
    )
    builder = InlineKeyboardBuilder()
    builder.button(text=_.text("settings.language"), callback_data=LanguageMenu())
    builder.button(text=_.text("settings.timezone"), callback_data=AskTimezone())
    builder.button(text=_.text("settings.reminders"), callback_data=RemindersMenu())
    builder.button(text=_.text("common.back_to_menu"), callback_data=BackToMenu())
    builder.adjust(2, 1, 1)
    return text, builder.as_markup()


def render_reminders(user: User, _: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """One toggle per reminder time."""
    chosen = set(reminder_hours(user))
    builder = InlineKeyboardBuilder()
    for hours in sorted(REMINDER_CHOICES, reverse=True):
        mark = "✅" if hours in chosen else "▫️"
        builder.button(
            text=f"{mark} {_.text('settings.hours_before', hours=hours)}",
            callback_data=ToggleReminder(hours=hours),
        )
    builder.button(text=_.text("common.back"), callback_data=ShowSettings())
    builder.adjust(1)
    return _("settings.reminders_title"), builder.as_markup()


def render_languages(_: Translator) -> InlineKeyboardMarkup:
    """One button per language, named in that language."""
    builder = InlineKeyboardBuilder()
    for locale in LOCALES:
        builder.button(
            text=LANGUAGE_NAMES[locale],
            callback_data=ChooseLanguage(locale=locale),
        )
    builder.button(text=_.text("common.back"), callback_data=ShowSettings())
    builder.adjust(3, 1)
    return builder.as_markup()


def location_keyboard(_: Translator) -> ReplyKeyboardMarkup:
    """A reply keyboard that shares the user's location, or cancels."""
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=_.text("settings.share_location"), request_location=True)],
            [KeyboardButton(text=_.text("common.cancel"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
