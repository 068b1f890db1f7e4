"""Conversation tests: greeting, menu, help, deep links, unknown and odd input."""

from __future__ import annotations

import re

import pytest

from bot.commands import COMMANDS
from emulator import Emulator
from tests.trust_setup import World


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
    assert len(reply.buttons) == 5


async def test_an_unsupported_telegram_language_falls_back_to_english(tg: Emulator) -> None:
    hans = tg.user("Hans", language="de")
    reply = await hans.send("/start")
    assert reply is not None
    assert "Hi, Hans" in (reply.text or "")


async def test_a_regional_language_code_picks_its_language(tg: Emulator) -> None:
    lucia = tg.user("Lucía", language="es-MX")
    reply = await lucia.send("/start")
    assert reply is not None
    assert "¡Hola, Lucía" in (reply.text or "")


async def test_a_name_full_of_html_is_shown_literally(tg: Emulator) -> None:
    mallory = tg.user('<b>Bob</b> & </a><script>"x"', language="en")
    reply = await mallory.send("/start")
    assert reply is not None
    assert 'Hi, <b>Bob</b> & </a><script>"x"!' in (reply.text or "")
    bold = [e for e in reply.entities if e["type"] == "bold"]
    assert len(bold) == 1  # only the translation's own <b>, around the whole name


@pytest.mark.parametrize("language", ["en", "ru", "es"])
async def test_help_lists_every_command_of_the_chat_menu(tg: Emulator, language: str) -> None:
    alice = tg.user("Alice", language=language)
    reply = await alice.send("/help")
    assert reply is not None
    text = reply.text or ""
    published = tg.bot.commands[("all_private_chats", None, language)]
    listed = re.findall(r"^/([a-z_]+) — (.+)$", text, flags=re.MULTILINE)
    assert listed == [(c["command"], c["description"]) for c in published]
    assert len(listed) == len(COMMANDS) == 17


async def test_help_lists_the_admin_commands_for_admins_only(world: World) -> None:
    admin_help = (await world.ada.send("/help")).text or ""  # type: ignore[union-attr]
    customer_help = (await world.carl.send("/help")).text or ""  # type: ignore[union-attr]
    menu = world.tg.bot.commands[("chat", world.ada.id, "en")]
    assert re.findall(r"^/([a-z_]+) — ", admin_help, flags=re.MULTILINE) == [
        c["command"] for c in menu
    ]
    assert "/ban" in admin_help
    assert "/ban" not in customer_help


async def test_menu_entries_open_their_screens(tg: Emulator) -> None:
    alice = tg.user("Alice")
    await alice.send("/start")
    reply = await alice.press("My bookings")
    assert reply is not None
    assert "Your upcoming bookings" in (reply.text or "")
    await alice.send("/start")
    reply = await alice.press("Find a service")
    assert reply is not None
    assert "What are you looking for?" in (reply.text or "")


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("offer_42", "no longer available"),
        ("provider_7", "no offers available"),
        ("offer_abc", "doesn't lead anywhere"),
        ("<script>", "doesn't lead anywhere"),
    ],
)
async def test_start_with_a_deep_link_follows_it(tg: Emulator, payload: str, expected: str) -> None:
    alice = tg.user("Alice")
    reply = await alice.send(f"/start {payload}")
    assert reply is not None
    assert expected in (reply.text or "")
    assert any("Hi, Alice" in (m.text or "") for m in alice.turn)


async def test_unknown_text_gets_a_hint_to_the_menu(tg: Emulator) -> None:
    alice = tg.user("Alice")
    reply = await alice.send("what is this?")
    assert reply is not None
    assert "didn't understand" in (reply.text or "")
    assert "Find a service" in " ".join(reply.buttons)


async def test_an_unknown_command_gets_the_same_hint(tg: Emulator) -> None:
    alice = tg.user("Alice", language="ru")
    reply = await alice.send("/frobnicate")
    assert reply is not None
    assert "не понял" in (reply.text or "")


@pytest.mark.parametrize(
    "text",
    [
        "x" * 4096,
        "🧔🏽\u200d♂️" * 300,  # ZWJ emoji sequences
        "\u202eevil\u202c \u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd",  # RTL overrides
        "e\u0301" * 500 + "\ufeff\u200b",  # combining marks, BOM, zero-width space
        "𝕳𝖊𝖑𝖑𝖔 𓀀 \U0010fffd",  # astral planes
        "<b>not html</b> & &amp; </a>",
    ],
    ids=["4096-chars", "zwj-emoji", "rtl", "combining", "astral", "html-like"],
)
async def test_long_and_odd_text_gets_a_normal_reply(tg: Emulator, text: str) -> None:
    alice = tg.user("Alice")
    reply = await alice.send(text)
    assert reply is not None
    assert "didn't understand" in (reply.text or "")


async def test_cancel_outside_a_dialogue_says_there_is_nothing_to_cancel(tg: Emulator) -> None:
    alice = tg.user("Alice")
    await alice.send("/cancel")
    assert any("nothing to cancel" in (m.text or "") for m in alice.turn)


async def test_start_publishes_commands_in_every_language(tg: Emulator) -> None:
    commands = tg.bot.commands
    assert {key[2] for key in commands} == {"", "en", "ru", "es"}
    russian = commands[("all_private_chats", None, "ru")]
    assert {c["command"] for c in russian} == set(COMMANDS)
    assert any(c["description"] == "Язык и часовой пояс" for c in russian)


@pytest.mark.parametrize(
    ("language", "description", "short"),
    [
        ("en", "gigbot finds and books local services", "Find, book and review"),
        ("ru", "gigbot находит услуги рядом", "Находите, бронируйте"),
        ("es", "gigbot encuentra y reserva servicios", "Encuentra, reserva"),
        ("de", "gigbot finds and books local services", "Find, book and review"),  # default
    ],
)
async def test_a_new_user_sees_what_gigbot_is_before_pressing_start(
    tg: Emulator, language: str, description: str, short: str
) -> None:
    # Published at start-up (validated by the emulator: ≤ 512 and ≤ 120 characters).
    shown, shown_short = tg.bot.empty_chat_texts(language)
    assert shown.startswith(description)
    assert "/privacy" in shown
    assert shown_short.startswith(short)
    assert {"", "ru", "es"} == set(tg.bot.descriptions) == set(tg.bot.short_descriptions)


@pytest.mark.parametrize(
    ("language", "heading", "stored"),
    [
        ("en", "Privacy", "For how long"),
        ("ru", "Конфиденциальность", "Как долго"),
        ("es", "Privacidad", "Por cuánto tiempo"),
    ],
)
async def test_privacy_says_what_is_stored_for_how_long_and_how_to_erase_it(
    tg: Emulator, language: str, heading: str, stored: str
) -> None:
    alice = tg.user("Alice", language=language)
    reply = await alice.send("/privacy")
    assert reply is not None
    text = reply.text or ""
    assert text.startswith(f"🔒 {heading}")
    assert stored in text
    assert "/export_my_data" in text
    assert "/delete_my_data" in text
    assert len(text) <= 4096


async def test_a_forged_or_stale_callback_is_answered_and_changes_nothing(tg: Emulator) -> None:
    alice = tg.user("Alice")
    menu = await alice.send("/start")
    assert menu is not None
    before = menu.text
    forged = ("menu:nonsense", "set-lang-ok:xx", "set-tz-ok:Mars/Olympus", "garbage", "ы" * 20)
    for data in forged:
        await alice.press_callback(menu, data)
        assert alice.last_answer is not None
        assert alice.last_answer["text"] == "This button is no longer active."
    assert menu.text == before
