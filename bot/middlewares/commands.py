"""A /command always leaves the current dialogue and runs, whatever state the user is in."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, TelegramObject

# Telegram's own rule for a bot command: a slash, 1-32 letters, digits or underscores, an
# optional @botname, then the end of the text or a space.
_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{1,64})?(?:\s|$)")


def is_command(text: str | None) -> bool:
    """True when `text` starts with a bot command (`/find`, `/start@gigbot offer_1`)."""
    return text is not None and _COMMAND.match(text) is not None


class CommandLeavesDialogue(BaseMiddleware):
    """Clears the FSM state before routing a message that is a command.

    With the state gone, no dialogue's state-bound handler can take the command as an
    answer: routing reaches the command's own handler. Handlers learn that a dialogue was
    left from `left_dialogue` (so /cancel can still say "cancelled"). Registered as an
    outer middleware of the dispatcher's message observer: one mechanism for every dialogue.
    """

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        data["left_dialogue"] = False
        state: FSMContext | None = data.get("state")
        if (
            isinstance(event, Message)
            and state is not None
            and data.get("raw_state") is not None
            and is_command(event.text)
        ):
            await state.clear()
            data["raw_state"] = None  # StateFilter reads this copy, not the storage
            data["left_dialogue"] = True
        return await handler(event, data)
