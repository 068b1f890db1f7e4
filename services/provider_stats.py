"""A provider's business week by week: bookings completed, missed and cancelled, income
by currency, new and returning customers, and the rating as it stood — for /stats_me."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking, BookingStatus, Offer, Provider, Review

PERIODS = (4, 12, 52)  # weeks a provider can look back over
CANCELLED = frozenset(
    {
        BookingStatus.CANCELLED_BY_CUSTOMER,
        BookingStatus.CANCELLED_BY_PROVIDER,
        BookingStatus.CANCELLED_BY_MODERATOR,
    }
)
# A customer counts for a week when they came or were expected (not a cancelled or
# refused request); "new" in the week of their first such booking with the provider.
COUNTED = frozenset({BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW})


@dataclass(slots=True)
class WeekStats:
    """One week (Monday to Sunday in the provider's zone)."""

    monday: date
    completed: int = 0
    no_show: int = 0
    cancelled: int = 0
    new_customers: int = 0
    returning_customers: int = 0
    income: Counter[str] = field(default_factory=Counter)  # minor units by currency
    rating: float | None = None  # all visible reviews up to the week's end
    reviews: int = 0


@dataclass(frozen=True, slots=True)
class ProviderStats:
    """The weeks, oldest first, and their sums."""

    weeks: tuple[WeekStats, ...]
    customers: int = 0  # different customers who came or were expected in these weeks

    @property
    def completed(self) -> int:
        """Bookings that took place."""
        return sum(w.completed for w in self.weeks)

    @property
    def no_show(self) -> int:
        """Bookings the customer missed."""
        return sum(w.no_show for w in self.weeks)

    @property
    def cancelled(self) -> int:
        """Bookings cancelled by either side (or a moderator)."""
        return sum(w.cancelled for w in self.weeks)

    @property
    def income(self) -> dict[str, int]:
        """Income of completed bookings, minor units by currency."""
        total: Counter[str] = Counter()
        for week in self.weeks:
            total.update(week.income)
        return dict(sorted(total.items()))

    @property
    def new_customers(self) -> int:
        """Customers whose first booking fell in these weeks."""
        return sum(w.new_customers for w in self.weeks)


def first_monday(today: date, weeks: int) -> date:
    """The Monday starting the oldest of `weeks` weeks that end with today's week."""
    return today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)


async def provider_stats(
    session: AsyncSession, provider: Provider, *, weeks: int, now: datetime
) -> ProviderStats:
    """The last `weeks` weeks (this one included) in the provider's zone. Income is the
    offer's price × seats of each completed booking (what was agreed; refunds and
    packages are in the payments ledger, not here)."""
    zone = ZoneInfo(provider.timezone)
    monday = first_monday(now.astimezone(zone).date(), weeks)
    start = datetime.combine(monday, time(), zone)
    end = start + timedelta(weeks=weeks)
    table = [WeekStats(monday + timedelta(weeks=n)) for n in range(weeks)]

    def week_of(moment: datetime) -> WeekStats | None:
        index = (moment.astimezone(zone).date() - monday).days // 7
        return table[index] if 0 <= index < weeks else None

    first_bookings = await session.execute(
        select(Booking.customer_id, func.min(Booking.starts_at))
        .where(Booking.provider_id == provider.id, Booking.status.in_(COUNTED))
        .group_by(Booking.customer_id)
    )
    firsts: dict[int, datetime] = dict(first_bookings.all())
    rows = await session.execute(
        select(
            Booking.starts_at,
            Booking.status,
            Booking.customer_id,
            Booking.seats,
            Offer.price_minor,
            Offer.currency,
        )
        .join(Offer, Offer.id == Booking.offer_id)
        .where(
            Booking.provider_id == provider.id, Booking.starts_at >= start, Booking.starts_at < end
        )
    )
    seen: defaultdict[date, set[int]] = defaultdict(set)  # customers counted, per week
    for starts_at, status, customer_id, seats, price, currency in rows:
        week = week_of(starts_at)
        if week is None:
            continue
        if status == BookingStatus.COMPLETED:
            week.completed += 1
            if price:
                week.income[currency] += price * seats
        elif status == BookingStatus.NO_SHOW:
            week.no_show += 1
        elif status in CANCELLED:
            week.cancelled += 1
        if status in COUNTED and customer_id not in seen[week.monday]:
            seen[week.monday].add(customer_id)
            if week_of(firsts[customer_id]) is week:
                week.new_customers += 1
            else:
                week.returning_customers += 1
    await _ratings(session, provider, table, start, zone)
    return ProviderStats(tuple(table), customers=len(set().union(*seen.values())))


async def _ratings(
    session: AsyncSession,
    provider: Provider,
    table: list[WeekStats],
    start: datetime,
    zone: ZoneInfo,
) -> None:
    """Each week's rating: the mean of the visible reviews written by its end."""
    visible = (Review.provider_id == provider.id, Review.hidden.is_(False))
    before = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(Review.stars), 0)).where(
                *visible, Review.created_at < start
            )
        )
    ).one()
    count, stars = int(before[0]), int(before[1])
    reviews = await session.execute(
        select(Review.created_at, Review.stars)
        .where(*visible, Review.created_at >= start)
        .order_by(Review.created_at)
    )
    pending = [(created_at, stars) for created_at, stars in reviews]
    for week in table:
        week_end = datetime.combine(week.monday + timedelta(weeks=1), time(), zone)
        while pending and pending[0][0] < week_end:
            stars += pending.pop(0)[1]
            count += 1
        week.reviews = count
        week.rating = stars / count if count else None
