"""Notices that a user blocked or unblocked the bot (my_chat_member in private chats)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import KICKED, MEMBER, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters import PrivateChat
from services.users import mark_reachable


async def on_blocked(event: ChatMemberUpdated, session: AsyncSession) -> None:
    """The user blocked the bot: stop sending them anything."""
    await mark_reachable(session, event.from_user.id, reachable=False)


async def on_unblocked(event: ChatMemberUpdated, session: AsyncSession) -> None:
    """The user unblocked the bot."""
    await mark_reachable(session, event.from_user.id, reachable=True)


def build_router() -> Router:
    """my_chat_member updates: blocked and unblocked."""
    router = Router(name="membership")
    router.my_chat_member.filter(PrivateChat())  # groups and channels: handlers/communities
    router.my_chat_member.register(
        on_blocked, ChatMemberUpdatedFilter(member_status_changed=KICKED)
    )
    router.my_chat_member.register(
        on_unblocked, ChatMemberUpdatedFilter(member_status_changed=MEMBER)
    )
    return router
