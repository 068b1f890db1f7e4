"""Locales: every message English has exists everywhere, with the same placeholders,
and is valid Telegram HTML."""

from __future__ import annotations

import string

import pytest
from babel.messages.pofile import read_po

from bot.config import LOCALES
from bot.i18n import Html, pick_locale, po_path, translator
from emulator.telegram_html import parse_html


def messages(locale: str) -> dict[str, str]:
    with po_path(locale).open("rb") as source:
        catalog = read_po(source)
    return {str(m.id): str(m.string) for m in catalog if m.id}


def placeholders(message: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(message) if name}


ENGLISH = messages("en")


@pytest.mark.parametrize("locale", LOCALES)
def test_every_english_message_is_translated(locale: str) -> None:
    catalog = messages(locale)
    missing = sorted(key for key in ENGLISH if not catalog.get(key))
    assert missing == [], f"{locale} lacks {missing}"
    extra = sorted(set(catalog) - set(ENGLISH))
    assert extra == [], f"{locale} has keys English lacks: {extra}"


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_the_placeholders(locale: str) -> None:
    catalog = messages(locale)
    for key, english in ENGLISH.items():
        assert placeholders(catalog[key]) == placeholders(english), key


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_valid_telegram_html(locale: str) -> None:
    for key, message in messages(locale).items():
        filled = message.format(**dict.fromkeys(placeholders(message), "x"))
        parse_html(filled)  # raises on a bad tag
        assert key


def test_parameters_are_escaped_unless_marked_safe() -> None:
    _ = translator("en")
    assert "&lt;i&gt;" in _("start.greeting", name="<i>")
    assert "<i>ok</i>" in _("start.greeting", name=Html("<i>ok</i>"))
    assert "<i>" in _.text("start.greeting", name="<i>")


@pytest.mark.parametrize(
    ("chosen", "code", "expected"),
    [
        (None, "ru", "ru"),
        ("es", "ru", "es"),
        (None, "pt-BR", "en"),
        (None, None, "en"),
        (None, "ES", "es"),
        ("xx", "es-AR", "es"),
    ],
)
def test_pick_locale(chosen: str | None, code: str | None, expected: str) -> None:
    assert pick_locale(chosen, code, "en") == expected
