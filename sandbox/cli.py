"""`gigbot sandbox`: serve the emulator, the bot and the web chat until interrupted."""

from __future__ import annotations

import tempfile
from pathlib import Path

from aiohttp import web

from bot.migrate import upgrade
from bot.signals import until_stopped
from sandbox.seed import seed_demo
from sandbox.server import close_sandbox, open_sandbox, sandbox_app


async def serve(port: int, database: Path | None, seed: str | None = None) -> None:
    """Start everything on loopback, print the page's address, stop on SIGINT/SIGTERM.

    Without `database`, the bot's SQLite file lives in a temporary directory that goes
    when the sandbox stops."""
    with tempfile.TemporaryDirectory(prefix="gigbot-sandbox-") as scratch:
        path = database or Path(scratch) / "sandbox.db"
        database_url = f"sqlite+aiosqlite:///{path}"
        await upgrade(database_url)
        sandbox = await open_sandbox(database_url)
        if seed == "demo":
            made = await seed_demo(sandbox.bot.app.sessionmaker, sandbox.emulator)
            print(f"gigbot sandbox: a neighbourhood of {made} offers is ready", flush=True)
        runner = web.AppRunner(sandbox_app(sandbox), access_log=None)
        try:
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            print(f"gigbot sandbox: open http://127.0.0.1:{port} (Ctrl+C stops it)", flush=True)
            await until_stopped()
        finally:
            await runner.cleanup()
            await close_sandbox(sandbox)
