"""Conversation tests of reports and moderation: reporting an offer, a review and a user;
Dismiss, Hide and Ban user from the admins' queue; what a ban does; the admin commands,
and their refusal for everyone else, exactly like an unknown command."""

from __future__ import annotations

from typing import get_args

from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackQueryFilter
from sqlalchemy import select

from bot.commands import ADMIN_COMMANDS
from bot.db import create_sessionmaker
from emulator import SimUser
from handlers import build_router
from handlers.moderation_views import ModerationCallback
from models import Booking, ModerationAction, Offer, Provider, Report, Review, User
from tests.trust_setup import World, hour


async def rows(world: World, model: type, *where: object) -> list[object]:
    async with create_sessionmaker(world.engine)() as session:
        return list(await session.scalars(select(model).where(*where)))  # type: ignore[arg-type]


def last_text(person: SimUser) -> str:
    return (person.last.text or "") if person.last else ""


async def report_offer(world: World, who: SimUser, offer_id: int, reason: str) -> None:
    await who.send(f"/start offer_{offer_id}")
    await who.press("🚩 Report")
    await who.press(reason)


async def test_dismiss_and_hide_an_offer_from_the_queue(world: World) -> None:
    offer_id = await world.offer(world.anna)
    await report_offer(world, world.dora, offer_id, "Spam or advertising")
    assert "Thank you" in last_text(world.dora)
    # The admin is told at once (next scheduler run) and finds it in /queue too.
    assert (await world.deliver()).get("sent") == 1
    assert "Report #1" in last_text(world.ada)
    assert "Spam or advertising" in last_text(world.ada)
    await world.ada.send("/queue")
    assert "Open reports: 1" in " ".join(m.text or "" for m in world.ada.messages[-2:])
    card = await world.ada.press("👌 Dismiss")
    assert card is not None
    assert "dismissed" in (card.text or "")
    # Reported again, in Carl's own words; this time hidden.
    await report_offer(world, world.carl, offer_id, "Something else…")
    await world.carl.send("It is a fake <script> offer")
    await world.ada.send("/queue")
    assert "It is a fake <script> offer" in last_text(world.ada)
    await world.ada.press("🙈 Hide")
    [offer] = await rows(world, Offer, Offer.id == offer_id)
    assert offer.status == "hidden"  # type: ignore[attr-defined]
    reply = await world.dora.send(f"/start offer_{offer_id}")
    assert reply is not None
    assert "no longer available" in (reply.text or "") or "not available" in (reply.text or "")
    # The provider cannot publish it again.
    await world.anna.send("/my_offers")
    await world.anna.press("Haircut")
    await world.anna.press("⏸ Pause")
    assert world.anna.last_answer is not None
    assert "Moderators hid" in world.anna.last_answer["text"]
    log = await rows(world, ModerationAction)
    assert [(a.action, a.admin_id) for a in log] == [  # type: ignore[attr-defined]
        ("dismiss", world.ada.id),
        ("hide", world.ada.id),
    ]
    assert "Spam" in log[0].reason or "spam" in log[0].reason  # type: ignore[attr-defined]


async def test_a_hidden_review_leaves_the_rating(world: World) -> None:
    offer_id = await world.offer(world.anna)
    await world.booking(offer_id, world.carl, hour(-2), outcome="complete")
    await world.deliver()
    await world.carl.press("★")
    await world.carl.send("Rude words here")
    [provider] = await rows(world, Provider)
    await world.anna.send(f"/start provider_{provider.id}")  # type: ignore[attr-defined]
    await world.anna.press("🚩 Report")
    await world.anna.press("Review")
    await world.anna.press("Offensive or hateful")
    await world.ada.send("/queue")
    assert "Rude words here" in last_text(world.ada)
    await world.ada.press("🙈 Hide")
    [review] = await rows(world, Review)
    [offer] = await rows(world, Offer, Offer.id == offer_id)
    assert review.hidden  # type: ignore[attr-defined]
    assert (offer.review_count, offer.rating) == (0, None)  # type: ignore[attr-defined]
    page = await world.dora.send(f"/start provider_{provider.id}")  # type: ignore[attr-defined]
    assert page is not None
    assert "Rude words here" not in (page.text or "")


async def test_banning_a_provider_removes_offers_and_cancels_bookings(world: World) -> None:
    offer_id = await world.offer(world.anna)
    booking_id = await world.booking(offer_id, world.carl, hour(2))
    [provider] = await rows(world, Provider)
    await world.dora.send(f"/start provider_{provider.id}")  # type: ignore[attr-defined]
    await world.dora.press("🚩 Report")
    await world.dora.press("👤 The provider")
    await world.dora.press("Scam or fraud")
    await world.deliver()
    await world.ada.send("/queue")
    await world.ada.press("⛔ Ban user")
    [anna] = await rows(world, User, User.id == world.anna.id)
    assert anna.banned  # type: ignore[attr-defined]
    [booking] = await rows(world, Booking, Booking.id == booking_id)
    assert booking.status == "cancelled_by_moderator"  # type: ignore[attr-defined]
    await world.deliver()
    assert "This booking is cancelled" in last_text(world.carl)
    reply = await world.dora.send(f"/start offer_{offer_id}")
    assert reply is not None
    assert "Haircut" not in (reply.text or "")
    # Banned, Anna cannot book anyone either.
    other = await world.offer(world.dora, "Dog walk")
    await world.anna.send(f"/start offer_{other}")
    await world.anna.press("📅 Book")
    assert world.anna.last_answer is not None
    assert "suspended" in world.anna.last_answer["text"]
    [log] = await rows(world, ModerationAction)
    assert (log.action, log.admin_id, log.target_id) == ("ban", world.ada.id, world.anna.id)  # type: ignore[attr-defined]
    assert "Scam or fraud" in log.reason or "fraud" in log.reason  # type: ignore[attr-defined]


async def test_admin_commands_ban_unban_verify_and_stats(world: World) -> None:
    offer_id = await world.offer(world.anna)
    await world.ada.send("/ban @anna_nb")
    assert "Usage" in last_text(world.ada)
    await world.ada.send("/verify @anna_nb")
    assert "verified" in last_text(world.ada)
    detail = await world.dora.send(f"/start offer_{offer_id}")
    assert detail is not None
    assert "Verified" in (detail.text or "")
    await world.dora.send("/find")
    results = await world.dora.send("haircut")
    assert results is not None
    assert "Verified" in (results.text or "")  # on the search result line too
    await world.ada.send(f"/ban {world.anna.id} fake reviews")
    assert "banned" in last_text(world.ada)
    await world.ada.send("/stats")
    stats = last_text(world.ada)
    assert "Users: 4 (banned 1)" in stats
    assert "Providers: 1" in stats
    await world.ada.send("/unban @anna_nb")
    [anna] = await rows(world, User, User.id == world.anna.id)
    assert not anna.banned  # type: ignore[attr-defined]
    actions = [a.action for a in await rows(world, ModerationAction)]  # type: ignore[attr-defined]
    assert actions == ["verify", "ban", "unban"]


def admin_commands() -> list[str]:
    """Every command the admin router handles, found by walking the routers."""
    root = build_router()
    [admin] = [r for r in root.sub_routers if r.name == "admin"]
    names: list[str] = []
    for handler in admin.message.handlers:
        for flt in handler.filters or []:
            if isinstance(flt.callback, Command):
                names.extend(str(c) for c in flt.callback.commands)
    return names


def admin_buttons() -> set[type]:
    """The CallbackData class of every button the admin router handles."""
    [admin] = [r for r in build_router().sub_routers if r.name == "admin"]
    return {
        flt.callback.callback_data
        for handler in admin.callback_query.handlers
        for flt in handler.filters or []
        if isinstance(flt.callback, CallbackQueryFilter)
    }


def test_the_admin_router_holds_the_admin_commands_and_buttons() -> None:
    assert set(admin_commands()) == set(ADMIN_COMMANDS)  # the admins' menu lists them all
    # The refusal test below presses every ModerationCallback action: it covers all the
    # admin buttons only while these are the only ones.
    assert admin_buttons() == {ModerationCallback}


async def test_non_admins_get_the_unknown_command_reply(world: World) -> None:
    offer_id = await world.offer(world.anna)
    await report_offer(world, world.dora, offer_id, "Spam or advertising")
    unknown = await world.carl.send("/no_such_command")
    assert unknown is not None
    for name in admin_commands():
        reply = await world.carl.send(f"/{name} {world.anna.id} reason")
        assert reply is not None
        assert (reply.text, reply.buttons) == (unknown.text, unknown.buttons), name
    # Moderation buttons, forged: the answer an old button gets, and nothing changes.
    await world.carl.press_callback(unknown, "zz:nothing")
    stale = world.carl.last_answer
    for action in get_args(ModerationCallback.model_fields["action"].annotation):
        data = ModerationCallback(action=action, report_id=1).pack()
        await world.carl.press_callback(unknown, data)
        assert world.carl.last_answer == stale
    [report] = await rows(world, Report)
    assert report.status == "open"  # type: ignore[attr-defined]
    assert await rows(world, ModerationAction) == []
    [anna] = await rows(world, User, User.id == world.anna.id)
    assert not anna.banned  # type: ignore[attr-defined]


async def test_only_admins_see_the_admin_commands_in_their_menu(world: World) -> None:
    def menu(person: SimUser, language: str = "") -> list[str]:
        stored = world.tg.bot.commands.get(("chat", person.id, language), [])
        return [command["command"] for command in stored]

    assert {"queue", "ban", "stats", "find"} <= set(menu(world.ada))
    assert "queue" in menu(world.ada, "ru")
    assert menu(world.carl) == []  # everyone else has the common private-chat menu
    everyone = world.tg.bot.commands[("all_private_chats", None, "")]
    assert "queue" not in [command["command"] for command in everyone]
