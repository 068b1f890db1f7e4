"""Providers and communities: submitting an offer from My offers, or to a community whose
catalogue they opened."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
)
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters import (
    PrivateChat,
)
from bot.i18n import Translator
from bot.replies import show
from handlers.chat_rights import (
    rights_of,
)
from handlers.community_views import (
    OfferCommunities,
    OfferHere,
    Submit,
    offer_communities_screen,
    offer_here_screen,
)
from handlers.my_offers_views import OpenOffer
from models import OfferStatus, User, utcnow
from services import communities, offers


async def on_offer_here(
    query: CallbackQuery,
    callback_data: OfferHere,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """A provider's offers, to submit to the community whose catalogue they opened."""
    community = await communities.community(session, callback_data.community_id)
    items = [o for o in await offers.my_offers(session, user) if o.status == OfferStatus.PUBLISHED]
    listings = await communities.listings_in(session, community.id, [o.id for o in items])
    await show(query, *offer_here_screen(community, items, listings, callback_data.page, _))


async def _offer_screen(
    session: AsyncSession, user: User, offer_id: int, page: int, _: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    offer = await offers.owned_offer(session, user, offer_id)
    items = await communities.open_to(session, offer)
    listings = await communities.listings_of_offer(session, offer.id)
    return offer_communities_screen(
        offer, items, listings, page, _, back=OpenOffer(offer_id=offer.id)
    )


async def on_offer_communities(
    query: CallbackQuery,
    callback_data: OfferCommunities,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """My offers → an offer → Communities."""
    await show(
        query, *await _offer_screen(session, user, callback_data.offer_id, callback_data.page, _)
    )


async def on_submit(
    query: CallbackQuery,
    callback_data: Submit,
    callback_answer: CallbackAnswer,
    bot: Bot,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """Submit the offer to a community; the admins are told."""
    offer = await offers.owned_offer(session, user, callback_data.offer_id)
    chat = await communities.asks_membership(session, callback_data.community_id)
    standing = await rights_of(bot, chat, user.id) if chat is not None else None
    listing = await communities.submit(
        session, offer, user, callback_data.community_id, utcnow(), standing=standing
    )
    callback_answer.text = _.text(f"community.submitted.{listing.status}")
    callback_answer.show_alert = True
    await show(query, *await _offer_screen(session, user, offer.id, 0, _))


def build_router() -> Router:
    """A provider's submissions, in private."""
    router = Router(name="community_submissions")
    router.callback_query.filter(PrivateChat())
    router.callback_query.register(on_offer_here, OfferHere.filter())
    router.callback_query.register(on_offer_communities, OfferCommunities.filter())
    router.callback_query.register(on_submit, Submit.filter())
    return router
