"""Time zones: find an IANA zone from a city name, an offset or a shared location."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from tzfpy import get_tz

from services.errors import UnknownTimezone

MAX_CANDIDATES = 6
_OFFSET_RE = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?00)?$")

# Cities people type that IANA does not name (or names in English only).
CITY_ALIASES: dict[str, str] = {
    # Russian
    "москва": "Europe/Moscow",
    "санкт-петербург": "Europe/Moscow",
    "питер": "Europe/Moscow",
    "казань": "Europe/Moscow",
    "нижний новгород": "Europe/Moscow",
    "сочи": "Europe/Moscow",
    "екатеринбург": "Asia/Yekaterinburg",
    "новосибирск": "Asia/Novosibirsk",
    "красноярск": "Asia/Krasnoyarsk",
    "иркутск": "Asia/Irkutsk",
    "владивосток": "Asia/Vladivostok",
    "калининград": "Europe/Kaliningrad",
    "самара": "Europe/Samara",
    "омск": "Asia/Omsk",
    "минск": "Europe/Minsk",
    "киев": "Europe/Kyiv",
    "київ": "Europe/Kyiv",
    "алматы": "Asia/Almaty",
    "астана": "Asia/Almaty",
    "ташкент": "Asia/Tashkent",
    "тбилиси": "Asia/Tbilisi",
    "ереван": "Asia/Yerevan",
    "баку": "Asia/Baku",
    "рига": "Europe/Riga",
    "берлин": "Europe/Berlin",
    "лондон": "Europe/London",
    "париж": "Europe/Paris",
    "мадрид": "Europe/Madrid",
    "белград": "Europe/Belgrade",
    "варшава": "Europe/Warsaw",
    "прага": "Europe/Prague",
    "стамбул": "Europe/Istanbul",
    "дубай": "Asia/Dubai",
    "нью-йорк": "America/New_York",
    "бангкок": "Asia/Bangkok",
    "бали": "Asia/Makassar",
    # Spanish
    "barcelona": "Europe/Madrid",
    "valencia": "Europe/Madrid",
    "sevilla": "Europe/Madrid",
    "malaga": "Europe/Madrid",
    "bilbao": "Europe/Madrid",
    "zaragoza": "Europe/Madrid",
    "las palmas": "Atlantic/Canary",
    "tenerife": "Atlantic/Canary",
    "londres": "Europe/London",
    "paris": "Europe/Paris",
    "berlin": "Europe/Berlin",
    "lisboa": "Europe/Lisbon",
    "roma": "Europe/Rome",
    "nueva york": "America/New_York",
    "ciudad de mexico": "America/Mexico_City",
    "cdmx": "America/Mexico_City",
    "guadalajara": "America/Mexico_City",
    "monterrey": "America/Monterrey",
    "bogota": "America/Bogota",
    "medellin": "America/Bogota",
    "quito": "America/Guayaquil",
    "santiago de chile": "America/Santiago",
    "valparaiso": "America/Santiago",
    "cordoba": "America/Argentina/Cordoba",
    "rosario": "America/Argentina/Buenos_Aires",
    "san jose": "America/Costa_Rica",
    "san juan": "America/Puerto_Rico",
    "la habana": "America/Havana",
    "asuncion": "America/Asuncion",
    # English names IANA lacks
    "munich": "Europe/Berlin",
    "hamburg": "Europe/Berlin",
    "frankfurt": "Europe/Berlin",
    "cologne": "Europe/Berlin",
    "milan": "Europe/Rome",
    "manchester": "Europe/London",
    "edinburgh": "Europe/London",
    "boston": "America/New_York",
    "washington": "America/New_York",
    "miami": "America/New_York",
    "atlanta": "America/New_York",
    "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "houston": "America/Chicago",
    "dallas": "America/Chicago",
    "austin": "America/Chicago",
    "mumbai": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "beijing": "Asia/Shanghai",
    "kyiv": "Europe/Kyiv",
    "kiev": "Europe/Kyiv",
    "st petersburg": "Europe/Moscow",
    "saint petersburg": "Europe/Moscow",
}


def _fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a place name."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    # Marks are dropped on both sides of a comparison, so é~e and й~и match alike.
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[_./,]+", " ", stripped).split())


@cache
def _city_index() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for name in sorted(available_timezones()):
        if "/" not in name or name.startswith(("Etc/", "SystemV/", "US/")):
            continue
        city = _fold(name.rsplit("/", 1)[1])
        index.setdefault(city, []).append(name)
        index.setdefault(_fold(name), []).append(name)
    for alias, zone in CITY_ALIASES.items():
        index.setdefault(_fold(alias), [])
        if zone not in index[_fold(alias)]:
            index[_fold(alias)].insert(0, zone)
    return {key: tuple(zones) for key, zones in index.items()}


def is_timezone(name: str) -> bool:
    """True when `name` is a known IANA time zone."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def require_timezone(name: str) -> str:
    """Return `name` if it is a known IANA zone; raise UnknownTimezone otherwise."""
    if not name or len(name) > 64 or not is_timezone(name):
        raise UnknownTimezone(name)
    return name


def find_timezones(query: str) -> list[str]:
    """IANA zones matching what a user typed: a zone name, a city, or an offset.

    Exact matches win; otherwise cities starting with the query. At most
    MAX_CANDIDATES are returned, best first; an empty list means nothing matched.
    """
    text = query.strip()[:100]
    if not text:
        return []
    if text.upper() in {"UTC", "GMT", "Z"}:
        return ["UTC"]
    offset = _OFFSET_RE.match(text.casefold())
    if offset:
        sign, hours = offset.group(1), int(offset.group(2))
        if hours == 0:
            return ["UTC"]
        if hours <= 14:
            # POSIX Etc zones have the sign inverted: UTC+3 is Etc/GMT-3.
            return [f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"]
        return []
    index = _city_index()
    folded = _fold(text)
    exact = index.get(folded)
    if exact:
        return list(exact[:MAX_CANDIDATES])
    if len(folded) < 3:
        return []
    found: list[str] = []
    for key, zones in index.items():
        if key.startswith(folded):
            found.extend(zone for zone in zones if zone not in found)
        if len(found) >= MAX_CANDIDATES:
            break
    return found[:MAX_CANDIDATES]


def timezone_at(latitude: float, longitude: float) -> str | None:
    """The IANA zone at a point on Earth, or None for invalid coordinates or open sea."""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    name = get_tz(longitude, latitude)
    return name if name and is_timezone(name) else None
