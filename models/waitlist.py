"""Waiting lists: customers waiting for a place on a fully booked day of an offer."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class WaitStatus(StrEnum):
    """An entry's life: waiting → offered (a freed place is held for them) → booked, or
    one of the ends."""

    WAITING = "waiting"
    OFFERED = "offered"
    BOOKED = "booked"  # took the place (paid, when the offer asks for it)
    DECLINED = "declined"  # said no to the place offered
    LAPSED = "lapsed"  # let the offered place's hold run out
    LEFT = "left"  # left the list


OPEN_WAITS = (WaitStatus.WAITING, WaitStatus.OFFERED)


class WaitlistEntry(Base):
    """One customer waiting for `seats` places on one day of the provider's calendar."""

    __tablename__ = "waitlist"
    __table_args__ = (
        # First in line first: the open entries of a day in the order they joined.
        Index("ix_waitlist_line", "offer_id", "day", "status", "id"),
        # One open entry per customer, offer and day: joining twice is joining once.
        Index(
            "uq_waitlist_open_customer_day",
            "customer_id",
            "offer_id",
            "day",
            unique=True,
            sqlite_where=text("status IN ('waiting', 'offered')"),
            postgresql_where=text("status IN ('waiting', 'offered')"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(Date)  # in the provider's time zone
    seats: Mapped[int] = mapped_column(SmallInteger, default=1)
    status: Mapped[str] = mapped_column(String(12), default=WaitStatus.WAITING)
    # The hold of the place offered to them, while it is offered.
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
