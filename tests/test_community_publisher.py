"""The publisher of community cards: 60 approvals at once reach one group at no more
than 20 posts a minute, each exactly once, none lost — through the real Bot API path
(the emulator), with the sender's clock and waits simulated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from sqlalchemy import select

from bot.community_publisher import publish_due
from bot.db import create_sessionmaker
from bot.sender import GROUP_PER_MINUTE, Sender
from handlers.community_views import render_digest, render_post
from models import CommunityDigest, CommunityListing, utcnow
from services import communities, community_posts, offers
from tests.trust_setup import World, quiet, stored_person

APPROVALS = 60


class FakeTime:
    """The sender's monotonic clock and its waits, simulated."""

    def __init__(self) -> None:
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


class PostTimes(BaseRequestMiddleware):
    """Records the simulated moment of every post a chat took."""

    def __init__(self, time: FakeTime, chat_id: int) -> None:
        self.time, self.chat_id, self.moments = time, chat_id, list[float]()

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        result = await make_request(bot, method)  # a refused post (429) raises: not counted
        if getattr(method, "chat_id", None) == self.chat_id and type(method).__name__ in (
            "SendMessage",
            "SendPhoto",
        ):
            self.moments.append(self.time.now)
        return result


async def test_sixty_approvals_reach_a_group_at_twenty_a_minute_none_lost(world: World) -> None:
    greta = world.tg.user("Greta")
    await greta.send("/start")
    group = world.tg.group("Linden Street")
    await group.add_bot(greta)
    sessions = create_sessionmaker(world.engine)
    offer_ids = [await world.offer(world.anna, f"Lesson {n}") for n in range(APPROVALS)]
    start = utcnow()
    async with sessions() as session:
        anna = await stored_person(session, world.anna)
        community = await communities.community_of_chat(session, group.id)
        assert community is not None
        for offer_id in offer_ids:
            offer = await offers.public_offer(session, offer_id)
            listing = await communities.submit(session, offer, anna, community.id, start)
            await communities.approve(session, listing.id, community.id, greta.id, start)
        await session.commit()
    time = FakeTime()
    world.tg.clock = time.clock  # the emulator's own limit of 20 a minute, on the same clock
    bot = world.bot.app.bot
    recorder = PostTimes(time, group.id)
    bot.session.middleware(recorder)
    sender = Sender(bot, per_second=30, clock=time.clock, sleep=time.sleep)
    runs = 0
    while len(recorder.moments) < APPROVALS and runs < 20:
        # The scheduler's runs, 10 s apart on the simulated clock.
        now = start + timedelta(seconds=time.now - 1000.0)
        await publish_due(
            world.bot.app.sessionmaker,
            sender,
            render=render_post,
            render_digest=render_digest,
            now=now,
        )
        time.now += 10
        runs += 1
    posts = [m for m in group.messages if (m.text or "").startswith("Lesson")]
    assert sorted(m.text.split("\n")[0] for m in posts) == sorted(  # type: ignore[union-attr]
        f"Lesson {n}" for n in range(APPROVALS)
    )
    moments = recorder.moments
    assert len(moments) == APPROVALS  # each posted once
    busiest = max(sum(1 for m in moments if first <= m < first + 60) for first in moments)
    assert busiest <= GROUP_PER_MINUTE
    async with sessions() as session:
        recorded = list(await session.scalars(select(CommunityListing.post_message_id)))
    assert len(set(recorded)) == APPROVALS
    assert None not in recorded
    assert {m.message_id for m in posts} == set(recorded)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def test_weekly_digests_at_the_local_hour_across_dst_skipping_empty_weeks(
    world: World,
) -> None:
    """Fridays 18:00 in Berlin: 16:00 UTC in summer time, 17:00 UTC after the clocks go
    back on 25 October 2026; an empty week posts nothing; after downtime one digest
    covers the missed weeks; nothing is posted twice."""
    greta = world.tg.user("Greta")
    await greta.send("/start")
    group = world.tg.group("Linden Street")
    await group.add_bot(greta)
    sessions = create_sessionmaker(world.engine)
    async with sessions() as session:
        community = await communities.community_of_chat(session, group.id)
        assert community is not None
        community.posting, community.digest_every = "digest", "weekly"
        community.digest_weekday, community.digest_at_min = 4, 18 * 60
        community.timezone, community.last_digest_at = "Europe/Berlin", utc("2026-10-16 16:00")
        community_id = community.id
        await session.commit()

    async def approve(title: str, when: str) -> None:
        offer_id = await world.offer(world.anna, title)
        async with sessions() as session:
            anna = await stored_person(session, world.anna)
            offer = await offers.public_offer(session, offer_id)
            listing = await communities.submit(session, offer, anna, community_id, utc(when))
            await communities.approve(session, listing.id, community_id, greta.id, utc(when))
            await session.commit()

    sender = Sender(world.bot.app.bot, per_second=1000, sleep=quiet)

    async def run(when: str) -> list[str]:
        before = {m.message_id for m in group.messages}
        await publish_due(
            world.bot.app.sessionmaker,
            sender,
            render=render_post,
            render_digest=render_digest,
            now=utc(when),
        )
        return [m.text or "" for m in group.messages if m.message_id not in before]

    await approve("Guitar lesson", "2026-10-20 10:00")
    assert await run("2026-10-23 15:59") == []
    [digest] = await run("2026-10-23 16:00")  # 18:00 CEST
    assert "New in Linden Street" in digest
    assert "Guitar lesson" in digest
    assert await run("2026-10-23 16:05") == []  # once
    await approve("Piano lesson", "2026-10-27 10:00")
    assert await run("2026-10-30 16:30") == []  # 17:30 CET: not yet
    [digest] = await run("2026-10-30 17:00")  # 18:00 CET
    assert "Piano lesson" in digest
    assert "Guitar lesson" not in digest
    assert await run("2026-11-06 17:00") == []  # nothing new: nothing posted
    # Down for three weeks: one digest for all of it.
    await approve("Violin lesson", "2026-11-10 10:00")
    await approve("Cello lesson", "2026-11-24 10:00")
    [digest] = await run("2026-11-28 09:00")
    assert "Violin lesson" in digest
    assert "Cello lesson" in digest
    assert await run("2026-11-28 09:10") == []
    async with sessions() as session:
        statuses = list(
            await session.scalars(select(CommunityDigest.status).order_by(CommunityDigest.due_at))
        )
    assert statuses == ["sent", "sent", "empty", "sent"]


async def test_the_emulator_answers_a_21st_post_in_a_minute_with_429(world: World) -> None:
    """Telegram's limit, emulated: 20 messages a minute to one group, then 429 with
    retry_after; a minute later the group takes messages again; private chats are apart."""
    time = FakeTime()
    world.tg.clock = time.clock
    group = world.tg.group("Busy Street")
    await group.add_bot(world.anna)
    bot = world.bot.app.bot
    assert len(group.messages) == 1  # the bot's welcome: the first of the minute's 20
    for n in range(19):
        await bot.send_message(group.id, f"post {n}")
    with pytest.raises(TelegramRetryAfter) as refused:
        await bot.send_message(group.id, "one too many")
    assert 1 <= refused.value.retry_after <= 60
    await bot.send_message(world.carl.id, "a private chat is not limited by the group's")
    time.now += 60
    await bot.send_message(group.id, "a minute later")
    assert group.messages[-1].text == "a minute later"


async def test_a_busy_chat_holds_up_no_other(world: World) -> None:
    """Thirty cards due in one group and one, due later, in another: a claim of five at
    two a chat takes two of the first and the other's one."""
    greta = world.tg.user("Greta")
    await greta.send("/start")
    busy, quiet_group = world.tg.group("Busy Street"), world.tg.group("Quiet Lane")
    await busy.add_bot(greta)
    await quiet_group.add_bot(greta)
    sessions = create_sessionmaker(world.engine)
    offer_ids = [await world.offer(world.anna, f"Lesson {n}") for n in range(31)]
    start = utcnow()
    async with sessions() as session:
        anna = await stored_person(session, world.anna)
        ids = []
        for group in (busy, quiet_group):
            community = await communities.community_of_chat(session, group.id)
            assert community is not None
            ids.append(community.id)
        for n, offer_id in enumerate(offer_ids):
            community_id = ids[0] if n < 30 else ids[1]
            offer = await offers.public_offer(session, offer_id)
            when = start + timedelta(seconds=n)
            listing = await communities.submit(session, offer, anna, community_id, when)
            await communities.approve(session, listing.id, community_id, greta.id, when)
        await session.commit()
    async with sessions() as session:
        jobs = await community_posts.claim_posts(
            session, start + timedelta(minutes=1), 5, per_chat=2
        )
        await session.commit()
    assert [job.chat_id for job in jobs] == [busy.id, busy.id, quiet_group.id]
