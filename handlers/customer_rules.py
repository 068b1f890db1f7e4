"""Who may book a provider: blocking a customer from a booking card, the list of blocked
customers (from the profile), and approval of customers new to the provider."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.filters import PrivateChat
from bot.i18n import Translator
from bot.replies import show
from handlers.booking import card_for
from handlers.customer_rules_views import (
    ApproveNewcomers,
    BlockCustomer,
    BlockedList,
    UnblockListed,
    blocked_screen,
)
from handlers.profile import profile_screen
from models import User, utcnow
from services import customer_blocks


async def on_block(
    query: CallbackQuery,
    callback_data: BlockCustomer,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """Block (or unblock) this booking's customer; the card again, with the other button."""
    blocked = callback_data.blocked
    booking = await customer_blocks.block_from_booking(
        session, user, callback_data.booking_id, blocked=blocked
    )
    callback_answer.text = _.text(
        "customers.blocked_done" if blocked else "customers.unblocked_done"
    )
    callback_answer.show_alert = blocked
    await show(query, *await card_for(session, booking, user, tz, _, utcnow()))


async def on_list(
    query: CallbackQuery,
    callback_data: BlockedList,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """A page of blocked customers."""
    found = await customer_blocks.blocked_customers(session, user, callback_data.page)
    await show(query, *blocked_screen(found, _))


async def on_unblock_listed(
    query: CallbackQuery,
    callback_data: UnblockListed,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """Unblock one customer from the list; the same page again."""
    await customer_blocks.unblock(session, user, callback_data.customer_id)
    callback_answer.text = _.text("customers.unblocked_done")
    found = await customer_blocks.blocked_customers(session, user, callback_data.page)
    await show(query, *blocked_screen(found, _))


async def on_approve_newcomers(
    query: CallbackQuery,
    callback_data: ApproveNewcomers,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    user: User,
    settings: Settings,
    _: Translator,
) -> None:
    """Turn approval of new customers on or off; the profile again."""
    provider = await customer_blocks.set_approve_new_customers(
        session, user, settings.default_timezone, on=callback_data.on
    )
    key = "customers.approve_new_set_on" if callback_data.on else "customers.approve_new_set_off"
    callback_answer.text = _.text(key)
    await show(query, *profile_screen(provider, user, _))


def build_router() -> Router:
    """Blocking customers and approving newcomers, in private chats."""
    router = Router(name="customer_rules")
    router.callback_query.filter(PrivateChat())
    router.callback_query.register(on_block, BlockCustomer.filter())
    router.callback_query.register(on_list, BlockedList.filter())
    router.callback_query.register(on_unblock_listed, UnblockListed.filter())
    router.callback_query.register(on_approve_newcomers, ApproveNewcomers.filter())
    return router
