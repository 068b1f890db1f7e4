"""How reviews look: the stars keyboard, the request, a review with its reply, reputation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from pydantic import Field

from bot.callbacks import Callback, RowId
from bot.i18n import Translator
from models import Booking, Provider, Review, Role
from services.reputation import CustomerRecord, completion_rate
from services.reviews import COMMENT_LIMIT

PAGE_TEXT_LIMIT = 200  # characters of a comment or reply on a provider's page


Side = Role  # who rates: the customer the booking, the provider the customer


# One typed callback per action; a value no button of ours carries fails unpacking.
class AskStars(Callback, prefix="r-ask"):
    """Review (customer) or Rate the customer (provider), from a booking card."""

    side: Side
    booking_id: RowId


class GiveStars(Callback, prefix="r-star"):
    """One to five stars for a booking (or its customer)."""

    side: Side
    booking_id: RowId
    stars: Annotated[int, Field(ge=1, le=5)]


class ReplyToReview(Callback, prefix="r-reply"):
    """The provider's one public reply to a review."""

    review_id: RowId


class DoneReviewing(Callback, prefix="r-done"):
    """No comment after the stars."""


def review_button(text: str, callback_data: CallbackData) -> InlineKeyboardButton:
    """A button of the review screens."""
    return InlineKeyboardButton(text=text, callback_data=callback_data.pack())


def stars_text(stars: int) -> str:
    """ "★★★☆☆"."""
    return "★" * stars + "☆" * (5 - stars)


def stars_keyboard(side: Side, booking_id: int) -> InlineKeyboardMarkup:
    """Five buttons, one to five stars, for the review of a booking (or its customer)."""
    row = [
        review_button("★" * n, GiveStars(side=side, booking_id=booking_id, stars=n))
        for n in range(1, 6)
    ]
    return InlineKeyboardMarkup(inline_keyboard=[row[:3], row[3:]])


def review_request_screen(booking: Booking, _: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """The question to the customer after a completed booking."""
    text = _(
        "review.request",
        title=booking.offer.title,
        name=booking.provider.display_name,
    )
    return text, stars_keyboard(Role.CUSTOMER, booking.id)


def comment_keyboard(_: Translator) -> InlineKeyboardMarkup:
    """ "Done" under the invitation to add a comment."""
    return InlineKeyboardMarkup(
        inline_keyboard=[[review_button(_.text("review.done"), DoneReviewing())]]
    )


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, with "…" when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def review_html(review: Review, _: Translator, *, limit: int = COMMENT_LIMIT) -> str:
    """One review as HTML: stars, date, comment and the provider's reply (all escaped,
    each cut to `limit` characters)."""
    lines = [
        _(
            "review.line",
            stars=stars_text(review.stars),
            date=format_date(review.created_at, "d MMM y", locale=_.locale),
        )
    ]
    if review.comment:
        lines.append(_("review.comment", text=shorten(review.comment, limit)))
    if review.reply:
        lines.append(_("review.reply_line", text=shorten(review.reply, limit)))
    return "\n".join(lines)


def new_review_screen(
    review: Review, title: str, _: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    """The provider's notice of a new review, with Reply while there is none."""
    text = _("review.new", title=title) + "\n" + review_html(review, _)
    rows = (
        []
        if review.reply
        else [[review_button(_.text("review.reply"), ReplyToReview(review_id=review.id))]]
    )
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def format_score(rating: float | None, count: int, _: Translator) -> str:
    """ "★ 4.7 (12)", or "new, no reviews yet"."""
    if rating is None or not count:
        return _.text("search.no_reviews")
    score = format_decimal(round(rating, 1), format="0.0", locale=_.locale)
    return f"★ {score} ({count})"


def provider_badges(provider: Provider, _: Translator) -> str:
    """ "✔ Verified · ★ 4.7 (12) · 35 completed · 97% completion" for cards and pages."""
    parts = []
    if provider.verified:
        parts.append(_.text("reputation.verified"))
    parts.append(format_score(provider.rating, provider.review_count, _))
    if provider.completed_count:
        parts.append(_.text("reputation.completed", count=provider.completed_count))
    rate = completion_rate(provider)
    if rate is not None:
        percent = format_percent(rate, locale=_.locale)
        parts.append(_.text("reputation.completion", percent=percent))
    return " · ".join(parts)


def provider_record(provider: Provider, _: Translator) -> str:
    """The provider's full track record, for their public page (HTML)."""
    return _(
        "reputation.record",
        badges=provider_badges(provider, _),
        no_shows=provider.no_show_count,
        late=provider.late_cancel_count,
        repeat=provider.repeat_customers,
    )


def reviews_block(items: Sequence[Review], _: Translator) -> str:
    """Recent reviews with replies, or nothing when there are none."""
    if not items:
        return ""
    # Short enough that five reviews and twenty offers stay within one message.
    shown = (review_html(r, _, limit=PAGE_TEXT_LIMIT) for r in items)
    return _("review.recent") + "\n\n" + "\n\n".join(shown)


def customer_line(record: CustomerRecord, _: Translator) -> str:
    """What providers see of a customer before accepting: stars from other providers,
    completed bookings, no-shows and late cancellations."""
    score = (
        format_score(record.rating, record.ratings, _)
        if record.ratings
        else _.text("reputation.customer_new")
    )
    return _(
        "reputation.customer",
        score=score,
        completed=record.completed,
        no_shows=record.no_shows,
        late=record.late_cancellations,
    )
