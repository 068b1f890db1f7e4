"""A /command typed inside any dialogue leaves it and runs; it is never taken as an answer."""

from __future__ import annotations

import itertools
import re

import pytest
from aiogram.fsm.state import State, StatesGroup

import handlers  # noqa: F401 - imports every feature module, so every StatesGroup is defined
from bot.middlewares.commands import is_command
from emulator import Emulator
from emulator.harness import RunningBot

MENU_COMMANDS = ("/help", "/bookings", "/find", "/menu", "/settings", "/profile", "/my_offers")


def every_state() -> list[State]:
    """Every state of every StatesGroup the app defines (nested groups included)."""
    groups: list[type[StatesGroup]] = []
    pending = list(StatesGroup.__subclasses__())
    while pending:
        group = pending.pop()
        groups.append(group)
        pending.extend(group.__subclasses__())
    return [state for group in groups for state in group.__all_states__]


def test_the_app_defines_dialogues_to_check() -> None:
    names = {state.state for state in every_state()}
    assert "DraftStates:describe" in names
    assert "ProfileStates:text" in names
    assert len(names) >= 15


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/find", True),
        ("/start offer_12", True),
        ("/help@gigbot_bot", True),
        ("/bookings\nmore", True),
        ("/", False),
        ("/ 5 per hour", False),
        ("1/2 hour", False),
        ("/①", False),
        ("//find", False),
        ("", False),
    ],
)
def test_what_counts_as_a_command(text: str, expected: bool) -> None:
    assert is_command(text) is expected


def _timeless(text: str | None) -> str | None:
    """The reply without the clock /settings shows ("now 06:10"): a minute may turn
    between two of its replies."""
    return re.sub(r"\(now \d\d:\d\d\)", "(now …)", text) if text else text


async def test_a_menu_command_leaves_every_dialogue_and_runs(
    tg: Emulator, running_bot: RunningBot
) -> None:
    app = running_bot.app
    alice = tg.user("Alice", language="en")
    await alice.send("/start")
    context = app.dispatcher.fsm.get_context(bot=app.bot, chat_id=alice.id, user_id=alice.id)
    own_reply: dict[str, str | None] = {}
    for command in MENU_COMMANDS:
        reply = await alice.send(command)
        assert reply is not None
        own_reply[command] = _timeless(reply.text)
        await context.clear()
    for state, command in zip(every_state(), itertools.cycle(MENU_COMMANDS), strict=False):
        await context.set_state(state)
        await context.update_data(offer_id=1, booking_id=1)
        reply = await alice.send(command)
        assert reply is not None, f"{command} in {state.state}: no reply"
        text = _timeless(reply.text)
        assert text == own_reply[command], f"{command} in {state.state}: {reply.text!r}"
        after = await context.get_state()
        if command in ("/help", "/bookings", "/menu"):  # these start no dialogue of their own
            assert after is None, f"{command} in {state.state} left the state {after}"
        await context.clear()


async def test_cancel_still_says_the_dialogue_was_cancelled(tg: Emulator) -> None:
    alice = tg.user("Alice", language="en")
    await alice.send("/offer")
    await alice.send("/cancel")
    assert any("Cancelled" in (m.text or "") for m in alice.turn)
    await alice.send("/cancel")
    assert not any("Cancelled" in (m.text or "") for m in alice.turn)


async def test_a_command_at_the_offer_title_question_is_not_the_title(tg: Emulator) -> None:
    bob = tg.user("Bob", language="en")
    await bob.send("/offer")
    reply = await bob.send("/bookings")
    assert reply is not None
    assert "/bookings" not in (reply.text or "")
    reply = await bob.send("Guitar lessons")
    assert reply is not None
    assert "Guitar lessons" not in (reply.text or "")  # no dialogue is open any more
