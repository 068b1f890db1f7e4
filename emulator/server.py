"""The emulated Telegram: an aiohttp server speaking the Bot API over HTTP.

Bots reach it at `http://host:port/bot<token>/<method>` (set TELEGRAM_API_URL to its
base URL), with JSON, form or multipart bodies like the real server. Tests drive people
through `Emulator.user(...)` and read what the bot sent; see `emulator.people`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import logging
import re
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from emulator.methods import METHODS, UPDATE_TYPES
from emulator.state import (
    ApiCall,
    ApiError,
    EmuBot,
    EmuChat,
    EmuMessage,
    EmuUser,
    Fault,
)

if TYPE_CHECKING:
    from emulator.people import SimGroup, SimUser

log = logging.getLogger(__name__)

JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "results",
        "allowed_updates",
        "link_preview_options",
        "reply_parameters",
        "button",
        "media",
    }
)
INT_FIELDS = frozenset(
    {
        "chat_id",
        "message_id",
        "from_chat_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "cache_time",
        "max_connections",
        "message_thread_id",
        "live_period",
        "heading",
        "proximity_alert_radius",
        "reply_to_message_id",
    }
)
FLOAT_FIELDS = frozenset({"latitude", "longitude", "horizontal_accuracy"})
TEXT_FIELDS = frozenset(
    {
        "text",
        "caption",
        "description",
        "title",
        "query",
        "secret_token",
        "url",
        "next_offset",
        "callback_query_id",
        "inline_query_id",
    }
)
# Telegram leaves these out unless a bot asks for them by allowed_updates.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
PROCESSING_TIMEOUT = 15.0


def _coerce(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if name in JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from None
    if name in INT_FIELDS:
        if re.fullmatch(r"-?[0-9]{1,20}", value):  # ASCII digits: int() refuses '²'
            return int(value)
        return value  # "@channelusername" and the like
    if name in FLOAT_FIELDS:
        try:
            return float(value)
        except ValueError:
            raise ApiError(400, f"Bad Request: wrong {name}") from None
    if name not in TEXT_FIELDS and value in ("true", "false", "True", "False"):
        return value.lower() == "true"
    return value


def order_key(update: dict[str, Any]) -> object:
    """What Telegram keeps updates in order by: the chat (or the person, for updates
    without a chat); updates of other chats may be delivered side by side."""
    payload = next(value for name, value in update.items() if name != "update_id")
    if isinstance(payload, dict):
        for holder in (payload, payload.get("message")):
            if isinstance(holder, dict) and isinstance(holder.get("chat"), dict):
                return holder["chat"].get("id")
        sender = payload.get("from") or payload.get("user")
        if isinstance(sender, dict):
            return sender.get("id")
    return None


class Emulator:
    """A Telegram stand-in: chats, messages, update queues, webhooks and injected faults."""

    def __init__(self) -> None:
        self.bots: dict[str, EmuBot] = {}
        self.users: dict[int, EmuUser] = {}
        self.chats: dict[int, EmuChat] = {}
        self.messages: dict[tuple[int, int], EmuMessage] = {}
        self._by_chat: dict[int, list[EmuMessage]] = {}
        self._last_seq = 0
        self.files: dict[str, dict[str, Any]] = {}
        self.faults: list[Fault] = []
        self.calls: list[ApiCall] = []
        self.blocked_by: set[int] = set()
        # Telegram's limit on a bot's messages to one group or channel, answered with 429.
        self.group_limit_per_minute = 20
        self.clock: Callable[[], float] = time.monotonic  # tests may simulate time
        self.group_sends: dict[int, deque[float]] = {}
        self.closing = False
        self.url = ""
        self._seq = itertools.count(1)
        self._ids = itertools.count(1)
        self._user_ids = itertools.count(1_000_001)
        self._group_ids = itertools.count(1_000_000_000_001)
        self._done: dict[tuple[str, int], asyncio.Event] = {}
        self._delivery: dict[str, asyncio.Task[None]] = {}
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        # Seconds a webhook call may take before it counts as failed (and is redelivered).
        self.webhook_timeout = 60.0
        self.deliveries = 0  # webhook calls answered 200
        self.redeliveries = 0  # webhook calls that failed or timed out, to be made again

    # --- lifecycle ---------------------------------------------------------------------

    def application(self) -> web.Application:
        """The aiohttp application (Bot API routes and file downloads)."""
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on host:port (0: any free port); returns the base URL for TELEGRAM_API_URL."""
        self._runner = web.AppRunner(
            self.application(), access_log=None, handler_cancellation=True, shutdown_timeout=0.5
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_port = self._runner.addresses[0][1]
        self.url = f"http://{host}:{bound_port}"
        return self.url

    async def stop(self) -> None:
        """Stop serving: wake long polls, stop webhook delivery, close the server."""
        self.closing = True
        for bot in self.bots.values():
            async with bot.changed:
                bot.changed.notify_all()
            await self.stop_delivery(bot)
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- setting up the world ----------------------------------------------------------

    def add_bot(
        self,
        token: str | None = None,
        username: str = "gigbot_test_bot",
        first_name: str = "gigbot",
    ) -> EmuBot:
        """Create a bot account; its id is the number before the colon of the token."""
        if token is None:
            seed = hashlib.sha256(username.encode()).hexdigest()
            token = f"{700000 + len(self.bots)}:AA{seed[:33]}"
        bot_id = int(token.split(":", 1)[0])
        bot = EmuBot(EmuUser(bot_id, first_name, username=username, is_bot=True), token)
        self.bots[token] = bot
        return bot

    @property
    def bot(self) -> EmuBot:
        """The first bot created (most tests have one)."""
        return next(iter(self.bots.values()))

    def user(
        self,
        first_name: str,
        *,
        language: str | None = "en",
        username: str | None = None,
        last_name: str | None = None,
        bot: EmuBot | None = None,
    ) -> SimUser:
        """A new person who can talk to the bot."""
        from emulator.people import SimUser

        account = EmuUser(next(self._user_ids), first_name, last_name, username, language)
        self.users[account.id] = account
        return SimUser(self, account, bot or self.bot)

    def group(self, title: str, *, kind: str = "supergroup", bot: EmuBot | None = None) -> SimGroup:
        """A new group chat (the bot is not in it until added)."""
        from emulator.people import SimGroup

        chat = EmuChat(-next(self._group_ids), kind, title=title)
        self.chats[chat.id] = chat
        return SimGroup(self, chat, bot or self.bot)

    def inject(self, fault: Fault) -> Fault:
        """Make matching Bot API calls fail or slow down (see Fault)."""
        self.faults.append(fault)
        return fault

    # --- state used by the methods -----------------------------------------------------

    def private_chat(self, user: EmuUser) -> EmuChat:
        """The user's private chat with the bots, created on first contact."""
        chat = self.chats.get(user.id)
        if chat is None:
            chat = self.chats[user.id] = EmuChat(user.id, "private", user=user)
        return chat

    def add_message(
        self,
        chat: EmuChat,
        sender: EmuUser,
        *,
        text: str | None = None,
        entities: list[dict[str, Any]] | None = None,
        html: str | None = None,
        reply_markup: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> EmuMessage:
        """Store a new message in `chat`."""
        message = EmuMessage(
            chat=chat,
            message_id=chat.next_message_id,
            sender=sender,
            date=int(time.time()),
            text=text,
            entities=entities or [],
            html=html,
            reply_markup=reply_markup,
            extra=extra or {},
            seq=self._next_seq(),
        )
        chat.next_message_id += 1
        self.messages[(chat.id, message.message_id)] = message
        self._by_chat.setdefault(chat.id, []).append(message)
        self._notify()
        return message

    def touch(self, message: EmuMessage, *, edited: bool = False) -> None:
        """Record that `message` changed (edit, deletion)."""
        message.seq = self._next_seq()
        if edited:
            message.edit_date = int(time.time())
        self._notify()

    def store_file(self, name: str, content: bytes, mime_type: str) -> dict[str, Any]:
        """Keep an uploaded file; returns its Bot API `Document` fields plus `content`."""
        number = next(self._ids)
        file_id = f"BQAC{number:08d}{hashlib.sha1(content).hexdigest()[:16]}"  # noqa: S324
        stored = {
            "file_id": file_id,
            "file_unique_id": f"AgAD{number:08d}",
            "file_name": name,
            "mime_type": mime_type,
            "file_size": len(content),
            "file_path": f"documents/{number}_{name}",
            "content": content,
        }
        self.files[file_id] = stored
        return stored

    def messages_in(self, chat_id: int, *, include_deleted: bool = False) -> list[EmuMessage]:
        """The chat's messages in order of sending."""
        found = self._by_chat.get(chat_id, [])
        return list(found) if include_deleted else [m for m in found if not m.deleted]

    def _notify(self) -> None:
        async def wake() -> None:
            async with self._changed:
                self._changed.notify_all()

        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().create_task(wake())

    async def changed(self, timeout: float) -> None:
        """Wait until anything changes (a message sent, edited or deleted); TimeoutError
        after `timeout` seconds of quiet."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait(), timeout)

    async def wait_for_message(
        self,
        chat_id: int,
        predicate: Any = None,
        *,
        after_seq: int = 0,
        timeout: float = PROCESSING_TIMEOUT,
    ) -> EmuMessage:
        """Wait until a bot message in `chat_id` changed after `after_seq` and matches."""

        def found() -> EmuMessage | None:
            for message in self.messages_in(chat_id):
                if (
                    message.from_bot
                    and message.seq > after_seq
                    and (predicate is None or predicate(message))
                ):
                    return message
            return None

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: found() is not None), timeout)
        result = found()
        assert result is not None
        return result

    def _next_seq(self) -> int:
        self._last_seq = next(self._seq)
        return self._last_seq

    @property
    def seq(self) -> int:
        """The order number of the latest change; the next one will exceed it."""
        return self._last_seq

    # --- updates -----------------------------------------------------------------------

    def _wanted(self, bot: EmuBot, update: dict[str, Any]) -> bool:
        kind = next(key for key in update if key != "update_id")
        if bot.allowed_updates:
            return kind in bot.allowed_updates
        return kind not in OPT_IN_UPDATES

    def drop_unwanted_updates(self, bot: EmuBot) -> None:
        """Forget queued updates the bot did not ask for (they count as processed)."""
        for update in [u for u in bot.updates if not self._wanted(bot, u)]:
            bot.updates.remove(update)
            self.mark_processed(bot.token, update["update_id"])

    async def push_update(self, bot: EmuBot, payload: dict[str, Any]) -> int:
        """Queue an update for the bot (getUpdates or webhook); returns its update_id."""
        if len(payload) != 1 or next(iter(payload)) not in UPDATE_TYPES:
            raise ValueError(f"an update carries exactly one known kind: {list(payload)}")
        update_id = bot.next_update_id
        bot.next_update_id += 1
        update = {"update_id": update_id, **payload}
        self._done[(bot.token, update_id)] = asyncio.Event()
        if not self._wanted(bot, update):
            self.mark_processed(bot.token, update_id)
            return update_id
        bot.updates.append(update)
        async with bot.changed:
            bot.changed.notify_all()
        return update_id

    def mark_processed(self, token: str, update_id: int) -> None:
        """Called by a test harness when the bot has finished handling an update."""
        event = self._done.setdefault((token, update_id), asyncio.Event())
        event.set()

    async def wait_processed(
        self, bot: EmuBot, update_id: int, timeout: float = PROCESSING_TIMEOUT
    ) -> None:
        """Wait until the bot has handled `update_id` (see mark_processed)."""
        event = self._done.setdefault((bot.token, update_id), asyncio.Event())
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"the bot did not finish update {update_id} within {timeout:.0f} s"
            ) from None

    # --- webhook delivery --------------------------------------------------------------

    def start_delivery(self, bot: EmuBot) -> None:
        """Start posting the bot's updates to its webhook, in order."""
        if bot.token not in self._delivery or self._delivery[bot.token].done():
            self._delivery[bot.token] = asyncio.get_running_loop().create_task(self._deliver(bot))
        else:
            asyncio.get_running_loop().create_task(self._wake(bot))

    async def _wake(self, bot: EmuBot) -> None:
        async with bot.changed:
            bot.changed.notify_all()

    async def stop_delivery(self, bot: EmuBot) -> None:
        """Stop the webhook delivery task of the bot, if any."""
        task = self._delivery.pop(bot.token, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver(self, bot: EmuBot) -> None:
        """Post updates as Telegram does: up to the webhook's `max_connections` at once,
        one at a time per chat (in order), each until the bot answers 200 — a failed or
        timed-out call is delivered again."""
        if self._client is None:
            self._client = aiohttp.ClientSession()
        in_flight: dict[object, asyncio.Task[None]] = {}
        try:
            while bot.webhook is not None and not self.closing:
                async with bot.changed:
                    await bot.changed.wait_for(
                        lambda: (
                            bot.webhook is None
                            or self.closing
                            or self._next_update(bot, in_flight) is not None
                        )
                    )
                update = self._next_update(bot, in_flight)
                if bot.webhook is None or self.closing or update is None:
                    continue
                key = order_key(update)
                in_flight[key] = asyncio.get_running_loop().create_task(
                    self._deliver_one(bot, update, key, in_flight)
                )
        finally:
            for task in in_flight.values():
                task.cancel()
            await asyncio.gather(*in_flight.values(), return_exceptions=True)

    def _next_update(
        self, bot: EmuBot, in_flight: dict[object, asyncio.Task[None]]
    ) -> dict[str, Any] | None:
        """The oldest queued update whose chat has nothing in flight or queued before it."""
        webhook = bot.webhook
        if webhook is None or len(in_flight) >= webhook.max_connections:
            return None
        seen: set[object] = set()
        for update in bot.updates:
            key = order_key(update)
            if key not in in_flight and key not in seen:
                return update
            seen.add(key)
        return None

    async def _deliver_one(
        self,
        bot: EmuBot,
        update: dict[str, Any],
        key: object,
        in_flight: dict[object, asyncio.Task[None]],
    ) -> None:
        assert self._client is not None
        backoff = 0.05
        try:
            while (webhook := bot.webhook) is not None and not self.closing:
                headers = (
                    {"X-Telegram-Bot-Api-Secret-Token": webhook.secret_token}
                    if webhook.secret_token
                    else {}
                )
                timeout = aiohttp.ClientTimeout(total=self.webhook_timeout)
                try:
                    async with self._client.post(
                        webhook.url, json=update, headers=headers, timeout=timeout
                    ) as resp:
                        if resp.status == 200:
                            with contextlib.suppress(ValueError):
                                bot.updates.remove(update)
                            self.deliveries += 1
                            await self._execute_webhook_reply(bot, resp)
                            return
                        webhook.last_error_message = (
                            f"Wrong response from the webhook: {resp.status} {resp.reason}"
                        )
                except (aiohttp.ClientError, TimeoutError) as error:
                    webhook.last_error_message = f"Connection failed: {type(error).__name__}"
                # Telegram retries a failed delivery later; so does the emulator, sooner.
                self.redeliveries += 1
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 1.0)
        finally:
            in_flight.pop(key, None)
            async with bot.changed:
                bot.changed.notify_all()

    async def _execute_webhook_reply(self, bot: EmuBot, resp: aiohttp.ClientResponse) -> None:
        """A bot may answer a webhook with a method call in the response body."""
        params: dict[str, Any] = {}
        if resp.content_type == "application/json":
            body = await resp.json(content_type=None)
            params = body if isinstance(body, dict) else {}
        elif resp.content_type.startswith("multipart/"):
            reader = aiohttp.MultipartReader.from_response(resp)
            while (part := await reader.next()) is not None:
                if isinstance(part, aiohttp.BodyPartReader) and part.name:
                    params[part.name] = (await part.read()).decode()
        method = params.pop("method", None)
        if method:
            await self.call(bot, str(method), {k: _coerce(k, v) for k, v in params.items()})

    # --- HTTP --------------------------------------------------------------------------

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                if isinstance(body, dict):
                    params.update(body)
            else:
                form = await request.post()
                uploads: dict[str, dict[str, Any]] = {}
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        uploads[key] = {
                            "file_name": value.filename or key,
                            "content": value.file.read(),
                            "mime_type": value.content_type or "application/octet-stream",
                        }
                    else:
                        params[key] = value
                for key, value in list(params.items()):
                    if isinstance(value, str) and value.startswith("attach://"):
                        params[key] = uploads.get(value.removeprefix("attach://"), value)
                    elif isinstance(value, str) and key in uploads:
                        params[key] = uploads[key]
                for key, upload in uploads.items():
                    params.setdefault(key, upload)
        return {key: _coerce(key, value) for key, value in params.items()}

    async def _handle(self, request: web.Request) -> web.Response:
        bot = self.bots.get(request.match_info["token"])
        if bot is None:
            return web.json_response(ApiError(401, "Unauthorized").payload(), status=401)
        method = request.match_info["method"]
        try:
            params = await self._read_params(request)
        except ApiError as error:
            return web.json_response(error.payload(), status=error.code)
        except ValueError:
            unreadable = ApiError(400, "Bad Request: can't parse request body")
            return web.json_response(unreadable.payload(), status=400)
        try:
            result = await self.call(bot, method, params)
        except ApiError as error:
            return web.json_response(error.payload(), status=error.code)
        return web.json_response({"ok": True, "result": result})

    async def call(self, bot: EmuBot, method: str, params: dict[str, Any]) -> Any:
        """Run a Bot API method as the bot, with injected faults applied; raises ApiError."""
        function = METHODS.get(method.lower())
        if function is None:
            self.calls.append(ApiCall(method, params, False, 404, "Not Found"))
            raise ApiError(404, "Not Found")
        try:
            await self._apply_faults(method, params)
            result = await function(self, bot, params)
        except ApiError as error:
            self.calls.append(ApiCall(method, params, False, error.code, error.description))
            raise
        self.calls.append(ApiCall(method, params, True))
        return result

    async def _apply_faults(self, method: str, params: dict[str, Any]) -> None:
        for fault in self.faults:
            if not fault.matches(method, params):
                continue
            if fault.times > 0:
                fault.times -= 1
            if fault.latency:
                await asyncio.sleep(fault.latency)
            if fault.status:
                raise ApiError(
                    fault.status,
                    fault.description,
                    fault.retry_after if fault.status == 429 else None,
                )

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] not in self.bots:
            return web.Response(status=401)
        path = request.match_info["path"]
        for stored in self.files.values():
            if stored["file_path"] == path:
                return web.Response(body=stored["content"], content_type=stored["mime_type"])
        return web.Response(status=404)

    def calls_of(self, method: str) -> list[ApiCall]:
        """The bot's calls of one method, in order."""
        return [call for call in self.calls if call.method.lower() == method.lower()]
