"""Conversation tests of reviews: the customer's stars and comment after completion, the
provider's reply, the edit window, the provider's private rating of customers, forged
buttons, reputation on the offer and the provider's page, and the auto-completion."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.db import create_sessionmaker
from emulator import EmuMessage, SimUser
from models import Booking, CustomerRating, Offer, Provider, Review, utcnow
from services.reputation import bayesian
from tests.trust_setup import World, hour


async def open_card(person: SimUser, booking_id: int) -> EmuMessage:
    """The booking's card as `person` sees it (the button My bookings and the agenda use)."""
    assert person.last is not None
    await person.press_callback(person.last, f"b-open:{booking_id}")
    assert person.last is not None
    return person.last


def bot_texts(world: World, who: object) -> list[str]:
    return [m.text or "" for m in world.tg.messages_in(who.id) if m.from_bot]  # type: ignore[attr-defined]


async def stored(world: World, model: type, *where: object) -> list[object]:
    async with create_sessionmaker(world.engine)() as session:
        return list(await session.scalars(select(model).where(*where)))  # type: ignore[arg-type]


async def test_the_customer_rates_and_the_provider_replies(world: World) -> None:
    offer_id = await world.offer(world.anna)
    booking_id = await world.booking(offer_id, world.carl, hour(-2), outcome="complete")
    assert (await world.deliver()).get("sent") == 1  # the review request
    assert "How was Haircut" in bot_texts(world, world.carl)[-1]
    reply = await world.carl.press("★★★★")
    assert reply is not None
    assert "You gave ★★★★☆" in (reply.text or "")
    reply = await world.carl.send("<b>Great</b> & friendly")
    assert reply is not None
    assert "<b>Great</b> & friendly" in (reply.text or "")  # shown literally, not bold
    assert not any(entity["type"] == "bold" for entity in reply.entities)
    [review] = await stored(world, Review, Review.booking_id == booking_id)
    assert (review.stars, review.comment) == (4, "<b>Great</b> & friendly")  # type: ignore[attr-defined]
    # The provider hears of it (in the next scheduler run) and replies once.
    assert (await world.deliver()).get("sent") == 1
    assert "New review" in bot_texts(world, world.anna)[-1]
    assert "<b>Great</b> & friendly" in bot_texts(world, world.anna)[-1]
    await world.anna.press("↪️ Reply")
    reply = await world.anna.send("Thanks, <i>Carl</i>!")
    assert reply is not None
    assert "reply is published" in (reply.text or "")
    # A second reply is refused.
    await world.anna.press_callback(reply, f"r-reply:{review.id}")  # type: ignore[attr-defined]
    second = await world.anna.send("again")
    assert second is not None
    assert "Only a completed booking" in (second.text or "")
    # Everyone sees the reputation and the review with its reply on the provider's page.
    [offer] = await stored(world, Offer, Offer.id == offer_id)
    page = await world.dora.send(f"/start provider_{offer.provider_id}")  # type: ignore[attr-defined]
    assert page is not None
    text = page.text or ""
    assert "★ 4.0 (1)" in text  # (5 × 4.0 + 4) / 6
    assert "★★★★☆" in text
    assert "<b>Great</b> & friendly" in text
    assert "Thanks, <i>Carl</i>!" in text
    assert "1 completed" in text
    assert offer.rating == bayesian(4, 1)  # type: ignore[attr-defined]
    detail = await world.dora.send(f"/start offer_{offer_id}")
    assert detail is not None
    assert "1 completed" in (detail.text or "")
    assert "100% kept" in (detail.text or "")


async def test_a_review_can_be_changed_for_48_hours_only(world: World) -> None:
    offer_id = await world.offer(world.anna)
    booking_id = await world.booking(offer_id, world.carl, hour(-2), outcome="complete")
    await world.deliver()
    await world.carl.press("★★★★★")
    await world.carl.send("Perfect")
    # From the booking's card, within 48 hours: new stars, the comment kept.
    await open_card(world.carl, booking_id)
    await world.carl.press("⭐ Rate / edit review")
    await world.carl.press("★★★")
    [review] = await stored(world, Review, Review.booking_id == booking_id)
    assert (review.stars, review.comment) == (3, "Perfect")  # type: ignore[attr-defined]
    [provider] = await stored(world, Provider)
    assert (provider.review_count, provider.star_total) == (1, 3)  # type: ignore[attr-defined]
    # 49 hours later the review stands as it is.
    async with create_sessionmaker(world.engine)() as session:
        await session.execute(update(Review).values(created_at=utcnow() - timedelta(hours=49)))
        await session.commit()
    await open_card(world.carl, booking_id)
    await world.carl.press("⭐ Rate / edit review")
    await world.carl.press("★")
    assert world.carl.last_answer is not None
    assert "too late" in world.carl.last_answer["text"]
    [review] = await stored(world, Review, Review.booking_id == booking_id)
    assert review.stars == 3  # type: ignore[attr-defined]


async def test_the_provider_rates_the_customer_for_providers_only(world: World) -> None:
    offer_id = await world.offer(world.anna)
    booking_id = await world.booking(offer_id, world.carl, hour(-2), outcome="no_show")
    await open_card(world.anna, booking_id)
    await world.anna.press("⭐ Rate the customer")
    await world.anna.press("★★")
    done = await world.anna.press("✅ Done")
    assert done is not None
    assert "Saved: ★★☆☆☆" in (done.text or "")
    [rating] = await stored(world, CustomerRating)
    assert rating.stars == 2  # type: ignore[attr-defined]
    # Dora, another provider, sees it on Carl's next request; Carl never sees it.
    dora_offer = await world.offer(world.dora, "Dog walk")
    request = await world.booking(dora_offer, world.carl, hour(2))
    text = (await open_card(world.dora, request)).text or ""
    assert "Customer: ★ 2.0 (1)" in text
    assert "1 no-shows" in text
    assert "Customer:" not in ((await open_card(world.carl, request)).text or "")


async def test_nobody_else_can_review_or_rate(world: World) -> None:
    offer_id = await world.offer(world.anna)
    done = await world.booking(offer_id, world.carl, hour(-2), outcome="complete")
    upcoming = await world.booking(offer_id, world.carl, hour(1))
    menu = world.tg.messages_in(world.dora.id)[-1]
    attempts = [
        (world.dora, f"r-star:customer:{done}:5"),  # a stranger
        (world.anna, f"r-star:customer:{done}:5"),  # the provider reviewing her own offer
        (world.carl, f"r-star:provider:{done}:1"),  # the customer rating himself
        (world.carl, f"r-star:customer:{upcoming}:5"),  # not completed yet
        (world.carl, f"r-star:customer:{done}:9"),  # out of range
        (world.carl, "r-star:customer:99999999999:5"),  # beyond any id
    ]
    for person, data in attempts:
        chat_message = world.tg.messages_in(person.id)[-1] if person is not world.dora else menu
        await person.press_callback(chat_message, data)
        assert person.last_answer is not None
        assert person.last_answer.get("text"), data
    assert await stored(world, Review) == []
    assert await stored(world, CustomerRating) == []


async def test_unmarked_bookings_complete_themselves_but_no_shows_do_not(world: World) -> None:
    offer_id = await world.offer(world.anna)
    unmarked = await world.booking(offer_id, world.carl, hour(-2 / 24))  # ended ~1 h ago
    no_show = await world.booking(offer_id, world.dora, hour(-2), outcome="no_show")
    await world.deliver()
    assert "How was" not in " ".join(bot_texts(world, world.carl))  # not yet
    await world.deliver(utcnow() + timedelta(hours=12))  # 12 hours after the end
    [first] = await stored(world, Booking, Booking.id == unmarked)
    [second] = await stored(world, Booking, Booking.id == no_show)
    assert (first.status, second.status) == ("completed", "no_show")  # type: ignore[attr-defined]
    assert "How was Haircut" in bot_texts(world, world.carl)[-1]
    assert "How was" not in " ".join(bot_texts(world, world.dora))
    [provider] = await stored(world, Provider)
    counts = (provider.completed_count, provider.no_show_count)  # type: ignore[attr-defined]
    assert counts == (1, 1)
