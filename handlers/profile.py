"""/profile: the provider's name, bio, workplace, time zone and phone."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.filters import PrivateChat, SharedPoint
from bot.i18n import Translator
from bot.replies import show
from handlers.customer_rules_views import profile_rows
from handlers.profile_views import (
    AskLocation,
    AskPhone,
    AskTimezone,
    ChooseTimezone,
    EditText,
    RemovePhone,
    SetWorkplace,
    ShowProfile,
    WhereMenu,
    button,
    render_profile,
)
from handlers.timezone_picker import read_zone
from models import Provider, User
from services import providers
from services.geo import GeoPoint


class ProfileStates(StatesGroup):
    """The profile dialogue waits for a value, a time zone or a contact here."""

    text = State()
    timezone = State()
    phone = State()
    location = State()


async def on_profile(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    _: Translator,
) -> None:
    """/profile."""
    await state.clear()
    await _show_profile(message, session, user, settings, _)


def profile_screen(
    provider: Provider, user: User, _: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    """The profile card with its own buttons and those of who may book the provider."""
    return render_profile(provider, user, _, profile_rows(provider, _))


async def _show_profile(
    message: Message, session: AsyncSession, user: User, settings: Settings, _: Translator
) -> None:
    provider = await providers.profile(session, user, settings.default_timezone)
    text, markup = profile_screen(provider, user, _)
    await message.answer(text, reply_markup=markup)


async def on_edit(
    query: CallbackQuery,
    callback_data: EditText,
    state: FSMContext,
    _: Translator,
) -> None:
    """Ask for a new name, bio or area."""
    await state.set_state(ProfileStates.text)
    await state.set_data({"field": callback_data.field})
    await show(query, _(f"profile.ask.{callback_data.field}"))


async def on_text(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    _: Translator,
) -> None:
    """The new value: saved if valid, else explained and asked again."""
    field = str((await state.get_data()).get("field"))
    await providers.update_profile(
        session, user, settings.default_timezone, field=field, value=message.text or ""
    )
    await state.clear()
    await _show_profile(message, session, user, settings, _)


async def on_where(query: CallbackQuery, state: FSMContext, _: Translator) -> None:
    """Where I work: type an area, share a location, at the customer's place, or online."""
    await state.clear()
    rows = [
        [button(_.text("profile.where.area"), EditText(field="area"))],
        [button(_.text("profile.where.location"), AskLocation())],
        [button(_.text("place.choose.customer"), SetWorkplace(kind="customer"))],
        [button(_.text("place.choose.online"), SetWorkplace(kind="online"))],
        [button(_.text("common.back"), ShowProfile())],
    ]
    await show(query, _("profile.ask.where"), InlineKeyboardMarkup(inline_keyboard=rows))


async def on_where_picked(
    query: CallbackQuery,
    callback_data: SetWorkplace,
    session: AsyncSession,
    user: User,
    settings: Settings,
    _: Translator,
) -> None:
    """At the customer's place, or online."""
    provider = await providers.set_workplace(
        session, user, settings.default_timezone, kind=callback_data.kind
    )
    text, markup = profile_screen(provider, user, _)
    await show(query, text, markup)


async def on_show(
    query: CallbackQuery, session: AsyncSession, user: User, settings: Settings, _: Translator
) -> None:
    """Back to the profile card."""
    provider = await providers.profile(session, user, settings.default_timezone)
    text, markup = profile_screen(provider, user, _)
    await show(query, text, markup)


async def _ask_with_button(
    query: CallbackQuery, prompt_key: str, button: KeyboardButton, _: Translator
) -> None:
    """Ask in a new message with a reply keyboard: Telegram's `button`, and Cancel."""
    keyboard = ReplyKeyboardMarkup(
        keyboard=[[button], [KeyboardButton(text=_.text("common.cancel"))]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    if query.bot is not None:
        await query.bot.send_message(query.from_user.id, _(prompt_key), reply_markup=keyboard)


async def _not_what_was_asked(
    message: Message, state: FSMContext, prompt_key: str, _: Translator
) -> None:
    """Cancel pressed: leave the dialogue; anything else: ask again."""
    if (message.text or "").strip() == _.text("common.cancel"):
        await state.clear()
        await message.answer(_("common.cancelled"), reply_markup=ReplyKeyboardRemove())
        return
    await message.answer(_(prompt_key))


async def on_locate_asked(query: CallbackQuery, state: FSMContext, _: Translator) -> None:
    """Offer Telegram's location button (a location can also be attached by hand)."""
    await state.set_state(ProfileStates.location)
    button = KeyboardButton(text=_.text("profile.location_button"), request_location=True)
    await _ask_with_button(query, "profile.ask.location", button, _)


async def on_location(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    point: GeoPoint,
    _: Translator,
) -> None:
    """A shared location becomes the workplace."""
    await providers.set_workplace(
        session,
        user,
        settings.default_timezone,
        kind="location",
        latitude=point.latitude,
        longitude=point.longitude,
    )
    await state.clear()
    await message.answer(_("profile.location_saved"), reply_markup=ReplyKeyboardRemove())
    await _show_profile(message, session, user, settings, _)


async def on_not_a_location(message: Message, state: FSMContext, _: Translator) -> None:
    """Anything but a usable location at the location question: ask again."""
    await _not_what_was_asked(message, state, "profile.ask.location", _)


async def on_timezone_asked(query: CallbackQuery, state: FSMContext, _: Translator) -> None:
    """Ask for the time zone the offers' hours are in."""
    await state.set_state(ProfileStates.timezone)
    await show(query, _("profile.ask.timezone"))


async def on_timezone_text(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    _: Translator,
) -> None:
    """A city, zone or offset; several matches are offered as buttons."""
    zone = await read_zone(message, lambda zone: button(zone, ChooseTimezone(zone=zone)), _)
    if zone is None:
        return
    await providers.set_timezone(session, user, settings.default_timezone, zone)
    await state.clear()
    await _show_profile(message, session, user, settings, _)


async def on_timezone_picked(
    query: CallbackQuery,
    callback_data: ChooseTimezone,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    _: Translator,
) -> None:
    """One of several candidate zones."""
    provider = await providers.set_timezone(
        session, user, settings.default_timezone, callback_data.zone
    )
    await state.clear()
    text, markup = profile_screen(provider, user, _)
    await show(query, text, markup)


async def on_phone_asked(query: CallbackQuery, state: FSMContext, _: Translator) -> None:
    """Offer Telegram's contact button: the only way a phone number is accepted."""
    await state.set_state(ProfileStates.phone)
    button = KeyboardButton(text=_.text("profile.phone_button"), request_contact=True)
    await _ask_with_button(query, "profile.ask.phone", button, _)


async def on_contact(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    _: Translator,
) -> None:
    """A shared contact: stored only if it is the sender's own."""
    contact = message.contact
    if contact is None:
        await _not_what_was_asked(message, state, "profile.ask.phone", _)
        return
    await providers.set_phone(
        session,
        user,
        settings.default_timezone,
        phone=contact.phone_number,
        contact_user_id=contact.user_id,
    )
    await state.clear()
    await message.answer(_("profile.phone_saved"), reply_markup=ReplyKeyboardRemove())
    await _show_profile(message, session, user, settings, _)


async def on_remove_phone(
    query: CallbackQuery, session: AsyncSession, user: User, settings: Settings, _: Translator
) -> None:
    """Forget the phone number."""
    provider = await providers.remove_phone(session, user, settings.default_timezone)
    text, markup = profile_screen(provider, user, _)
    await show(query, text, markup)


def build_router() -> Router:
    """/profile and its dialogue, in private chats."""
    router = Router(name="profile")
    router.message.filter(PrivateChat())
    router.callback_query.filter(PrivateChat())
    router.message.register(on_profile, Command("profile"))
    router.callback_query.register(on_edit, EditText.filter())
    router.callback_query.register(on_where, WhereMenu.filter())
    router.callback_query.register(on_where_picked, SetWorkplace.filter())
    router.callback_query.register(on_show, ShowProfile.filter())
    router.callback_query.register(on_locate_asked, AskLocation.filter())
    router.callback_query.register(on_timezone_asked, AskTimezone.filter())
    router.callback_query.register(on_timezone_picked, ChooseTimezone.filter())
    router.callback_query.register(on_phone_asked, AskPhone.filter())
    router.callback_query.register(on_remove_phone, RemovePhone.filter())
    router.message.register(on_text, StateFilter(ProfileStates.text))
    router.message.register(on_timezone_text, StateFilter(ProfileStates.timezone))
    router.message.register(on_contact, StateFilter(ProfileStates.phone))
    router.message.register(on_location, StateFilter(ProfileStates.location), SharedPoint())
    router.message.register(on_not_a_location, StateFilter(ProfileStates.location))
    return router
