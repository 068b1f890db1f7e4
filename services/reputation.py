"""Reputation: a Bayesian average of stars, so a few reviews cannot beat many good ones,
and the provider's track record, both kept up to date on each event.

score = (PRIOR_WEIGHT × PRIOR_MEAN + sum of stars) / (PRIOR_WEIGHT + number of reviews)

Every offer and provider starts as if it had PRIOR_WEIGHT reviews of PRIOR_MEAN stars:
one 5-star review gives (5 × 4.0 + 5) / 6 = 4.17, while forty reviews averaging 4.8 give
(20 + 192) / 45 = 4.71. The totals are kept on the offer and on the provider and changed
incrementally on each review event; nothing scans all reviews. The track record
(completed bookings, no-shows, cancellations, repeat customers) is counted the same way,
as bookings change status.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    Integer,
    Select,
    bindparam,
    case,
    exists,
    func,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking, BookingStatus, CustomerBlock, CustomerRating, Offer, Provider

PRIOR_MEAN = 4.0
PRIOR_WEIGHT = 5


def bayesian(star_total: int, count: int) -> float | None:
    """The score of `count` reviews adding up to `star_total` stars (None without reviews)."""
    if count <= 0:
        return None
    return (PRIOR_WEIGHT * PRIOR_MEAN + star_total) / (PRIOR_WEIGHT + count)


def completion_rate(provider: Provider) -> float | None:
    """Share of the provider's confirmed bookings they delivered rather than cancelled
    (None before the first one ended). Customers' no-shows do not count against it."""
    ended = provider.completed_count + provider.cancelled_count
    return provider.completed_count / ended if ended else None


async def add_stars(
    session: AsyncSession, offer_id: int, provider_id: int, *, stars: int, count: int
) -> None:
    """Add (or, with negative numbers, take back) reviews' stars to the totals of an
    offer and its provider and recompute both scores in the same statements."""
    for model, row_id in ((Offer, offer_id), (Provider, provider_id)):
        total = model.star_total + stars
        reviews = model.review_count + count
        score = (PRIOR_WEIGHT * PRIOR_MEAN + total) * 1.0 / (PRIOR_WEIGHT + reviews)
        await session.execute(
            update(model)
            .where(model.id == row_id)
            .values(
                star_total=total,
                review_count=reviews,
                rating=case((reviews > 0, score), else_=None),  # no reviews: no score
            )
            .execution_options(synchronize_session=False)
        )


async def count_outcome(
    session: AsyncSession, booking: Booking, *, previous: str, late: bool
) -> None:
    """Count a booking's end in its provider's track record: `booking.status` is the new
    status, `previous` the one it left, `late` whether a cancellation came late."""
    values: dict[str, object] = {}
    if booking.status == BookingStatus.COMPLETED:
        values["completed_count"] = Provider.completed_count + 1
        completed_here = await session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(
                Booking.provider_id == booking.provider_id,
                Booking.customer_id == booking.customer_id,
                Booking.status == BookingStatus.COMPLETED,
            )
        )
        if completed_here == 2:  # this customer came back: a repeat customer now
            values["repeat_customers"] = Provider.repeat_customers + 1
    elif booking.status == BookingStatus.NO_SHOW:
        values["no_show_count"] = Provider.no_show_count + 1
    elif (
        booking.status == BookingStatus.CANCELLED_BY_PROVIDER
        and previous == BookingStatus.CONFIRMED
    ):
        values["cancelled_count"] = Provider.cancelled_count + 1
        if late:
            values["late_cancel_count"] = Provider.late_cancel_count + 1
    if values:
        await session.execute(
            update(Provider)
            .where(Provider.id == booking.provider_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    """How a customer has behaved, as providers see it before accepting them."""

    rating: float | None  # plain average of providers' stars
    ratings: int
    completed: int
    no_shows: int
    late_cancellations: int


async def customer_record(session: AsyncSession, customer_id: int) -> CustomerRecord:
    """The customer's record over all providers (one customer's rows, by index), in one
    statement."""
    row = (await session.execute(_customer_record_statement(), {"customer": customer_id})).one()
    return _record(row)


async def customer_record_for(
    session: AsyncSession, customer_id: int, provider_id: int
) -> tuple[CustomerRecord, bool]:
    """The customer's record, and whether provider `provider_id` blocked them, in one
    statement (the provider's card of a booking shows both)."""
    row = (
        await session.execute(
            _customer_record_statement(with_block=True),
            {"customer": customer_id, "provider": provider_id},
        )
    ).one()
    return _record(row[:5]), bool(row[5])


def _record(row: Sequence[Any]) -> CustomerRecord:
    rating, ratings, completed, no_shows, late_cancellations = row
    return CustomerRecord(
        rating=float(rating) if rating is not None else None,
        ratings=int(ratings),
        completed=int(completed),
        no_shows=int(no_shows),
        late_cancellations=int(late_cancellations),
    )


@cache
def _customer_record_statement(*, with_block: bool = False) -> Select[Any]:
    """Built once per kind: the ratings' average and count beside the counts of each
    outcome (a cancellation counts when it was late); `with_block`: and whether the
    provider bound as `provider` blocked the customer."""
    customer: BindParameter[int] = bindparam("customer", type_=Integer())
    ratings = (
        select(func.avg(CustomerRating.stars).label("rating"), func.count().label("ratings"))
        .where(CustomerRating.customer_id == customer)
        .subquery()
    )
    outcomes = (
        select(
            func.count().filter(Booking.status == BookingStatus.COMPLETED).label("completed"),
            func.count().filter(Booking.status == BookingStatus.NO_SHOW).label("no_shows"),
            func.count()
            .filter(
                Booking.status == BookingStatus.CANCELLED_BY_CUSTOMER, Booking.late_cancellation
            )
            .label("late"),
        )
        .where(
            Booking.customer_id == customer,
            Booking.status.in_(
                (
                    BookingStatus.COMPLETED,
                    BookingStatus.NO_SHOW,
                    BookingStatus.CANCELLED_BY_CUSTOMER,
                )
            ),
        )
        .subquery()
    )
    columns: list[Any] = [
        ratings.c.rating,
        ratings.c.ratings,
        outcomes.c.completed,
        outcomes.c.no_shows,
        outcomes.c.late,
    ]
    if with_block:
        blocked = exists().where(
            CustomerBlock.provider_id == bindparam("provider", type_=Integer()),
            CustomerBlock.customer_id == customer,
        )
        columns.append(blocked.label("blocked"))
    return select(*columns).select_from(ratings.join(outcomes, true()))  # one row each
