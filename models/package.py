"""Packages: a provider sells N sessions of an offer at once; bookings draw from them."""

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
    SmallInteger,
    String,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class Package(Base):
    """What a provider sells: `sessions` sessions of an offer for a price, to be used
    within `valid_days` of buying."""

    __tablename__ = "packages"
    __table_args__ = (
        CheckConstraint("sessions BETWEEN 2 AND 50", name="sessions"),
        CheckConstraint("price_minor > 0", name="price"),
        CheckConstraint("valid_days BETWEEN 7 AND 730", name="valid_days"),
        Index("ix_packages_offer", "offer_id", "active"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    sessions: Mapped[int] = mapped_column(SmallInteger)
    price_minor: Mapped[int] = mapped_column(Integer)  # in the offer's currency
    valid_days: Mapped[int] = mapped_column(SmallInteger)
    # Withdrawn packages are sold no more; what was bought stays usable.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PurchaseStatus(StrEnum):
    """A purchase waits for its payment, then can be drawn from."""

    PENDING = "pending"
    ACTIVE = "active"


class PackagePurchase(Base):
    """A customer's package: the sessions left and until when they can be used. The
    balance never goes below zero (a CHECK, and each draw is a conditional UPDATE)."""

    __tablename__ = "package_purchases"
    __table_args__ = (
        CheckConstraint("sessions_left >= 0 AND sessions_left <= sessions", name="balance"),
        Index("ix_package_purchases_customer", "customer_id", "offer_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("packages.id", ondelete="CASCADE"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    sessions: Mapped[int] = mapped_column(SmallInteger)
    sessions_left: Mapped[int] = mapped_column(SmallInteger)
    currency: Mapped[str] = mapped_column(String(3))
    price_minor: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(8), default=PurchaseStatus.PENDING)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # set once paid
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
