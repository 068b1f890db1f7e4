"""Communities: linking a group or channel, its profile, submissions and the admins'
decisions, and the queue of cards the bot posts to the chat.

Who may act for a community is Telegram's to say, asked again on every action: the
caller passes what `getChatMember` answered as `ChatRights`, and `may_manage` decides.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    ChatKind,
    Community,
    CommunityAdmin,
    CommunityBan,
    CommunityListing,
    CommunityStatus,
    ListingStatus,
    Moderation,
    NotificationKind,
    Offer,
    OfferStatus,
    Posting,
    PostState,
    Provider,
    User,
)
from services import outbox
from services.community_posts import take_down
from services.errors import DomainError
from services.geo import GeoPoint, distance_km
from services.offer_parser import CATEGORIES

NAME_LIMIT = 64
DESCRIPTION_LIMIT = 500
AREA_LIMIT = 200
REASON_LIMIT = 200
PAGE = 10  # submissions or communities per screen
LANGUAGES = ("en", "ru", "es")
RADII_KM = (1, 2, 5, 10, 20, 50)  # the area around the community's point; 0: no point


class CommunityError(DomainError):
    """A community rule refused the request; `key` names the translated reply."""

    key = "community.error.generic"


class CommunityNotFound(CommunityError):
    """No such community, or not one this person administers (told the same way)."""

    key = "community.error.not_found"


class NotAnAdmin(CommunityError):
    """Telegram says this person is not (or no longer) an admin with the needed right."""

    key = "community.error.not_admin"


class BadProfileValue(CommunityError):
    """A profile value out of bounds (too long, empty, unknown)."""

    key = "community.error.bad_value"


class CannotSubmit(CommunityError):
    """The offer cannot be submitted to this community; `key` says why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class AlreadyDecided(CommunityError):
    """Another admin decided on the submission first."""

    key = "community.error.decided"


@dataclass(frozen=True, slots=True)
class ChatRights:
    """A person's standing in a chat, as `getChatMember` told it just now."""

    status: str  # creator, administrator, member, restricted, left, kicked
    can_change_info: bool = False
    can_post_messages: bool = False


def may_manage(kind: str, rights: ChatRights) -> bool:
    """Whether someone with `rights` may run the community of a chat of `kind`: its
    creator, or an administrator who may change the group's info / post in the channel."""
    if rights.status == "creator":
        return True
    if rights.status != "administrator":
        return False
    if kind == ChatKind.CHANNEL:
        return rights.can_post_messages
    return rights.can_change_info


def bot_may_post(kind: str, rights: ChatRights) -> bool:
    """Whether the bot, with `rights`, can post cards to a chat of `kind`."""
    if kind == ChatKind.CHANNEL:
        return rights.status == "administrator" and rights.can_post_messages
    return rights.status in ("member", "administrator", "creator", "restricted")


# --- linking ---------------------------------------------------------------------------


def _slug_base(title: str) -> str:
    ascii_only = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return ascii_only[:20].strip("-") or "community"


async def _free_slug(session: AsyncSession, title: str) -> str:
    base = _slug_base(title)
    taken = set(
        await session.scalars(
            select(Community.slug).where(
                or_(Community.slug == base, Community.slug.like(f"{base}-%"))
            )
        )
    )
    if base not in taken:
        return base
    return next(f"{base}-{n}" for n in range(2, len(taken) + 3) if f"{base}-{n}" not in taken)


async def link_chat(
    session: AsyncSession,
    *,
    chat_id: int,
    kind: str,
    title: str,
    by: int | None,
    can_post: bool,
    now: datetime,
) -> Community:
    """Record the chat the bot was added to (or re-added, or promoted or demoted in): a
    community, active when the bot can post there, paused otherwise (its admins are told
    when an active one pauses)."""
    community = await session.scalar(select(Community).where(Community.chat_id == chat_id))
    was_active = community is not None and community.status == CommunityStatus.ACTIVE
    status = CommunityStatus.ACTIVE if can_post else CommunityStatus.PAUSED
    title = (title or "").strip()[:128] or str(chat_id)
    if community is None:
        community = Community(
            chat_id=chat_id,
            kind=ChatKind(kind),
            title=title,
            slug=await _free_slug(session, title),
            name=title[:NAME_LIMIT],
            status=status,
            linked_by=by if by is not None and await _has_row(session, by) else None,
            created_at=now,
            updated_at=now,
        )
        session.add(community)
    else:
        community.kind, community.title, community.status = ChatKind(kind), title, status
        community.updated_at = now
    await session.flush()
    if by is not None:
        await add_admins(session, community, [by])
    if was_active and status == CommunityStatus.PAUSED:
        await tell_admins_paused(session, community, now)
    return community


async def _has_row(session: AsyncSession, user_id: int) -> bool:
    return await session.get(User, user_id) is not None


async def unlink_chat(session: AsyncSession, chat_id: int, now: datetime) -> Community | None:
    """The bot was removed from the chat: its community pauses, and its admins are told."""
    community = await session.scalar(select(Community).where(Community.chat_id == chat_id))
    if community is not None and community.status == CommunityStatus.ACTIVE:
        community.status = CommunityStatus.PAUSED
        community.updated_at = now
        await session.flush()
        await tell_admins_paused(session, community, now)
    return community


async def add_admins(session: AsyncSession, community: Community, user_ids: Sequence[int]) -> None:
    """Remember these people as the chat's admins (to tell them about submissions)."""
    known = set(
        await session.scalars(
            select(CommunityAdmin.user_id).where(CommunityAdmin.community_id == community.id)
        )
    )
    for user_id in dict.fromkeys(user_ids):
        if user_id not in known:
            session.add(CommunityAdmin(community_id=community.id, user_id=user_id))
    await session.flush()


async def set_admins(session: AsyncSession, community: Community, user_ids: Sequence[int]) -> None:
    """Replace the remembered admins with Telegram's current list."""
    await session.execute(
        delete(CommunityAdmin).where(
            CommunityAdmin.community_id == community.id,
            CommunityAdmin.user_id.not_in(list(user_ids)),
        )
    )
    await add_admins(session, community, user_ids)


async def forget_admin(session: AsyncSession, community: Community, user_id: int) -> None:
    """Someone stopped being an admin of the chat."""
    await session.execute(
        delete(CommunityAdmin).where(
            CommunityAdmin.community_id == community.id, CommunityAdmin.user_id == user_id
        )
    )


async def community(session: AsyncSession, community_id: int) -> Community:
    """The community; CommunityNotFound otherwise."""
    found = await session.get(Community, community_id)
    if found is None:
        raise CommunityNotFound()
    return found


async def community_of_chat(session: AsyncSession, chat_id: int) -> Community | None:
    """The community of a chat, if the chat is linked."""
    return await session.scalar(select(Community).where(Community.chat_id == chat_id))


async def active_community_of_chat(session: AsyncSession, chat_id: int) -> Community | None:
    """The chat's community, if it is linked and active (its catalogue open)."""
    found = await community_of_chat(session, chat_id)
    return found if found is not None and found.status == CommunityStatus.ACTIVE else None


async def catalogue(session: AsyncSession, slug: str) -> Community:
    """The active community whose catalogue link is `slug`; CommunityNotFound otherwise."""
    found = await session.scalar(
        select(Community).where(Community.slug == slug, Community.status == CommunityStatus.ACTIVE)
    )
    if found is None:
        raise CommunityNotFound()
    return found


async def administered(session: AsyncSession, user_id: int) -> list[Community]:
    """The communities whose chats Telegram last listed this person as an admin of
    (rights are checked again when they open one)."""
    query = (
        select(Community)
        .join(CommunityAdmin, CommunityAdmin.community_id == Community.id)
        .where(CommunityAdmin.user_id == user_id)
        .order_by(Community.name, Community.id)
    )
    return list(await session.scalars(query))


async def move_chat(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup (a new chat id): its community moves with it."""
    await session.execute(
        update(Community)
        .where(Community.chat_id == old_chat_id)
        .values(chat_id=new_chat_id, kind=ChatKind.SUPERGROUP)
    )


# --- the profile -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Overview:
    """A community as its admins see it."""

    community: Community
    waiting: int  # submissions waiting for a decision
    listed: int  # approved listings
    categories: tuple[str, ...]  # accepted ones; empty: all


def accepted_categories(community: Community) -> tuple[str, ...]:
    """The categories the community takes (empty: every category)."""
    return tuple(c for c in community.categories.split(",") if c in CATEGORIES)


async def overview(session: AsyncSession, community: Community) -> Overview:
    """The community with its counts."""
    counts = dict(
        (
            await session.execute(
                select(CommunityListing.status, func.count())
                .where(CommunityListing.community_id == community.id)
                .group_by(CommunityListing.status)
            )
        ).all()
    )
    return Overview(
        community,
        waiting=int(counts.get(ListingStatus.SUBMITTED, 0)),
        listed=int(counts.get(ListingStatus.APPROVED, 0)),
        categories=accepted_categories(community),
    )


TEXT_FIELDS = {"name": NAME_LIMIT, "description": DESCRIPTION_LIMIT, "area": AREA_LIMIT}


async def set_text(
    session: AsyncSession, community: Community, field: str, value: str, now: datetime
) -> None:
    """Set the name, description or area (a description or area of "-" clears it)."""
    limit = TEXT_FIELDS.get(field)
    value = value.strip()
    if limit is None or not value or len(value) > limit:
        raise BadProfileValue()
    if value == "-":
        if field == "name":
            raise BadProfileValue()
        setattr(community, field, None)
    else:
        setattr(community, field, value)
    community.updated_at = now
    await session.flush()


async def set_choice(
    session: AsyncSession,
    community: Community,
    field: str,
    value: str,
    now: datetime,
    *,
    zone: str | None = None,
) -> None:
    """Set the moderation, posting or language; toggle an accepted category; set when the
    digest goes out (in `zone`, the admin's time zone, which becomes the community's)."""
    if field == "moderation" and value in tuple(Moderation):
        community.moderation = value
    elif field == "posting" and value in tuple(Posting):
        community.posting = value
        if value != Posting.EACH and community.last_digest_at is None:
            community.last_digest_at = now  # the first digest covers what comes from now on
    elif field == "members_only" and value in ("on", "off"):
        community.members_only = value == "on"
    elif field == "radius" and value.isdecimal() and int(value) in (0, *RADII_KM):
        community.radius_km = float(value) or None
        if not community.radius_km:
            community.latitude = community.longitude = None
    elif field == "digest_every" and value in ("daily", "weekly"):
        community.digest_every = value
    elif field == "digest_weekday" and value.isdecimal() and int(value) in range(7):
        community.digest_weekday = int(value)
    elif field == "digest_hour" and value.isdecimal() and int(value) in range(24):
        community.digest_at_min = int(value) * 60
    elif field == "language" and value in (*LANGUAGES, "any"):
        community.language = None if value == "any" else value
    elif field == "category" and value in CATEGORIES:
        chosen = set(accepted_categories(community)) ^ {value}
        community.categories = ",".join(c for c in CATEGORIES if c in chosen)
    else:
        raise BadProfileValue()
    if field.startswith("digest_") and zone:
        community.timezone = zone
    community.updated_at = now
    await session.flush()


# --- moderation by the community's admins ----------------------------------------------------


async def listed(
    session: AsyncSession, community: Community, page: int, *, size: int = 1
) -> tuple[list[Submission], int]:
    """One page of the offers the community lists, newest first, and how many."""
    return await _page(session, community, ListingStatus.APPROVED, page, size, newest=True)


async def remove_listing(
    session: AsyncSession, listing_id: int, community_id: int, admin_id: int, now: datetime
) -> Submission:
    """Take a listed offer out of the community (its card goes); AlreadyDecided when it
    is not listed any more."""
    found = await submission(session, listing_id, community_id)
    if found.listing.status != ListingStatus.APPROVED:
        raise AlreadyDecided()
    found.listing.status = ListingStatus.REMOVED
    found.listing.decided_at, found.listing.decided_by = now, admin_id
    take_down(found.listing, now)
    await session.flush()
    await _tell_provider(session, found, now)
    return found


async def _admin_ids(session: AsyncSession, community_id: int) -> list[int]:
    """The community's remembered admins who can be written to (they started the bot)."""
    rows = await session.scalars(
        select(CommunityAdmin.user_id)
        .join(User, User.id == CommunityAdmin.user_id)
        .where(
            CommunityAdmin.community_id == community_id,
            User.banned.is_(False),
            User.blocked_bot.is_(False),
        )
    )
    return list(rows)


async def _tell_admins(
    session: AsyncSession,
    community_id: int,
    key: str,
    kind: NotificationKind,
    payload: dict[str, int],
    now: datetime,
) -> None:
    """Queue a notification of `kind` to each of the community's admins (keys `key:a<id>`)."""
    await outbox.queue_all(
        session,
        [
            outbox.Entry(f"{key}:a{admin_id}", admin_id, kind, now, payload=payload)
            for admin_id in await _admin_ids(session, community_id)
        ],
    )


async def report_to_admins(
    session: AsyncSession, report_id: int, community_id: int, offer_id: int, now: datetime
) -> None:
    """A report about an offer the reporter reached through a community: its admins are
    told too (when the community still lists the offer)."""
    listing = await listing_of(session, community_id, offer_id)
    if listing is None or listing.status != ListingStatus.APPROVED:
        return
    payload = {"report": report_id, "listing": listing.id}
    key = f"report{report_id}:c{community_id}"
    await _tell_admins(session, community_id, key, NotificationKind.COMMUNITY_REPORT, payload, now)


async def tell_admins_paused(session: AsyncSession, community: Community, now: datetime) -> None:
    """The bot was removed from the chat (or may not post there any more): its admins
    are told that the community is paused."""
    key, payload = f"paused{community.id}:{_stamp(now)}", {"community": community.id}
    await _tell_admins(session, community.id, key, NotificationKind.COMMUNITY_PAUSED, payload, now)


async def set_point(
    session: AsyncSession, community: Community, point: GeoPoint, now: datetime
) -> None:
    """The centre of the community's area (its radius chosen next; 5 km until then)."""
    if not point.is_valid():
        raise BadProfileValue()
    community.latitude, community.longitude = point.latitude, point.longitude
    community.radius_km = community.radius_km or 5.0
    community.updated_at = now
    await session.flush()


def covers(community: Community, offer: Offer) -> bool:
    """Whether the offer is in the community's area: it has no point, the offer has no
    place on the map (online, say), or the place is within the radius (plus the distance
    the provider travels, for an offer at the customer's place)."""
    if community.latitude is None or community.longitude is None or not community.radius_km:
        return True
    if offer.latitude is None or offer.longitude is None:
        return True
    centre = GeoPoint(community.latitude, community.longitude)
    travel = (offer.radius_km or 0) if offer.place_kind == "customer" else 0
    reach = community.radius_km + travel
    return distance_km(centre, GeoPoint(offer.latitude, offer.longitude)) <= reach


# --- submissions -------------------------------------------------------------------------


async def open_to(session: AsyncSession, offer: Offer) -> list[Community]:
    """The active communities an offer may be submitted to (its category accepted, its
    place in their area, its provider not banned there), by name. Any other community
    is reached through its own link (see `submit`)."""
    banned = select(CommunityBan.community_id).where(CommunityBan.provider_id == offer.provider_id)
    query = (
        select(Community)
        .where(Community.status == CommunityStatus.ACTIVE, Community.id.not_in(banned))
        .order_by(Community.name, Community.id)
    )
    return [c for c in await session.scalars(query) if _takes(c, offer) and covers(c, offer)]


def _takes(community: Community, offer: Offer) -> bool:
    accepted = accepted_categories(community)
    return not accepted or offer.category in accepted


async def listing_of(
    session: AsyncSession, community_id: int, offer_id: int
) -> CommunityListing | None:
    """The offer's listing in the community, if it was ever submitted."""
    return await session.scalar(
        select(CommunityListing).where(
            CommunityListing.community_id == community_id, CommunityListing.offer_id == offer_id
        )
    )


async def listings_of_offer(session: AsyncSession, offer_id: int) -> dict[int, CommunityListing]:
    """The offer's listings, by community."""
    rows = await session.scalars(
        select(CommunityListing).where(CommunityListing.offer_id == offer_id)
    )
    return {listing.community_id: listing for listing in rows}


async def asks_membership(session: AsyncSession, community_id: int) -> int | None:
    """The chat to ask Telegram about a submitter's membership in, when the community
    takes members only (else None)."""
    target = await session.get(Community, community_id)
    return target.chat_id if target is not None and target.members_only else None


async def member_left(
    session: AsyncSession, community: Community, user_id: int, now: datetime
) -> int:
    """Someone left the chat (or was removed): in a members-only community their offers
    are no longer listed (cards taken down, the provider told). Returns how many."""
    if not community.members_only:
        return 0
    rows = await session.execute(
        select(CommunityListing, Offer, Provider, Community)
        .join(Offer, Offer.id == CommunityListing.offer_id)
        .join(Provider, Provider.id == Offer.provider_id)
        .join(Community, Community.id == CommunityListing.community_id)
        .where(
            CommunityListing.community_id == community.id,
            Provider.user_id == user_id,
            CommunityListing.status.in_((ListingStatus.SUBMITTED, ListingStatus.APPROVED)),
        )
    )
    found = [Submission(*row) for row in rows.all()]
    for item in found:
        item.listing.status, item.listing.decided_at = ListingStatus.REMOVED, now
        item.listing.reason = None
        take_down(item.listing, now)
        await _tell_provider(session, item, now)
    await session.flush()
    return len(found)


async def listings_in(
    session: AsyncSession, community_id: int, offer_ids: Sequence[int]
) -> dict[int, CommunityListing]:
    """These offers' listings in one community, by offer."""
    rows = await session.scalars(
        select(CommunityListing).where(
            CommunityListing.community_id == community_id,
            CommunityListing.offer_id.in_(list(offer_ids)),
        )
    )
    return {listing.offer_id: listing for listing in rows}


async def _trusted(session: AsyncSession, community: Community, provider: Provider) -> bool:
    """Verified by the bot's admins, or listed in this community before."""
    if provider.verified:
        return True
    listed = await session.scalar(
        select(func.count())
        .select_from(CommunityListing)
        .join(Offer, Offer.id == CommunityListing.offer_id)
        .where(
            CommunityListing.community_id == community.id,
            CommunityListing.status == ListingStatus.APPROVED,
            Offer.provider_id == provider.id,
        )
    )
    return bool(listed)


def is_member(rights: ChatRights) -> bool:
    """Whether someone with `rights` belongs to the chat."""
    return rights.status in ("creator", "administrator", "member", "restricted")


async def submit(
    session: AsyncSession,
    offer: Offer,
    user: User,
    community_id: int,
    now: datetime,
    *,
    standing: ChatRights | None = None,
) -> CommunityListing:
    """Submit `user`'s offer to a community: waiting for its admins, or listed at once
    when the community lists trusted providers directly. CannotSubmit says why not.
    `standing`: the user in the community's chat, as Telegram says now (needed when the
    community takes members only; see `asks_membership`)."""
    target = await session.get(Community, community_id)
    if target is None or target.status != CommunityStatus.ACTIVE:
        raise CannotSubmit("community.error.not_found")
    if target.members_only and (standing is None or not is_member(standing)):
        raise CannotSubmit("community.error.not_member")
    provider = offer.provider
    if provider.user_id != user.id:
        raise CannotSubmit("community.error.not_found")
    if offer.status != OfferStatus.PUBLISHED or provider.banned or user.banned:
        raise CannotSubmit("community.error.not_published")
    banned = await session.get(CommunityBan, (target.id, provider.id))
    if banned is not None:
        raise CannotSubmit("community.error.banned")
    if not _takes(target, offer):
        raise CannotSubmit("community.error.category")
    listing = await listing_of(session, target.id, offer.id)
    if listing is not None and listing.status == ListingStatus.SUBMITTED:
        raise CannotSubmit("community.error.waiting")
    if listing is not None and listing.status == ListingStatus.APPROVED:
        raise CannotSubmit("community.error.listed")
    if listing is None:
        listing = CommunityListing(community_id=target.id, offer_id=offer.id)
        session.add(listing)
    listing.status, listing.reason = ListingStatus.SUBMITTED, None
    listing.submitted_at, listing.decided_at, listing.decided_by = now, None, None
    direct = target.moderation == Moderation.TRUSTED_DIRECT
    if direct and await _trusted(session, target, provider):
        _approve(listing, target, None, now)
        await session.flush()
        return listing
    await session.flush()
    key, payload = f"sub{listing.id}:{_stamp(now)}", {"listing": listing.id}
    await _tell_admins(session, target.id, key, NotificationKind.SUBMISSION, payload, now)
    return listing


def _stamp(now: datetime) -> int:
    """A submission's moment in microseconds: a submission again is told again."""
    return int(now.timestamp() * 1_000_000)


def _approve(
    listing: CommunityListing, target: Community, admin_id: int | None, now: datetime
) -> None:
    listing.status = ListingStatus.APPROVED
    listing.decided_at, listing.decided_by = now, admin_id
    if target.posting in (Posting.EACH, Posting.BOTH) and listing.post_state in (
        PostState.NONE,
        PostState.DELETED,
    ):
        listing.post_state, listing.post_due_at = PostState.TO_POST, now
        listing.post_claimed_until = None


@dataclass(frozen=True, slots=True)
class Submission:
    """A submission as the admins see it."""

    listing: CommunityListing
    offer: Offer
    provider: Provider
    community: Community


async def submission(session: AsyncSession, listing_id: int, community_id: int) -> Submission:
    """A listing of the community, with its offer; CommunityNotFound otherwise."""
    row = (
        await session.execute(
            select(CommunityListing, Offer, Provider, Community)
            .join(Offer, Offer.id == CommunityListing.offer_id)
            .join(Provider, Provider.id == Offer.provider_id)
            .join(Community, Community.id == CommunityListing.community_id)
            .where(CommunityListing.id == listing_id, CommunityListing.community_id == community_id)
        )
    ).one_or_none()
    if row is None:
        raise CommunityNotFound()
    return Submission(*row)


async def waiting(
    session: AsyncSession, community: Community, page: int, *, size: int = PAGE
) -> tuple[list[Submission], int]:
    """One page of `size` submissions waiting for a decision, oldest first, and how
    many wait."""
    return await _page(session, community, ListingStatus.SUBMITTED, page, size, newest=False)


async def _page(
    session: AsyncSession,
    community: Community,
    status: str,
    page: int,
    size: int,
    *,
    newest: bool,
) -> tuple[list[Submission], int]:
    where = (CommunityListing.community_id == community.id, CommunityListing.status == status)
    total = await session.scalar(select(func.count()).select_from(CommunityListing).where(*where))
    order = (
        (CommunityListing.decided_at.desc(), CommunityListing.id.desc())
        if newest
        else (CommunityListing.submitted_at, CommunityListing.id)
    )
    rows = await session.execute(
        select(CommunityListing, Offer, Provider, Community)
        .join(Offer, Offer.id == CommunityListing.offer_id)
        .join(Provider, Provider.id == Offer.provider_id)
        .join(Community, Community.id == CommunityListing.community_id)
        .where(*where)
        .order_by(*order)
        .offset(page * size)
        .limit(size)
    )
    return [Submission(*row) for row in rows.all()], int(total or 0)


async def _decided(
    session: AsyncSession, listing_id: int, community_id: int, status: str, **values: object
) -> Submission:
    """Compare-and-set a waiting submission to `status`; AlreadyDecided otherwise."""
    changed = await session.execute(
        update(CommunityListing)
        .where(
            CommunityListing.id == listing_id,
            CommunityListing.community_id == community_id,
            CommunityListing.status == ListingStatus.SUBMITTED,
        )
        .values(status=status, **values)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        await submission(session, listing_id, community_id)  # CommunityNotFound first
        raise AlreadyDecided()
    found = await submission(session, listing_id, community_id)
    await session.refresh(found.listing)
    return found


async def _tell_provider(session: AsyncSession, found: Submission, now: datetime) -> None:
    await outbox.queue(
        session,
        outbox.Entry(
            key=f"sub{found.listing.id}:{found.listing.status}:{_stamp(now)}",
            recipient_id=found.provider.user_id,
            kind=NotificationKind.SUBMISSION_DECIDED,
            due_at=now,
            payload={"listing": found.listing.id},
        ),
    )


async def approve(
    session: AsyncSession, listing_id: int, community_id: int, admin_id: int, now: datetime
) -> Submission:
    """List the offer; its card is queued for the chat when the community posts each."""
    found = await _decided(
        session,
        listing_id,
        community_id,
        ListingStatus.APPROVED,
        decided_at=now,
        decided_by=admin_id,
    )
    _approve(found.listing, found.community, admin_id, now)
    await session.flush()
    await _tell_provider(session, found, now)
    return found


async def reject(
    session: AsyncSession,
    listing_id: int,
    community_id: int,
    admin_id: int,
    reason: str,
    now: datetime,
) -> Submission:
    """Turn the submission down, with the reason the provider is told."""
    reason = reason.strip()
    if not reason or len(reason) > REASON_LIMIT:
        raise BadProfileValue()
    found = await _decided(
        session,
        listing_id,
        community_id,
        ListingStatus.REJECTED,
        decided_at=now,
        decided_by=admin_id,
        reason=reason,
    )
    await _tell_provider(session, found, now)
    return found


async def ban_provider(
    session: AsyncSession, community_id: int, provider_id: int, admin_id: int, now: datetime
) -> int:
    """Ban a provider from one community: their listings there are removed and their
    cards taken down. Returns how many listings were removed."""
    if await session.get(CommunityBan, (community_id, provider_id)) is None:
        session.add(
            CommunityBan(community_id=community_id, provider_id=provider_id, created_at=now)
        )
    listings = list(
        await session.scalars(
            select(CommunityListing)
            .join(Offer, Offer.id == CommunityListing.offer_id)
            .where(
                CommunityListing.community_id == community_id,
                Offer.provider_id == provider_id,
                CommunityListing.status.in_((ListingStatus.SUBMITTED, ListingStatus.APPROVED)),
            )
        )
    )
    for listing in listings:
        listing.status = ListingStatus.REMOVED
        listing.decided_at, listing.decided_by = now, admin_id
        take_down(listing, now)
    await session.flush()
    return len(listings)


async def attributed(session: AsyncSession, community_id: int | None, offer_id: int) -> int | None:
    """The community to credit a booking of `offer_id` to: one that lists the offer."""
    if community_id is None:
        return None
    listing = await listing_of(session, community_id, offer_id)
    return (
        community_id if listing is not None and listing.status == ListingStatus.APPROVED else None
    )
