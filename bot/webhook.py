"""The webhook endpoint: the secret checked first, the body read once into an Update,
handled, then answered.

Telegram takes a 200 as "delivered" and never sends that update again. aiogram's handler
answers at once and handles the update in the background, so an instance that dies
mid-update loses it. By default (WEBHOOK_ANSWER=after_handling) the 200 comes after the
update has been handled; a failed or timed-out call is delivered again, to whichever
instance the load balancer picks, and bot.update_claims makes sure it is handled once.
`at_once` keeps aiogram's behaviour (faster to answer, lost on a crash); the README's
*Production* section has both measured.

aiogram's SimpleRequestHandler compares the secret as `str`s with `compare_digest`,
which raises on non-ASCII text (a 500 and a traceback for anyone without the secret),
and parses the body inside a background task, where a bad body becomes "Task exception
was never retrieved". Here a wrong secret is 401, a body that is not an Update is 400
with one WARNING line, and a failure while handling is one logged error.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any

from aiogram import Bot
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from pydantic import ValidationError

from bot.middlewares.once import IN_FLIGHT

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison that accepts any text (compared as UTF-8 bytes)."""
    return hmac.compare_digest(
        given.encode("utf-8", "surrogateescape"), expected.encode("utf-8", "surrogateescape")
    )


def read_update(body: bytes, bot: Bot) -> Update | None:
    """The body as an Update, or None when it is not valid UTF-8 JSON describing one."""
    try:
        data = json.loads(body.decode("utf-8"))
        if not isinstance(data, dict):
            return None
        return Update.model_validate(data, context={"bot": bot})
    except (UnicodeDecodeError, ValueError, RecursionError, ValidationError):
        return None


class CheckedRequestHandler(SimpleRequestHandler):
    """SimpleRequestHandler that never turns outside input into a traceback, and answers
    after handling unless told to answer at once."""

    answer_after_handling = True

    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        """True when the header carries the configured secret (or none is configured)."""
        return self.secret_token is None or same_secret(telegram_secret_token, self.secret_token)

    async def handle(self, request: web.Request) -> web.Response:
        """401 without the secret, 400 for a body that is not an Update, 503 while
        another delivery of it is handled; otherwise 200 once it has been handled (or at
        once, with the update handled in the background)."""
        bot = await self.resolve_bot(request)
        if not self.verify_secret(request.headers.get(SECRET_HEADER, ""), bot):
            return web.Response(body="Unauthorized", status=401)
        update = read_update(await request.read(), bot)
        if update is None:
            log.warning("webhook: refused a request whose body is not a Telegram update")
            return web.Response(body="Bad Request", status=400)
        if not self.answer_after_handling:
            task = asyncio.create_task(self._feed(bot, update))
            self._background_feed_update_tasks.add(task)
            task.add_done_callback(self._background_feed_update_tasks.discard)
            return web.json_response({})
        if await self._feed(bot, update) is IN_FLIGHT:
            # Another instance works on this update now: Telegram will try again, and by
            # then it is done (skipped) or that instance has died (its claim ran out).
            return web.Response(status=503, headers={"Retry-After": "1"})
        return web.json_response({})

    async def _feed(self, bot: Bot, update: Update) -> Any:
        try:
            result: Any = await self.dispatcher.feed_update(bot, update, **self.data)
            if isinstance(result, TelegramMethod):
                await self.dispatcher.silent_call_request(bot=bot, result=result)
        except Exception:
            log.exception("webhook: update %s failed", update.update_id)
            return None
        return result

    __call__ = handle
