"""`gigbot sandbox`: the emulator, the bot and a web chat in one process, no token.

The page (plain HTML, CSS and JavaScript in `static/`) talks to a small JSON API here;
each action is a simulated person's (`emulator.people.SimUser`), so the bot gets exactly
what Telegram would send. The page learns of changes through server-sent events and
then reads the chat again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from emulator import Emulator, SimGroup, SimUser
from emulator.harness import RunningBot, make_settings, start_bot
from emulator.state import EmuChat, EmuMessage
from emulator.telegram_html import parse_html
from models import User
from sandbox.personas import CHANNEL_TITLE, GROUP_TITLE, PERSONAS, Persona
from services.geo import GeoPoint
from services.users import set_timezone

STATIC = Path(__file__).parent / "static"
BOT_TIMEOUT = 30.0  # seconds the page waits for the bot to finish an update


@dataclass
class Sandbox:
    """What the page can see and do: the emulated Telegram, the bot, the personas."""

    emulator: Emulator
    bot: RunningBot
    people: dict[int, tuple[Persona, SimUser]] = field(default_factory=dict)
    groups: dict[int, SimGroup] = field(default_factory=dict)
    # Each persona's last inline results, by result id (what choosing one sends).
    inline: dict[int, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def person(self, persona_id: object) -> SimUser:
        """The persona acting (web.HTTPBadRequest for an unknown one)."""
        if not isinstance(persona_id, int) or persona_id not in self.people:
            raise web.HTTPBadRequest(text="unknown persona")
        return self.people[persona_id][1]

    def chat(self, chat_id: object, person: SimUser) -> EmuChat:
        """A chat the persona can see: their own private chat, or one of the groups."""
        if chat_id == person.id:
            return person.chat
        if isinstance(chat_id, int) and chat_id in self.groups:
            return self.groups[chat_id].chat
        raise web.HTTPBadRequest(text="unknown chat")


SANDBOX_PAYMENT_TOKEN = "sandbox:TEST:no-money-moves"  # noqa: S105 - not a secret: the emulator


async def open_sandbox(database_url: str) -> Sandbox:
    """Start the emulator and the bot (polling it), and introduce the personas."""
    emulator = Emulator()
    emulator.add_bot()
    await emulator.start("127.0.0.1", 0)
    people = {}
    for persona in PERSONAS:
        person = emulator.user(persona.name, language=persona.language, username=persona.username)
        people[person.id] = (persona, person)
    # Payments work with a test token (the emulator charges nobody); the admin persona is
    # the operator's admin, who hears of refunds due.
    settings = make_settings(
        emulator,
        database_url,
        "polling",
        scheduler_interval=5.0,
        payment_provider_token=SANDBOX_PAYMENT_TOKEN,
        admin_ids=[person.id for persona, person in people.values() if persona.role == "admin"],
    )
    running = await start_bot(settings, emulator)
    sandbox = Sandbox(emulator, running)
    sandbox.people.update(people)
    for _persona, person in people.values():
        await person.send("/start")
    await _set_time_zones(sandbox)
    admin = next(person for persona, person in sandbox.people.values() if persona.role == "admin")
    group = emulator.group(GROUP_TITLE)
    channel = emulator.group(CHANNEL_TITLE, kind="channel")
    for _persona, person in sandbox.people.values():
        group.join(person, "creator" if person is admin else "member")
    channel.join(admin, "creator")
    await group.add_bot(admin)
    await channel.add_bot(admin)
    sandbox.groups = {group.id: group, channel.id: channel}
    return sandbox


async def _set_time_zones(sandbox: Sandbox) -> None:
    """Each persona's time zone, as if chosen in /settings."""
    async with sandbox.bot.app.sessionmaker() as session:
        for persona, person in sandbox.people.values():
            user = await session.get(User, person.id)
            if user is not None:
                await set_timezone(session, user, persona.timezone)
        await session.commit()


async def close_sandbox(sandbox: Sandbox) -> None:
    """Stop the bot, then the emulator."""
    await sandbox.bot.stop()
    await sandbox.emulator.stop()


# --- the page's API ---------------------------------------------------------------------


def message_json(message: EmuMessage) -> dict[str, Any]:
    """A message as the page draws it: text and entities (drawn as DOM nodes, never as
    HTML), buttons, a photo or document link, and whether it was edited or deleted."""
    extra = message.extra
    data: dict[str, Any] = {
        "id": message.message_id,
        "seq": message.seq,
        "from_bot": message.from_bot,
        "sender": message.sender.first_name,
        "text": message.text or extra.get("caption") or "",
        "entities": message.entities or extra.get("caption_entities") or [],
        "inline": [[_inline_button(button) for button in row] for row in message.inline_keyboard],
        "keyboard": [[_reply_button(button) for button in row] for row in message.reply_keyboard],
        "edited": message.edit_date is not None,
        "deleted": message.deleted,
    }
    if "photo" in extra:
        data["photo"] = f"/files/{extra['photo'][-1]['file_id']}"
    document = message.document
    if document is not None:
        data["document"] = {"name": document["file_name"], "url": f"/files/{document['file_id']}"}
    if "venue" in extra:
        data["venue"] = {k: extra["venue"][k] for k in ("title", "address")}
    elif "location" in extra:
        data["location"] = extra["location"]
    if "contact" in extra:
        data["contact"] = extra["contact"].get("phone_number")
    if "invoice" in extra:
        data["invoice"] = extra["invoice"]
    return data


def _inline_button(button: dict[str, Any]) -> dict[str, Any]:
    if "callback_data" in button:
        return {"text": button["text"], "data": button["callback_data"]}
    if "switch_inline_query" in button:  # Telegram's chat picker: here, "@bot query"
        return {"text": button["text"], "inline": button["switch_inline_query"]}
    return {"text": button["text"], "url": button.get("url", "")}


def _reply_button(button: dict[str, Any]) -> dict[str, Any]:
    kind = (
        "location"
        if button.get("request_location")
        else "contact"
        if button.get("request_contact")
        else "text"
    )
    return {"text": button["text"], "kind": kind}


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text="JSON expected") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="a JSON object expected")
    return body


def _sandbox(request: web.Request) -> Sandbox:
    sandbox: Sandbox = request.app[SANDBOX]
    return sandbox


async def state(request: web.Request) -> web.Response:
    """The personas, the chats they can open, and the bot."""
    sandbox = _sandbox(request)
    bot = sandbox.emulator.bot
    personas = [
        {
            "id": person.id,
            "name": persona.name,
            "role": persona.role,
            "language": persona.language,
            "timezone": persona.timezone,
            "commands": _commands(sandbox, persona.language, person.id),
        }
        for persona, person in sandbox.people.values()
    ]
    groups = [
        {"id": group.id, "title": group.chat.title, "kind": group.chat.type}
        for group in sandbox.groups.values()
    ]
    return web.json_response(
        {
            "bot": {"name": bot.user.first_name, "username": bot.user.username},
            "personas": personas,
            "groups": groups,
            "seq": sandbox.emulator.seq,
        }
    )


def _commands(sandbox: Sandbox, language: str, chat_id: int) -> list[dict[str, str]]:
    """The command menu Telegram would show the persona (their chat's own list first)."""
    menus = sandbox.emulator.bot.commands
    for key in (
        ("chat", chat_id, language),
        ("chat", chat_id, ""),
        ("all_private_chats", None, language),
        ("all_private_chats", None, ""),
        ("default", None, language),
        ("default", None, ""),
    ):
        if key in menus:
            return [{"command": c["command"], "description": c["description"]} for c in menus[key]]
    return []


async def messages(request: web.Request) -> web.Response:
    """Every message of a chat the persona can see, oldest first (deleted ones gone)."""
    sandbox = _sandbox(request)
    try:
        persona_id, chat_id = int(request.query["persona"]), int(request.query["chat"])
    except (KeyError, ValueError):
        raise web.HTTPBadRequest(text="persona and chat expected") from None
    person = sandbox.person(persona_id)
    chat = sandbox.chat(chat_id, person)
    found = [message_json(m) for m in sandbox.emulator.messages_in(chat.id)]
    return web.json_response({"messages": found, "seq": sandbox.emulator.seq})


async def _act(work: Any) -> Any:
    try:
        return await asyncio.wait_for(work, BOT_TIMEOUT)
    except (AssertionError, TimeoutError) as error:
        raise web.HTTPServiceUnavailable(text=f"the bot did not answer: {error}") from None


async def send(request: web.Request) -> web.Response:
    """The persona writes in a chat (text, or a command)."""
    sandbox = _sandbox(request)
    body = await _body(request)
    person = sandbox.person(body.get("persona"))
    chat = sandbox.chat(body.get("chat"), person)
    text = body.get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > 4096:
        raise web.HTTPBadRequest(text="1 to 4096 characters")
    if chat.type == "private":
        await _act(person.send(text))
    else:
        await _act(person.send_in(sandbox.groups[chat.id], text))
    return web.json_response({"ok": True})


async def press(request: web.Request) -> web.Response:
    """The persona presses an inline button; answers with the bot's toast or alert."""
    sandbox = _sandbox(request)
    body = await _body(request)
    person = sandbox.person(body.get("persona"))
    chat = sandbox.chat(body.get("chat"), person)
    message = sandbox.emulator.messages.get((chat.id, body.get("message")))  # type: ignore[arg-type]
    data = body.get("data")
    if message is None or not isinstance(data, str):
        raise web.HTTPBadRequest(text="no such message or button")
    await _act(person.press_callback(message, data))
    answer = person.last_answer or {}
    return web.json_response({"text": answer.get("text"), "alert": bool(answer.get("show_alert"))})


async def pay(request: web.Request) -> web.Response:
    """The persona pays an invoice (the emulator charges nobody); answers whether it was
    charged, or the bot's reason for refusing before any charge."""
    sandbox = _sandbox(request)
    body = await _body(request)
    person = sandbox.person(body.get("persona"))
    message = sandbox.emulator.messages.get((person.chat.id, body.get("message")))  # type: ignore[arg-type]
    if message is None or "invoice" not in message.extra:
        raise web.HTTPBadRequest(text="no such invoice")
    payment = await _act(person.pay(message))
    return web.json_response({"charged": payment.charged, "refusal": payment.refusal})


async def share(request: web.Request) -> web.Response:
    """The persona shares a location (from the map or typed) or their own contact."""
    sandbox = _sandbox(request)
    body = await _body(request)
    person = sandbox.person(body.get("persona"))
    persona = sandbox.people[person.id][0]
    if body.get("kind") == "contact":
        await _act(person.share_contact(persona.phone))
        return web.json_response({"ok": True})
    point = _point(body.get("latitude"), body.get("longitude"))
    await _act(person.share_location(point.latitude, point.longitude))
    return web.json_response({"ok": True})


async def inline(request: web.Request) -> web.Response:
    """The persona types `@bot words` in a group: the bot's inline results."""
    sandbox = _sandbox(request)
    body = await _body(request)
    person = sandbox.person(body.get("persona"))
    query = body.get("query")
    if not isinstance(query, str) or len(query) > 256:
        raise web.HTTPBadRequest(text="a query of up to 256 characters expected")
    answer = await _act(person.inline(query, chat_type="supergroup"))
    shown = ("article", "photo")  # a text card, or a printable card's picture
    results = [r for r in answer.get("results") or [] if r.get("type") in shown]
    sandbox.inline[person.id] = {str(r["id"]): r for r in results}
    found = [
        {"id": str(r["id"]), "title": r.get("title", ""), "description": r.get("description", "")}
        for r in results
    ]
    return web.json_response({"results": found, "query_id": ""})


async def choose_inline(request: web.Request) -> web.Response:
    """The persona sends one of the inline results to the group, "via" the bot."""
    sandbox = _sandbox(request)
    body = await _body(request)
    person = sandbox.person(body.get("persona"))
    chat = sandbox.chat(body.get("chat"), person)
    result = sandbox.inline.get(person.id, {}).get(str(body.get("result")))
    if result is None or chat.type == "private":
        raise web.HTTPBadRequest(text="no such result")
    extra: dict[str, Any] = {"via_bot": sandbox.emulator.bot.user.to_api()}
    if result.get("type") == "photo":
        stored = sandbox.emulator.files.get(str(result.get("photo_file_id")))
        if stored is None:
            raise web.HTTPBadRequest(text="no such result")
        size = {k: stored[k] for k in ("file_id", "file_unique_id", "file_size")}
        extra["photo"] = [{**size, "width": stored.get("width"), "height": stored.get("height")}]
        html = str(result.get("caption") or "")
    else:
        html = result["input_message_content"]["message_text"]
    text, entities = parse_html(html)
    if result.get("type") == "photo":  # a picture's words are its caption
        extra.update(caption=text, caption_entities=entities)
        text, entities = "", []
    sandbox.emulator.add_message(
        chat,
        person.account,
        text=text or None,
        entities=entities,
        reply_markup=result.get("reply_markup"),
        extra=extra,
    )
    return web.json_response({"ok": True})


def _point(latitude: object, longitude: object) -> GeoPoint:
    """Coordinates from the page, as numbers in range (HTTPBadRequest otherwise)."""
    numbers = [v for v in (latitude, longitude) if isinstance(v, int | float)]
    if len(numbers) != 2 or any(isinstance(v, bool) for v in numbers):
        raise web.HTTPBadRequest(text="latitude and longitude expected")
    point = GeoPoint(float(numbers[0]), float(numbers[1]))
    if not point.is_valid():
        raise web.HTTPBadRequest(text="coordinates out of range")
    return point


async def file(request: web.Request) -> web.StreamResponse:
    """A document or photo the bot or a persona sent."""
    stored = _sandbox(request).emulator.files.get(request.match_info["file_id"])
    if stored is None:
        raise web.HTTPNotFound()
    disposition = "inline" if stored["mime_type"].startswith("image/") else "attachment"
    return web.Response(
        body=stored["content"],
        content_type=stored["mime_type"],
        headers={"Content-Disposition": f'{disposition}; filename="{stored["file_name"]}"'},
    )


async def events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: the emulator's change number, whenever it moves on."""
    sandbox = _sandbox(request)
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await response.prepare(request)
    seen = -1
    closing = request.app[CLOSING]
    with contextlib.suppress(ConnectionResetError, asyncio.CancelledError):
        async for seq in _changes(sandbox.emulator, closing):
            if seq != seen:
                seen = seq
                await response.write(f"data: {seq}\n\n".encode())
    return response


async def _changes(emulator: Emulator, closing: asyncio.Event) -> AsyncIterator[int]:
    """The change number now, and again after each change, until the server closes."""
    while not closing.is_set():
        yield emulator.seq
        changed = asyncio.ensure_future(emulator.changed(timeout=15.0))  # at least a heartbeat
        stop = asyncio.ensure_future(closing.wait())
        await asyncio.wait({changed, stop}, return_when=asyncio.FIRST_COMPLETED)
        for waiting in (changed, stop):
            waiting.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await waiting


async def index(_request: web.Request) -> web.FileResponse:
    """The page."""
    return web.FileResponse(STATIC / "index.html")


SANDBOX: web.AppKey[Sandbox] = web.AppKey("sandbox", Sandbox)
CLOSING: web.AppKey[asyncio.Event] = web.AppKey("closing", asyncio.Event)


def sandbox_app(sandbox: Sandbox) -> web.Application:
    """The web page and its API."""
    app = web.Application()
    app[SANDBOX] = sandbox
    app[CLOSING] = asyncio.Event()

    async def end_event_streams(app: web.Application) -> None:
        app[CLOSING].set()  # open event streams end, so the server stops at once

    app.on_shutdown.append(end_event_streams)
    app.router.add_get("/", index)
    app.router.add_static("/static/", STATIC)
    app.router.add_get("/api/state", state)
    app.router.add_get("/api/messages", messages)
    app.router.add_post("/api/send", send)
    app.router.add_post("/api/press", press)
    app.router.add_post("/api/share", share)
    app.router.add_post("/api/pay", pay)
    app.router.add_get("/api/events", events)
    app.router.add_post("/api/inline", inline)
    app.router.add_post("/api/inline/choose", choose_inline)
    app.router.add_get("/files/{file_id}", file)
    return app
