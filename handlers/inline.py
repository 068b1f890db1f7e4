"""Inline mode: `@<bot> guitar` in any chat lists offers; choosing one posts its card."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQuery,
    InlineQueryResultArticle,
    InputTextMessageContent,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from handlers.offer_views import render_card
from handlers.search_views import inline_description
from models import utcnow
from services import offers
from services.deeplinks import OfferLink, start_link
from services.input_values import whole_number
from services.search import SearchQuery, search
from services.slots import offers_with_rules

INLINE_PAGE = 20  # results per answer (Telegram allows up to 50)
CACHE_SECONDS = 60  # Telegram may reuse an answer this long for the same text
MAX_OFFSET = 1000  # deeper pages are not offered


async def on_inline_query(
    inline_query: InlineQuery, session: AsyncSession, tz: ZoneInfo, _: Translator
) -> None:
    """Offers matching the typed words (the best rated when nothing is typed yet)."""
    offset = whole_number(inline_query.offset, 0, MAX_OFFSET) or 0
    query = SearchQuery(text=inline_query.query[:200], timezone=tz.key)
    page = await search(session, query, now=utcnow(), offset=offset, limit=INLINE_PAGE)
    loaded = {o.id: o for o in await offers_with_rules(session, (h.offer_id for h in page.hits))}
    me = await inline_query.bot.me() if inline_query.bot else None
    username = me.username if me and me.username else ""
    results = []
    for hit in page.hits:
        offer = loaded[hit.offer_id]
        link = start_link(username, OfferLink(offer.id))
        card = render_card(offers.offer_data(offer), _)
        results.append(
            InlineQueryResultArticle(
                id=str(offer.id),
                title=offer.title,
                description=inline_description(offer, _),
                input_message_content=InputTextMessageContent(
                    message_text=card + "\n\n" + _("inline.open_link", link=link)
                ),
                reply_markup=InlineKeyboardMarkup(
                    inline_keyboard=[[InlineKeyboardButton(text=_.text("inline.book"), url=link)]]
                ),
            )
        )
    more = page.has_more and offset + INLINE_PAGE <= MAX_OFFSET
    await inline_query.answer(
        results,  # type: ignore[arg-type]
        cache_time=CACHE_SECONDS,
        is_personal=True,  # cards are in the asking user's language
        next_offset=str(offset + INLINE_PAGE) if more else "",
    )


def build_router() -> Router:
    """Inline queries from any chat."""
    router = Router(name="inline")
    router.inline_query.register(on_inline_query)
    return router
