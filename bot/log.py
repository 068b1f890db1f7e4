"""Logging set-up that can never print the bot token.

aiohttp errors can carry the request URL, and the Bot API URL contains the token
(`/bot<token>/sendMessage`), so redaction happens on every record that reaches our
handlers, whatever logger produced it.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

REDACTED = "<redacted>"
# Any Bot API token shape, so a token from another source is hidden too.
_TOKEN_SHAPE = re.compile(r"\b\d{5,20}:[A-Za-z0-9_-]{30,64}\b")


class RedactingFilter(logging.Filter):
    """Replaces secrets in a record's message and traceback before it is emitted."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        super().__init__()
        self._secrets = [s for s in (secrets or []) if s]

    def redact(self, text: str) -> str:
        """Return `text` with every known secret and token-shaped string hidden."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return _TOKEN_SHAPE.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info:
            formatter = logging.Formatter()
            record.exc_text = self.redact(formatter.formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the traceback when there is
    one, and the fields of an `extra={"event": {...}}` (the update event's)."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON (the message already redacted by the filter)."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        event = getattr(record, "event", None)
        if isinstance(event, dict):
            entry.update(event)
        if record.exc_text:
            entry["traceback"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


def setup_logging(
    level: str, secrets: list[str], stream: TextIO | None = None, log_format: str = "text"
) -> None:
    """Configure the root logger: one stream handler whose output is always redacted, as
    text lines or (`log_format="json"`) one JSON object a line."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if log_format == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # aiohttp's access log repeats request paths; the webhook path holds no secret,
    # but the line per update is noise at INFO.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # Libraries that speak at INFO on every wake-up or start: aiosqlite (two lines per
    # database call, at DEBUG), APScheduler (two lines per run of the outbox job: 35,000 a
    # day at the default interval), alembic (seven plugin lines and a context line at each
    # start; `bot.migrate` says what the migration did in one line instead). An idle bot
    # logs nothing periodically; their warnings and errors still come through.
    for noisy in ("aiosqlite", "apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
