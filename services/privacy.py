"""Your data: everything gigbot stores about a user, exported; and erased on request.

Erasure keeps one thing: an anonymised ledger that other people's records depend on.
Bookings, reviews' stars and the provider's offers (as titles) stay, re-keyed to a new
anonymous account with a negative id (Telegram ids are positive, so it can never be a
real user), so that providers' reputations and customers' histories still add up. Every
name, username, phone, place, note and comment of the user is deleted.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Base,
    Booking,
    CalendarFeed,
    Community,
    CommunityAdmin,
    CommunityListing,
    CustomerBlock,
    CustomerRating,
    ModerationAction,
    Notification,
    Offer,
    OfferCard,
    OfferPhoto,
    OfferStatus,
    PackagePurchase,
    Payment,
    Provider,
    Report,
    Review,
    SavedLocation,
    User,
    WaitlistEntry,
    utcnow,
)
from models.search_index import POSTGRESQL_PURGE, SQLITE_PURGE
from services import community_posts
from services.moderation import cancel_future_bookings

DELETED_NAME = "Deleted user"
DELETED_PROVIDER = "Deleted provider"


def _row(obj: Base, *skip: str) -> dict[str, Any]:
    """A row's columns as JSON-friendly values."""
    out: dict[str, Any] = {}
    for column in obj.__table__.columns:
        if column.key in skip:
            continue
        value = getattr(obj, column.key)
        out[column.key] = value.isoformat() if isinstance(value, datetime | date) else value
    return out


async def _all(session: AsyncSession, statement: Any) -> list[Any]:
    return list((await session.scalars(statement)).all())


async def export_data(session: AsyncSession, user: User) -> dict[str, Any]:
    """Everything stored about `user`: account, places, provider profile and offers,
    bookings on both sides, reviews and ratings written and received, reports filed, and
    pending notifications. Other people appear only as what the user did with them."""
    provider: Provider | None = await session.scalar(
        select(Provider).where(Provider.user_id == user.id)
    )
    data: dict[str, Any] = {
        "account": _row(user),
        "saved_locations": [
            _row(s, "user_id")
            for s in await _all(
                session, select(SavedLocation).where(SavedLocation.user_id == user.id)
            )
        ],
        "provider": None,
        "offers": [],
    }
    offer_titles: dict[int, str] = {}
    if provider is not None:
        data["provider"] = _row(provider)
        offers = await _all(session, select(Offer).where(Offer.provider_id == provider.id))
        for offer in offers:
            await session.refresh(offer, ["hours", "exceptions", "photos"])
            item = _row(offer)
            item["weekly_hours"] = [_row(h, "id", "offer_id") for h in offer.hours]
            item["date_exceptions"] = [_row(e, "id", "offer_id") for e in offer.exceptions]
            item["photos"] = [p.file_id for p in offer.photos]
            data["offers"].append(item)
        # When they blocked someone; like their bookings' customers, who is left out.
        # (Nor is a block in the blocked one's export: a block is told to nobody.)
        data["customers_blocked_at"] = [
            block.created_at.isoformat()
            for block in await _all(
                session,
                select(CustomerBlock)
                .where(CustomerBlock.provider_id == provider.id)
                .order_by(CustomerBlock.created_at),
            )
        ]
    as_customer = await _all(
        session, select(Booking).where(Booking.customer_id == user.id).order_by(Booking.id)
    )
    as_provider = (
        await _all(
            session, select(Booking).where(Booking.provider_id == provider.id).order_by(Booking.id)
        )
        if provider is not None
        else []
    )
    for booking in (*as_customer, *as_provider):
        if booking.offer_id not in offer_titles:
            offer = await session.get(Offer, booking.offer_id)
            offer_titles[booking.offer_id] = offer.title if offer else ""
    data["bookings_as_customer"] = [
        {**_row(b, "customer_id", "session_id"), "offer_title": offer_titles[b.offer_id]}
        for b in as_customer
    ]
    # The customers' ids are theirs, not this user's: left out.
    data["bookings_as_provider"] = [
        {**_row(b, "customer_id", "session_id"), "offer_title": offer_titles[b.offer_id]}
        for b in as_provider
    ]
    data["waiting_lists"] = [
        _row(w, "customer_id")
        for w in await _all(
            session, select(WaitlistEntry).where(WaitlistEntry.customer_id == user.id)
        )
    ]
    data["packages_bought"] = [
        _row(purchase, "customer_id")
        for purchase in await _all(
            session, select(PackagePurchase).where(PackagePurchase.customer_id == user.id)
        )
    ]
    data["payments_made"] = [
        _row(p, "customer_id", "refund_told")
        for p in await _all(session, select(Payment).where(Payment.customer_id == user.id))
    ]
    data["reviews_written"] = [
        _row(r, "author_id")
        for r in await _all(session, select(Review).where(Review.author_id == user.id))
    ]
    data["reviews_received"] = (
        [
            _row(r, "author_id")
            for r in await _all(session, select(Review).where(Review.provider_id == provider.id))
        ]
        if provider is not None
        else []
    )
    data["ratings_received_as_customer"] = [
        _row(r, "customer_id")
        for r in await _all(
            session, select(CustomerRating).where(CustomerRating.customer_id == user.id)
        )
    ]
    data["ratings_given_as_provider"] = [
        _row(r, "customer_id")
        for r in await _all(
            session,
            select(CustomerRating)
            .join(Booking, Booking.id == CustomerRating.booking_id)
            .where(Booking.provider_id == (provider.id if provider else -1)),
        )
    ]
    # Communities: the chats Telegram lists this user as an admin of, and the offers'
    # standing in communities (the submissions are part of the provider's offers).
    data["community_admin_of"] = [
        {"community_id": c.id, "name": c.name, "chat_id": c.chat_id}
        for c in await _all(
            session,
            select(Community)
            .join(CommunityAdmin, CommunityAdmin.community_id == Community.id)
            .where(CommunityAdmin.user_id == user.id),
        )
    ]
    data["community_listings"] = [
        _row(listing, "decided_by", "post_claimed_until")
        for listing in await _all(
            session,
            select(CommunityListing)
            .join(Offer, Offer.id == CommunityListing.offer_id)
            .where(Offer.provider_id == (provider.id if provider else -1)),
        )
    ]
    data["reports_filed"] = [
        _row(r, "reporter_id")
        for r in await _all(session, select(Report).where(Report.reporter_id == user.id))
    ]
    data["pending_notifications"] = [
        _row(n, "recipient_id", "key", "lease_until")
        for n in await _all(
            session,
            select(Notification).where(
                Notification.recipient_id == user.id, Notification.status == "pending"
            ),
        )
    ]
    feed = await session.get(CalendarFeed, user.id)
    # The feed's secret is a password: the export says only that there is one.
    data["calendar_feed"] = None if feed is None else {"created_at": feed.created_at}
    return data


async def erase(session: AsyncSession, user: User, *, now: datetime) -> int:
    """Delete or anonymise everything about `user` (see the module's docstring): future
    bookings are cancelled with a notice to the other side first. Returns how many
    bookings were cancelled. The caller clears the user's dialogue state."""
    cancelled = await cancel_future_bookings(session, user.id, by_moderator=False, now=now)
    ghost = User(
        id=-(secrets.randbelow(2**62) + 1),
        first_name=DELETED_NAME,
        banned=user.banned,  # an erased account stays as banned as it was
        blocked_bot=True,  # nobody to write to: what is still queued for it is dropped
        reminder_hours="",
        created_at=now,
        last_seen_at=now,
    )
    session.add(ghost)
    await session.flush()
    provider: Provider | None = await session.scalar(
        select(Provider).where(Provider.user_id == user.id)
    )

    async def rekey(model: Any, column: Any, **values: object) -> None:
        await session.execute(
            update(model)
            .where(column == user.id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    await rekey(Booking, Booking.customer_id, customer_id=ghost.id, note=None, reason=None)
    await rekey(Payment, Payment.customer_id, customer_id=ghost.id)
    await rekey(Review, Review.author_id, author_id=ghost.id, comment=None)
    await rekey(CustomerRating, CustomerRating.customer_id, customer_id=ghost.id, comment=None)
    await rekey(Report, Report.reporter_id, reporter_id=None)
    await rekey(Community, Community.linked_by, linked_by=None)
    # Their reasons for turning submissions down are their words: they go too.
    await rekey(CommunityListing, CommunityListing.decided_by, decided_by=None, reason=None)
    await session.execute(delete(CommunityAdmin).where(CommunityAdmin.user_id == user.id))
    await rekey(ModerationAction, ModerationAction.admin_id, admin_id=ghost.id)
    for model in (Report, ModerationAction):
        await session.execute(
            update(model)
            .where(model.target_kind == "user", model.target_id == user.id)
            .values(target_id=ghost.id)
            .execution_options(synchronize_session=False)
        )
    if provider is not None:
        await _anonymise_provider(session, provider, ghost.id)
        await _purge_search_index(session)
    await session.execute(delete(User).where(User.id == user.id))
    session.expunge(user)
    await session.flush()
    return cancelled


async def _purge_search_index(session: AsyncSession) -> None:
    """Drop the erased texts' words from the search index's own storage too."""
    dialect = session.get_bind().dialect.name
    for statement in SQLITE_PURGE if dialect == "sqlite" else POSTGRESQL_PURGE:
        await session.execute(text(statement))


async def _anonymise_provider(session: AsyncSession, provider: Provider, ghost_id: int) -> None:
    """The provider row and offers stay (bookings and reviews point at them), emptied of
    everything personal; their texts written to customers go too."""
    offer_ids = select(Offer.id).where(Offer.provider_id == provider.id)
    await session.execute(delete(OfferPhoto).where(OfferPhoto.offer_id.in_(offer_ids)))
    await session.execute(delete(OfferCard).where(OfferCard.offer_id.in_(offer_ids)))
    await session.execute(delete(CustomerBlock).where(CustomerBlock.provider_id == provider.id))
    await session.execute(
        update(Offer)
        .where(Offer.provider_id == provider.id)
        .values(
            status=OfferStatus.DELETED, description=None, area=None, latitude=None, longitude=None
        )
        .execution_options(synchronize_session=False)
    )
    # Their cards in community chats are taken down (the offers are deleted now).
    await community_posts.refresh_posts(session, utcnow(), provider_id=provider.id)
    await session.execute(
        update(Review)
        .where(Review.provider_id == provider.id)
        .values(reply=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Booking)
        .where(Booking.provider_id == provider.id)
        .values(reason=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(CustomerRating)
        .where(
            CustomerRating.booking_id.in_(
                select(Booking.id).where(Booking.provider_id == provider.id)
            )
        )
        .values(comment=None)
        .execution_options(synchronize_session=False)
    )
    provider.user_id = ghost_id
    provider.display_name = DELETED_PROVIDER
    provider.bio = provider.area = provider.phone = None
    provider.latitude = provider.longitude = None
    await session.flush()
