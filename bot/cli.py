"""The `gigbot` command: run the bot, apply migrations, or start the Bot API emulator."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.config import ConfigError, load_settings
from bot.log import setup_logging


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gigbot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="migrate the database, then serve updates (polling or webhook)")
    commands.add_parser("migrate", help="bring the database to the newest schema and exit")
    emulator = commands.add_parser(
        "emulator", help="serve the Bot API emulator (a Telegram stand-in for local trials)"
    )
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=8081)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    args = _parser().parse_args(argv)
    if args.command == "emulator":
        from bot.emulator.cli import serve

        setup_logging("INFO", secrets=[])
        asyncio.run(serve(args.host, args.port))
        return 0
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"gigbot: {error}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level, secrets=[settings.bot_token.get_secret_value()])
    if args.command == "migrate":
        from bot.migrate import upgrade

        asyncio.run(upgrade(settings.database_url))
        return 0
    from bot.app import run

    asyncio.run(run(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
