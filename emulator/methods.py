"""Bot API methods of the emulator, validated the way Telegram validates them."""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import re
import struct
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from emulator.people import member_of
from emulator.state import ApiError, EmuBot, EmuChat, EmuMessage, Webhook, bad_request
from emulator.telegram_html import HtmlParseError, parse_html, utf16_len

if TYPE_CHECKING:
    from emulator.server import Emulator

Method = Callable[["Emulator", EmuBot, dict[str, Any]], Awaitable[Any]]
METHODS: dict[str, Method] = {}
_media_groups = itertools.count(1)

MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
MAX_ALERT = 200
MAX_INLINE_RESULTS = 50
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_URL_RE = re.compile(r"^(https?|tg)://\S+$")
_INLINE_ACTIONS = (
    "callback_data",
    "url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "login_url",
    "web_app",
    "callback_game",
    "pay",
    "copy_text",
)
UPDATE_TYPES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "shipping_query",
    "pre_checkout_query",
    "poll",
    "poll_answer",
    "message_reaction",
    "message_reaction_count",
    "chat_boost",
    "removed_chat_boost",
)


def api(name: str) -> Callable[[Method], Method]:
    """Register a Bot API method under its (case-insensitive) name."""

    def register(function: Method) -> Method:
        METHODS[name.lower()] = function
        return function

    return register


def _require(params: dict[str, Any], *names: str) -> None:
    for name in names:
        if params.get(name) in (None, ""):
            raise bad_request(f"parameter {name} is required")


def _chat(emu: Emulator, params: dict[str, Any]) -> EmuChat:
    _require(params, "chat_id")
    chat_id = params["chat_id"]
    if not isinstance(chat_id, int):
        raise bad_request("chat not found")
    chat = emu.chats.get(chat_id)
    if chat is None:
        raise bad_request("chat not found")
    return chat


def _writable_chat(
    emu: Emulator, bot: EmuBot, params: dict[str, Any], *, posts: bool = True
) -> EmuChat:
    """The chat a message goes to, if the bot may write there; a post to a group or
    channel beyond `emu.group_limit_per_minute` in a minute is answered with 429."""
    chat = _chat(emu, params)
    if chat.type == "private" and chat.id in emu.blocked_by:
        raise ApiError(403, "Forbidden: bot was blocked by the user")
    if chat.type != "private" and chat.members.get(bot.user.id) in (None, "left", "kicked"):
        kind = "channel" if chat.type == "channel" else "group"
        raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")
    if chat.type == "channel":
        rights = member_of(chat, bot.user)
        if not rights.get("can_post_messages"):
            raise bad_request("need administrator rights in the channel chat")
    if posts and chat.type != "private":
        _count_group_post(emu, chat)
    return chat


def _count_group_post(emu: Emulator, chat: EmuChat) -> None:
    now = emu.clock()
    sent = emu.group_sends.setdefault(chat.id, deque())
    while sent and now - sent[0] >= 60:
        sent.popleft()
    if len(sent) >= emu.group_limit_per_minute:
        wait = max(1, math.ceil(60 - (now - sent[0])))
        raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
    sent.append(now)


def _text_and_entities(
    params: dict[str, Any], field: str = "text", *, required: bool = True
) -> tuple[str | None, list[dict[str, Any]], str | None]:
    raw = params.get(field)
    if raw is None or raw == "":
        if required:
            raise bad_request(f"message {field} is empty")
        return None, [], None
    if not isinstance(raw, str):
        raw = str(raw)
    mode = params.get("parse_mode")
    if mode in (None, ""):
        text, entities = raw, list(params.get("entities") or [])
    elif str(mode).lower() == "html":
        try:
            text, entities = parse_html(raw)
        except HtmlParseError as error:
            raise bad_request(str(error)) from None
    else:
        raise bad_request(f"unsupported parse_mode {mode!r}: the emulator speaks HTML only")
    if not text.strip():
        raise bad_request(f"message {field} is empty")
    limit = MAX_TEXT if field == "text" else 1024
    if utf16_len(text) > limit:
        raise bad_request(
            "message is too long" if field == "text" else "message caption is too long"
        )
    return text, entities, raw if mode else None


def validate_markup(markup: Any) -> dict[str, Any] | None:
    """Check a reply_markup object like Telegram; return it or raise a 400 ApiError."""
    if markup in (None, ""):
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
            )
        if sum(len(row) for row in rows) > 100:
            raise bad_request("too many inline keyboard buttons")
        for row in rows:
            if len(row) > 8:
                raise bad_request("too many buttons in a row of the inline keyboard")
            for button in row:
                _validate_inline_button(button)
        return markup
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not rows or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                text = button if isinstance(button, str) else (button or {}).get("text")
                if not isinstance(text, str) or not text:
                    raise bad_request("can't parse keyboard button: Text must be non-empty")
        return markup
    if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
        return markup
    raise bad_request("can't parse reply keyboard markup JSON object")


def _validate_inline_button(button: Any) -> None:
    if (
        not isinstance(button, dict)
        or not isinstance(button.get("text"), str)
        or not button["text"]
    ):
        raise bad_request("can't parse inline keyboard button: Text must be non-empty")
    actions = [key for key in _INLINE_ACTIONS if key in button]
    if len(actions) != 1:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
            if not actions
            else "can't parse inline keyboard button: only one of the optional fields must be used"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not _URL_RE.match(str(button["url"])):
        raise bad_request("BUTTON_URL_INVALID")


def _message_to_edit(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> EmuMessage:
    if params.get("inline_message_id"):
        raise bad_request("the emulator does not keep inline messages")
    chat = _chat(emu, params)
    _require(params, "message_id")
    message = emu.messages.get((chat.id, params["message_id"]))
    if message is None or message.deleted:
        raise bad_request("message to edit not found")
    if message.sender.id != bot.user.id:
        raise bad_request("message can't be edited")
    return message


# --- identity and updates -----------------------------------------------------------


@api("getMe")
async def get_me(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """The bot's own User object."""
    return {
        **bot.user.to_api(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": True,
    }


@api("getUpdates")
async def get_updates(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """Long polling: confirms updates below `offset`, waits up to `timeout` for new ones."""
    if bot.webhook is not None:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    offset = int(params.get("offset") or 0)
    limit = max(1, min(100, int(params.get("limit") or 100)))
    timeout = max(0, int(params.get("timeout") or 0))
    if params.get("allowed_updates") is not None:
        bot.allowed_updates = list(params["allowed_updates"]) or None
    if offset > 0:
        bot.updates = [u for u in bot.updates if u["update_id"] >= offset]
    elif offset < 0:
        bot.updates = bot.updates[offset:]
    emu.drop_unwanted_updates(bot)
    bot.poll_generation += 1
    generation = bot.poll_generation
    deadline = time.monotonic() + timeout
    async with bot.changed:
        while True:
            if generation != bot.poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make "
                    "sure that only one bot instance is running",
                )
            if bot.updates or emu.closing:
                return bot.updates[:limit]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            try:
                await asyncio.wait_for(bot.changed.wait(), remaining)
            except TimeoutError:
                return []


@api("setWebhook")
async def set_webhook(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """Register a webhook; pending updates are then delivered there with the secret header."""
    url = str(params.get("url") or "")
    if not url:
        return await delete_webhook(emu, bot, params)
    if not url.startswith(("https://", "http://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.get("secret_token")
    if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
        raise bad_request("secret token contains unallowed characters")
    if params.get("allowed_updates") is not None:
        bot.allowed_updates = list(params["allowed_updates"]) or None
    if params.get("drop_pending_updates"):
        bot.updates.clear()
    bot.webhook = Webhook(
        url, None if secret is None else str(secret), int(params.get("max_connections") or 40)
    )
    emu.drop_unwanted_updates(bot)
    emu.start_delivery(bot)
    return True


@api("deleteWebhook")
async def delete_webhook(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """Remove the webhook; getUpdates works again."""
    if params.get("drop_pending_updates"):
        bot.updates.clear()
    bot.webhook = None
    await emu.stop_delivery(bot)
    return True


@api("getWebhookInfo")
async def get_webhook_info(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """The webhook's URL and how many updates wait."""
    info: dict[str, Any] = {
        "url": bot.webhook.url if bot.webhook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(bot.updates),
    }
    if bot.webhook and bot.webhook.last_error_message:
        info["last_error_message"] = bot.webhook.last_error_message
    return info


# --- messages -------------------------------------------------------------------------


@api("sendMessage")
async def send_message(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """Send text (HTML checked, ≤ 4096 characters after parsing) with an optional keyboard."""
    chat = _writable_chat(emu, bot, params)
    text, entities, html = _text_and_entities(params)
    markup = validate_markup(params.get("reply_markup"))
    message = emu.add_message(
        chat, bot.user, text=text, entities=entities, html=html, reply_markup=markup
    )
    return message.to_api()


@api("editMessageText")
async def edit_message_text(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """Edit a bot message's text (and keyboard); refuses an edit that changes nothing."""
    message = _message_to_edit(emu, bot, params)
    text, entities, html = _text_and_entities(params)
    markup = validate_markup(params.get("reply_markup"))
    if markup is not None and "inline_keyboard" not in markup:
        raise bad_request("inline keyboard expected")
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    if text == message.text and entities == message.entities and markup == message.reply_markup:
        raise bad_request(
            "message is not modified: specified new message content and reply "
            "markup are exactly the same as a current content and reply markup "
            "of the message"
        )
    message.text, message.entities, message.html, message.reply_markup = (
        text,
        entities,
        html,
        markup,
    )
    emu.touch(message, edited=True)
    return message.to_api()


@api("editMessageReplyMarkup")
async def edit_message_reply_markup(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """Replace or remove a bot message's inline keyboard."""
    message = _message_to_edit(emu, bot, params)
    markup = validate_markup(params.get("reply_markup"))
    if markup is not None and "inline_keyboard" not in markup:
        raise bad_request("inline keyboard expected")
    if markup == message.reply_markup or (markup is None and not message.inline_keyboard):
        raise bad_request(
            "message is not modified: specified new message content and reply "
            "markup are exactly the same as a current content and reply markup "
            "of the message"
        )
    message.reply_markup = markup
    emu.touch(message, edited=True)
    return message.to_api()


@api("deleteMessage")
async def delete_message(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """Delete a message in a chat."""
    chat = _chat(emu, params)
    _require(params, "message_id")
    message = emu.messages.get((chat.id, params["message_id"]))
    if message is None or message.deleted:
        raise bad_request("message to delete not found")
    message.deleted = True
    emu.touch(message)
    return True


@api("sendLocation")
async def send_location(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """Send a map point."""
    chat = _writable_chat(emu, bot, params)
    _require(params, "latitude", "longitude")
    latitude, longitude = float(params["latitude"]), float(params["longitude"])
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise bad_request("wrong location")
    markup = validate_markup(params.get("reply_markup"))
    message = emu.add_message(
        chat,
        bot.user,
        reply_markup=markup,
        extra={"location": {"latitude": latitude, "longitude": longitude}},
    )
    return message.to_api()


@api("sendVenue")
async def send_venue(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """Send a map pin with a name and an address (both required, not empty)."""
    chat = _writable_chat(emu, bot, params)
    _require(params, "latitude", "longitude", "title", "address")
    latitude, longitude = float(params["latitude"]), float(params["longitude"])
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise bad_request("wrong location")
    title, address = str(params["title"]).strip(), str(params["address"]).strip()
    if not title or not address:
        raise bad_request("VENUE_TITLE_EMPTY" if not title else "VENUE_ADDRESS_EMPTY")
    point = {"latitude": latitude, "longitude": longitude}
    markup = validate_markup(params.get("reply_markup"))
    venue = {"location": point, "title": title, "address": address}
    message = emu.add_message(
        chat, bot.user, reply_markup=markup, extra={"venue": venue, "location": point}
    )
    return message.to_api()


@api("sendDocument")
async def send_document(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """Send a file (uploaded in the request, or a known file_id) with an optional caption."""
    chat = _writable_chat(emu, bot, params)
    document = params.get("document")
    if isinstance(document, dict) and "content" in document:
        stored = emu.store_file(document["file_name"], document["content"], document["mime_type"])
    elif isinstance(document, str) and document in emu.files:
        stored = emu.files[document]
    else:
        raise bad_request("wrong file identifier/HTTP URL specified")
    return _add_with_caption(emu, bot, chat, params, {"document": stored})


def _add_with_caption(
    emu: Emulator,
    bot: EmuBot,
    chat: EmuChat,
    params: dict[str, Any],
    extra: dict[str, Any],
    *,
    caption_limit: int | None = None,
) -> Any:
    """Add a media message (`extra`) with its optional caption and keyboard."""
    caption, entities, html = _text_and_entities(params, "caption", required=False)
    if caption is not None and caption_limit is not None and len(caption) > caption_limit:
        raise bad_request("message caption is too long")
    markup = validate_markup(params.get("reply_markup"))
    if caption is not None:
        extra["caption"] = caption
        if entities:
            extra["caption_entities"] = entities
    message = emu.add_message(chat, bot.user, html=html, reply_markup=markup, extra=extra)
    return message.to_api()


MAX_PHOTO_BYTES = 10 * 1024 * 1024  # Telegram's limit for an uploaded photo
MAX_PHOTO_SIDES = 10_000  # width + height


def png_size(content: bytes) -> tuple[int, int] | None:
    """A PNG's width and height from its header, or None when it is not a PNG."""
    if len(content) < 24 or content[:8] != b"\x89PNG\r\n\x1a\n" or content[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", content[16:24])
    return width, height


def _known_photo(emu: Emulator, photo: Any) -> list[dict[str, Any]]:
    """Photo sizes for a file_id the emulator knows (a user's photo, largest or smallest
    size), or for an uploaded PNG (its own size, kept as sent: tests read it back);
    other uploads and URLs are not supported."""
    if isinstance(photo, dict) and "content" in photo:
        content = photo["content"]
        dimensions = png_size(content)
        if dimensions is None or len(content) > MAX_PHOTO_BYTES:
            raise bad_request("IMAGE_PROCESS_FAILED")
        width, height = dimensions
        if width + height > MAX_PHOTO_SIDES or max(dimensions) > 20 * min(dimensions):
            raise bad_request("PHOTO_INVALID_DIMENSIONS")
        uploaded = emu.store_file(photo.get("file_name") or "photo.png", content, "image/png")
        uploaded.update(width=width, height=height)
        fields = ("file_id", "file_unique_id", "file_size", "width", "height")
        return [{k: uploaded[k] for k in fields}]
    if not isinstance(photo, str):
        raise bad_request("wrong file identifier/HTTP URL specified")
    stored = emu.files.get(photo.removesuffix("_s"))
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    size = {k: stored[k] for k in ("file_id", "file_unique_id", "file_size")}
    return [{**size, "width": stored.get("width", 1280), "height": stored.get("height", 960)}]


@api("sendPhoto")
async def send_photo(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """Send a known photo by file_id, or an uploaded PNG, with an optional caption
    (≤ 1024 characters)."""
    chat = _writable_chat(emu, bot, params)
    sizes = _known_photo(emu, params.get("photo"))
    return _add_with_caption(emu, bot, chat, params, {"photo": sizes}, caption_limit=1024)


@api("sendMediaGroup")
async def send_media_group(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """Send 2–10 known photos as an album (one message each, sharing a media_group_id)."""
    chat = _writable_chat(emu, bot, params)
    media = params.get("media")
    if isinstance(media, str):
        media = json.loads(media)
    if not isinstance(media, list) or not 2 <= len(media) <= 10:
        raise bad_request("wrong number of media items: must be 2-10")
    albums = [_known_photo(emu, item.get("media")) for item in media if item.get("type") == "photo"]
    if len(albums) != len(media):
        raise bad_request("only photos are supported by the emulator")
    group = str(next(_media_groups))
    sent = [
        emu.add_message(chat, bot.user, extra={"photo": sizes, "media_group_id": group})
        for sizes in albums
    ]
    return [message.to_api() for message in sent]


@api("sendChatAction")
async def send_chat_action(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """Show "typing…" and the like; nothing is kept."""
    _writable_chat(emu, bot, params, posts=False)
    return True


@api("getFile")
async def get_file(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """A file's download path (served at /file/bot<token>/<path>)."""
    stored = emu.files.get(str(params.get("file_id") or ""))
    if stored is None:
        raise bad_request("invalid file_id")
    return {
        key: value
        for key, value in stored.items()
        if key in ("file_id", "file_unique_id", "file_size", "file_path")
    }


# --- payments -------------------------------------------------------------------------

_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


@api("sendInvoice")
async def send_invoice(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """Send an invoice, validated as Telegram does: a title of 1–32 characters, a
    description of 1–255, a payload of 1–128 bytes, a currency code, prices in whole
    minor units, and a provider token (except for Telegram Stars, XTR)."""
    chat = _writable_chat(emu, bot, params)
    _require(params, "title", "description", "payload", "currency", "prices")
    title, description = str(params["title"]), str(params["description"])
    payload, currency = str(params["payload"]), str(params["currency"])
    if not 1 <= len(title) <= 32:
        raise bad_request("INVOICE_TITLE_EMPTY" if not title else "INVOICE_TITLE_TOO_LONG")
    if not 1 <= len(description) <= 255:
        raise bad_request("INVOICE_DESCRIPTION_EMPTY")
    if not 1 <= len(payload.encode()) <= 128:
        raise bad_request("INVOICE_PAYLOAD_INVALID")
    if not _CURRENCY_RE.fullmatch(currency):
        raise bad_request("CURRENCY_INVALID")
    if currency != "XTR" and not params.get("provider_token"):
        raise bad_request("PAYMENT_PROVIDER_INVALID")
    prices = params["prices"]
    if isinstance(prices, str):
        prices = json.loads(prices)
    if not isinstance(prices, list) or not prices:
        raise bad_request("can't parse prices JSON object")
    total = 0
    for price in prices:
        amount = price.get("amount") if isinstance(price, dict) else None
        if not isinstance(amount, int) or not str(price.get("label") or ""):
            raise bad_request("can't parse prices JSON object")
        total += amount
    if total < 1 or total > 10**10:
        raise bad_request("CURRENCY_TOTAL_AMOUNT_INVALID")
    invoice = {
        "title": title,
        "description": description,
        "start_parameter": str(params.get("start_parameter") or ""),
        "currency": currency,
        "total_amount": total,
    }
    markup = validate_markup(params.get("reply_markup"))
    message = emu.add_message(chat, bot.user, reply_markup=markup, extra={"invoice": invoice})
    bot.invoices[(chat.id, message.message_id)] = invoice | {"payload": payload}
    return message.to_api()


@api("answerPreCheckoutQuery")
async def answer_pre_checkout_query(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """Answer a pre-checkout query once; a refusal needs its error message."""
    query_id = str(params.get("pre_checkout_query_id") or "")
    if query_id not in bot.open_checkouts:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    ok = params.get("ok") in (True, "true", "True", 1, "1")
    message = params.get("error_message")
    if not ok and not message:
        raise bad_request("ERROR_MESSAGE_EMPTY")
    bot.open_checkouts.discard(query_id)
    bot.checkout_answers[query_id] = {"ok": ok, "error_message": message}
    return True


# --- callback and inline queries ----------------------------------------------------


@api("answerCallbackQuery")
async def answer_callback_query(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """Answer a button press once, with an optional notice or alert (≤ 200 characters)."""
    query_id = str(params.get("callback_query_id") or "")
    if query_id not in bot.open_callbacks:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = params.get("text")
    if text is not None and len(str(text)) > MAX_ALERT:
        raise bad_request("MESSAGE_TOO_LONG")
    bot.open_callbacks.discard(query_id)
    bot.callback_answers[query_id] = {
        "text": text,
        "show_alert": bool(params.get("show_alert")),
        "url": params.get("url"),
        "cache_time": params.get("cache_time"),
    }
    return True


@api("answerInlineQuery")
async def answer_inline_query(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """Answer an inline query once: ≤ 50 results with unique ids, offset ≤ 64 bytes."""
    query_id = str(params.get("inline_query_id") or "")
    if query_id not in bot.open_inline_queries:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    results = params.get("results")
    if not isinstance(results, list):
        raise bad_request("can't parse inline query results JSON object")
    if len(results) > MAX_INLINE_RESULTS:
        raise bad_request("RESULTS_TOO_MUCH")
    seen: set[str] = set()
    for result in results:
        result_id = str(result.get("id", "")) if isinstance(result, dict) else ""
        if not 1 <= len(result_id.encode()) <= 64 or result_id in seen:
            raise bad_request("RESULT_ID_DUPLICATE" if result_id in seen else "RESULT_ID_INVALID")
        seen.add(result_id)
        if result.get("type") == "article" and (
            not result.get("title") or not result.get("input_message_content")
        ):
            raise bad_request(
                "can't parse inline query result: title and input_message_content "
                "are required for an article"
            )
        if result.get("type") == "photo" and "photo_url" not in result:
            _known_photo(emu, result.get("photo_file_id"))  # a cached photo must exist
            if len(str(result.get("caption") or "")) > 1024:
                raise bad_request("MEDIA_CAPTION_TOO_LONG")
        if result.get("reply_markup") is not None:
            validate_markup(result["reply_markup"])
        content = result.get("input_message_content") or {}
        if "message_text" in content:
            _text_and_entities(
                {"text": content["message_text"], "parse_mode": content.get("parse_mode")}
            )
    next_offset = str(params.get("next_offset") or "")
    if len(next_offset.encode()) > 64:
        raise bad_request("next_offset is too long")
    bot.open_inline_queries.discard(query_id)
    bot.inline_answers[query_id] = {
        "results": results,
        "next_offset": next_offset,
        "cache_time": params.get("cache_time"),
        "is_personal": bool(params.get("is_personal")),
    }
    return True


# --- commands and chats -------------------------------------------------------------

_SCOPES = {
    "default",
    "all_private_chats",
    "all_group_chats",
    "all_chat_administrators",
    "chat",
    "chat_administrators",
    "chat_member",
}


def _scope_key(params: dict[str, Any]) -> tuple[str, int | None, str]:
    scope = params.get("scope") or {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in _SCOPES:
        raise bad_request("can't parse BotCommandScope JSON object")
    language = _language(params)
    chat_id = scope.get("chat_id")
    return str(scope["type"]), int(chat_id) if chat_id is not None else None, language


@api("setMyCommands")
async def set_my_commands(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """Store the command list of a scope and language, validating names and descriptions."""
    commands = params.get("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    for command in commands:
        name = str(command.get("command", "")) if isinstance(command, dict) else ""
        if not _COMMAND_RE.match(name):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    bot.commands[_scope_key(params)] = commands
    return True


@api("getMyCommands")
async def get_my_commands(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """The command list of a scope and language."""
    return bot.commands.get(_scope_key(params), [])


@api("deleteMyCommands")
async def delete_my_commands(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """Forget the command list of a scope and language."""
    bot.commands.pop(_scope_key(params), None)
    return True


def _language(params: dict[str, Any]) -> str:
    language = str(params.get("language_code") or "")
    if language and not re.fullmatch(r"[a-z]{2}", language):
        raise bad_request("invalid language code specified")
    return language


def _set_text(texts: dict[str, str], params: dict[str, Any], name: str, limit: int) -> bool:
    """Store (or, when empty, remove) a profile text of a language, ≤ `limit` characters."""
    language = _language(params)
    value = params.get(name) or ""
    if not isinstance(value, str) or len(value) > limit:
        raise bad_request(f"{name.upper()}_INVALID")
    if value:
        texts[language] = value
    else:
        texts.pop(language, None)
    return True


@api("setMyDescription")
async def set_my_description(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """The text of the empty chat (0–512 characters) for a language or everyone."""
    return _set_text(bot.descriptions, params, "description", 512)


@api("getMyDescription")
async def get_my_description(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """The description stored for exactly this language ("" if none)."""
    return {"description": bot.descriptions.get(_language(params), "")}


@api("setMyShortDescription")
async def set_my_short_description(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """The profile page's and shared link's text (0–120 characters)."""
    return _set_text(bot.short_descriptions, params, "short_description", 120)


@api("getMyShortDescription")
async def get_my_short_description(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """The short description stored for exactly this language ("" if none)."""
    return {"short_description": bot.short_descriptions.get(_language(params), "")}


@api("getChat")
async def get_chat(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """The chat's full info (the basic fields here)."""
    chat = _chat(emu, params)
    gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription")
    accepted = dict.fromkeys((*gifts, "gifts_from_channels"), False)
    return {
        **chat.to_api(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": accepted,
    }


@api("getChatMember")
async def get_chat_member(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """A user's status in a chat (creator, administrator with rights, member, left, kicked)."""
    chat = _chat(emu, params)
    _require(params, "user_id")
    user = emu.users.get(int(params["user_id"])) or (
        bot.user if int(params["user_id"]) == bot.user.id else None
    )
    if user is None:
        raise bad_request("user not found")
    return member_of(chat, user)


@api("getChatAdministrators")
async def get_chat_administrators(emu: Emulator, bot: EmuBot, params: dict[str, Any]) -> Any:
    """The chat's creator and administrators (bots included, as Telegram lists them)."""
    chat = _chat(emu, params)
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    admins = []
    for user_id, status in chat.members.items():
        account = emu.users.get(user_id) or (bot.user if user_id == bot.user.id else None)
        if account is not None and status in ("creator", "administrator"):
            admins.append(member_of(chat, account))
    return admins
