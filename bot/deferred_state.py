"""Dialogue (FSM) state written when the update has been handled, not while.

A handler that books a time clears the dialogue, commits the booking, then edits the
message. Written at once to Redis, the cleared dialogue outlives an instance killed
before the commit: the update, delivered again, finds neither the booking nor the
dialogue that asked for it, and the person's tap is lost. Here the writes of an update
wait in a buffer (reads see them) and reach the storage after the handler has
returned: killed before that, the update is handled again from the dialogue as it was,
and the database rules (a double tap finds the first tap's booking) make the second
run end where the first would have.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey
from aiogram.types import TelegramObject

Writes = dict[StorageKey, dict[str, Any]]  # per key: "state" and/or "data"
_writes: ContextVar[Writes | None] = ContextVar("gigbot_fsm_writes", default=None)


class DeferredStorage(BaseStorage):
    """Wraps a storage: inside an update its writes are buffered (see DeferredWrites),
    outside one they pass straight through."""

    def __init__(self, inner: BaseStorage) -> None:
        self.inner = inner

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        """Buffer (or write) the state."""
        value = state.state if isinstance(state, State) else state
        writes = _writes.get()
        if writes is None:
            await self.inner.set_state(key, value)
        else:
            writes.setdefault(key, {})["state"] = value

    async def get_state(self, key: StorageKey) -> str | None:
        """The buffered state, else the stored one."""
        writes = _writes.get()
        if writes is not None and "state" in writes.get(key, {}):
            return writes[key]["state"]  # type: ignore[no-any-return]
        return await self.inner.get_state(key)

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        """Buffer (or write) the data."""
        writes = _writes.get()
        if writes is None:
            await self.inner.set_data(key, data)
        else:
            writes.setdefault(key, {})["data"] = dict(data)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        """The buffered data, else the stored one (a copy either way)."""
        writes = _writes.get()
        if writes is not None and "data" in writes.get(key, {}):
            return dict(writes[key]["data"])
        return await self.inner.get_data(key)

    async def flush(self, writes: Writes) -> None:
        """Write what an update buffered."""
        for key, values in writes.items():
            if "state" in values:
                await self.inner.set_state(key, values["state"])
            if "data" in values:
                await self.inner.set_data(key, values["data"])

    async def close(self) -> None:
        """Close the wrapped storage."""
        await self.inner.close()


class DeferredWrites(BaseMiddleware):
    """Update middleware: buffers the update's dialogue writes and stores them once the
    handler has returned (or raised: as aiogram would have); a cancelled update (the
    instance shutting down) stores nothing, and is handled again elsewhere."""

    def __init__(self, storage: DeferredStorage) -> None:
        self._storage = storage

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        writes: Writes = {}
        token = _writes.set(writes)
        try:
            return await handler(event, data)
        except asyncio.CancelledError:
            writes.clear()
            raise
        finally:
            _writes.reset(token)
            if writes:
                await self._storage.flush(writes)
