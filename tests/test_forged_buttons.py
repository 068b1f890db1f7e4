"""Every button value is untrusted: mutated callback data, pressed in and out of the
dialogue it belongs to, gets an answer, logs no error and changes no row."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
from aiogram import Router
from aiogram.filters.callback_data import CallbackData, CallbackQueryFilter
from sqlalchemy import inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from emulator import EmuMessage, SimUser
from handlers import build_router
from tests.trust_setup import World, hour

MUTATIONS = (
    "-1",
    "0",
    "2147483648",
    "999999999999",
    "9223372036854775808",
    "99999999999999999999",
    "x",
    "",
    "①",
    "²",
    "0001-01-01",
    "9999-12-31",
    "99999999999999999999-1",
)
# Real presses while exploring skip what would end the exploration (erasing an account,
# banning someone) or what is not a screen of its own.
SKIPPED_WHILE_EXPLORING = ("pv:erase", "md:ban", "md:hide", "mo-del-ok", "b-stop")
STARTING_COMMANDS = (  # and what is typed in between
    "/start",
    "/find",
    "Haircut",  # words to search for, typed after /find
    "/bookings",
    "/my_offers",
    "/agenda",
    "/profile",
    "/settings",
    "/delete_my_data",
    "/queue",
)


@cache
def registered_prefixes() -> dict[str, type[CallbackData]]:
    """Every CallbackData class that some router's callback handler filters on."""
    found: dict[str, type[CallbackData]] = {}
    pending: list[Router] = [build_router()]
    while pending:
        router = pending.pop()
        pending.extend(router.sub_routers)
        for handler in router.callback_query.handlers:
            for flt in handler.filters or ():
                if isinstance(flt.callback, CallbackQueryFilter):
                    cls = flt.callback.callback_data
                    found[cls.__prefix__] = cls
    return found


@dataclass
class Seen:
    """A button found while exploring, where it was, and the person's dialogue then."""

    who: SimUser
    message: EmuMessage
    data: str
    state: str | None
    state_data: dict[str, Any]


async def collect(
    seen: dict[str, Seen], queue: list[str], who: SimUser, messages: list[EmuMessage], context: Any
) -> None:
    """Note each new button in `messages`, with the person's dialogue state now."""
    state, data = await context.get_state(), await context.get_data()
    for message in messages:
        for row in message.inline_keyboard:
            for button in row:
                key = button.get("callback_data")
                if key and key not in seen:
                    seen[key] = Seen(who, message, key, state, data)
                    queue.append(key)


async def explore(world: World, people: list[SimUser], limit: int = 80) -> list[Seen]:
    """Press the buttons the bot shows, depth first, from each starting command."""
    app = world.bot.app
    seen: dict[str, Seen] = {}
    for who in people:
        context = app.dispatcher.fsm.get_context(bot=app.bot, chat_id=who.id, user_id=who.id)
        queue: list[str] = []
        await collect(seen, queue, who, who.messages, context)  # e.g. a review request
        for command in STARTING_COMMANDS:
            await who.send(command)
            await collect(seen, queue, who, who.turn, context)
        presses = 0
        while queue and presses < limit:
            key = queue.pop()  # depth first: the booking dialogue is five presses deep
            if key.startswith(SKIPPED_WHILE_EXPLORING):
                continue
            found = seen[key]
            await context.set_state(found.state)
            await context.set_data(found.state_data)
            await who.press_callback(found.message, key)
            presses += 1
            await collect(seen, queue, who, who.turn, context)
    return list(seen.values())


def same_button(first: str, second: str) -> bool:
    """Whether two data strings unpack to the same values (aiogram reads an empty part as
    the field's default, so `b:x::` is `b:x:0:`)."""
    cls = registered_prefixes().get(first.split(":")[0])
    try:
        return cls is not None and cls.unpack(first) == cls.unpack(second)
    except (TypeError, ValueError):
        return False


def mutants(data: str) -> list[str]:
    """`data` with each part after the prefix replaced, plus a part missing and one extra;
    none that means the same as `data`."""
    prefix, *parts = data.split(":")
    out = {data + ":1", ":".join([prefix, *parts[:-1]])}
    for index in range(len(parts)):
        for value in MUTATIONS:
            changed = [*parts]
            changed[index] = value
            out.add(":".join([prefix, *changed]))
    return sorted(forged for forged in out if not same_button(forged, data))


async def snapshot(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (users' last-seen time aside, which every update moves)."""
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        rows: dict[str, list[tuple[Any, ...]]] = {}
        for name in names:
            if name == "alembic_version":
                continue
            result = await connection.execute(select(text("*")).select_from(text(name)))
            keys = list(result.keys())
            rows[name] = sorted(
                (
                    tuple(str(v) for k, v in zip(keys, row, strict=True) if k != "last_seen_at")
                    for row in result
                ),
            )
        return rows


async def test_mutated_buttons_are_answered_and_change_nothing(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    offer_id = await world.offer(world.anna)
    await world.booking(offer_id, world.carl, hour(-30), outcome="complete")
    await world.booking(offer_id, world.carl, hour(30))
    await world.deliver()  # the review request, with its star buttons
    found = await explore(world, [world.carl, world.anna, world.ada])
    # One example of each kind of button: a class with an `action` field is one kind per
    # action; any other class is one kind.
    examples: dict[tuple[str, str], Seen] = {}
    for item in found:
        prefix, _sep, rest = item.data.partition(":")
        cls = registered_prefixes().get(prefix)
        action = rest.split(":")[0] if cls and "action" in cls.model_fields else ""
        examples.setdefault((prefix, action), item)
    reached = {prefix for prefix, _action in examples}
    unreached = set(registered_prefixes()) - reached
    assert len(reached) >= 8, sorted(reached)
    for needed in (
        ("b-time", ""),
        ("b-day", ""),
        ("b-month", ""),
        ("r-star", ""),
        ("mo-rule-ok", ""),
    ):
        assert needed in examples, sorted(examples)
    app = world.bot.app
    anchor = world.carl.last
    assert anchor is not None
    for prefix in unreached:  # a made-up example for any prefix the exploration missed
        fields = registered_prefixes()[prefix].model_fields
        data = ":".join([prefix, *("1" for _ in fields)])
        examples[(prefix, "?")] = Seen(world.carl, anchor, data, None, {})
    before = await snapshot(world.engine)
    caplog.set_level(logging.WARNING)
    caplog.clear()
    presses = 0
    for example in examples.values():
        who = example.who
        context = app.dispatcher.fsm.get_context(bot=app.bot, chat_id=who.id, user_id=who.id)
        for forged in mutants(example.data):
            for in_dialogue in (True, False):
                if in_dialogue:
                    await context.set_state(example.state)
                    await context.set_data(example.state_data)
                else:
                    await context.clear()
                await who.press_callback(example.message, forged)  # raises if unanswered
                presses += 1
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [f"{r.name}: {r.getMessage()}" for r in errors[:5]]
    assert await snapshot(world.engine) == before
    assert presses > 500
