"""Bookings and the sessions they take seats in.

A session is one occurrence of an offer at one start time; it holds the seats taken and
blocks the provider's time (with the offer's buffer after it) while any seat is taken.
The database itself refuses a second session over the same provider time (PostgreSQL: an
exclusion constraint; SQLite: a trigger — see models.booking_guards) and more seats than
the capacity (a CHECK), so no race in the application can double-book.
"""

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
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow
from models.offer import Offer, Provider


class BookingStatus(StrEnum):
    """A booking's life: (held →) requested → confirmed → completed, or one of the ends."""

    HELD = "held"  # its seats are kept for a few minutes while the customer pays
    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    COMPLETED = "completed"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED_BY_CUSTOMER = "cancelled_by_customer"
    CANCELLED_BY_PROVIDER = "cancelled_by_provider"
    NO_SHOW = "no_show"
    CANCELLED_BY_MODERATOR = "cancelled_by_moderator"  # one side was banned


BOOKING_STATUSES = tuple(BookingStatus)
ACTIVE_STATUSES = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)  # bookings that stand
# Statuses that hold seats: a booking that stands, or a hold waiting for its payment.
SEAT_STATUSES = (BookingStatus.HELD, *ACTIVE_STATUSES)


class Role(StrEnum):
    """Which side of a booking a person is on."""

    CUSTOMER = "customer"
    PROVIDER = "provider"


class BookingSession(Base):
    """One offer at one start time: capacity, seats taken, and the time it blocks."""

    __tablename__ = "booking_sessions"
    __table_args__ = (
        UniqueConstraint("offer_id", "starts_at"),
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats"),
        CheckConstraint("starts_at < ends_at AND ends_at <= blocked_until", name="times"),
        Index("ix_booking_sessions_provider_time", "provider_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The provider's time stays blocked until the end plus the offer's buffer.
    blocked_until: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(SmallInteger)
    seats_taken: Mapped[int] = mapped_column(SmallInteger, default=0)

    offer: Mapped[Offer] = relationship()


class BookingSeries(Base):
    """Bookings of the same time every `every_weeks` weeks, booked together."""

    __tablename__ = "booking_series"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    every_weeks: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Booking(Base):
    """A customer's seats in a session, and where the booking is in its life."""

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("seats >= 1", name="seats"),
        # One active booking per customer and session: a double-tapped Confirm or a
        # duplicated update finds the first one instead of booking twice.
        Index(
            "uq_bookings_active_customer_session",
            "customer_id",
            "session_id",
            unique=True,
            sqlite_where=text("status IN ('held', 'requested', 'confirmed')"),
            postgresql_where=text("status IN ('held', 'requested', 'confirmed')"),
        ),
        Index("ix_bookings_customer_start", "customer_id", "starts_at"),
        Index("ix_bookings_provider_start", "provider_id", "starts_at"),
        # The scheduler's sweep of confirmed bookings that ended long enough ago.
        Index("ix_bookings_status_end", "status", "ends_at"),
        # The scheduler's sweep of holds whose payment did not come.
        Index(
            "ix_bookings_pay_by",
            "pay_by",
            sqlite_where=text("status = 'held'"),
            postgresql_where=text("status = 'held'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("booking_sessions.id", ondelete="CASCADE"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seats: Mapped[int] = mapped_column(SmallInteger, default=1)
    status: Mapped[str] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(String(300))  # of a decline or cancellation
    late_cancellation: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A request the provider has not answered by then expires.
    answer_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A hold not paid for by then expires (its seats are freed).
    pay_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The repeat series it was booked in, if any. No foreign key: SQLite would have to
    # rebuild `bookings` to add one (see migration 0014); a series only groups bookings,
    # and an erased customer's series rows go while their bookings stay, re-keyed.
    series_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # The package it was paid from, if any (no foreign key, for the same reason).
    purchase_id: Mapped[int | None] = mapped_column(Integer)
    # The community whose post or catalogue the customer came from, if any.
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[BookingSession] = relationship()
    offer: Mapped[Offer] = relationship()
    provider: Mapped[Provider] = relationship()
