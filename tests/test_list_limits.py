"""No list screen outgrows Telegram's limits (4,096 characters, 100 buttons), whatever the
data: each pages, and every item stays reachable."""

from __future__ import annotations

from bot.pages import BUTTON_LIMIT, MESSAGE_LIMIT
from emulator import EmuMessage, SimUser
from handlers.my_offers_views import OpenOffer
from tests.trust_setup import World, hour

LONG_TITLE = ("Deep tissue massage with hot stones " * 4)[:118]


def within_limits(message: EmuMessage | None) -> EmuMessage:
    assert message is not None
    assert len(message.text or "") <= MESSAGE_LIMIT
    assert sum(len(row) for row in message.inline_keyboard) <= BUTTON_LIMIT
    return message


async def every_page(person: SimUser, first: EmuMessage | None, prefix: str) -> set[str]:
    """Follow Next › from `first`; the callback data starting with `prefix` on all pages."""
    seen: set[str] = set()
    message = within_limits(first)
    for _ in range(50):
        seen |= {
            button["callback_data"]
            for row in message.inline_keyboard
            for button in row
            if button.get("callback_data", "").startswith(prefix)
        }
        if not any(b["text"] == "Next ›" for row in message.inline_keyboard for b in row):
            return seen
        message = within_limits(await person.press("Next ›"))
    raise AssertionError("the pages never end")


async def test_my_offers_pages_past_a_hundred_offers(world: World) -> None:
    ids = [await world.offer(world.anna, f"Lesson {n:03d}") for n in range(120)]
    first = await world.anna.send("/my_offers")
    seen = await every_page(world.anna, first, "mo:")
    assert seen == {OpenOffer(offer_id=offer_id).pack() for offer_id in ids}


async def test_a_busy_week_with_long_titles_pages_the_agenda(world: World) -> None:
    offer_id = await world.offer(world.anna, LONG_TITLE)
    booked = [await world.booking(offer_id, world.carl, hour(0.2 + n / 12)) for n in range(60)]
    first = await world.anna.send("/agenda")
    assert first is not None
    assert "more" in (first.text or "")
    seen = await every_page(world.anna, first, "b-open:")
    assert seen == {f"b-open:{booking_id}" for booking_id in booked}


async def test_a_customers_past_bookings_page_past_twenty(world: World) -> None:
    """Every booking stays reachable: 25 past ones show 20, then the other 5."""
    offer_id = await world.offer(world.anna)
    for n in range(25):
        await world.booking(offer_id, world.carl, hour(-(n + 1)), outcome="complete")
    await world.carl.send("/bookings")
    first = within_limits(await world.carl.press("Past"))
    seen = every_item(first)
    assert len(seen) == 20
    second = within_limits(await world.carl.press("Next ›"))
    assert len(every_item(second)) == 5
    seen |= every_item(second)
    assert len(seen) == 25
    assert "‹ Previous" in second.buttons
    back = within_limits(await world.carl.press("‹ Previous"))
    assert every_item(back) == every_item(first)


def every_item(message: EmuMessage) -> set[str]:
    """The booking buttons of a list screen."""
    return {
        button["callback_data"]
        for row in message.inline_keyboard
        for button in row
        if button.get("callback_data", "").startswith("b-open:")
    }
