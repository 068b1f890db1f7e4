"""/profile: the provider's name, bio, workplace, time zone and phone."""

from __future__ import annotations

from typing import Literal

from aiogram import Router
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import Zone
from bot.config import Settings
from bot.filters import PrivateChat, SharedPoint
from bot.i18n import Translator
from bot.replies import show
from handlers.offer_cards import format_place
from handlers.review_views import provider_record
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


# One typed callback per action; a value no button of ours carries fails unpacking.
class ShowProfile(CallbackData, prefix="pf"):
    """Back to the profile card."""


class EditText(CallbackData, prefix="pf-edit"):
    """Type a new name, bio or area."""

    field: Literal["name", "bio", "area"]


class WhereMenu(CallbackData, prefix="pf-where"):
    """Where I work: the choices."""


class AskLocation(CallbackData, prefix="pf-locate"):
    """Share a location as the workplace."""


class SetWorkplace(CallbackData, prefix="pf-where-ok"):
    """At the customer's place, or online."""

    kind: Literal["customer", "online"]


class AskTimezone(CallbackData, prefix="pf-tz"):
    """The zone the offers' hours are in."""


class ChooseTimezone(CallbackData, prefix="pf-tz-ok"):
    """One of several zones a typed city matched."""

    zone: Zone


class AskPhone(CallbackData, prefix="pf-phone"):
    """Share one's phone with Telegram's contact button."""


class RemovePhone(CallbackData, prefix="pf-phone-rm"):
    """Forget the phone."""


def _button(text: str, callback_data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=callback_data.pack())


def render_profile(
    provider: Provider, user: User, _: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    """The profile as the provider sees it, with a button per thing to change."""
    dash = "—"
    telegram = f"@{user.username}" if user.username else _.text("profile.telegram_chat")
    text = _(
        "profile.card",
        name=provider.display_name,
        bio=provider.bio or dash,
        where=format_place(provider.place_kind, provider.area, _),
        timezone=provider.timezone,
        telegram=telegram,
        phone=provider.phone or _.text("profile.no_phone"),
    )
    text += "\n\n" + provider_record(provider, _)
    rows = [
        [
            _button(_.text("profile.edit.name"), EditText(field="name")),
            _button(_.text("profile.edit.bio"), EditText(field="bio")),
        ],
        [
            _button(_.text("profile.edit.area"), WhereMenu()),
            _button(_.text("profile.edit.timezone"), AskTimezone()),
        ],
        [_button(_.text("profile.share_phone"), AskPhone())],
    ]
    if provider.phone:
        rows[-1].append(_button(_.text("profile.remove_phone"), RemovePhone()))
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


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


async def _show_profile(
    message: Message, session: AsyncSession, user: User, settings: Settings, _: Translator
) -> None:
    provider = await providers.profile(session, user, settings.default_timezone)
    text, markup = render_profile(provider, user, _)
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
        [_button(_.text("profile.where.area"), EditText(field="area"))],
        [_button(_.text("profile.where.location"), AskLocation())],
        [_button(_.text("place.choose.customer"), SetWorkplace(kind="customer"))],
        [_button(_.text("place.choose.online"), SetWorkplace(kind="online"))],
        [_button(_.text("common.back"), ShowProfile())],
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
    text, markup = render_profile(provider, user, _)
    await show(query, text, markup)


async def on_show(
    query: CallbackQuery, session: AsyncSession, user: User, settings: Settings, _: Translator
) -> None:
    """Back to the profile card."""
    provider = await providers.profile(session, user, settings.default_timezone)
    text, markup = render_profile(provider, user, _)
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
    zone = await read_zone(message, lambda zone: _button(zone, ChooseTimezone(zone=zone)), _)
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
    text, markup = render_profile(provider, user, _)
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
    text, markup = render_profile(provider, user, _)
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
