"""Reputation: a Bayesian average of stars, so a few reviews cannot beat many good ones.

score = (PRIOR_WEIGHT × PRIOR_MEAN + sum of stars) / (PRIOR_WEIGHT + number of reviews)

Every offer starts as if it had PRIOR_WEIGHT reviews of PRIOR_MEAN stars: one 5-star
review gives (5 × 4.0 + 5) / 6 = 4.17, while forty reviews averaging 4.8 give
(20 + 192) / 45 = 4.71. The totals are kept on the offer and changed incrementally on
each review event; nothing scans all reviews.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Offer

PRIOR_MEAN = 4.0
PRIOR_WEIGHT = 5


def bayesian(star_total: int, count: int) -> float | None:
    """The score of `count` reviews adding up to `star_total` stars (None without reviews)."""
    if count <= 0:
        return None
    return (PRIOR_WEIGHT * PRIOR_MEAN + star_total) / (PRIOR_WEIGHT + count)


async def add_stars(session: AsyncSession, offer_id: int, *, stars: int, count: int) -> None:
    """Add (or, with negative numbers, take back) reviews' stars to an offer's totals and
    recompute its score in the same statement."""
    total = Offer.star_total + stars
    reviews = Offer.review_count + count
    await session.execute(
        update(Offer)
        .where(Offer.id == offer_id)
        .values(
            star_total=total,
            review_count=reviews,
            rating=(PRIOR_WEIGHT * PRIOR_MEAN + total) * 1.0 / (PRIOR_WEIGHT + reviews),
        )
        .execution_options(synchronize_session=False)
    )
