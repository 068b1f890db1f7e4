"""The provider profile's callbacks and screen."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)

from bot.callbacks import Callback, Zone
from bot.i18n import Translator
from handlers.offer_views import format_place
from handlers.review_views import provider_record
from models import Provider, User


# One typed callback per action; a value no button of ours carries fails unpacking.
class ShowProfile(Callback, prefix="pf"):
    """Back to the profile card."""


class EditText(Callback, prefix="pf-edit"):
    """Type a new name, bio or area."""

    field: Literal["name", "bio", "area"]


class WhereMenu(Callback, prefix="pf-where"):
    """Where I work: the choices."""


class AskLocation(Callback, prefix="pf-locate"):
    """Share a location as the workplace."""


class SetWorkplace(Callback, prefix="pf-where-ok"):
    """At the customer's place, or online."""

    kind: Literal["customer", "online"]


class AskTimezone(Callback, prefix="pf-tz"):
    """The zone the offers' hours are in."""


class ChooseTimezone(Callback, prefix="pf-tz-ok"):
    """One of several zones a typed city matched."""

    zone: Zone


class AskPhone(Callback, prefix="pf-phone"):
    """Share one's phone with Telegram's contact button."""


class RemovePhone(Callback, prefix="pf-phone-rm"):
    """Forget the phone."""


def button(text: str, callback_data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=callback_data.pack())


def render_profile(
    provider: Provider,
    user: User,
    _: Translator,
    more: Sequence[list[InlineKeyboardButton]] = (),
) -> tuple[str, InlineKeyboardMarkup]:
    """The profile as the provider sees it, with a button per thing to change (and the
    rows `more` of other features)."""
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
            button(_.text("profile.edit.name"), EditText(field="name")),
            button(_.text("profile.edit.bio"), EditText(field="bio")),
        ],
        [
            button(_.text("profile.edit.area"), WhereMenu()),
            button(_.text("profile.edit.timezone"), AskTimezone()),
        ],
        [button(_.text("profile.share_phone"), AskPhone())],
    ]
    if provider.phone:
        rows[-1].append(button(_.text("profile.remove_phone"), RemovePhone()))
    rows.extend(more)
    return text, InlineKeyboardMarkup(inline_keyboard=rows)
