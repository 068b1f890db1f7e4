"""Providers, their offers, and each offer's weekly hours, date exceptions and photos."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow

# Where a provider works / an offer takes place.
PLACE_KINDS = ("location", "area", "online", "customer")  # customer: at the customer's place


class OfferStatus(StrEnum):
    """Whether customers can find an offer."""

    PUBLISHED = "published"
    PAUSED = "paused"  # by its provider
    HIDDEN = "hidden"  # by moderators
    DELETED = "deleted"  # the row stays so that old links can say the offer is gone


OFFER_STATUSES = tuple(OfferStatus)


class Prepayment(StrEnum):
    """What a customer pays before a booking of the offer stands."""

    NONE = "none"
    DEPOSIT = "deposit"
    FULL = "full"


class Provider(Base):
    """A user who offers services; created with their first offer."""

    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    display_name: Mapped[str] = mapped_column(String(64))
    bio: Mapped[str | None] = mapped_column(String(500))
    # IANA zone; weekly hours of all the provider's offers are in this zone.
    timezone: Mapped[str] = mapped_column(String(64))
    place_kind: Mapped[str] = mapped_column(String(16), default="area")
    area: Mapped[str | None] = mapped_column(String(200))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # Only ever from Telegram's contact button with the provider's own user id.
    phone: Mapped[str | None] = mapped_column(String(32))
    # Set by moderation: a banned provider's offers are neither found nor bookable.
    banned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), index=True)
    # Granted by a bot admin after checking who the provider is.
    verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Requests from customers with no completed booking with this provider wait for
    # approval, whatever the offer says.
    approve_new_customers: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # Reputation, kept up to date by services.reputation on each event (never by scanning).
    rating: Mapped[float | None] = mapped_column(Float)
    review_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    star_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    completed_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    no_show_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Confirmed bookings the provider cancelled, and those of them close to the start.
    cancelled_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    late_cancel_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Customers with two or more completed bookings.
    repeat_customers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    offers: Mapped[list[Offer]] = relationship(back_populates="provider")


class Offer(Base):
    """A service a provider sells: what, how long, how much, when and where."""

    __tablename__ = "offers"
    __table_args__ = (
        CheckConstraint("duration_min BETWEEN 5 AND 720", name="duration"),
        CheckConstraint("price_minor >= 0", name="price"),
        CheckConstraint("capacity BETWEEN 1 AND 100", name="capacity"),
        CheckConstraint("buffer_min BETWEEN 0 AND 480", name="buffer"),
        CheckConstraint("min_notice_min >= 0", name="notice"),
        CheckConstraint("max_advance_days BETWEEN 1 AND 365", name="advance"),
        CheckConstraint("prepayment IN ('none', 'deposit', 'full')", name="prepayment"),
        CheckConstraint(
            "(deposit_minor IS NULL OR deposit_minor > 0)"
            " AND (deposit_percent IS NULL OR deposit_percent BETWEEN 1 AND 99)"
            " AND NOT (deposit_minor IS NOT NULL AND deposit_percent IS NOT NULL)",
            name="deposit",
        ),
        # Search: browsing a category by rating, price filters, and the near-me box.
        Index("ix_offers_browse", "status", "category", "rating", "review_count", "id"),
        Index("ix_offers_price", "status", "category", "price_minor"),
        # Covering for the near-me box: rows outside the circle or the price cost no lookup.
        Index(
            "ix_offers_geo",
            "status",
            "place_kind",
            "latitude",
            "longitude",
            "radius_km",
            "provider_id",
            "currency",
            "price_minor",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        ForeignKey("providers.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=OfferStatus.PUBLISHED, index=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32))
    duration_min: Mapped[int] = mapped_column(SmallInteger)
    # Money in minor units (cents, kopecks) with its ISO 4217 code.
    price_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    capacity: Mapped[int] = mapped_column(SmallInteger, default=1)
    place_kind: Mapped[str] = mapped_column(String(16))
    area: Mapped[str | None] = mapped_column(String(200))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # How far the provider travels, for offers at the customer's place (from the point above).
    radius_km: Mapped[int | None] = mapped_column(SmallInteger)
    # Reputation (Bayesian average of reviews), kept up to date by services.reputation;
    # empty until the offer has reviews.
    rating: Mapped[float | None] = mapped_column(Float)
    review_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    star_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    buffer_min: Mapped[int] = mapped_column(SmallInteger, default=0)
    min_notice_min: Mapped[int] = mapped_column(Integer, default=120)
    max_advance_days: Mapped[int] = mapped_column(SmallInteger, default=60)
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Customers cancel for free until this many hours before; later is a late cancellation.
    free_cancel_hours: Mapped[int] = mapped_column(SmallInteger, default=24, server_default="24")
    # Paid before the booking stands (Telegram Payments, when the operator configured a
    # provider token): nothing, a deposit (a fixed amount or a share of the price, per
    # place), or the full price. See services.payments.
    prepayment: Mapped[str] = mapped_column(
        String(8), default=Prepayment.NONE, server_default=Prepayment.NONE.value
    )
    deposit_minor: Mapped[int | None] = mapped_column(Integer)
    deposit_percent: Mapped[int | None] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    provider: Mapped[Provider] = relationship(back_populates="offers")
    hours: Mapped[list[OfferHours]] = relationship(
        cascade="all, delete-orphan", order_by="(OfferHours.weekday, OfferHours.start_min)"
    )
    exceptions: Mapped[list[OfferException]] = relationship(
        cascade="all, delete-orphan", order_by="OfferException.day"
    )
    photos: Mapped[list[OfferPhoto]] = relationship(
        cascade="all, delete-orphan", order_by="OfferPhoto.position"
    )


class OfferHours(Base):
    """One range of weekly hours, in the provider's local time (minutes from midnight)."""

    __tablename__ = "offer_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("start_min >= 0 AND end_min <= 1440 AND start_min < end_min", name="range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)  # Monday = 0
    start_min: Mapped[int] = mapped_column(SmallInteger)
    end_min: Mapped[int] = mapped_column(SmallInteger)


class OfferException(Base):
    """A date that differs from the week: closed (all day or some hours) or extra hours."""

    __tablename__ = "offer_exceptions"
    __table_args__ = (
        CheckConstraint(
            "(start_min IS NULL AND end_min IS NULL AND closed) OR "
            "(start_min >= 0 AND end_min <= 1440 AND start_min < end_min)",
            name="range",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    closed: Mapped[bool] = mapped_column(Boolean)
    start_min: Mapped[int | None] = mapped_column(SmallInteger)
    end_min: Mapped[int | None] = mapped_column(SmallInteger)


class OfferPhoto(Base):
    """A photo of an offer, by Telegram file id (at most five per offer)."""

    __tablename__ = "offer_photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[str] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(SmallInteger)
