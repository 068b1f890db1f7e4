"""/settings: the user's language and time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    Message,
    ReplyKeyboardRemove,
)
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters import HasText, PrivateChat, SharedPoint
from bot.i18n import Translator, translator
from bot.replies import show
from handlers.menu_views import SettingsEntry, main_menu
from handlers.settings_views import (
    AskTimezone,
    BackToMenu,
    ChooseLanguage,
    ChooseTimezone,
    LanguageMenu,
    RemindersMenu,
    ShowSettings,
    ToggleReminder,
    location_keyboard,
    render_languages,
    render_reminders,
    render_settings,
)
from handlers.timezone_picker import read_zone
from models import User
from services import users
from services.geo import GeoPoint
from services.outbox import reminder_hours, set_reminder_hours


class SettingsStates(StatesGroup):
    """The settings dialogue waits for a city or a location here."""

    timezone = State()


async def on_reminders(query: CallbackQuery, user: User, _: Translator) -> None:
    """Settings → Reminders."""
    await show(query, *render_reminders(user, _))


async def on_reminder_toggled(
    query: CallbackQuery,
    callback_data: ToggleReminder,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """Switch one reminder time on or off (for bookings made from now on)."""
    chosen = set(reminder_hours(user)) ^ {callback_data.hours}
    await set_reminder_hours(session, user, sorted(chosen))
    await show(query, *render_reminders(user, _))


async def on_settings_command(
    message: Message, state: FSMContext, user: User, tz: ZoneInfo, _: Translator
) -> None:
    """Show the settings screen."""
    await state.clear()
    text, markup = render_settings(user, tz, _)
    await message.answer(text, reply_markup=markup)


async def on_settings_shown(query: CallbackQuery, user: User, tz: ZoneInfo, _: Translator) -> None:
    """Show the settings screen in place of the message pressed."""
    text, markup = render_settings(user, tz, _)
    await show(query, text, markup)


async def on_back_to_menu(query: CallbackQuery, _: Translator) -> None:
    """Back from settings to the main menu."""
    await show(query, _("menu.title"), main_menu(_))


async def on_language_menu(query: CallbackQuery, _: Translator) -> None:
    """Offer the languages gigbot speaks."""
    await show(query, _("settings.choose_language"), render_languages(_))


async def on_language_chosen(
    query: CallbackQuery,
    callback_data: ChooseLanguage,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """Save the language and show settings in it at once."""
    await users.set_language(session, user, callback_data.locale)
    new = translator(callback_data.locale)
    callback_answer.text = new.text("settings.language_saved")
    text, markup = render_settings(user, tz, new)
    await show(query, text, markup)


async def on_timezone_asked(query: CallbackQuery, state: FSMContext, _: Translator) -> None:
    """Ask for a city, a zone name or a shared location."""
    await state.set_state(SettingsStates.timezone)
    if query.bot is not None:
        await query.bot.send_message(
            query.from_user.id, _("settings.ask_timezone"), reply_markup=location_keyboard(_)
        )


async def on_timezone_picked(
    query: CallbackQuery,
    callback_data: ChooseTimezone,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """One of several candidate zones was chosen."""
    await users.set_timezone(session, user, callback_data.zone)
    await state.clear()
    tz = ZoneInfo(callback_data.zone)
    callback_answer.text = _.text("settings.timezone_saved_short")
    text, markup = render_settings(user, tz, _)
    await show(query, text, markup)


async def _save_timezone(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    zone: str,
    _: Translator,
) -> None:
    await users.set_timezone(session, user, zone)
    await state.clear()
    tz = ZoneInfo(zone)
    await message.answer(
        _("settings.timezone_saved", timezone=zone, time=datetime.now(tz).strftime("%H:%M")),
        reply_markup=ReplyKeyboardRemove(),
    )
    text, markup = render_settings(user, tz, _)
    await message.answer(text, reply_markup=markup)


async def on_timezone_location(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    point: GeoPoint,
    _: Translator,
) -> None:
    """A shared location sets the zone of that place."""
    zone = await read_zone(message, _zone_button, _, point)
    if zone is None:
        return
    await _save_timezone(message, state, session, user, zone, _)


async def on_timezone_text(
    message: Message, state: FSMContext, session: AsyncSession, user: User, _: Translator
) -> None:
    """A typed city, zone or offset; several matches are offered as buttons."""
    assert message.text is not None  # guaranteed by HasText
    if message.text.strip() == _.text("common.cancel"):
        await state.clear()
        await message.answer(_("common.cancelled"), reply_markup=ReplyKeyboardRemove())
        return
    zone = await read_zone(message, _zone_button, _)
    if zone is not None:
        await _save_timezone(message, state, session, user, zone, _)


def _zone_button(zone: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=zone, callback_data=ChooseTimezone(zone=zone).pack())


async def on_timezone_other(message: Message, _: Translator) -> None:
    """Anything else while a zone is expected: ask again."""
    await message.answer(_("settings.ask_timezone"), reply_markup=location_keyboard(_))


def build_router() -> Router:
    """The settings screens and the time-zone dialogue, in private chats."""
    router = Router(name="settings")
    router.message.filter(PrivateChat())
    router.callback_query.filter(PrivateChat())
    router.message.register(on_settings_command, Command("settings"))
    router.callback_query.register(on_settings_shown, SettingsEntry.filter())
    router.callback_query.register(on_settings_shown, ShowSettings.filter())
    router.callback_query.register(on_reminders, RemindersMenu.filter())
    router.callback_query.register(on_reminder_toggled, ToggleReminder.filter())
    router.callback_query.register(on_back_to_menu, BackToMenu.filter())
    router.callback_query.register(on_language_menu, LanguageMenu.filter())
    router.callback_query.register(on_language_chosen, ChooseLanguage.filter())
    router.callback_query.register(on_timezone_asked, AskTimezone.filter())
    router.callback_query.register(on_timezone_picked, ChooseTimezone.filter())
    router.message.register(
        on_timezone_location, StateFilter(SettingsStates.timezone), SharedPoint()
    )
    router.message.register(on_timezone_text, StateFilter(SettingsStates.timezone), HasText())
    router.message.register(on_timezone_other, StateFilter(SettingsStates.timezone))
    return router
