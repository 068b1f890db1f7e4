"""Simulated people: what a test does as a Telegram user, and what it reads back.

Every action waits until the bot has finished handling the update it caused (the test
harness reports that through `Emulator.mark_processed`), then returns the bot's last
new or edited message in that chat, or None. `turn` holds all of them.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from emulator.state import EmuBot, EmuChat, EmuMessage, EmuUser

if TYPE_CHECKING:
    from emulator.server import Emulator

_query_ids = itertools.count(5_000_000_000_001)


ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": False,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_send_welcome_messages": False,
}


CHANNEL_ADMIN_RIGHTS = {
    **ADMIN_RIGHTS,
    "can_restrict_members": False,
    "can_post_messages": True,
    "can_edit_messages": True,
}


def chat_member(
    status: str, user: EmuUser, *, channel: bool = False, rights: dict[str, bool] | None = None
) -> dict[str, Any]:
    """A Bot API ChatMember object of `status` with the fields that status requires (an
    administrator's rights: the defaults of a group or channel, changed by `rights`)."""
    member: dict[str, Any] = {"status": status, "user": user.to_api()}
    if status == "administrator":
        member.update(CHANNEL_ADMIN_RIGHTS if channel else ADMIN_RIGHTS)
        member.update(rights or {})
    elif status == "kicked":
        member["until_date"] = 0
    elif status == "creator":
        member["is_anonymous"] = False
    return member


def member_of(chat: EmuChat, user: EmuUser) -> dict[str, Any]:
    """`user`'s ChatMember in `chat`, as getChatMember answers."""
    status = "member" if chat.type == "private" else chat.members.get(user.id, "left")
    return chat_member(
        status, user, channel=chat.type == "channel", rights=chat.rights.get(user.id)
    )


def _command_entities(text: str) -> list[dict[str, Any]]:
    if not text.startswith("/"):
        return []
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": len(command.encode("utf-16-le")) // 2}]


@dataclass(frozen=True)
class Payment:
    """A payment attempt: charged or refused before charging (with the bot's reason),
    the charge as reported to the bot, and the bot's reply."""

    charged: bool
    refusal: str | None
    charge: dict[str, Any] | None
    reply: EmuMessage | None


class SimUser:
    """A person in a private chat with the bot (and, optionally, in groups)."""

    def __init__(self, emulator: Emulator, account: EmuUser, bot: EmuBot) -> None:
        self.emulator = emulator
        self.account = account
        self.bot = bot
        self.turn: list[EmuMessage] = []
        self.last_update_id = 0  # of the newest update this person sent
        self.last_answer: dict[str, Any] | None = None

    @property
    def id(self) -> int:
        """The user's Telegram id."""
        return self.account.id

    @property
    def chat(self) -> EmuChat:
        """The private chat with the bot."""
        return self.emulator.private_chat(self.account)

    @property
    def messages(self) -> list[EmuMessage]:
        """Everything the bot has sent in the private chat (not deleted), oldest first."""
        return [m for m in self.emulator.messages_in(self.chat.id) if m.from_bot]

    @property
    def last(self) -> EmuMessage | None:
        """The bot's newest message in the private chat."""
        messages = self.messages
        return messages[-1] if messages else None

    async def _act(self, chat: EmuChat, payload: dict[str, Any]) -> EmuMessage | None:
        start = self.emulator.seq
        update_id = await self.emulator.push_update(self.bot, payload)
        await self.emulator.wait_processed(self.bot, update_id)
        changed = [
            m
            for m in self.emulator.messages_in(chat.id, include_deleted=True)
            if m.from_bot and m.seq > start
        ]
        self.turn = sorted(changed, key=lambda m: m.seq)
        visible = [m for m in self.turn if not m.deleted]
        return visible[-1] if visible else None

    def _message(self, chat: EmuChat, **fields: Any) -> dict[str, Any]:
        message = self.emulator.add_message(
            chat,
            self.account,
            text=fields.pop("text", None),
            entities=fields.pop("entities", None),
            extra=fields,
        )
        return message.to_api()

    async def send(self, text: str) -> EmuMessage | None:
        """Send text (or a /command) in the private chat."""
        chat = self.chat
        return await self._act(
            chat, {"message": self._message(chat, text=text, entities=_command_entities(text))}
        )

    async def send_nowait(self, text: str) -> int:
        """Send text without waiting for the bot (one running in another process, say).

        Returns the change mark to pass to `Emulator.wait_for_message(after_seq=...)`.
        """
        mark = self.emulator.seq
        chat = self.chat
        message = self._message(chat, text=text, entities=_command_entities(text))
        self.last_update_id = await self.emulator.push_update(self.bot, {"message": message})
        return mark

    async def send_photo(
        self, content: bytes = b"\xff\xd8photo", caption: str | None = None
    ) -> EmuMessage | None:
        """Send a photo (stored by the emulator; the bot gets its sizes and file ids)."""
        chat = self.chat
        stored = self.emulator.store_file("photo.jpg", content, "image/jpeg")
        sizes = [
            {
                "file_id": f"{stored['file_id']}_s",
                "file_unique_id": f"{stored['file_unique_id']}s",
                "width": 90,
                "height": 90,
                "file_size": len(content),
            },
            {
                "file_id": stored["file_id"],
                "file_unique_id": stored["file_unique_id"],
                "width": 1280,
                "height": 960,
                "file_size": len(content),
            },
        ]
        extra: dict[str, Any] = {"photo": sizes}
        if caption:
            extra["caption"] = caption
        return await self._act(chat, {"message": self._message(chat, **extra)})

    async def share_location(self, latitude: float, longitude: float) -> EmuMessage | None:
        """Share a location in the private chat (as the location button does)."""
        chat = self.chat
        return await self._act(
            chat,
            {
                "message": self._message(
                    chat, location={"latitude": latitude, "longitude": longitude}
                )
            },
        )

    async def share_contact(
        self,
        phone_number: str,
        *,
        user_id: int | None = None,
        from_button: bool = True,
        first_name: str | None = None,
    ) -> EmuMessage | None:
        """Share a contact. From Telegram's contact button it carries one's own user_id;
        a contact card made by hand has no user_id (`from_button=False`), a forwarded one
        someone else's (`user_id=`)."""
        chat = self.chat
        contact: dict[str, Any] = {
            "phone_number": phone_number,
            "first_name": first_name or self.account.first_name,
        }
        if user_id is not None or from_button:
            contact["user_id"] = self.id if user_id is None else user_id
        return await self._act(chat, {"message": self._message(chat, contact=contact)})

    def find_button(
        self, label: str, chat: EmuChat | None = None
    ) -> tuple[EmuMessage, dict[str, Any]]:
        """The newest bot message in the chat with a button labelled `label`, and the button.

        An exact label wins; otherwise a unique button containing `label`.
        """
        chat = chat or self.chat
        bot_messages = [m for m in self.emulator.messages_in(chat.id) if m.from_bot]
        for message in reversed(bot_messages):
            buttons = [b for row in message.inline_keyboard + message.reply_keyboard for b in row]
            exact = [b for b in buttons if b["text"] == label]
            partial = [b for b in buttons if label in b["text"]]
            if exact or len(partial) == 1:
                return message, (exact or partial)[0]
        shown = [m.buttons for m in bot_messages[-3:]]
        raise AssertionError(f"no button {label!r}; the last messages offer {shown}")

    async def press(self, label: str) -> EmuMessage | None:
        """Press a button by its label: an inline button, or a reply-keyboard button."""
        chat = self.chat
        message, button = self.find_button(label, chat)
        if "callback_data" in button:
            return await self.press_callback(message, button["callback_data"])
        if button.get("request_location"):
            raise AssertionError("a location button: call share_location(latitude, longitude)")
        if button.get("request_contact"):
            raise AssertionError("a contact button: call share_contact(phone_number)")
        if "url" in button:
            raise AssertionError(f"{label!r} opens {button['url']}; nothing is sent to the bot")
        return await self.send(button["text"])

    async def follow(self, label: str, chat: EmuChat | None = None) -> EmuMessage | None:
        """Press a URL button that opens the private chat with the bot
        (`t.me/<bot>?start=…`): Telegram sends `/start <parameter>` there."""
        _, button = self.find_button(label, chat or self.chat)
        url = str(button.get("url") or "")
        prefix = f"https://t.me/{self.bot.user.username}?start="
        if not url.startswith(prefix):
            raise AssertionError(f"{label!r} opens {url!r}, not a start link of the bot")
        return await self.send(f"/start {url.removeprefix(prefix)}")

    async def share_chat(self, request_id: int, group: SimGroup) -> EmuMessage | None:
        """Pick `group` with a `request_chat` button: the bot gets `chat_shared`."""
        chat = self.chat
        shared = {"request_id": request_id, "chat_id": group.id, "title": group.chat.title}
        return await self._act(chat, {"message": self._message(chat, chat_shared=shared)})

    def _callback(self, message: EmuMessage, data: str) -> tuple[str, dict[str, Any]]:
        """A new callback query's id and update payload."""
        query_id = str(next(_query_ids))
        self.bot.open_callbacks.add(query_id)
        payload = {
            "callback_query": {
                "id": query_id,
                "from": self.account.to_api(),
                "message": message.to_api(),
                "chat_instance": str(message.chat.id),
                "data": data,
            }
        }
        return query_id, payload

    async def press_nowait(self, message: EmuMessage, data: str) -> int:
        """Press a button without waiting for the bot (one in another process, say).

        Returns the change mark to pass to `Emulator.wait_for_message(after_seq=...)`.
        """
        mark = self.emulator.seq
        _, payload = self._callback(message, data)
        self.last_update_id = await self.emulator.push_update(self.bot, payload)
        return mark

    async def press_callback(self, message: EmuMessage, data: str) -> EmuMessage | None:
        """Send a callback query with any `data`, as a forged or stale button would."""
        query_id, payload = self._callback(message, data)
        reply = await self._act(message.chat, payload)
        answer = self.bot.callback_answers.get(query_id)
        if answer is None:
            raise AssertionError(f"the bot did not answer the callback query {data!r}")
        self.last_answer = answer
        return reply

    def invoice(self, message: EmuMessage | None = None) -> tuple[EmuMessage, dict[str, Any]]:
        """The newest invoice the bot sent in the private chat (or `message`'s)."""
        candidates = [message] if message is not None else reversed(self.messages)
        for candidate in candidates:
            invoice = self.bot.invoices.get((candidate.chat.id, candidate.message_id))
            if invoice is not None:
                return candidate, invoice
        raise AssertionError("the bot sent no invoice here")

    async def pay(
        self, message: EmuMessage | None = None, *, charge_id: str | None = None
    ) -> Payment:
        """Pay an invoice as Telegram's client does: the bot is asked first
        (`pre_checkout_query`); only when it answers ok is the card charged and the bot
        told (`successful_payment`). Returns what happened."""
        _shown, invoice = self.invoice(message)
        answer = await self.pre_checkout(invoice)
        if not answer["ok"]:
            return Payment(False, answer.get("error_message"), None, None)
        charge = {
            "currency": invoice["currency"],
            "total_amount": invoice["total_amount"],
            "invoice_payload": invoice["payload"],
            "telegram_payment_charge_id": charge_id or f"tg-charge-{next(_query_ids)}",
            "provider_payment_charge_id": f"provider-charge-{next(_query_ids)}",
        }
        reply = await self.report_payment(charge)
        return Payment(True, None, charge, reply)

    async def pre_checkout(self, invoice: dict[str, Any]) -> dict[str, Any]:
        """Only the question before charging (a payer who then abandons)."""
        query_id = str(next(_query_ids))
        self.bot.open_checkouts.add(query_id)
        payload = {
            "pre_checkout_query": {
                "id": query_id,
                "from": self.account.to_api(),
                "currency": invoice["currency"],
                "total_amount": invoice["total_amount"],
                "invoice_payload": invoice["payload"],
            }
        }
        update_id = await self.emulator.push_update(self.bot, payload)
        await self.emulator.wait_processed(self.bot, update_id)
        answer = self.bot.checkout_answers.get(query_id)
        if answer is None:
            raise AssertionError("the bot did not answer the pre-checkout query")
        return answer

    async def report_payment(self, charge: dict[str, Any]) -> EmuMessage | None:
        """The `successful_payment` service message (again, to redeliver it)."""
        chat = self.chat
        return await self._act(chat, {"message": self._message(chat, successful_payment=charge)})

    async def inline(
        self, query: str, offset: str = "", chat_type: str = "private"
    ) -> dict[str, Any]:
        """Type `@bot query` in some chat; returns the bot's answer (results, next_offset…)."""
        query_id = str(next(_query_ids))
        self.bot.open_inline_queries.add(query_id)
        payload = {
            "inline_query": {
                "id": query_id,
                "from": self.account.to_api(),
                "query": query,
                "offset": offset,
                "chat_type": chat_type,
            }
        }
        update_id = await self.emulator.push_update(self.bot, payload)
        await self.emulator.wait_processed(self.bot, update_id)
        answer = self.bot.inline_answers.get(query_id)
        if answer is None:
            raise AssertionError(f"the bot did not answer the inline query {query!r}")
        return answer

    async def _membership(self, old: str, new: str) -> None:
        chat = self.chat
        payload = {
            "my_chat_member": {
                "chat": chat.to_api(),
                "from": self.account.to_api(),
                "date": int(time.time()),
                "old_chat_member": chat_member(old, self.bot.user),
                "new_chat_member": chat_member(new, self.bot.user),
            }
        }
        await self._act(chat, payload)

    async def block_bot(self) -> None:
        """Block the bot: Telegram tells it, and refuses its messages with 403 afterwards."""
        self.emulator.blocked_by.add(self.id)
        await self._membership("member", "kicked")

    async def unblock_bot(self) -> None:
        """Unblock the bot again."""
        self.emulator.blocked_by.discard(self.id)
        await self._membership("kicked", "member")

    async def send_in(self, group: SimGroup, text: str) -> EmuMessage | None:
        """Send text in a group the user belongs to. In privacy mode the bot gets it only
        if it is a command, mentions the bot, or the bot is an administrator there."""
        group.chat.members.setdefault(self.id, "member")
        message = self._message(group.chat, text=text, entities=_command_entities(text))
        bot = self.bot
        hears = (
            not bot.privacy_mode
            or text.startswith("/")
            or f"@{bot.user.username}" in text
            or group.chat.members.get(bot.user.id) == "administrator"
        )
        if not hears:
            return None
        return await self._act(group.chat, {"message": message})


class SimGroup:
    """A group or supergroup chat with members and admins."""

    def __init__(self, emulator: Emulator, chat: EmuChat, bot: EmuBot) -> None:
        self.emulator = emulator
        self.chat = chat
        self.bot = bot

    @property
    def id(self) -> int:
        """The chat id (negative, as for Telegram groups)."""
        return self.chat.id

    @property
    def messages(self) -> list[EmuMessage]:
        """What the bot has posted in the group."""
        return [m for m in self.emulator.messages_in(self.chat.id) if m.from_bot]

    def member(self, user: EmuUser) -> dict[str, Any]:
        """The Bot API ChatMember of `user` in this chat, as getChatMember answers."""
        return member_of(self.chat, user)

    def join(
        self, user: SimUser, status: str = "member", rights: dict[str, bool] | None = None
    ) -> None:
        """Make `user` a member (or "administrator" with `rights` changed, "creator")."""
        self.join_account(user.account, status, rights)

    async def _member_update(
        self, kind: str, by: SimUser, old: dict[str, Any], new: dict[str, Any]
    ) -> None:
        payload = {
            kind: {
                "chat": self.chat.to_api(),
                "from": by.account.to_api(),
                "date": int(time.time()),
                "old_chat_member": old,
                "new_chat_member": new,
            }
        }
        update_id = await self.emulator.push_update(self.bot, payload)
        await self.emulator.wait_processed(self.bot, update_id)

    async def add_bot(
        self, by: SimUser, *, as_admin: bool = False, rights: dict[str, bool] | None = None
    ) -> None:
        """`by` adds the bot to the chat (a channel: always as an administrator); the bot
        receives my_chat_member."""
        self.chat.members.setdefault(by.id, "creator")
        await self.set_bot_status(
            by, "administrator" if as_admin or self.chat.type == "channel" else "member", rights
        )

    async def set_bot_status(
        self, by: SimUser, status: str, rights: dict[str, bool] | None = None
    ) -> None:
        """`by` changes the bot's status (removes it: "left" or "kicked"; promotes,
        demotes); the bot receives my_chat_member."""
        old = self.member(self.bot.user)
        self.join_account(self.bot.user, status, rights)
        await self._member_update("my_chat_member", by, old, self.member(self.bot.user))

    def join_account(
        self, account: EmuUser, status: str, rights: dict[str, bool] | None = None
    ) -> None:
        """Set the status (and rights) of any account in this chat, silently."""
        self.chat.members[account.id] = status
        self.chat.rights.pop(account.id, None)
        if rights:
            self.chat.rights[account.id] = dict(rights)

    async def set_status(
        self, user: SimUser, status: str, *, by: SimUser, rights: dict[str, bool] | None = None
    ) -> None:
        """`by` changes `user`'s status or rights; an administrator bot hears of it
        (chat_member, delivered only when the bot asked for it in allowed_updates)."""
        old = self.member(user.account)
        self.join_account(user.account, status, rights)
        if self.chat.members.get(self.bot.user.id) == "administrator":
            await self._member_update("chat_member", by, old, self.member(user.account))

    async def migrate(self, by: SimUser) -> SimGroup:
        """Upgrade this group to a supergroup: a new chat id; the bot receives the
        service message with `migrate_to_chat_id` in the old chat."""
        new = self.emulator.group(self.chat.title or "", kind="supergroup", bot=self.bot)
        new.chat.members = dict(self.chat.members)
        new.chat.rights = dict(self.chat.rights)
        message = self.emulator.add_message(
            self.chat, by.account, extra={"migrate_to_chat_id": new.id}
        )
        update_id = await self.emulator.push_update(self.bot, {"message": message.to_api()})
        await self.emulator.wait_processed(self.bot, update_id)
        return new
