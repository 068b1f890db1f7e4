"""Conversation tests of communities: a group's admin links it and sets it up in private;
members and former admins are refused; a provider submits an offer, an admin approves,
rejects or bans; the approved offer is posted to the chat with a Book link, and a
booking made through it is credited to the community; the bot removed, the group
migrated, a channel and the chat picker."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy import ColumnElement, select

from bot.community_publisher import publish_due
from bot.db import create_sessionmaker
from bot.sender import Sender
from emulator import SimUser
from emulator.people import SimGroup
from handlers.community_views import (
    REQUEST_GROUP,
    Decide,
    OpenCommunity,
    render_digest,
    render_post,
)
from models import Booking, Community, CommunityAdmin, CommunityListing, utcnow
from services import offers
from tests.helpers import turn_to_month_of
from tests.trust_setup import World, offer_data, quiet, stored_person

SET_UP = "⚙️ Set up in private"
T = TypeVar("T")


async def one(world: World, model: type[T], *where: ColumnElement[bool]) -> T:
    async with create_sessionmaker(world.engine)() as session:
        found = list(await session.scalars(select(model).where(*where)))
    assert len(found) == 1, found
    return found[0]


def text_of(person: SimUser) -> str:
    return (person.last.text or "") if person.last else ""


async def publish(world: World) -> dict[str, int]:
    """Run the publisher once, as the scheduler does."""
    sender = Sender(world.bot.app.bot, per_second=1000, sleep=quiet)
    return dict(
        await publish_due(
            world.bot.app.sessionmaker,
            sender,
            render=render_post,
            render_digest=render_digest,
            now=utcnow(),
        )
    )


async def linked_group(world: World, owner: SimUser, title: str = "Linden Street") -> SimGroup:
    """A group `owner` created and added the bot to."""
    group = world.tg.group(title)
    await group.add_bot(owner)
    return group


async def submit(
    world: World, provider: SimUser, offer_id: int, community: str, title: str = "Haircut"
) -> None:
    """The provider submits the offer from My offers → Communities."""
    await provider.send("/my_offers")
    await provider.press(f"🟢 {title}")
    await provider.press("🏘 Communities")
    await provider.press(community)
    assert provider.last_answer is not None


async def test_an_admin_links_a_group_and_sets_it_up_in_private(world: World) -> None:
    greta = world.tg.user("Greta", username="greta_owner")
    await greta.send("/start")
    group = await linked_group(world, greta)
    welcome = group.messages[-1]
    assert "Linden Street" in (welcome.text or "")
    assert welcome.inline_keyboard[0][0]["url"].endswith("?start=cm_1")
    screen = await greta.follow(SET_UP, group.chat)
    assert screen is not None
    assert "Linden Street" in (screen.text or "")
    assert "admins approve every offer" in (screen.text or "")
    # Name, moderation, language and categories.
    await greta.press("✏️ Name")
    await greta.send("Linden & <Oak> neighbours")
    assert "Linden &amp; &lt;Oak&gt; neighbours" in (greta.last.html or "")  # type: ignore[union-attr]
    await greta.press("🛡 Moderation")
    await greta.press("trusted providers are listed at once")
    await greta.press("🏷 Categories")
    await greta.press("Beauty")
    await greta.press("⬅️ Back")
    text = text_of(greta)
    assert "trusted providers are listed at once" in text
    assert "Categories: Beauty" in text
    community = await one(world, Community, Community.chat_id == group.id)
    assert community.categories == "beauty"
    # The main menu's entry and /community list it.
    await greta.send("/start")
    listing = await greta.press("🏘 Groups & channels")
    assert listing is not None
    assert any("Linden & <Oak> neighbours" in label for label in listing.buttons)
    assert "➕ Add to a group" in listing.buttons
    await greta.send("/community")
    assert any("Linden & <Oak> neighbours" in label for label in greta.last.buttons)  # type: ignore[union-attr]


async def test_members_and_former_admins_are_refused(world: World) -> None:
    greta = world.tg.user("Greta")
    await greta.send("/start")
    group = await linked_group(world, greta)
    dora, carl = world.dora, world.carl
    group.join(dora)
    reply = await dora.follow(SET_UP, group.chat)
    assert reply is not None
    assert "Only the chat's owner" in (reply.text or "")
    # An admin without the right to change the group's info is refused too.
    group.join(carl, "administrator", rights={"can_change_info": False})
    reply = await carl.follow(SET_UP, group.chat)
    assert reply is not None
    assert "Only the chat's owner" in (reply.text or "")
    # Carl, made a full admin, gets in; demoted between two presses, he is refused.
    group.join(carl, "administrator")
    screen = await carl.follow(SET_UP, group.chat)
    assert screen is not None
    assert "Linden Street" in (screen.text or "")
    group.join(carl, "member")
    await carl.press("🛡 Moderation")
    assert carl.last_answer is not None
    assert "Only the chat's owner" in str(carl.last_answer.get("text"))
    # A forged button for a community he never ran: the same refusal, nothing shown.
    other = world.tg.group("Elsewhere")
    await other.add_bot(world.anna)
    before = len(carl.messages)
    await carl.press_callback(carl.messages[-1], OpenCommunity(community_id=2).pack())
    assert "Only the chat's owner" in str(carl.last_answer.get("text"))
    assert len(carl.messages) == before


async def test_submission_approval_post_and_an_attributed_booking(world: World) -> None:
    greta = world.tg.user("Greta")
    await greta.send("/start")
    group = await linked_group(world, greta)
    anna, carl = world.anna, world.carl
    offer_id = await world.offer(anna)
    await submit(world, anna, offer_id, "Linden Street")
    assert "admins will decide" in str(anna.last_answer.get("text"))  # type: ignore[union-attr]
    # Greta is told in private, with the decisions.
    assert (await world.deliver()).get("sent") == 1
    assert "Submitted to Linden Street" in text_of(greta)
    assert "Haircut" in text_of(greta)
    await greta.press("✅ Approve")
    assert "Approved" in str(greta.last_answer.get("text"))  # type: ignore[union-attr]
    # Anna is told; the card goes to the group with a Book link.
    await world.deliver()
    assert "is now listed in Linden Street" in text_of(anna)
    assert await publish(world) == {"to_post:sent": 1}
    post = group.messages[-1]
    assert "Haircut" in (post.text or "")
    listing = await one(world, CommunityListing, CommunityListing.offer_id == offer_id)
    assert listing.post_message_id == post.message_id
    assert post.inline_keyboard[0][0]["url"].endswith(f"?start=offer_{offer_id}_c1")
    assert await publish(world) == {}  # posted once
    # Carl books through the post: the booking is credited to the community.
    group.join(carl)
    detail = await carl.follow("📅 Book", group.chat)
    assert detail is not None
    assert "Haircut" in (detail.text or "")
    await carl.press("📅 Book")
    day = datetime.now(UTC).date() + timedelta(days=2)
    await turn_to_month_of(carl, day)
    await carl.press(str(day.day))
    await carl.press("10:00")
    await carl.press("Skip")
    await carl.press("✅ Confirm")
    booking = await one(world, Booking, Booking.offer_id == offer_id)
    assert booking.community_id == 1
    # The same offer booked from its plain link is not credited.
    await carl.send(f"/start offer_{offer_id}")
    await carl.press("📅 Book")
    await turn_to_month_of(carl, day)
    await carl.press(str(day.day))
    await carl.press("12:00")
    await carl.press("Skip")
    await carl.press("✅ Confirm")
    async with create_sessionmaker(world.engine)() as session:
        credited = list(await session.scalars(select(Booking.community_id).order_by(Booking.id)))
    assert credited == [1, None]
    # The admins' numbers for this week: listed, posted, catalogue opens, bookings.
    await carl.send("/start c_linden-street")
    await greta.send("/community")
    await greta.press("Linden Street")
    stats = await greta.press("📊 Stats")
    assert stats is not None
    this_week = (stats.text or "").split("\n")[2]
    assert this_week.endswith(": 1 · 1 · 1 · 1")


async def test_reject_with_a_reason_and_ban_from_the_community(world: World) -> None:
    greta = world.tg.user("Greta")
    await greta.send("/start")
    await linked_group(world, greta)
    anna = world.anna
    offer_id = await world.offer(anna)
    await submit(world, anna, offer_id, "Linden Street")
    await world.deliver()
    await greta.press("✖️ Reject")
    await greta.send("/cancel")  # a command leaves the dialogue: nothing rejected
    listing = await one(world, CommunityListing, CommunityListing.offer_id == offer_id)
    assert listing.status == "submitted"
    await greta.send("/community")
    await greta.press("Linden Street")
    await greta.press("📥 Submissions (1)")
    await greta.press("✖️ Reject")
    await greta.send("Prices <b>too</b> high for us")
    assert "Rejected" in text_of(greta)
    await world.deliver()
    assert "did not list" in text_of(anna)
    assert "Prices <b>too</b> high for us" in text_of(anna)
    # Submitted again, then banned: removed, and no further submission.
    await submit(world, anna, offer_id, "Linden Street")
    assert (await world.deliver()).get("sent") == 1
    await greta.press("⛔ Ban from this community")
    assert "can no longer submit" in str(greta.last_answer.get("text"))  # type: ignore[union-attr]
    listing = await one(world, CommunityListing, CommunityListing.offer_id == offer_id)
    assert listing.status == "removed"
    await anna.send("/my_offers")
    await anna.press("Haircut")
    reply = await anna.press("🏘 Communities")
    assert reply is not None
    assert "no community takes offers like it" in (reply.text or "")
    # A stale Approve on the decided submission changes nothing.
    await greta.press_callback(
        greta.messages[-1],
        Decide(community_id=1, listing_id=listing.id, action="approve").pack(),
    )
    assert "decided" in str(greta.last_answer.get("text"))  # type: ignore[union-attr]
    listing = await one(world, CommunityListing, CommunityListing.offer_id == offer_id)
    assert listing.status == "removed"


async def test_trusted_providers_are_listed_at_once_and_categories_are_kept(world: World) -> None:
    greta = world.tg.user("Greta")
    await greta.send("/start")
    group = await linked_group(world, greta)
    async with create_sessionmaker(world.engine)() as session:
        community = await session.scalar(select(Community))
        assert community is not None
        community.moderation = "trusted_direct"
        await session.commit()
    anna = world.anna
    offer_id = await world.offer(anna)
    await submit(world, anna, offer_id, "Linden Street")  # not trusted yet: waits
    assert "admins will decide" in str(anna.last_answer.get("text"))  # type: ignore[union-attr]
    await world.deliver()
    await greta.press("✅ Approve")
    second = await world.offer(anna, "Beard trim")
    await anna.send("/my_offers")
    await anna.press("Beard trim")
    await anna.press("🏘 Communities")
    await anna.press("Linden Street")
    assert "Listed at once" in str(anna.last_answer.get("text"))  # type: ignore[union-attr]
    assert await publish(world) == {"to_post:sent": 2}
    assert [m.text.split("\n")[0] for m in group.messages[-2:]] == ["Haircut", "Beard trim"]  # type: ignore[union-attr]
    listing = await one(world, CommunityListing, CommunityListing.offer_id == second)
    assert listing.status == "approved"


async def test_the_bot_removed_a_migration_a_channel_and_the_chat_picker(world: World) -> None:
    greta = world.tg.user("Greta")
    await greta.send("/start")
    group = await linked_group(world, greta)
    # A group upgraded to a supergroup keeps its community.
    bigger = await group.migrate(greta)
    community = await one(world, Community)
    assert community.chat_id == bigger.id
    # Removed: paused.
    await bigger.set_bot_status(greta, "left")
    community = await one(world, Community)
    assert community.status == "paused"
    # A channel: the bot must be an admin who may post; no welcome message there.
    channel = world.tg.group("Linden News", kind="channel")
    await channel.add_bot(greta, rights={"can_post_messages": False})
    news = await one(world, Community, Community.chat_id == channel.id)
    assert news.status == "paused"
    await channel.set_bot_status(greta, "administrator")
    news = await one(world, Community, Community.chat_id == channel.id)
    assert news.status == "active"
    assert channel.messages == []
    # Linked through the chat picker by its owner; refused for someone else.
    picked = world.tg.group("Picked Place")
    picked.join_account(greta.account, "creator")
    picked.join_account(world.tg.bot.user, "member")
    reply = await world.dora.share_chat(REQUEST_GROUP, picked)
    assert reply is not None
    assert "Only the chat's owner" in (reply.text or "")
    reply = await greta.share_chat(REQUEST_GROUP, picked)
    assert reply is not None
    assert "Picked Place" in (reply.text or "")


async def test_admins_promoted_and_demoted_in_the_chat_and_an_erased_admin(world: World) -> None:
    greta = world.tg.user("Greta")
    await greta.send("/start")
    group = world.tg.group("Linden Street")
    await group.add_bot(greta, as_admin=True)  # an admin bot hears of rights changing
    carl = world.carl
    group.join(carl)
    await group.set_status(carl, "administrator", by=greta)
    offer_id = await world.offer(world.anna)
    await submit(world, world.anna, offer_id, "Linden Street")
    assert (await world.deliver()).get("sent") == 2  # Greta and Carl
    assert "Submitted to Linden Street" in text_of(carl)
    await group.set_status(carl, "member", by=greta)
    await carl.press("✅ Approve")  # his copy of the submission: refused now
    assert "Only the chat's owner" in str(carl.last_answer.get("text"))  # type: ignore[union-attr]
    admins = await world_rows(world, CommunityAdmin)
    assert [a.user_id for a in admins] == [greta.id]
    await greta.press("✖️ Reject")
    await greta.send("Not our street")
    # Her export says which communities she runs; Anna's, where her offer stands.
    exported = await greta.send("/export_my_data")
    assert exported is not None
    assert exported.document is not None
    data = json.loads(world.tg.files[exported.document["file_id"]]["content"])
    assert [c["name"] for c in data["community_admin_of"]] == ["Linden Street"]
    exported = await world.anna.send("/export_my_data")
    assert exported is not None
    assert exported.document is not None
    data = json.loads(world.tg.files[exported.document["file_id"]]["content"])
    assert [item["status"] for item in data["community_listings"]] == ["rejected"]
    # Greta erases her data: nothing of hers is left in the community's tables.
    await greta.send("/delete_my_data")
    await greta.press("🗑 Yes, delete everything")
    assert await world_rows(world, CommunityAdmin) == []
    community = await one(world, Community)
    assert community.linked_by is None
    listing = await one(world, CommunityListing)
    assert (listing.status, listing.decided_by, listing.reason) == ("rejected", None, None)


async def world_rows(world: World, model: type[T]) -> list[T]:
    async with create_sessionmaker(world.engine)() as session:
        return list(await session.scalars(select(model)))


async def test_cards_follow_their_offer(world: World) -> None:
    """Edited, paused, resumed, hidden, its provider banned and unbanned, erased: the
    card in the chat is edited, removed or posted again."""
    greta = world.tg.user("Greta")
    await greta.send("/start")
    group = await linked_group(world, greta)
    anna = world.anna
    offer_id = await world.offer(anna)
    await submit(world, anna, offer_id, "Linden Street")
    await world.deliver()
    await greta.press("✅ Approve")
    await publish(world)

    def cards() -> list[str]:
        return [(m.text or "").split("\n")[0] for m in group.messages[1:]]

    assert cards() == ["Haircut"]
    sessions = create_sessionmaker(world.engine)
    async with sessions() as session:
        user = await stored_person(session, anna)
        await offers.update_offer(session, user, offer_id, title="Haircut & beard")
        await session.commit()
    assert await publish(world) == {"to_edit:sent": 1}
    assert cards() == ["Haircut & beard"]
    async with sessions() as session:
        user = await stored_person(session, anna)
        await offers.set_paused(session, user, offer_id, paused=True)
        await session.commit()
    assert await publish(world) == {"to_delete:sent": 1}
    assert cards() == []
    async with sessions() as session:
        user = await stored_person(session, anna)
        await offers.set_paused(session, user, offer_id, paused=False)
        await session.commit()
    assert await publish(world) == {"to_post:sent": 1}
    assert cards() == ["Haircut & beard"]
    # Banned bot-wide by the bot's admin: gone; unbanned: back.
    await world.ada.send(f"/ban {anna.id} spam")
    assert await publish(world) == {"to_delete:sent": 1}
    assert cards() == []
    await world.ada.send(f"/unban {anna.id}")
    assert await publish(world) == {"to_post:sent": 1}
    assert cards() == ["Haircut & beard"]
    # Deleted by hand in the chat, then edited: posted afresh, once.
    group.chat.members.setdefault(greta.id, "creator")
    for message in group.messages[1:]:
        message.deleted = True
    async with sessions() as session:
        user = await stored_person(session, anna)
        await offers.update_offer(session, user, offer_id, price_minor=2500)
        await session.commit()
    await publish(world)
    assert cards() == ["Haircut & beard"]
    # Deleted by its provider: gone.
    second = await world.offer(anna, "Beard trim")
    await submit(world, anna, second, "Linden Street", title="Beard trim")
    await world.deliver()
    await greta.press("✅ Approve")
    await publish(world)
    assert cards() == ["Haircut & beard", "Beard trim"]
    async with sessions() as session:
        user = await stored_person(session, anna)
        await offers.delete_offer(session, user, second)
        await session.commit()
    assert await publish(world) == {"to_delete:sent": 1}
    assert cards() == ["Haircut & beard"]
    third = await world.offer(anna, "Shave")
    await submit(world, anna, third, "Linden Street", title="Shave")
    await world.deliver()
    await greta.press("✅ Approve")
    await publish(world)
    assert cards() == ["Haircut & beard", "Shave"]
    # Hidden by the bot's admins from a report: gone.
    await world.dora.send(f"/start offer_{offer_id}")
    await world.dora.press("🚩 Report")
    await world.dora.press("Spam or advertising")
    await world.deliver()
    await world.ada.press("🙈 Hide")
    assert await publish(world) == {"to_delete:sent": 1}
    assert cards() == ["Shave"]
    # Anna erases her data: her last card goes.
    await anna.send("/delete_my_data")
    await anna.press("🗑 Yes, delete everything")
    assert await publish(world) == {"to_delete:sent": 1}
    assert cards() == []


async def test_the_catalogue_link_and_find_in_the_group(world: World) -> None:
    greta = world.tg.user("Greta")
    await greta.send("/start")
    group = await linked_group(world, greta)
    anna, carl = world.anna, world.carl
    offer_id = await world.offer(anna)
    await world.offer(anna, "Haircut deluxe")  # not submitted: not in the catalogue
    await submit(world, anna, offer_id, "Linden Street")
    await world.deliver()
    await greta.press("✅ Approve")
    # /find in the group: one button, no results in the group.
    group.join(carl)
    answer = await carl.send_in(group, "/find")
    assert answer is not None
    assert [b["text"] for row in answer.inline_keyboard for b in row] == ["🔎 Open the catalogue"]
    assert answer.inline_keyboard[0][0]["url"].endswith("?start=c_linden-street")
    results = await carl.follow("🔎 Open the catalogue", group.chat)
    assert results is not None
    text = results.text or ""
    assert "in Linden Street" in text
    assert "Haircut" in text
    assert "deluxe" not in text
    # Typed words search within the catalogue; outside it, both are found.
    reply = await carl.send("haircut")
    assert reply is not None
    assert "deluxe" not in (reply.text or "")
    await carl.send("/find")
    reply = await carl.send("haircut")
    assert reply is not None
    assert "deluxe" in (reply.text or "")
    # A paused community's catalogue is not there; a made-up slug is not either.
    for link in ("c_no-such-place", "c_linden-street"):
        if link == "c_linden-street":
            await group.set_bot_status(greta, "left")
        reply = await carl.send(f"/start {link}")
        assert reply is not None
        assert "not available" in (reply.text or "")


async def test_reports_through_a_community_and_its_admins_removing_an_offer(
    world: World,
) -> None:
    greta = world.tg.user("Greta")
    await greta.send("/start")
    group = await linked_group(world, greta)
    anna, carl, dora = world.anna, world.carl, world.dora
    offer_id = await world.offer(anna)
    await submit(world, anna, offer_id, "Linden Street")
    await world.deliver()
    await greta.press("✅ Approve")
    await world.deliver()
    await publish(world)
    # Dora reports it from its plain link: the bot's admins only.
    await dora.send(f"/start offer_{offer_id}")
    await dora.press("🚩 Report")
    await dora.press("Spam or advertising")
    assert (await world.deliver()).get("sent") == 1
    assert "Report #1" in text_of(world.ada)
    # Carl came from the community's post: its admins are told too.
    group.join(carl)
    await carl.follow("📅 Book", group.chat)
    await carl.press("🚩 Report")
    await carl.press("Something else…")
    await carl.send("Not a real <barber>")
    assert (await world.deliver()).get("sent") == 2  # Ada and Greta
    assert "came from your community" in text_of(greta)
    assert "Not a real <barber>" in text_of(greta)
    await greta.press("🗑 Remove from this community")
    assert "no longer listed" in str(greta.last_answer.get("text"))  # type: ignore[union-attr]
    listing = await one(world, CommunityListing, CommunityListing.offer_id == offer_id)
    assert listing.status == "removed"
    assert await publish(world) == {"to_delete:sent": 1}
    assert [m for m in group.messages if (m.text or "").startswith("Haircut")] == []
    await world.deliver()
    assert "removed" in text_of(anna)
    # Listed again after a new submission, then removed from the Listed screen.
    await submit(world, anna, offer_id, "Linden Street")
    await world.deliver()
    await greta.press("✅ Approve")
    await greta.send("/community")
    await greta.press("Linden Street")
    screen = await greta.press("📋 Listed (1)")
    assert screen is not None
    assert "Listed offer 1 of 1" in (screen.text or "")
    await greta.press("🗑 Remove from this community")
    assert "lists no offers" in text_of(greta)


async def test_admins_are_told_when_the_bot_is_removed(world: World) -> None:
    greta = world.tg.user("Greta")
    await greta.send("/start")
    group = await linked_group(world, greta)
    await group.set_bot_status(greta, "kicked")
    assert (await world.deliver()).get("sent") == 1
    assert "can no longer post to Linden Street" in text_of(greta)
    # Added again: active, and nothing more to tell.
    await group.set_bot_status(greta, "member")
    community = await one(world, Community)
    assert community.status == "active"
    assert (await world.deliver()).get("sent") is None


async def test_the_area_on_the_map_and_submitting_through_the_communitys_link(
    world: World,
) -> None:
    greta = world.tg.user("Greta")
    await greta.send("/start")
    await linked_group(world, greta)
    await greta.send("/community")
    await greta.press("Linden Street")
    await greta.press("📍 Place on the map")
    radius = await greta.share_location(52.52, 13.40)
    assert radius is not None
    await greta.press("2 km")
    assert "within 2 km of its place" in text_of(greta)
    anna = world.anna
    near = replace(offer_data("Haircut"), place_kind="location", latitude=52.521, longitude=13.401)
    far = replace(offer_data("Home visit"), place_kind="location", latitude=48.14, longitude=11.58)
    async with create_sessionmaker(world.engine)() as session:
        user = await stored_person(session, anna)
        for data in (near, far):
            await offers.create_offer(session, user, data, default_timezone="UTC")
        await session.commit()
    # My offers → Communities suggests only the communities whose area covers the offer.
    await anna.send("/my_offers")
    await anna.press("🟢 Home visit")
    reply = await anna.press("🏘 Communities")
    assert reply is not None
    assert "no community takes offers like it" in (reply.text or "")
    await anna.send("/my_offers")
    await anna.press("🟢 Haircut")
    reply = await anna.press("🏘 Communities")
    assert reply is not None
    assert "Linden Street" in reply.buttons[0]
    # Through the community's own link a provider may submit any offer of theirs.
    await anna.send("/start c_linden-street")
    assert "You offer services too" in text_of(anna)
    await anna.press("🏘 Offer yours here")
    await anna.press("Home visit")
    assert "admins will decide" in str(anna.last_answer.get("text"))  # type: ignore[union-attr]
    # Customers opening the catalogue are not asked.
    await world.carl.send("/start c_linden-street")
    assert "You offer services too" not in text_of(world.carl)


async def test_a_members_only_community(world: World) -> None:
    greta = world.tg.user("Greta")
    await greta.send("/start")
    group = world.tg.group("Linden Street")
    await group.add_bot(greta, as_admin=True)  # hears members leave
    await greta.send("/community")
    await greta.press("Linden Street")
    await greta.press("👥 Members only: off")
    assert "👥 Members only: on" in greta.last.buttons  # type: ignore[union-attr]
    anna = world.anna
    offer_id = await world.offer(anna)
    await submit(world, anna, offer_id, "Linden Street")
    assert "members only" in str(anna.last_answer.get("text"))  # type: ignore[union-attr]
    group.join(anna)
    await submit(world, anna, offer_id, "Linden Street")
    assert "admins will decide" in str(anna.last_answer.get("text"))  # type: ignore[union-attr]
    await world.deliver()
    await greta.press("✅ Approve")
    assert await publish(world) == {"to_post:sent": 1}
    # Anna leaves the group: no longer listed, her card goes, she is told.
    await group.set_status(anna, "left", by=anna)
    listing = await one(world, CommunityListing, CommunityListing.offer_id == offer_id)
    assert listing.status == "removed"
    assert await publish(world) == {"to_delete:sent": 1}
    await world.deliver()
    assert "removed" in text_of(anna)


async def test_privacy_mode_the_bot_hears_commands_and_mentions_only(world: World) -> None:
    greta = world.tg.user("Greta")
    await greta.send("/start")
    group = await linked_group(world, greta)
    carl = world.carl
    before = len(world.tg.calls_of("sendMessage"))
    assert await carl.send_in(group, "anyone know a good barber?") is None
    assert len(world.tg.calls_of("sendMessage")) == before  # never reached the bot
    answer = await carl.send_in(group, f"/find@{world.tg.bot.user.username}")
    assert answer is not None
    assert "Open the catalogue" in answer.buttons[0]


async def test_in_russian_and_spanish(world: World) -> None:
    """A Russian admin sets up and decides in Russian; a Spanish provider submits and is
    told in Spanish; the card in the chat speaks the community's language."""
    olga = world.tg.user("Olga", language="ru")
    await olga.send("/start")
    group = world.tg.group("Липовая улица")
    await group.add_bot(olga)
    assert "⚙️ Настроить в личке" in group.messages[-1].buttons
    screen = await olga.follow("⚙️ Настроить в личке", group.chat)
    assert screen is not None
    assert "Модерация:" in (screen.text or "")
    await olga.press("🌐 Язык")
    await olga.press("Español")
    lucia = world.tg.user("Lucía", language="es")
    await lucia.send("/start")
    offer_id = await world.offer(lucia, "Corte de pelo")
    await lucia.send("/my_offers")
    await lucia.press("🟢 Corte de pelo")
    await lucia.press("🏘 Comunidades")
    await lucia.press("Липовая улица")
    assert "decidirán" in str(lucia.last_answer.get("text"))  # type: ignore[union-attr]
    await world.deliver()
    assert "Заявка в Липовая улица" in text_of(olga)
    await olga.press("✅ Одобрить")
    await world.deliver()
    assert "ya está publicada en Липовая улица" in text_of(lucia)
    await publish(world)
    card = group.messages[-1]
    assert card.inline_keyboard[0][0]["text"] == "📅 Reservar"
    assert card.inline_keyboard[0][0]["url"].endswith(f"?start=offer_{offer_id}_c1")
