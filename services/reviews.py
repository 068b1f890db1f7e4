"""Reviews only from completed bookings: one per booking by its customer, editable for
48 hours, one reply by the provider; the provider's private stars for the customer."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Booking,
    BookingStatus,
    CustomerRating,
    NotificationKind,
    Provider,
    Review,
    Role,
    User,
)
from services import outbox, reputation
from services.bookings import BookingNotFound, party_booking, role_of
from services.errors import DomainError

EDIT_WINDOW = timedelta(hours=48)
REVIEW_WITHIN = timedelta(days=14)  # after completion; later, memories are not reviews
# Which bookings each side rates: customers review completed ones; providers rate their
# customers after a completion or a no-show.
RATED_STATUSES = {
    Role.CUSTOMER: (BookingStatus.COMPLETED,),
    Role.PROVIDER: (BookingStatus.COMPLETED, BookingStatus.NO_SHOW),
}
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


class Suspended(ReviewError):
    """A banned user cannot review."""

    key = "common.suspended"


class BadReview(ReviewError):
    """Stars outside 1–5 or a comment too long."""

    key = "review.error.bad_value"


def _check(stars: int, comment: str | None) -> None:
    if not 1 <= stars <= 5 or (comment is not None and len(comment) > COMMENT_LIMIT):
        raise BadReview()


def open_for_rating(booking: Booking, role: Role, now: datetime) -> bool:
    """Whether `role` may still write a first review or rating
    of `booking` at `now`."""
    return booking.status in RATED_STATUSES[role] and now - booking.updated_at <= REVIEW_WITHIN


async def _own_booking(session: AsyncSession, user: User, booking_id: int, role: Role) -> Booking:
    """The booking if `user` is its `role` and it is one that side rates; NotReviewable
    otherwise, the same for a booking that does not exist."""
    try:
        booking = await party_booking(session, user, booking_id)
    except BookingNotFound as error:
        raise NotReviewable() from error
    if role_of(booking, user) != role or booking.status not in RATED_STATUSES[role]:
        raise NotReviewable()
    return booking


async def review_booking(
    session: AsyncSession,
    user: User,
    booking_id: int,
    *,
    stars: int,
    comment: str | None,
    now: datetime,
    keep_comment: bool = False,
) -> Review:
    """The customer reviews their completed booking, or edits the review within 48 h
    (`keep_comment`: change the stars only). A new review is announced to the provider."""
    _check(stars, comment)
    if user.banned:
        raise Suspended()
    booking = await _own_booking(session, user, booking_id, Role.CUSTOMER)
    review = await session.scalar(select(Review).where(Review.booking_id == booking.id))
    if review is None:
        if not open_for_rating(booking, role_of(booking, user), now):
            raise EditWindowClosed()
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
        provider = await session.get(Provider, booking.provider_id)
        if provider is not None:
            await outbox.queue(
                session,
                outbox.Entry(
                    key=f"r{review.id}:new",
                    recipient_id=provider.user_id,
                    kind=NotificationKind.NEW_REVIEW,
                    due_at=now,
                    booking_id=booking.id,
                ),
            )
        await reputation.add_stars(
            session, booking.offer_id, booking.provider_id, stars=stars, count=1
        )
        return review
    if now - review.created_at > EDIT_WINDOW:
        raise EditWindowClosed()
    if not review.hidden:
        await reputation.add_stars(
            session, booking.offer_id, booking.provider_id, stars=stars - review.stars, count=0
        )
    review.stars, review.updated_at = stars, now
    if not keep_comment:
        review.comment = comment or None
    await session.flush()
    return review


async def reply_to_review(session: AsyncSession, user: User, review_id: int, text: str) -> Review:
    """The provider's one public reply to a review of their offer."""
    review = await session.get(Review, review_id)
    if review is None:
        raise NotReviewable()
    await _own_booking(session, user, review.booking_id, Role.PROVIDER)  # reviews: completed only
    if review.reply is not None:
        raise NotReviewable()
    _check(5, text)
    review.reply = text
    await session.flush()
    return review


async def rate_customer(
    session: AsyncSession,
    user: User,
    booking_id: int,
    *,
    stars: int,
    comment: str | None,
    now: datetime,
    keep_comment: bool = False,
) -> CustomerRating:
    """The provider rates the customer of their completed (or no-show) booking; the
    rating can be changed for 48 hours. Seen by providers only."""
    _check(stars, comment)
    booking = await _own_booking(session, user, booking_id, Role.PROVIDER)
    rating = await session.scalar(
        select(CustomerRating).where(CustomerRating.booking_id == booking.id)
    )
    if rating is None:
        if not open_for_rating(booking, role_of(booking, user), now):
            raise EditWindowClosed()
        rating = CustomerRating(
            booking_id=booking.id,
            customer_id=booking.customer_id,
            stars=stars,
            comment=comment or None,
            created_at=now,
        )
        session.add(rating)
    elif now - rating.created_at > EDIT_WINDOW:
        raise EditWindowClosed()
    else:
        rating.stars = stars
        if not keep_comment:
            rating.comment = comment or None
    await session.flush()
    return rating


async def review_of(session: AsyncSession, booking_id: int) -> Review | None:
    """The review of a booking, if its customer wrote one."""
    review: Review | None = await session.scalar(
        select(Review).where(Review.booking_id == booking_id)
    )
    return review


def editable(review: Review | None, now: datetime) -> bool:
    """Whether a review (or a first one, when None) can still be written or changed."""
    return review is None or now - review.created_at <= EDIT_WINDOW


async def recent_reviews(session: AsyncSession, provider_id: int, limit: int = 5) -> list[Review]:
    """The provider's latest visible reviews, newest first."""
    return list(
        await session.scalars(
            select(Review)
            .where(Review.provider_id == provider_id, Review.hidden.is_(False))
            .order_by(Review.created_at.desc(), Review.id.desc())
            .limit(limit)
        )
    )


async def set_hidden(session: AsyncSession, review: Review, hidden: bool) -> None:
    """Hide a review (moderation) or show it again; its stars leave or rejoin the totals."""
    if review.hidden == hidden:
        return
    sign = -1 if hidden else 1
    await reputation.add_stars(
        session, review.offer_id, review.provider_id, stars=sign * review.stars, count=sign
    )
    review.hidden = hidden
    await session.flush()
