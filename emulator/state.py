"""What the emulated Telegram remembers: bots, users, chats, messages, files, faults."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any


class ApiError(Exception):
    """A Bot API error reply: `{"ok": false, "error_code": ..., "description": ...}`."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(description: str) -> ApiError:
    """A 400 error with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class EmuUser:
    """A Telegram account (a person, or the bot itself)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_api(self) -> dict[str, Any]:
        """The Bot API `User` object."""
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data


@dataclass
class EmuChat:
    """A private chat, group, supergroup or channel."""

    id: int
    type: str
    title: str | None = None
    user: EmuUser | None = None  # the other side of a private chat
    # Group membership: user id -> status (creator, administrator, member, left, kicked).
    members: dict[int, str] = field(default_factory=dict)
    # An administrator's rights that differ from the defaults (see people.chat_member).
    rights: dict[int, dict[str, bool]] = field(default_factory=dict)
    next_message_id: int = 1

    def to_api(self) -> dict[str, Any]:
        """The Bot API `Chat` object."""
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private" and self.user is not None:
            data["first_name"] = self.user.first_name
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
        elif self.title:
            data["title"] = self.title
        return data


@dataclass
class EmuMessage:
    """One message in a chat, as it is now (after edits), with what the test needs to read."""

    chat: EmuChat
    message_id: int
    sender: EmuUser
    date: int
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    html: str | None = None
    reply_markup: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # location, contact, document…
    edit_date: int | None = None
    deleted: bool = False
    seq: int = 0  # emulator-wide order of the last change

    @property
    def from_bot(self) -> bool:
        """True for messages the bot sent."""
        return self.sender.is_bot

    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        """Rows of inline buttons (empty when there are none)."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [list(row) for row in rows]

    @property
    def reply_keyboard(self) -> list[list[dict[str, Any]]]:
        """Rows of reply-keyboard buttons, as dicts with at least `text`."""
        rows = (self.reply_markup or {}).get("keyboard") or []
        return [[b if isinstance(b, dict) else {"text": b} for b in row] for row in rows]

    @property
    def buttons(self) -> list[str]:
        """Labels of every button on the message, inline or reply keyboard."""
        return [b["text"] for row in self.inline_keyboard + self.reply_keyboard for b in row]

    @property
    def document(self) -> dict[str, Any] | None:
        """The sent document's metadata and `content` bytes, if it is a document."""
        return self.extra.get("document")

    @property
    def venue(self) -> dict[str, Any] | None:
        """The map pin's location, title and address, if it is a venue."""
        return self.extra.get("venue")

    def to_api(self) -> dict[str, Any]:
        """The Bot API `Message` object."""
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": self.chat.to_api(),
            "from": self.sender.to_api(),
        }
        if self.text is not None:
            data["text"] = self.text
        if self.entities:
            data["entities"] = self.entities
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            data["reply_markup"] = self.reply_markup
        if self.edit_date is not None:
            data["edit_date"] = self.edit_date
        for key, value in self.extra.items():
            if key == "document":
                value = {k: v for k, v in value.items() if k != "content"}
            data[key] = value
        return data

    def __repr__(self) -> str:
        return f"<EmuMessage {self.chat.id}/{self.message_id} {self.text!r} buttons={self.buttons}>"


@dataclass
class Webhook:
    """A bot's webhook registration."""

    url: str
    secret_token: str | None
    max_connections: int = 40
    last_error_message: str | None = None


@dataclass
class Fault:
    """An error or delay the emulator injects into matching Bot API calls.

    `status` 0 means "only add latency". `times` is how many calls it hits (-1: all).
    """

    method: str | None = None
    chat_id: int | None = None
    status: int = 429
    description: str = "Too Many Requests: retry after 1"
    retry_after: int | None = 1
    latency: float = 0.0
    times: int = 1

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        """True when this fault applies to a call of `method` with `params`."""
        if self.times == 0:
            return False
        if self.method is not None and self.method.lower() != method.lower():
            return False
        return self.chat_id is None or params.get("chat_id") == self.chat_id


@dataclass
class ApiCall:
    """One Bot API request the bot made, and how it was answered."""

    method: str
    params: dict[str, Any]
    ok: bool
    error_code: int | None = None
    description: str | None = None


@dataclass
class EmuBot:
    """A bot account and its update queue."""

    user: EmuUser
    token: str
    updates: list[dict[str, Any]] = field(default_factory=list)
    next_update_id: int = 1
    allowed_updates: list[str] | None = None
    webhook: Webhook | None = None
    commands: dict[tuple[str, int | None, str], list[dict[str, Any]]] = field(default_factory=dict)
    # The profile texts of an empty chat, by language code ("" for everyone else).
    descriptions: dict[str, str] = field(default_factory=dict)
    short_descriptions: dict[str, str] = field(default_factory=dict)
    callback_answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    open_callbacks: set[str] = field(default_factory=set)
    inline_answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    open_inline_queries: set[str] = field(default_factory=set)
    # Invoices sent, by (chat id, message id): what a payer's client would show and pay.
    invoices: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    checkout_answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    open_checkouts: set[str] = field(default_factory=set)
    processed: set[int] = field(default_factory=set)
    # Privacy mode (Telegram's default): in groups where it is not an administrator, the
    # bot gets only commands, replies to its messages and mentions of it.
    privacy_mode: bool = True
    poll_generation: int = 0
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    def empty_chat_texts(self, language_code: str | None) -> tuple[str, str]:
        """What a user whose app speaks `language_code` sees before pressing Start: the
        description and the short description of that language, else the default ones."""
        language = (language_code or "")[:2]
        description = self.descriptions.get(language) or self.descriptions.get("", "")
        short = self.short_descriptions.get(language) or self.short_descriptions.get("", "")
        return description, short
