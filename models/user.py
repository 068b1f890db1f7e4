"""A Telegram user who has talked to gigbot."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, String, false
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class User(Base):
    """Everyone who has written to the bot: customers, providers and admins alike."""

    __tablename__ = "users"

    # Telegram ids exceed 32 bits.
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_name: Mapped[str] = mapped_column(String(128))
    last_name: Mapped[str | None] = mapped_column(String(128))
    username: Mapped[str | None] = mapped_column(String(64))
    # Telegram's language_code as last reported by the client.
    language_code: Mapped[str | None] = mapped_column(String(16))
    # The user's own choice in /settings; None means "follow language_code".
    language: Mapped[str | None] = mapped_column(String(8))
    # IANA name; None means the instance's DEFAULT_TIMEZONE.
    timezone: Mapped[str | None] = mapped_column(String(64))
    blocked_bot: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Hours before an appointment to remind the user ("24,1"; "" = no reminders).
    reminder_hours: Mapped[str] = mapped_column(String(16), default="24,1", server_default="24,1")
    # Set by moderation: a banned user can neither book nor review.
    banned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def full_name(self) -> str:
        """First and last name as Telegram shows them."""
        return f"{self.first_name} {self.last_name}".strip() if self.last_name else self.first_name
