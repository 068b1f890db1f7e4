"""Offer cards as uploaded to Telegram: found again by what they say, so an unchanged
card is sent (and shared inline) by its file id instead of being drawn again."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models import OfferCard


def digest(*parts: str) -> str:
    """A digest of what a card says (its words and the link)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


async def stored_card(session: AsyncSession, offer_id: int, card_digest: str) -> str | None:
    """The file id of the offer's card if it still says `card_digest`, else None."""
    card = await session.get(OfferCard, offer_id)
    return card.file_id if card is not None and card.digest == card_digest else None


async def remember_card(
    session: AsyncSession, offer_id: int, card_digest: str, file_id: str, *, now: datetime
) -> None:
    """Keep the uploaded card's file id (in place of an older card)."""
    card = await session.get(OfferCard, offer_id)
    if card is None:
        session.add(OfferCard(offer_id=offer_id, digest=card_digest, file_id=file_id, made_at=now))
    else:
        card.digest, card.file_id, card.made_at = card_digest, file_id, now
    await session.flush()
