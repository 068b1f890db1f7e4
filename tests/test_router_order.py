"""The order of the feature routers decides no answer.

`handlers.build_router` puts the customer's path early because each router an update
passes costs time. That is only safe while no two features could take the same update:
each command and each button prefix belongs to one feature, and every message handler
but the fallback is bound to a command or to dialogue states no other feature uses.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

from aiogram import Router
from aiogram.filters import Command, StateFilter

from bot.callbacks import PrefixFirst
from bot.filters import GroupOrChannel, PrivateChat
from handlers import build_router
from handlers.offer_draft_views import DRAFT_PREFIXES


def _features() -> list[tuple[str, Router]]:
    root = build_router()
    return [(feature.name, feature) for feature in root.sub_routers if feature.name != "fallback"]


def test_each_command_belongs_to_one_feature() -> None:
    """In private chats; a command in a group (/find) is another command."""
    owners: dict[tuple[str, bool], set[str]] = defaultdict(set)
    for name, feature in _features():
        for handler in feature.message.handlers:
            checks = [check.callback for check in handler.filters or []]
            in_groups = any(isinstance(check, GroupOrChannel) for check in checks)
            for check in checks:
                if isinstance(check, Command):
                    for command in check.commands:
                        owners[(str(command), in_groups)].add(name)
    assert owners, "no commands found: the walk over the routers is broken"
    assert {command: names for command, names in owners.items() if len(names) > 1} == {}


def test_each_button_prefix_belongs_to_one_feature() -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    catch_alls = []
    for name, feature in _features():
        for handler in feature.callback_query.handlers:
            checks = [check.callback for check in handler.filters or []]
            prefixes = [c.callback_data.__prefix__ for c in checks if isinstance(c, PrefixFirst)]
            if not prefixes:
                catch_alls.append((name, handler.callback.__name__))
            for prefix in prefixes:
                owners[prefix].add(name)
    assert owners
    assert {prefix: names for prefix, names in owners.items() if len(names) > 1} == {}
    # The one handler without a prefix of its own takes the draft dialogue's own buttons.
    assert catch_alls == [("offer_draft", "on_state_lost")]
    assert {prefix for prefix in DRAFT_PREFIXES if owners[prefix] != {"offer_draft"}} == set()


def test_message_handlers_without_a_command_are_bound_to_states_of_their_own() -> None:
    """In one dialogue state, two features may both take messages only when they take
    different kinds (a shared location, a shared chat); groups are no dialogue."""
    owners: dict[str | None, list[tuple[str, frozenset[str]]]] = defaultdict(list)
    for name, feature in _features():
        for handler in feature.message.handlers:
            checks = [check.callback for check in handler.filters or []]
            if any(isinstance(check, Command | GroupOrChannel) for check in checks):
                continue
            states = [check for check in checks if isinstance(check, StateFilter)]
            assert states, f"{name}.{handler.callback.__name__} takes messages in any state"
            kinds = frozenset(
                type(check).__name__
                for check in checks
                if not isinstance(check, StateFilter | PrivateChat)
            )
            for state in states[0].states:
                owners[None if state is None else str(state)].append((name, kinds))
    assert owners
    clashes = {
        state: takers
        for state, takers in owners.items()
        for (one, first), (other, second) in combinations(takers, 2)
        if one != other and (not first or not second or first & second)
    }
    assert clashes == {}
