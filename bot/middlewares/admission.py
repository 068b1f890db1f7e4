"""Admission: at most a few updates are worked on at once; the rest wait their turn.

Polling and the webhook hand every update to its own task at once. Under a burst (a
community post tapped by a hundred people) a hundred tasks would then contend for the
database pool — one SQLite connection, a few PostgreSQL ones — and each update, which
takes the connection several times (before and after each reply), would queue behind
all the others each time: the slowest took seconds, and a long enough burst would time
out waiting for the pool. The gate lets `slots` updates in, first come first served.

An update steps out of the gate while it waits for a Bot API call (the database session
is committed by then, see `CommitBeforeSending`), so Telegram's round trips do not
limit throughput, and steps back in ahead of updates that have not started: work begun
is finished first.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject

if TYPE_CHECKING:
    from aiogram import Bot


class Gate:
    """A semaphore with two queues: updates coming back from a Bot API call are let in
    before updates that have not started. Each queue is first in, first out."""

    def __init__(self, slots: int) -> None:
        self._free = slots
        self._returning: deque[asyncio.Future[None]] = deque()
        self._arriving: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        """How many are waiting to enter (cancelled waiters included until skipped)."""
        return len(self._returning) + len(self._arriving)

    async def enter(self, *, returning: bool = False) -> None:
        """Wait for a slot; `returning` for work already begun."""
        if self._free > 0:  # a free slot means nobody waits: leave() hands slots over
            self._free -= 1
            return
        waiter = asyncio.get_running_loop().create_future()
        (self._returning if returning else self._arriving).append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if not waiter.cancelled():  # the slot came with the cancellation: pass it on
                self.leave()
            raise

    def leave(self) -> None:
        """Give a slot back: to the first returning waiter, else the first arriving one."""
        for queue in (self._returning, self._arriving):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    return
        self._free += 1


@dataclass(eq=False, slots=True)
class _Ticket:
    """One update's place: its gate, the task handling it, and whether it is inside."""

    gate: Gate
    task: asyncio.Task[Any] | None
    inside: bool = False


_ticket: ContextVar[_Ticket | None] = ContextVar("gigbot_admission", default=None)


class Admission(BaseMiddleware):
    """Update outer middleware: handles the update inside the gate."""

    def __init__(self, gate: Gate) -> None:
        self._gate = gate

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        ticket = _Ticket(self._gate, asyncio.current_task())
        await self._gate.enter()
        ticket.inside = True
        token = _ticket.set(ticket)
        try:
            return await handler(event, data)
        finally:
            _ticket.reset(token)
            if ticket.inside:
                ticket.inside = False
                self._gate.leave()


class StepOutWhileSending(BaseRequestMiddleware):
    """Bot API request middleware: the update handled by this task leaves the gate for
    the round trip, and comes back in ahead of new updates."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        ticket = _ticket.get()
        if ticket is None or not ticket.inside or ticket.task is not asyncio.current_task():
            return await make_request(bot, method)  # not an update's own task: nothing held
        ticket.inside = False
        ticket.gate.leave()
        try:
            return await make_request(bot, method)
        finally:
            await ticket.gate.enter(returning=True)
            ticket.inside = True
