"""The one time-zone picker: a typed city, zone name or offset (or a shared location)
becomes a zone, several candidates become buttons. /settings, /profile and a first
offer's dialogue ask with it, each saving the zone its own way."""

from __future__ import annotations

from collections.abc import Callable

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.i18n import Translator
from services.geo import GeoPoint
from services.timezones import find_timezones, timezone_at


def zone_choices(
    zones: list[str], button: Callable[[str], InlineKeyboardButton]
) -> InlineKeyboardMarkup:
    """The candidate zones, one button each, made by the caller's `button`."""
    return InlineKeyboardMarkup(inline_keyboard=[[button(zone)] for zone in zones])


async def read_zone(
    message: Message,
    button: Callable[[str], InlineKeyboardButton],
    _: Translator,
    point: GeoPoint | None = None,
) -> str | None:
    """The one zone the message names (typed, or the shared `point`); otherwise None,
    after saying that nothing matched or offering the candidates as `button`s."""
    if point is not None:
        zones = [zone] if (zone := timezone_at(point.latitude, point.longitude)) else []
    else:
        zones = find_timezones(message.text or "")
    if not zones:
        await message.answer(_("settings.timezone_not_found"))
        return None
    if len(zones) > 1:
        await message.answer(
            _("settings.choose_timezone"), reply_markup=zone_choices(zones, button)
        )
        return None
    return zones[0]
