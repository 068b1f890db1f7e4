"""A user's private calendar subscription (an iCal feed of their bookings)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class CalendarFeed(Base):
    """Whoever holds the secret reads the user's confirmed bookings; a new secret makes
    the old link stop working, and erasing the user deletes the row."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
