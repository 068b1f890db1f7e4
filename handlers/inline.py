"""Inline mode: `@<bot> guitar` in any chat lists offers; choosing one posts its card.
`@<bot> card_<id>` (what My offers → Share fills in) offers that one offer's printable
card and its text card."""

from __future__ import annotations

from dataclasses import astuple
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQuery,
    InlineQueryResultArticle,
    InlineQueryResultCachedPhoto,
    InputTextMessageContent,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from handlers.my_offers_views import card_text
from handlers.offer_views import render_card
from handlers.search_views import inline_description
from models import Offer, utcnow
from services import offer_cards, offers
from services.deeplinks import OfferLink, parse_inline_card, start_link
from services.input_values import whole_number
from services.search import SearchQuery, search
from services.slots import offers_with_rules

INLINE_PAGE = 20  # results per answer (Telegram allows up to 50)
CACHE_SECONDS = 60  # Telegram may reuse an answer this long for the same text
MAX_OFFSET = 1000  # deeper pages are not offered


async def on_inline_query(
    inline_query: InlineQuery, session: AsyncSession, tz: ZoneInfo, _: Translator
) -> None:
    """Offers matching the typed words (the best rated when nothing is typed yet); the
    card of one offer for `card_<id>` (the Share button of My offers)."""
    me = await inline_query.bot.me() if inline_query.bot else None
    username = me.username if me and me.username else ""
    card_of = parse_inline_card(inline_query.query)
    if card_of is not None:
        await inline_query.answer(
            await _card_results(session, card_of, username, _),  # type: ignore[arg-type]
            cache_time=CACHE_SECONDS,
            is_personal=True,
        )
        return
    offset = whole_number(inline_query.offset, 0, MAX_OFFSET) or 0
    query = SearchQuery(text=inline_query.query[:200], timezone=tz.key)
    page = await search(session, query, now=utcnow(), offset=offset, limit=INLINE_PAGE)
    loaded = {o.id: o for o in await offers_with_rules(session, (h.offer_id for h in page.hits))}
    results = [_article(loaded[hit.offer_id], username, _) for hit in page.hits]
    more = page.has_more and offset + INLINE_PAGE <= MAX_OFFSET
    await inline_query.answer(
        results,  # type: ignore[arg-type]
        cache_time=CACHE_SECONDS,
        is_personal=True,  # cards are in the asking user's language
        next_offset=str(offset + INLINE_PAGE) if more else "",
    )


def _book_button(link: str, _: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=_.text("inline.book"), url=link)]]
    )


def _article(offer: Offer, username: str, _: Translator) -> InlineQueryResultArticle:
    """The offer's text card, with a Book button that opens it in gigbot."""
    link = start_link(username, OfferLink(offer.id))
    card = render_card(offers.offer_data(offer, photos=False), _)  # listed without photos
    return InlineQueryResultArticle(
        id=str(offer.id),
        title=offer.title,
        description=inline_description(offer, _),
        input_message_content=InputTextMessageContent(
            message_text=card + "\n\n" + _("inline.open_link", link=link)
        ),
        reply_markup=_book_button(link, _),
    )


async def _card_results(
    session: AsyncSession, offer_id: int, username: str, _: Translator
) -> list[InlineQueryResultCachedPhoto | InlineQueryResultArticle]:
    """One public offer: its printable card (when one was made in this language and
    still says what the offer says) and its text card."""
    offer = await offers.find_public_offer(session, offer_id)
    if offer is None:
        return []
    results: list[InlineQueryResultCachedPhoto | InlineQueryResultArticle] = []
    link = start_link(username, OfferLink(offer.id))
    said = offer_cards.digest(*astuple(card_text(offer, link, _)))
    file_id = await offer_cards.stored_card(session, offer.id, said)
    if file_id is not None:  # a card that still says what the offer says
        results.append(
            InlineQueryResultCachedPhoto(
                id=f"card-{offer.id}",
                photo_file_id=file_id,
                title=offer.title,
                caption=_("inline.open_link", link=link),
                reply_markup=_book_button(link, _),
            )
        )
    return [*results, _article(offer, username, _)]


def build_router() -> Router:
    """Inline queries from any chat."""
    router = Router(name="inline")
    router.inline_query.register(on_inline_query)
    return router
