"""gigbot in groups and channels: added, promoted, demoted or removed; members' rights
changing; a group becoming a supergroup; /find in a group (one button to the catalogue)."""

from __future__ import annotations

from contextlib import suppress

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.types import (
    ChatMemberUpdated,
    Message,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters import (
    GroupMigrated,
    GroupOrChannel,
)
from bot.i18n import Translator
from handlers.chat_rights import (
    may_manage_chat,
    refresh_admins,
    rights_from,
)
from handlers.community_views import (
    catalogue_button,
    is_channel,
    welcome_screen,
)
from models import utcnow
from services import communities
from services.deeplinks import CatalogueLink, start_link


async def on_bot_membership(
    event: ChatMemberUpdated, bot: Bot, session: AsyncSession, _: Translator
) -> None:
    """The bot was added to, promoted or demoted in, or removed from a group or channel."""
    chat, new = event.chat, event.new_chat_member
    now = utcnow()
    existing = await communities.community_of_chat(session, chat.id)
    if new.status in ("left", "kicked"):
        await communities.unlink_chat(session, chat.id, now)
        return
    can_post = communities.bot_may_post(chat.type, rights_from(new))
    adder = event.from_user.id if not event.from_user.is_bot else None
    community = await communities.link_chat(
        session,
        chat_id=chat.id,
        kind=chat.type,
        title=chat.title or "",
        by=adder
        if adder is not None and await may_manage_chat(bot, chat.id, chat.type, adder)
        else None,
        can_post=can_post,
        now=now,
    )
    await refresh_admins(bot, session, community)
    if existing is None and can_post and not is_channel(community):
        me = await bot.me()
        text, markup = welcome_screen(community, me.username or "", _)
        with suppress(TelegramAPIError):
            await bot.send_message(chat.id, text, reply_markup=markup)


async def on_member_change(event: ChatMemberUpdated, session: AsyncSession) -> None:
    """Someone's rights in a linked chat changed: remember or forget them as an admin."""
    community = await communities.community_of_chat(session, event.chat.id)
    if community is None or event.new_chat_member.user.is_bot:
        return
    user_id = event.new_chat_member.user.id
    rights = rights_from(event.new_chat_member)
    if communities.may_manage(community.kind, rights):
        await communities.add_admins(session, community, [user_id])
    else:
        await communities.forget_admin(session, community, user_id)
    if not communities.is_member(rights):
        await communities.member_left(session, community, user_id, utcnow())


async def on_migrated(message: Message, session: AsyncSession) -> None:
    """A group became a supergroup: its community follows the new chat id."""
    if message.migrate_to_chat_id is not None:
        await communities.move_chat(session, message.chat.id, message.migrate_to_chat_id)


async def on_group_find(message: Message, bot: Bot, session: AsyncSession, _: Translator) -> None:
    """/find in a group: one button that opens the community's catalogue in private (no
    result lists in the group)."""
    community = await communities.active_community_of_chat(session, message.chat.id)
    me = await bot.me()
    if community is not None:
        url = start_link(me.username or "", CatalogueLink(community.slug))
        text = _("community.find_here", name=community.name)
    else:
        url, text = f"https://t.me/{me.username}", _("community.find_anywhere")
    with suppress(TelegramAPIError):
        await message.answer(text, reply_markup=catalogue_button(url, _))


def build_router() -> Router:
    """The bot's and members' standing in linked chats, migrations, /find in groups."""
    router = Router(name="community_chats")
    router.my_chat_member.register(on_bot_membership, GroupOrChannel())
    router.chat_member.register(on_member_change, GroupOrChannel())
    router.message.register(on_migrated, GroupMigrated(), GroupOrChannel())
    router.message.register(on_group_find, GroupOrChannel(), Command("find"))
    return router
