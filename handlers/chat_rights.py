"""Who may run a community: Telegram is asked (`getChatMember`) on every action; nothing
about rights is taken from a button or remembered."""

from __future__ import annotations

from contextlib import suppress

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import (
    ChatMemberAdministrator,
    ChatMemberOwner,
    ChatMemberRestricted,
)
from aiogram.types.chat_member_union import ChatMemberUnion
from sqlalchemy.ext.asyncio import AsyncSession

from models import Community
from services import communities
from services.communities import ChatRights, NotAnAdmin

CHAT_KINDS = ("group", "supergroup", "channel")  # chats a community can live in


def rights_from(member: ChatMemberUnion) -> ChatRights:
    """What a ChatMember says about managing the chat."""
    if isinstance(member, ChatMemberOwner):
        return ChatRights("creator", True, True)
    if isinstance(member, ChatMemberAdministrator):
        return ChatRights(
            "administrator",
            can_change_info=member.can_change_info,
            can_post_messages=bool(member.can_post_messages),
        )
    if isinstance(member, ChatMemberRestricted) and not member.is_member:
        return ChatRights("left")  # restricted, and no longer in the chat
    return ChatRights(member.status)


async def rights_of(bot: Bot, chat_id: int, user_id: int) -> ChatRights:
    """Ask Telegram now; a chat the bot cannot see any more means no rights."""
    try:
        return rights_from(await bot.get_chat_member(chat_id, user_id))
    except TelegramAPIError:
        return ChatRights("left")


async def admin_community(
    bot: Bot, session: AsyncSession, community_id: int, user_id: int
) -> Community:
    """The community, if Telegram says this person may run it now; NotAnAdmin otherwise."""
    community = await communities.community(session, community_id)
    rights = await rights_of(bot, community.chat_id, user_id)
    if not communities.may_manage(community.kind, rights):
        await communities.forget_admin(session, community, user_id)
        raise NotAnAdmin()
    return community


async def refresh_admins(bot: Bot, session: AsyncSession, community: Community) -> None:
    """Remember the chat's current admins (to tell them about submissions); cosmetic."""
    with suppress(TelegramAPIError):
        admins = await bot.get_chat_administrators(community.chat_id)
        ids = [
            a.user.id
            for a in admins
            if not a.user.is_bot and communities.may_manage(community.kind, rights_from(a))
        ]
        await communities.set_admins(session, community, ids)


async def may_manage_chat(bot: Bot, chat_id: int, kind: str, user_id: int) -> bool:
    """Whether Telegram says `user_id` may run the chat now."""
    return communities.may_manage(kind, await rights_of(bot, chat_id, user_id))
