"""Conversation tests: language and time zone, persisted."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from emulator import Emulator, SimUser
from models import User
from tests.helpers import stored_user


async def open_settings(user: SimUser) -> None:
    await user.send("/settings")


async def test_switching_language_is_persisted_and_used_from_then_on(
    tg: Emulator, engine: AsyncEngine
) -> None:
    alice = tg.user("Alice", language="en")
    await alice.send("/start")
    await alice.press("Settings")
    await alice.press("Language")
    reply = await alice.press("Русский")
    assert reply is not None
    assert "Настройки" in (reply.text or "")
    assert alice.last_answer is not None
    assert alice.last_answer["text"] == "Язык сохранён."
    stored = await stored_user(engine, alice.id)
    assert stored.language == "ru"
    # Telegram still says "en", but her choice wins.
    reply = await alice.send("/start")
    assert reply is not None
    assert "Привет, Alice" in (reply.text or "")


async def test_a_city_name_sets_the_time_zone(tg: Emulator, engine: AsyncEngine) -> None:
    alice = tg.user("Alice")
    await open_settings(alice)
    await alice.press("Time zone")
    assert alice.last is not None
    assert "Which time zone" in (alice.last.text or "")
    await alice.send("Berlin")
    assert any("Time zone set to Europe/Berlin" in (m.text or "") for m in alice.turn)
    assert any(
        "Europe/Berlin" in (m.text or "") and "Settings" in (m.text or "") for m in alice.turn
    )
    assert (await stored_user(engine, alice.id)).timezone == "Europe/Berlin"


async def test_a_city_in_russian_sets_the_time_zone(tg: Emulator, engine: AsyncEngine) -> None:
    ivan = tg.user("Иван", language="ru")
    await open_settings(ivan)
    await ivan.press("Часовой пояс")
    await ivan.send("Москва")
    assert (await stored_user(engine, ivan.id)).timezone == "Europe/Moscow"


async def test_a_shared_location_sets_the_time_zone(tg: Emulator, engine: AsyncEngine) -> None:
    maria = tg.user("María", language="es")
    await open_settings(maria)
    await maria.press("Zona horaria")
    await maria.share_location(19.4326, -99.1332)  # Mexico City
    assert any("America/Mexico_City" in (m.text or "") for m in maria.turn)
    assert (await stored_user(engine, maria.id)).timezone == "America/Mexico_City"


async def test_an_ambiguous_city_offers_the_candidates(tg: Emulator, engine: AsyncEngine) -> None:
    alice = tg.user("Alice")
    await open_settings(alice)
    await alice.press("Time zone")
    reply = await alice.send("Sant")  # Santiago, Santo Domingo, Santarém…
    assert reply is not None
    assert "Several time zones" in (reply.text or "")
    assert "America/Santiago" in reply.buttons
    reply = await alice.press("America/Santiago")
    assert reply is not None
    assert "America/Santiago" in (reply.text or "")
    assert (await stored_user(engine, alice.id)).timezone == "America/Santiago"


async def test_an_unknown_place_is_asked_again_and_nothing_changes(
    tg: Emulator, engine: AsyncEngine
) -> None:
    alice = tg.user("Alice")
    await open_settings(alice)
    await alice.press("Time zone")
    reply = await alice.send("Atlantis-under-the-sea")
    assert reply is not None
    assert "couldn't find that place" in (reply.text or "")
    assert (await stored_user(engine, alice.id)).timezone is None
    # Still in the dialogue: a real city works now.
    await alice.send("Tokyo")
    assert (await stored_user(engine, alice.id)).timezone == "Asia/Tokyo"


async def test_cancel_leaves_the_time_zone_dialogue(tg: Emulator, engine: AsyncEngine) -> None:
    alice = tg.user("Alice")
    await open_settings(alice)
    await alice.press("Time zone")
    await alice.press("Cancel")
    assert any("Cancelled" in (m.text or "") for m in alice.turn)
    reply = await alice.send("Berlin")
    assert reply is not None
    assert "didn't understand" in (reply.text or "")
    assert (await stored_user(engine, alice.id)).timezone is None


async def test_a_sticker_in_the_time_zone_dialogue_repeats_the_question(tg: Emulator) -> None:
    alice = tg.user("Alice")
    await open_settings(alice)
    await alice.press("Time zone")
    reply = await alice.share_contact("+491701234567")
    assert reply is not None
    assert "Which time zone" in (reply.text or "")


async def test_blocking_the_bot_is_recorded_and_writing_again_clears_it(
    tg: Emulator, engine: AsyncEngine
) -> None:
    alice = tg.user("Alice")
    await alice.send("/start")
    await alice.block_bot()
    assert (await stored_user(engine, alice.id)).blocked_bot is True
    await alice.unblock_bot()
    await alice.send("/start")
    stored: User = await stored_user(engine, alice.id)
    assert stored.blocked_bot is False


async def test_the_user_row_follows_telegram_profile_changes(
    tg: Emulator, engine: AsyncEngine
) -> None:
    alice = tg.user("Alice", username="alice")
    await alice.send("/start")
    alice.account.first_name = "Alicia"
    alice.account.username = "alicia"
    await alice.send("/help")
    stored = await stored_user(engine, alice.id)
    assert (stored.first_name, stored.username) == ("Alicia", "alicia")
    assert stored.created_at.tzinfo is not None
    assert stored.last_seen_at >= stored.created_at


async def test_reminder_times_are_chosen_in_settings(tg: Emulator, engine: AsyncEngine) -> None:
    alice = tg.user("Alice")
    reply = await alice.send("/settings")
    assert reply is not None
    assert "Reminders: 24 h before, 1 h before" in (reply.text or "")
    await alice.press("Reminders")
    await alice.press("✅ 24 h before")  # off
    reply = await alice.press("▫️ 3 h before")  # on
    assert reply is not None
    assert "✅ 3 h before" in reply.buttons
    assert (await stored_user(engine, alice.id)).reminder_hours == "3,1"
    reply = await alice.press_callback(reply, "set-rem-x:5")  # not a choice
    assert alice.last_answer is not None
    assert "no longer active" in alice.last_answer["text"]
    assert (await stored_user(engine, alice.id)).reminder_hours == "3,1"
