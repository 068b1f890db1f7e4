"""The cards and digests gigbot posts to community chats, as queues: what is due, claimed
with a lease (a crashed publisher's claims are taken again: at least once, never lost),
and what became of it. `bot/community_publisher.py` does the sending."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from models import (
    Community,
    CommunityDigest,
    CommunityListing,
    CommunityStatus,
    ListingStatus,
    Offer,
    OfferStatus,
    Posting,
    PostState,
    Provider,
)
from services.availability import local_instant

POST_LEASE = timedelta(minutes=2)  # a claimed post not recorded by then is claimed again


def take_down(listing: CommunityListing, now: datetime) -> None:
    """The listing's card is to go (or, not posted yet, not to be posted)."""
    if listing.post_state in (PostState.POSTED, PostState.TO_EDIT):
        listing.post_state, listing.post_due_at = PostState.TO_DELETE, now
    elif listing.post_state == PostState.TO_POST:
        listing.post_state = PostState.NONE
    listing.post_claimed_until = None


async def refresh_posts(
    session: AsyncSession,
    now: datetime,
    *,
    offer_ids: Sequence[int] = (),
    provider_id: int | None = None,
) -> None:
    """An offer changed (or was paused, resumed, hidden, deleted; or its provider was
    banned, unbanned or erased): queue the edit or removal of its cards in every
    community that lists it."""
    query = (
        select(CommunityListing, Offer, Provider, Community)
        .join(Offer, Offer.id == CommunityListing.offer_id)
        .join(Provider, Provider.id == Offer.provider_id)
        .join(Community, Community.id == CommunityListing.community_id)
        .where(CommunityListing.status == ListingStatus.APPROVED)
        # Rows changed by bulk updates (a ban, an erasure) are read as they are now.
        .execution_options(populate_existing=True)
    )
    if provider_id is not None:
        query = query.where(Offer.provider_id == provider_id)
    else:
        query = query.where(CommunityListing.offer_id.in_(list(offer_ids)))
    for listing, offer, provider, target in (await session.execute(query)).all():
        visible = offer.status == OfferStatus.PUBLISHED and not provider.banned
        _sync_post(listing, target, visible=visible, now=now)
    await session.flush()


def _sync_post(
    listing: CommunityListing, target: Community, *, visible: bool, now: datetime
) -> None:
    """The card's next step for an approved listing whose offer is `visible` or not."""
    state = listing.post_state
    if not visible:
        take_down(listing, now)
        return
    if state in (PostState.POSTED, PostState.TO_DELETE) and listing.post_message_id:
        listing.post_state = PostState.TO_EDIT
    elif state in (PostState.NONE, PostState.DELETED, PostState.TO_DELETE):
        if target.posting not in (Posting.EACH, Posting.BOTH):
            return
        listing.post_state = PostState.TO_POST
    else:
        return  # already due to be posted or edited: it will show the offer as it is then
    listing.post_due_at, listing.post_claimed_until = now, None


@dataclass(frozen=True, slots=True)
class PostJob:
    """A card the publisher has claimed: post it, edit it or delete it."""

    listing_id: int
    state: str  # PostState.TO_POST, TO_EDIT or TO_DELETE
    chat_id: int
    message_id: int | None
    offer: Offer
    community: Community


async def claim_posts(
    session: AsyncSession, now: datetime, limit: int, *, per_chat: int
) -> list[PostJob]:
    """Claim up to `limit` due cards of active communities, oldest first, at most
    `per_chat` of one chat — a chat with hundreds waiting holds up no other (a claim
    lapses after POST_LEASE, so a crashed publisher's cards are taken again; on
    PostgreSQL, rows another instance is claiming are skipped)."""
    order = (CommunityListing.post_due_at, CommunityListing.id)
    due = (
        select(
            CommunityListing.id.label("id"),
            func.row_number()
            .over(partition_by=CommunityListing.community_id, order_by=order)
            .label("place"),
        )
        .join(Community, Community.id == CommunityListing.community_id)
        .where(
            CommunityListing.post_state.in_(
                (PostState.TO_POST, PostState.TO_EDIT, PostState.TO_DELETE)
            ),
            CommunityListing.post_due_at <= now,
            or_(
                CommunityListing.post_claimed_until.is_(None),
                CommunityListing.post_claimed_until < now,
            ),
            Community.status == CommunityStatus.ACTIVE,
        )
        .subquery()
    )
    query = (
        select(CommunityListing, Offer, Community)
        .join(Offer, Offer.id == CommunityListing.offer_id)
        .join(Community, Community.id == CommunityListing.community_id)
        .options(joinedload(Offer.provider), selectinload(Offer.photos))
        .where(CommunityListing.id.in_(select(due.c.id).where(due.c.place <= per_chat)))
        .order_by(*order)
        .limit(limit)
        .with_for_update(skip_locked=True, of=CommunityListing)
    )
    jobs: list[PostJob] = []
    for listing, offer, target in (await session.execute(query)).unique().all():
        listing.post_claimed_until = now + POST_LEASE
        jobs.append(
            PostJob(
                listing.id,
                listing.post_state,
                target.chat_id,
                listing.post_message_id,
                offer,
                target,
            )
        )
    await session.flush()
    return jobs


async def record_post(
    session: AsyncSession, job: PostJob, *, done: bool, message_id: int | None, now: datetime
) -> None:
    """What became of a claimed card: done (posted, edited, deleted) or given up (the
    chat refused it); a change queued meanwhile stays queued."""
    listing = await session.get(CommunityListing, job.listing_id)
    if listing is None:
        return
    listing.post_claimed_until = None
    if listing.post_state != job.state:
        return  # changed again while this went out: the newer state is still due
    if job.state == PostState.TO_DELETE:
        listing.post_state, listing.post_message_id = PostState.DELETED, None
    elif done:
        listing.post_state = PostState.POSTED
        if message_id is not None:
            listing.post_message_id = message_id
        listing.posted_at = listing.posted_at or now
    else:
        listing.post_state = PostState.NONE if job.state == PostState.TO_POST else PostState.POSTED
    await session.flush()


# --- digests -------------------------------------------------------------------------------

DIGEST_LIMIT = 20  # offers named in one digest; the rest are in the catalogue


def digest_moments(community: Community, after: datetime, until: datetime) -> list[datetime]:
    """The digest moments of `community` in (after, until], in its local time: each day or
    each week on its weekday, at its local minute (a time skipped by a clock change is
    taken an hour later, on that day)."""
    zone = ZoneInfo(community.timezone)
    day = after.astimezone(zone).date()
    moments: list[datetime] = []
    while True:
        if community.digest_every != "weekly" or day.weekday() == community.digest_weekday:
            moment = local_instant(day, community.digest_at_min, zone) or local_instant(
                day, community.digest_at_min + 60, zone
            )
            if moment is not None and moment > until:
                return moments
            if moment is not None and moment > after:
                moments.append(moment)
        day += timedelta(days=1)


@dataclass(frozen=True, slots=True)
class DigestJob:
    """A claimed digest: the community, the offers it lists since the last one."""

    digest_id: int
    chat_id: int
    community: Community
    offers: list[Offer]
    more: int  # listed in the period beyond DIGEST_LIMIT


async def claim_digests(session: AsyncSession, now: datetime) -> list[DigestJob]:
    """The digests due at `now`, claimed: one per community for the period since its last
    digest (after downtime, one for the whole missed time); an empty period is recorded
    as empty and nothing is sent."""
    candidates = await session.scalars(
        select(Community).where(
            Community.status == CommunityStatus.ACTIVE,
            Community.posting.in_((Posting.DIGEST, Posting.BOTH)),
        )
    )
    jobs = []
    for community in candidates:
        since = community.last_digest_at or community.created_at
        moments = digest_moments(community, since, now)
        if not moments:
            continue
        due = moments[-1]
        digest = await session.scalar(
            select(CommunityDigest).where(
                CommunityDigest.community_id == community.id, CommunityDigest.due_at == due
            )
        )
        if digest is None:
            digest = CommunityDigest(community_id=community.id, due_at=due, status="pending")
            session.add(digest)
        elif digest.status != "sending" or (digest.claimed_until or now) > now:
            continue  # sent, or still claimed by a publisher at work
        listed = list(
            await session.scalars(
                select(Offer)
                .join(CommunityListing, CommunityListing.offer_id == Offer.id)
                .join(Provider, Provider.id == Offer.provider_id)
                .options(joinedload(Offer.provider))
                .where(
                    CommunityListing.community_id == community.id,
                    CommunityListing.status == ListingStatus.APPROVED,
                    CommunityListing.decided_at > since,
                    CommunityListing.decided_at <= due,
                    Offer.status == OfferStatus.PUBLISHED,
                    Provider.banned.is_(False),
                )
                .order_by(CommunityListing.decided_at, CommunityListing.id)
            )
        )
        digest.offer_count = len(listed)
        if not listed:
            digest.status = "empty"
            community.last_digest_at = due
            continue
        digest.status, digest.claimed_until = "sending", now + POST_LEASE
        await session.flush()
        jobs.append(
            DigestJob(
                digest.id,
                community.chat_id,
                community,
                listed[:DIGEST_LIMIT],
                max(len(listed) - DIGEST_LIMIT, 0),
            )
        )
    await session.flush()
    return jobs


async def record_digest(
    session: AsyncSession, job: DigestJob, *, sent: bool, message_id: int | None, now: datetime
) -> None:
    """A claimed digest went out (the period is done) or was refused (it is given up:
    the chat will not take it; the next period starts after it all the same)."""
    digest = await session.get(CommunityDigest, job.digest_id)
    community = await session.get(Community, job.community.id)
    if digest is None or community is None:
        return
    digest.status = "sent" if sent else "failed"
    digest.claimed_until, digest.message_id, digest.sent_at = None, message_id, now
    community.last_digest_at = max(community.last_digest_at or digest.due_at, digest.due_at)
    await session.flush()
