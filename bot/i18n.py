"""Translations: gettext catalogs in `locales/`, one Translator per user's language.

Catalogs are the `.po` files themselves, compiled in memory by Babel at start, so there
is no build step and no binary `.mo` file in the repository. Message ids are dotted
keys (`start.greeting`); English is the fallback for a key another locale lacks.
"""

from __future__ import annotations

import gettext
import html
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import locales
from bot.config import LOCALES, Locale

if TYPE_CHECKING:
    from models import User

LOCALES_DIR = Path(locales.__file__).parent
DOMAIN = "messages"
# Endonyms: a language is offered in its own name, whatever the current locale.
LANGUAGE_NAMES: dict[Locale, str] = {"en": "English", "ru": "Русский", "es": "Español"}


class Html(str):
    """A string that is already safe HTML and must not be escaped again."""

    __slots__ = ()


def po_path(locale: str) -> Path:
    """Where the catalog of `locale` lives."""
    return LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def _compile(locale: str) -> gettext.GNUTranslations:
    with po_path(locale).open("rb") as source:
        catalog = read_po(source, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@cache
def catalog(locale: Locale) -> gettext.GNUTranslations:
    """The compiled catalog of `locale`, falling back to English for missing keys."""
    translations = _compile(locale)
    if locale != "en":
        translations.add_fallback(catalog("en"))
    return translations


class Translator:
    """Looks up messages in one locale.

    `_(key, **params)` returns HTML ready to send: every parameter is escaped unless it is
    an `Html` value. `_.text(key, **params)` returns plain text for buttons, alerts and
    other places where Telegram does not parse HTML.
    """

    def __init__(self, locale: Locale) -> None:
        self.locale: Locale = locale
        self._catalog = catalog(locale)

    def __call__(self, key: str, /, **params: object) -> str:
        return self._format(self._catalog.gettext(key), params, escape=True)

    def text(self, key: str, /, **params: object) -> str:
        """The message as plain text (no HTML escaping of parameters)."""
        return self._format(self._catalog.gettext(key), params, escape=False)

    def plural(self, key: str, count: int, /, **params: object) -> str:
        """The plural form of `key` for `count` (available as `{count}`), as HTML."""
        message = self._catalog.ngettext(key, key, count)
        return self._format(message, {"count": count, **params}, escape=True)

    @staticmethod
    def _format(message: str, params: dict[str, object], *, escape: bool) -> str:
        if not params:
            return message
        if escape:
            params = {
                name: value if isinstance(value, Html | int | float) else html.escape(str(value))
                for name, value in params.items()
            }
        return message.format(**params)


def pick_locale(chosen: str | None, language_code: str | None, default: Locale) -> Locale:
    """The locale to speak: the user's own choice, else Telegram's language, else default."""
    for candidate in (chosen, (language_code or "").split("-")[0].lower()):
        if candidate in LOCALES:
            return candidate
    return default


@cache
def translator(locale: Locale) -> Translator:
    """The shared Translator of `locale`."""
    return Translator(locale)


def translator_for(user: User) -> Translator:
    """The Translator of a stored user who is not the sender of the update being handled
    (a notification's recipient, the other side of a booking)."""
    return translator(pick_locale(user.language, user.language_code, "en"))
