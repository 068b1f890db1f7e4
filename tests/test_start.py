"""Conversation tests: greeting, menu, help, deep links, unknown input."""

from __future__ import annotations

import pytest

from bot.emulator import Emulator


@pytest.mark.parametrize(
    ("language", "greeting", "menu_entry"),
    [
        ("en", "Hi, Alice", "Find a service"),
        ("ru", "Привет, Alice", "Найти услугу"),
        ("es", "¡Hola, Alice", "Buscar un servicio"),
    ],
)
async def test_start_greets_in_the_users_language(
    tg: Emulator, language: str, greeting: str, menu_entry: str
) -> None:
    alice = tg.user("Alice", language=language)
    reply = await alice.send("/start")
    assert reply is not None
    assert reply.text is not None
    assert greeting in reply.text
    assert any(menu_entry in label for label in reply.buttons)
    assert len(reply.buttons) == 4
