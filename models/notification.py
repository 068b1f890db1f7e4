"""The notifications outbox: every message gigbot must send later, as a row."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class NotificationKind(StrEnum):
    """What a notification is about; each kind has one entry in `handlers/notices.py`."""

    REMINDER = "reminder"  # before a confirmed booking, at the hours the recipient chose
    FOLLOW_UP = "follow_up"  # after the end: did it take place?
    REQUEST_EXPIRY = "request_expiry"  # an unanswered request expires; the customer is told
    REVIEW_REQUEST = "review_request"  # a completed booking: how was it?
    NEW_REVIEW = "new_review"  # to the provider
    AGENDA = "agenda"  # the provider's day, in the morning
    REPORT = "report"  # to an admin
    NOTICE = "notice"  # a booking changed by someone else (moderation, erasure)
    MESSAGE = "message"  # a ready text
    SUBMISSION = "submission"  # an offer submitted to a community, to its admins
    SUBMISSION_DECIDED = "submission_decided"  # the admins' decision, to the provider
    COMMUNITY_REPORT = "community_report"  # a listed offer reported, to the community's admins
    COMMUNITY_PAUSED = "community_paused"  # the bot was removed from the chat, to its admins
    REFUND_DUE = "refund_due"  # a prepayment is owed back, to the operator's admins
    WAITLIST_OFFER = "waitlist_offer"  # a freed place held for the first in line


# pending → sending (claimed, with a lease) → sent; or expired (too late to be useful),
# cancelled (the booking changed), failed (the recipient blocked the bot, or retries ran out).
NOTIFICATION_STATUSES = ("pending", "sending", "sent", "expired", "cancelled", "failed")


class Notification(Base):
    """One message due at a moment: to whom, what kind, about which booking."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Unique: the same reminder is never queued twice (e.g. "b12:reminder24:u42").
    key: Mapped[str] = mapped_column(String(96), unique=True)
    recipient_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    # While "sending": the claim expires then, so a crashed sender's rows are taken again.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
