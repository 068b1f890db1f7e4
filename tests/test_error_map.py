"""One map turns a service's refusal into its reply: the nearest entry for the error's
class, its own `key` where it names one."""

from __future__ import annotations

from handlers.errors import reply_for
from services.bookings import SlotTaken
from services.offers import InvalidOffer, OfferNotFound
from services.reviews import BadReview, NotReviewable


def test_an_error_gets_its_own_entry_or_its_nearest_base_classes() -> None:
    gone = OfferNotFound()
    assert reply_for(gone).key(gone) == "offers.not_found"
    assert reply_for(gone).alert
    assert reply_for(gone).ends_dialogue
    invalid = InvalidOffer("price.too_high")
    assert reply_for(invalid).key(invalid) == "offer.invalid.price.too_high"
    taken = SlotTaken()
    assert reply_for(taken).key(taken) == "booking.error.taken"  # names its own reply


def test_a_bad_review_value_keeps_the_dialogue_but_a_refused_review_ends_it() -> None:
    assert not reply_for(BadReview()).ends_dialogue
    assert reply_for(NotReviewable()).ends_dialogue
