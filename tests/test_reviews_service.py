"""Reviews from completed bookings only, the edit window, replies, the provider's rating
of customers, and the Bayesian reputation kept incrementally on the offer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.db import create_sessionmaker
from models import Offer, User
from services import bookings, customer_blocks, offers, reviews
from services.reputation import (
    PRIOR_MEAN,
    bayesian,
    completion_rate,
    customer_record,
    customer_record_for,
)
from services.reviews import EditWindowClosed, NotReviewable
from services.users import TelegramProfile, touch_user
from tests.trust_setup import offer_data

NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
START = NOW + timedelta(days=1)


def test_the_prior_keeps_one_review_from_beating_many() -> None:
    assert bayesian(0, 0) is None
    one_five = bayesian(5, 1)
    forty_good = bayesian(192, 40)  # forty reviews averaging 4.8
    assert one_five == pytest.approx(25 / 6)
    assert forty_good == pytest.approx(212 / 45)
    assert one_five is not None
    assert forty_good is not None
    assert one_five < forty_good
    assert bayesian(4, 1) == pytest.approx((5 * PRIOR_MEAN + 4) / 6)
    assert bayesian(8, 2) == bayesian(8, 2)  # ties stay ties
    assert bayesian(1, 1) == pytest.approx(3.5)  # one bad review does not sink an offer


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with create_sessionmaker(engine)() as session:
        yield session


async def confirmed_booking(session: AsyncSession) -> tuple[User, User, int, int]:
    """Anna's offer, booked by Carl for START: (anna, carl, offer id, booking id)."""
    anna = await touch_user(session, TelegramProfile(id=1, first_name="Anna"))
    carl = await touch_user(session, TelegramProfile(id=2, first_name="Carl"))
    offer_id = (await offers.create_offer(session, anna, offer_data(), default_timezone="UTC")).id
    booking = (await bookings.book(session, carl, offer_id, START, now=NOW)).booking
    return anna, carl, offer_id, booking.id


async def completed_booking(session: AsyncSession) -> tuple[User, User, int, int]:
    """The same, marked completed by Anna after the start."""
    anna, carl, offer_id, booking_id = await confirmed_booking(session)
    await bookings.change(session, anna, booking_id, "complete", now=START + timedelta(hours=1))
    return anna, carl, offer_id, booking_id


async def test_only_the_customer_of_a_completed_booking_reviews(session: AsyncSession) -> None:
    anna, carl, offer_id, booking_id = await completed_booking(session)
    mallory = await touch_user(session, TelegramProfile(id=3, first_name="Mallory"))
    after = START + timedelta(hours=2)
    for who in (anna, mallory):  # not the customer: no review
        with pytest.raises(NotReviewable):
            await reviews.review_booking(session, who, booking_id, stars=1, comment=None, now=after)
    review = await reviews.review_booking(
        session, carl, booking_id, stars=5, comment="<b>Great</b>", now=after
    )
    stored = await session.get(Offer, offer_id)
    assert stored is not None
    await session.refresh(stored)
    assert (stored.review_count, stored.star_total) == (1, 5)
    assert stored.rating == pytest.approx(bayesian(5, 1))
    # Edited within 48 hours: the totals follow, still one review.
    await reviews.review_booking(session, carl, booking_id, stars=3, comment=None, now=after)
    await session.refresh(stored)
    assert (stored.review_count, stored.star_total) == (1, 3)
    assert stored.rating == pytest.approx(bayesian(3, 1))
    with pytest.raises(EditWindowClosed):
        await reviews.review_booking(
            session, carl, booking_id, stars=5, comment=None, now=after + timedelta(hours=49)
        )
    # One reply, by the provider only.
    with pytest.raises(NotReviewable):
        await reviews.reply_to_review(session, carl, review.id, "thanks me")
    await reviews.reply_to_review(session, anna, review.id, "Thank you!")
    with pytest.raises(NotReviewable):
        await reviews.reply_to_review(session, anna, review.id, "again")


async def test_a_booking_not_completed_cannot_be_reviewed(session: AsyncSession) -> None:
    anna, carl, _offer_id, booking_id = await confirmed_booking(session)
    with pytest.raises(NotReviewable):  # confirmed, not completed
        await reviews.review_booking(session, carl, booking_id, stars=5, comment=None, now=START)
    await bookings.change(session, anna, booking_id, "no_show", now=START + timedelta(hours=1))
    with pytest.raises(NotReviewable):  # a no-show is not reviewable by the customer…
        await reviews.review_booking(session, carl, booking_id, stars=5, comment=None, now=START)
    marked = START + timedelta(hours=1)
    rating = await reviews.rate_customer(
        session, anna, booking_id, stars=1, comment="no show", now=marked
    )
    assert rating.customer_id == carl.id  # …but the provider rates the customer
    changed = await reviews.rate_customer(
        session, anna, booking_id, stars=2, comment=None, now=marked, keep_comment=True
    )
    assert (changed.id, changed.stars, changed.comment) == (rating.id, 2, "no show")
    with pytest.raises(EditWindowClosed):
        await reviews.rate_customer(
            session, anna, booking_id, stars=3, comment=None, now=marked + timedelta(hours=49)
        )
    with pytest.raises(NotReviewable):
        await reviews.rate_customer(session, carl, booking_id, stars=5, comment=None, now=marked)


def test_ties_and_the_prior_pull_scores_toward_the_mean() -> None:
    # Same average, more reviews: further from the prior, so a better 5-star record wins
    # and a worse 1-star record loses more.
    assert bayesian(10, 2) < bayesian(50, 10) < bayesian(500, 100)  # type: ignore[operator]
    assert bayesian(2, 2) > bayesian(10, 10) > bayesian(100, 100)  # type: ignore[operator]
    # Equal totals and counts are exact ties, whatever order they arrived in.
    assert bayesian(4 + 5 + 3, 3) == bayesian(3 + 4 + 5, 3)
    # Four 5-star reviews move a 4.0 prior exactly halfway to 4.44 (no rounding drift).
    assert bayesian(20, 4) == pytest.approx(40 / 9)


async def test_the_track_record_counts_each_outcome_once(session: AsyncSession) -> None:
    anna, carl, offer_id, _booking_id = await completed_booking(session)
    later = START + timedelta(days=1)
    # Carl comes back: a repeat customer (counted once, however often he returns).
    for day in (1, 2):
        again = (
            await bookings.book(session, carl, offer_id, START + timedelta(days=day), now=NOW)
        ).booking
        await bookings.change(
            session, anna, again.id, "complete", now=START + timedelta(days=day, hours=1)
        )
    # Dora does not come; Erik's booking Anna cancels two hours before (late); Fay's she
    # moves (a reschedule is not a cancellation).
    dora = await touch_user(session, TelegramProfile(id=4, first_name="Dora"))
    erik = await touch_user(session, TelegramProfile(id=5, first_name="Erik"))
    fay = await touch_user(session, TelegramProfile(id=6, first_name="Fay"))
    no_show = await bookings.book(session, dora, offer_id, later + timedelta(hours=3), now=NOW)
    await bookings.change(
        session, anna, no_show.booking.id, "no_show", now=later + timedelta(hours=4)
    )
    late = await bookings.book(session, erik, offer_id, later + timedelta(hours=6), now=NOW)
    await bookings.change(
        session, anna, late.booking.id, "cancel_by_provider", now=later + timedelta(hours=4)
    )
    moved = await bookings.book(session, fay, offer_id, later + timedelta(hours=8), now=NOW)
    await bookings.reschedule(session, anna, moved.booking.id, later + timedelta(hours=9), now=NOW)
    provider = await offers.provider_of(session, anna)
    assert provider is not None
    await session.refresh(provider)
    record = (
        provider.completed_count,
        provider.repeat_customers,
        provider.no_show_count,
        provider.cancelled_count,
        provider.late_cancel_count,
    )
    assert record == (3, 1, 1, 1, 1)
    assert completion_rate(provider) == pytest.approx(3 / 4)  # no-shows are not hers
    customer = await customer_record(session, dora.id)
    assert (customer.completed, customer.no_shows, customer.late_cancellations) == (0, 1, 0)


async def test_the_customer_record_providers_see(session: AsyncSession) -> None:
    """Ratings and each outcome, counted by customer_record's one statement: a customer's
    cancellation counts only when late."""
    anna, carl, offer_id, booking_id = await completed_booking(session)
    marked = START + timedelta(hours=1)
    await reviews.rate_customer(session, anna, booking_id, stars=2, comment=None, now=marked)
    day = START + timedelta(days=2)
    missed = await bookings.book(session, carl, offer_id, day, now=NOW)
    await bookings.change(session, anna, missed.booking.id, "no_show", now=day + timedelta(hours=1))
    await reviews.rate_customer(
        session, anna, missed.booking.id, stars=1, comment=None, now=day + timedelta(hours=1)
    )
    for hours, when in ((6, day + timedelta(hours=5)), (9, NOW)):  # late, then early
        cancelled = await bookings.book(
            session, carl, offer_id, day + timedelta(hours=hours), now=NOW
        )
        await bookings.change(session, carl, cancelled.booking.id, "cancel_by_customer", now=when)
    record = await customer_record(session, carl.id)
    assert record.rating == pytest.approx(1.5)
    assert record.ratings == 2
    assert (record.completed, record.no_shows, record.late_cancellations) == (1, 1, 1)
    nobody = await customer_record(session, anna.id)
    assert (nobody.rating, nobody.ratings, nobody.completed) == (None, 0, 0)
    # The provider's card reads the same record, and her block, in one statement.
    provider = await offers.provider_of(session, anna)
    assert provider is not None
    assert await customer_record_for(session, carl.id, provider.id) == (record, False)
    await customer_blocks.block_from_booking(session, anna, booking_id, blocked=True)
    assert await customer_record_for(session, carl.id, provider.id) == (record, True)
    assert await customer_record_for(session, carl.id, provider.id + 1) == (record, False)


async def test_banned_users_cannot_review(session: AsyncSession) -> None:
    _anna, carl, _offer_id, booking_id = await completed_booking(session)
    carl.banned = True
    with pytest.raises(reviews.Suspended):
        await reviews.review_booking(
            session, carl, booking_id, stars=5, comment=None, now=START + timedelta(hours=2)
        )
