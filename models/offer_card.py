"""The printable card of an offer as last uploaded to Telegram, to send and share again
without drawing it anew."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class OfferCard(Base):
    """Telegram's file id of the offer's card picture, and a digest of what it says:
    a card whose words changed (price, rating, title, language) is drawn again."""

    __tablename__ = "offer_cards"

    offer_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True
    )
    digest: Mapped[str] = mapped_column(String(64))
    file_id: Mapped[str] = mapped_column(String(256))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
