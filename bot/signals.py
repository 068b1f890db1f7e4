"""Waiting for the signal that stops a long-running command."""

from __future__ import annotations

import asyncio
import signal


async def until_stopped() -> None:
    """Return when the process gets SIGINT (Ctrl+C) or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
