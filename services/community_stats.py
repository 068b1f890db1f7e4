"""What a community's admins see of its weeks: offers listed, cards and digests posted,
catalogue opens, bookings credited to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Booking,
    Community,
    CommunityDigest,
    CommunityListing,
    CommunityOpens,
    ListingStatus,
)

STATS_WEEKS = 4


def week_of(moment: datetime) -> date:
    """The Monday (UTC) of the week of `moment`."""
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


async def count_open(session: AsyncSession, community: Community, now: datetime) -> None:
    """Someone opened the community's catalogue: counted for its week."""
    week = week_of(now)
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    statement = insert(CommunityOpens).values(community_id=community.id, week=week, count=1)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[CommunityOpens.community_id, CommunityOpens.week],
            set_={"count": CommunityOpens.count + 1},
        )
    )


@dataclass(frozen=True, slots=True)
class WeekStats:
    """One week of a community: offers newly listed, cards and digests posted, catalogue
    opens, bookings credited to it."""

    week: date
    listed: int
    posts: int
    opens: int
    bookings: int


async def weekly_stats(
    session: AsyncSession, community: Community, now: datetime
) -> list[WeekStats]:
    """The last STATS_WEEKS weeks (this one first), each counted in one pass per table."""
    first = week_of(now)
    weeks = [first - timedelta(weeks=n) for n in range(STATS_WEEKS)]
    starts = [datetime.combine(week, time(), UTC) for week in weeks]

    async def per_week(column: Any, *where: Any) -> list[int]:
        buckets = [
            func.coalesce(
                func.sum(
                    case((and_(column >= start, column < start + timedelta(weeks=1)), 1), else_=0)
                ),
                0,
            )
            for start in starts
        ]
        row = (await session.execute(select(*buckets).where(*where, column >= starts[-1]))).one()
        return [int(value) for value in row]

    listed = await per_week(
        CommunityListing.decided_at,
        CommunityListing.community_id == community.id,
        CommunityListing.status == ListingStatus.APPROVED,
    )
    cards = await per_week(
        CommunityListing.posted_at, CommunityListing.community_id == community.id
    )
    digests = await per_week(
        CommunityDigest.sent_at,
        CommunityDigest.community_id == community.id,
        CommunityDigest.status == "sent",
    )
    booked = await per_week(Booking.created_at, Booking.community_id == community.id)
    opened = dict(
        (
            await session.execute(
                select(CommunityOpens.week, CommunityOpens.count).where(
                    CommunityOpens.community_id == community.id, CommunityOpens.week >= weeks[-1]
                )
            )
        ).all()
    )
    return [
        WeekStats(week, listed[n], cards[n] + digests[n], int(opened.get(week, 0)), booked[n])
        for n, week in enumerate(weeks)
    ]
