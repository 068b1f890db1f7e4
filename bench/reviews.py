"""Reputation stays cheap as reviews pile up: the cost of each trust event and of the
provider's page, with 100 and with 10,000 reviews already stored.

    python -m bench.reviews [--sizes 100,10000] [--database-url URL [--yes-drop]] [--events 200]

Per size, in a fresh database (a temporary SQLite file by default): one provider whose
offer has `size` completed, reviewed bookings from `size` customers; then `events` more
bookings are marked completed (the track record is counted), reviewed (the score is
updated), and the provider's page is read (profile, offers, five latest reviews). Each
event is timed with its commit.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

from bench.databases import fresh_postgres
from bench.report import backend_name, percentiles
from bot.db import create_engine, create_sessionmaker
from bot.migrate import upgrade
from models import Booking, BookingSession, Review, User
from services import bookings, offers, reviews
from services.offers import OfferData
from services.reputation import bayesian

START = datetime(2025, 1, 1, 0, 0, tzinfo=UTC)
DATA = OfferData(
    title="Haircut",
    category="beauty",
    duration_min=60,
    price_minor=2000,
    currency="EUR",
    weekly=[(d, 0, 1440) for d in range(7)],
    min_notice_min=0,
    max_advance_days=365,
)


def hour(n: int) -> datetime:
    return START + timedelta(hours=n)


async def run(database_url: str, size: int, events: int) -> None:
    """Store `size` reviews, then time `events` of each kind."""
    await upgrade(database_url)
    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine)
    rng = random.Random(7)
    async with sessions() as session:
        session.add(User(id=1, first_name="Anna"))
        await session.flush()
        anna = await session.get(User, 1)
        assert anna is not None
        offer = await offers.create_offer(session, anna, DATA, default_timezone="UTC")
        total = size + events
        users = [{"id": 1000 + n, "first_name": f"C{n}"} for n in range(total)]
        await session.execute(insert(User), users)
        await session.execute(
            insert(BookingSession),
            [
                {
                    "id": n + 1,
                    "offer_id": offer.id,
                    "provider_id": offer.provider_id,
                    "starts_at": hour(n),
                    "ends_at": hour(n) + timedelta(minutes=60),
                    "blocked_until": hour(n) + timedelta(minutes=60),
                    "capacity": 1,
                    "seats_taken": 1,
                }
                for n in range(total)
            ],
        )
        await session.execute(
            insert(Booking),
            [
                {
                    "id": n + 1,
                    "session_id": n + 1,
                    "offer_id": offer.id,
                    "provider_id": offer.provider_id,
                    "customer_id": 1000 + n,
                    "starts_at": hour(n),
                    "ends_at": hour(n) + timedelta(minutes=60),
                    "seats": 1,
                    "status": "completed" if n < size else "confirmed",
                    "created_at": hour(n),
                    "updated_at": hour(n) + timedelta(minutes=60),
                }
                for n in range(total)
            ],
        )
        stars = [rng.choice((3, 4, 4, 5, 5, 5)) for _ in range(size)]
        await session.execute(
            insert(Review),
            [
                {
                    "booking_id": n + 1,
                    "offer_id": offer.id,
                    "provider_id": offer.provider_id,
                    "author_id": 1000 + n,
                    "stars": stars[n],
                    "comment": "Very good, would come back",
                    "created_at": hour(n + 2),
                    "updated_at": hour(n + 2),
                }
                for n in range(size)
            ],
        )
        for table in ("offers", "providers"):
            await session.execute(
                text(
                    f"UPDATE {table} SET star_total = :total, review_count = :count,"  # noqa: S608
                    " rating = :rating"
                ),
                {"total": sum(stars), "count": size, "rating": bayesian(sum(stars), size)},
            )
        await session.execute(
            text("UPDATE providers SET completed_count = :count"), {"count": size}
        )
        if not database_url.startswith("sqlite"):
            await session.execute(text("ANALYZE"))
        await session.commit()
        offer_id, provider_id = offer.id, offer.provider_id

    async def timed(step: Callable[[int], Awaitable[object]]) -> list[float]:
        seconds = []
        for n in range(size, size + events):
            started = time.perf_counter()
            await step(n)
            seconds.append(time.perf_counter() - started)
        return seconds

    async def complete(n: int) -> None:
        async with sessions() as session:
            await bookings.change(session, anna, n + 1, "complete", now=hour(n + 1))
            await session.commit()

    async def review(n: int) -> None:
        async with sessions() as session:
            customer = await session.get(User, 1000 + n)
            assert customer is not None
            await reviews.review_booking(
                session, customer, n + 1, stars=5, comment="Great", now=hour(n + 2)
            )
            await session.commit()

    async def page(_n: int) -> None:
        async with sessions() as session:
            await offers.public_provider(session, provider_id)
            await reviews.recent_reviews(session, provider_id)

    print(f"{backend_name(database_url)} {size:>7,} reviews stored (offer {offer_id})")
    for name, step in (("complete", complete), ("review", review), ("page", page)):
        print(f"  {name:<9} {percentiles(await timed(step), 50, 95, 99)}")
    await engine.dispose()


async def main() -> None:
    """Parse arguments and run each size on a fresh database."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100,10000")
    parser.add_argument("--database-url", default="", help="PostgreSQL; emptied first")
    parser.add_argument("--yes-drop", action="store_true", help="empty a non-bench database")
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        if args.database_url:
            await fresh_postgres(args.database_url, yes_drop=args.yes_drop)
            await run(args.database_url, size, args.events)
            continue
        with tempfile.TemporaryDirectory() as directory:
            await run(f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}", size, args.events)


if __name__ == "__main__":
    asyncio.run(main())
