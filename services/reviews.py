"""Reviews only from completed bookings: one per booking by its customer, editable for
48 hours, one reply by the provider; the provider's private stars for the customer."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import CustomerRating, Review, User
from services import reputation
from services.bookings import BookingNotFound, party_booking, role_of
from services.errors import DomainError

EDIT_WINDOW = timedelta(hours=48)
COMMENT_LIMIT = 1000


class ReviewError(DomainError):
    """A review rule refused the request; `key` names the translated reply."""

    key = "review.error.generic"


class NotReviewable(ReviewError):
    """Not this user's completed booking (or not their side's to review)."""

    key = "review.error.not_reviewable"


class EditWindowClosed(ReviewError):
    """The review is older than the edit window."""

    key = "review.error.too_late"


class BadReview(ReviewError):
    """Stars outside 1–5 or a comment too long."""

    key = "review.error.bad_value"


def _check(stars: int, comment: str | None) -> None:
    if not 1 <= stars <= 5 or (comment is not None and len(comment) > COMMENT_LIMIT):
        raise BadReview()


async def review_booking(
    session: AsyncSession,
    user: User,
    booking_id: int,
    *,
    stars: int,
    comment: str | None,
    now: datetime,
) -> Review:
    """The customer reviews their completed booking, or edits the review within 48 h."""
    _check(stars, comment)
    try:
        booking = await party_booking(session, user, booking_id)
    except BookingNotFound as error:
        raise NotReviewable() from error
    if role_of(booking, user) != "customer" or booking.status != "completed":
        raise NotReviewable()
    review = await session.scalar(select(Review).where(Review.booking_id == booking.id))
    if review is None:
        review = Review(
            booking_id=booking.id,
            offer_id=booking.offer_id,
            provider_id=booking.provider_id,
            author_id=user.id,
            stars=stars,
            comment=comment or None,
            created_at=now,
            updated_at=now,
        )
        session.add(review)
        await session.flush()
        await reputation.add_stars(session, booking.offer_id, stars=stars, count=1)
        return review
    if now - review.created_at > EDIT_WINDOW:
        raise EditWindowClosed()
    await reputation.add_stars(session, booking.offer_id, stars=stars - review.stars, count=0)
    review.stars, review.comment, review.updated_at = stars, comment or None, now
    await session.flush()
    return review


async def reply_to_review(session: AsyncSession, user: User, review_id: int, text: str) -> Review:
    """The provider's one public reply to a review of their offer."""
    review = await session.get(Review, review_id)
    if review is None:
        raise NotReviewable()
    try:
        booking = await party_booking(session, user, review.booking_id)
    except BookingNotFound as error:
        raise NotReviewable() from error
    if role_of(booking, user) != "provider" or review.reply is not None:
        raise NotReviewable()
    _check(5, text)
    review.reply = text
    await session.flush()
    return review


async def rate_customer(
    session: AsyncSession, user: User, booking_id: int, *, stars: int, comment: str | None
) -> CustomerRating:
    """The provider rates the customer of their completed (or no-show) booking, once."""
    _check(stars, comment)
    try:
        booking = await party_booking(session, user, booking_id)
    except BookingNotFound as error:
        raise NotReviewable() from error
    if role_of(booking, user) != "provider" or booking.status not in ("completed", "no_show"):
        raise NotReviewable()
    existing = await session.scalar(
        select(CustomerRating).where(CustomerRating.booking_id == booking.id)
    )
    if existing is not None:
        raise NotReviewable()
    rating = CustomerRating(
        booking_id=booking.id, customer_id=booking.customer_id, stars=stars, comment=comment
    )
    session.add(rating)
    await session.flush()
    return rating
