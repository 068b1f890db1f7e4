"""The payments ledger: every charge Telegram reported, and what is owed back."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class Refund(StrEnum):
    """Whether a charge is owed back to the customer."""

    NONE = "none"  # the money stays (a booking that stands, a no-show, a late cancellation)
    DUE = "due"  # owed back; the operator's admins were told (the Bot API cannot refund)
    DONE = "done"  # an admin marked it refunded


class Payment(Base):
    """One successful payment: a booking's prepayment, or a package. `telegram_charge_id`
    is unique, so a `successful_payment` delivered twice is recorded once."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount"),
        CheckConstraint("refund IN ('none', 'due', 'done')", name="refund"),
        Index("ix_payments_refund", "refund", "refund_told"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # What was paid for: a booking's prepayment, or a package of sessions.
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    purchase_id: Mapped[int | None] = mapped_column(
        ForeignKey("package_purchases.id", ondelete="SET NULL"), index=True
    )
    customer_id: Mapped[int] = mapped_column(BigInteger, index=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("providers.id", ondelete="CASCADE"), index=True
    )
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(Integer)
    telegram_charge_id: Mapped[str] = mapped_column(String(128), unique=True)
    provider_charge_id: Mapped[str] = mapped_column(String(128))
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    refund: Mapped[str] = mapped_column(String(8), default=Refund.NONE, server_default="none")
    # Whether the operator's admins have been told of a refund due (by the scheduler).
    refund_told: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    refund_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
