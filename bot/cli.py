"""The `gigbot` command: run the bot, apply migrations, start the Bot API emulator, or the
sandbox (the emulator, the bot and a web chat in one process), or back the database up."""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import os
import sys
from pathlib import Path

from bot.config import ConfigError, load_database_settings, load_settings
from bot.log import RedactingFilter, setup_logging


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gigbot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="migrate the database, then serve updates (polling or webhook)")
    commands.add_parser("migrate", help="bring the database to the newest schema and exit")
    backup = commands.add_parser(
        "backup", help="copy the SQLite database consistently, even while the bot runs"
    )
    backup.add_argument("path", type=Path, help="where to write the copy")
    emulator = commands.add_parser(
        "emulator", help="serve the Bot API emulator (a Telegram stand-in for local trials)"
    )
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=8081)
    sandbox = commands.add_parser(
        "sandbox", help="chat with gigbot in a browser as several people (no token, no network)"
    )
    sandbox.add_argument("--port", type=int, default=8000)
    sandbox.add_argument("--database", type=Path, help="a SQLite file to keep (default: temporary)")
    sandbox.add_argument("--seed", choices=["demo"], help="demo: 30 providers to find and book")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code.

    Whatever goes wrong ends in one line on stderr, redacted like every log line (the token
    can appear in a Bot API URL quoted by an error), and a non-zero code; the traceback is
    logged at DEBUG only.
    """
    args = _parser().parse_args(argv)
    if args.command == "sandbox":
        return _sandbox(args.port, args.database, args.seed)
    if args.command == "emulator":
        from emulator.cli import serve

        setup_logging("INFO", secrets=[])
        asyncio.run(serve(args.host, args.port))
        return 0
    secrets = [os.environ.get("BOT_TOKEN", ""), os.environ.get("PAYMENT_PROVIDER_TOKEN", "")]
    try:
        if args.command == "backup":
            from bot.backup import backup

            database = load_database_settings()
            size = backup(database.database_url, args.path)
            print(f"gigbot: backed up to {args.path} ({size / 1e6:.1f} MB)")
            return 0
        if args.command == "migrate":
            database = load_database_settings()
            setup_logging(database.log_level, secrets=secrets, log_format=database.log_format)
            from bot.startup import prepare_database

            asyncio.run(prepare_database(database.database_url))
            return 0
        settings = load_settings()
        secrets.append(settings.bot_token.get_secret_value())
        setup_logging(settings.log_level, secrets=secrets, log_format=settings.log_format)
        from bot.app import run

        asyncio.run(run(settings))
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        return _fail(error, secrets)
    return 0


def _fail(error: Exception, secrets: list[str]) -> int:
    from bot.backup import BackupError
    from bot.startup import StartupError, reason

    if isinstance(error, ConfigError | StartupError | BackupError):
        line, code = str(error), 2 if isinstance(error, ConfigError) else 1
    else:
        line, code = f"unexpected error: {type(error).__name__}: {reason(error)}", 1
        logging.getLogger("bot.cli").debug("details", exc_info=error)
    print(f"gigbot: {RedactingFilter(secrets).redact(line)}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())


def _sandbox(port: int, database: Path | None, seed: str | None) -> int:
    """`gigbot sandbox`: a failure (the port taken, say) ends in one line."""
    from sandbox.cli import serve

    setup_logging("WARNING", secrets=[])
    try:
        asyncio.run(serve(port, database, seed))
    except KeyboardInterrupt:
        return 130
    except OSError as error:
        reason = "the port is in use" if error.errno == errno.EADDRINUSE else str(error)
        print(f"gigbot sandbox: cannot serve on 127.0.0.1:{port}: {reason}", file=sys.stderr)
        return 1
    return 0
