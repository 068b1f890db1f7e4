"""Posting offers' cards to community chats: claim, post / edit / delete, record.

The cards waiting in `community_listings` (see `services.communities`) are the queue:
a card is claimed with a lease, sent through the rate-limited `Sender` (20 messages a
minute to a group, the global rate), and its message id recorded. A run claims at most
a minute's worth per chat, so no claim waits longer than its lease; the rest goes in
the next runs. A crash between posting and recording lets the claim lapse and the card
is posted again (at least once, never lost). What a card says is rendered by the
`render` the wiring hands in (`handlers/community_views.py`).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sender import GROUP_PER_MINUTE, Outcome, Sender
from models import PostState
from services import community_posts
from services.community_posts import DigestJob, PostJob

BATCH = 100  # cards claimed per round, over all chats


@dataclass(frozen=True, slots=True)
class Card:
    """A card as it goes to the chat: text (a caption when there is a photo), a photo's
    file id or None, and the buttons."""

    text: str
    photo: str | None
    markup: InlineKeyboardMarkup


Render = Callable[[PostJob, str], Card]
"""A claimed card as it goes out, given the bot's username (for its Book link)."""

RenderDigest = Callable[[DigestJob, str], Card]
"""A claimed digest as it goes out, given the bot's username (for its links)."""


async def publish_due(
    sessions: async_sessionmaker[AsyncSession],
    sender: Sender,
    *,
    render: Render,
    render_digest: RenderDigest,
    now: datetime,
    batch: int = BATCH,
) -> Counter[str]:
    """Post, edit and delete the cards due at `now`, and post the digests due; returns
    how many ended how."""
    ended = await _publish_digests(sessions, sender, render_digest, now)
    async with sessions() as session:
        jobs = await community_posts.claim_posts(session, now, batch, per_chat=GROUP_PER_MINUTE)
        await session.commit()
    if not jobs:
        return ended
    username = (await sender.bot.me()).username or ""
    cards = {
        job.listing_id: render(job, username) for job in jobs if job.state != PostState.TO_DELETE
    }
    results = await asyncio.gather(
        *(_carry_out(sender, job, cards.get(job.listing_id)) for job in jobs)
    )
    async with sessions() as session:
        for job, (outcome, message_id) in zip(jobs, results, strict=True):
            done = outcome == Outcome.SENT
            await community_posts.record_post(
                session, job, done=done, message_id=message_id, now=now
            )
            ended[f"{job.state}:{outcome.value}"] += 1
        await session.commit()
    return ended


async def _publish_digests(
    sessions: async_sessionmaker[AsyncSession],
    sender: Sender,
    render: RenderDigest,
    now: datetime,
) -> Counter[str]:
    ended: Counter[str] = Counter()
    async with sessions() as session:
        jobs = await community_posts.claim_digests(session, now)
        await session.commit()
    if not jobs:
        return ended
    username = (await sender.bot.me()).username or ""

    async def post(job: DigestJob) -> tuple[Outcome, Message | None]:
        card = render(job, username)
        return await sender.call(job.chat_id, lambda: _post(sender.bot, job.chat_id, card))

    results = await asyncio.gather(*(post(job) for job in jobs))
    async with sessions() as session:
        for job, (outcome, message) in zip(jobs, results, strict=True):
            message_id = message.message_id if message is not None else None
            sent = outcome == Outcome.SENT
            await community_posts.record_digest(
                session, job, sent=sent, message_id=message_id, now=now
            )
            ended[f"digest:{outcome.value}"] += 1
        await session.commit()
    return ended


async def _carry_out(sender: Sender, job: PostJob, card: Card | None) -> tuple[Outcome, int | None]:
    bot = sender.bot
    chat = job.chat_id
    if job.state == PostState.TO_DELETE:
        if job.message_id is None:
            return Outcome.SENT, None
        outcome, _ = await sender.call(chat, lambda: bot.delete_message(chat, job.message_id or 0))
        # A card deleted by hand already is as good as deleted.
        return (Outcome.SENT if outcome == Outcome.REJECTED else outcome), None
    assert card is not None
    if job.state == PostState.TO_EDIT and job.message_id is not None:
        outcome, _ = await sender.call(chat, lambda: _edit(bot, chat, job.message_id or 0, card))
        if outcome != Outcome.REJECTED:
            return outcome, job.message_id
        # Deleted in the chat, or no longer editable (a photo card without its photo, say):
        # the old card goes, and a new one is posted.
        await sender.call(chat, lambda: bot.delete_message(chat, job.message_id or 0))
    outcome, message = await sender.call(chat, lambda: _post(bot, chat, card))
    return outcome, message.message_id if message is not None else None


async def _post(bot: Bot, chat_id: int, card: Card) -> Message:
    if card.photo is not None:
        return await bot.send_photo(
            chat_id, card.photo, caption=card.text, reply_markup=card.markup
        )
    return await bot.send_message(chat_id, card.text, reply_markup=card.markup)


async def _edit(bot: Bot, chat_id: int, message_id: int, card: Card) -> object:
    try:
        if card.photo is not None:
            return await bot.edit_message_caption(
                chat_id=chat_id, message_id=message_id, caption=card.text, reply_markup=card.markup
            )
        return await bot.edit_message_text(
            card.text, chat_id=chat_id, message_id=message_id, reply_markup=card.markup
        )
    except TelegramBadRequest as error:
        if "not modified" in error.message:
            return True  # the card already says this
        raise
