"""Communities: a group or channel whose admins run a moderated catalogue of offers."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow
from models.offer import Offer


class ChatKind(StrEnum):
    """What kind of Telegram chat a community lives in."""

    GROUP = "group"
    SUPERGROUP = "supergroup"
    CHANNEL = "channel"


class CommunityStatus(StrEnum):
    """Whether the bot may post to the community's chat."""

    ACTIVE = "active"
    PAUSED = "paused"  # the bot was removed, or lost the right to post


class Moderation(StrEnum):
    """Who decides what is listed."""

    REVIEW_ALL = "review_all"  # every submission waits for an admin
    TRUSTED_DIRECT = "trusted_direct"  # trusted providers are listed at once


class Posting(StrEnum):
    """What the bot posts to the chat."""

    EACH = "each"  # each offer as it is approved
    DIGEST = "digest"  # a digest of new offers, daily or weekly
    BOTH = "both"


class ListingStatus(StrEnum):
    """Where an offer stands in a community."""

    SUBMITTED = "submitted"  # waiting for an admin
    APPROVED = "approved"  # listed
    REJECTED = "rejected"  # by an admin, with a reason
    REMOVED = "removed"  # by an admin after approval, or the provider was banned here


class PostState(StrEnum):
    """The offer's card in the chat: what the publisher still has to do."""

    NONE = "none"  # never posted, nothing to do
    TO_POST = "to_post"
    POSTED = "posted"
    TO_EDIT = "to_edit"  # posted; the offer changed
    TO_DELETE = "to_delete"  # posted; the listing or the offer is gone
    DELETED = "deleted"


class Community(Base):
    """A group, supergroup or channel linked to gigbot, and how its admins run it."""

    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(128))  # the chat's title, as Telegram says
    # In links: t.me/<bot>?start=c_<slug>.
    slug: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(String(500))
    area: Mapped[str | None] = mapped_column(String(200))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    radius_km: Mapped[float | None] = mapped_column(Float)
    language: Mapped[str | None] = mapped_column(String(8))
    # Accepted categories, comma-separated; empty: all.
    categories: Mapped[str] = mapped_column(String(300), default="", server_default="")
    moderation: Mapped[str] = mapped_column(
        String(16), default=Moderation.REVIEW_ALL, server_default=Moderation.REVIEW_ALL
    )
    posting: Mapped[str] = mapped_column(
        String(16), default=Posting.EACH, server_default=Posting.EACH
    )
    # Providers must be members of the chat to be listed (checked when they submit and
    # when they leave).
    members_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The digest: daily, or weekly on `digest_weekday` (0 = Monday), at a local time.
    digest_every: Mapped[str] = mapped_column(String(8), default="weekly", server_default="weekly")
    digest_weekday: Mapped[int] = mapped_column(SmallInteger, default=4, server_default="4")
    digest_at_min: Mapped[int] = mapped_column(SmallInteger, default=1080, server_default="1080")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(
        String(16), default=CommunityStatus.ACTIVE, server_default=CommunityStatus.ACTIVE
    )
    # Who linked it (for the record; rights are asked of Telegram on every action).
    linked_by: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CommunityAdmin(Base):
    """Someone Telegram listed as an administrator of the community's chat: whom to tell
    about submissions and whose /community lists it. Not a permission: rights are asked
    of Telegram again on every admin action."""

    __tablename__ = "community_admins"

    community_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    # A Telegram user id; the person may not have started the bot (no users row yet).
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)


class CommunityListing(Base):
    """An offer submitted to a community: the admins' decision and the card in the chat."""

    __tablename__ = "community_listings"
    __table_args__ = (
        UniqueConstraint("community_id", "offer_id"),
        Index("ix_community_listings_status", "community_id", "status"),
        Index("ix_community_listings_post_due", "post_state", "post_due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("communities.id", ondelete="CASCADE")
    )
    offer_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("offers.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=ListingStatus.SUBMITTED)
    reason: Mapped[str | None] = mapped_column(String(200))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # The card in the chat (see PostState); a claim on it lapses at post_claimed_until.
    post_state: Mapped[str] = mapped_column(
        String(16), default=PostState.NONE, server_default=PostState.NONE
    )
    post_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    post_claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    post_message_id: Mapped[int | None] = mapped_column(BigInteger)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    community: Mapped[Community] = relationship()
    offer: Mapped[Offer] = relationship()


class CommunityBan(Base):
    """A provider banned from one community by its admins (not bot-wide)."""

    __tablename__ = "community_bans"

    community_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    provider_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CommunityDigest(Base):
    """One digest of a community, for the period ending at `due_at`: the outbox of
    digests (claimed with a lease, sent, recorded; an empty period is recorded as such)."""

    __tablename__ = "community_digests"
    __table_args__ = (UniqueConstraint("community_id", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("communities.id", ondelete="CASCADE")
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # sending, sent, empty
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    offer_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CommunityOpens(Base):
    """How many times a community's catalogue was opened, per week (its Monday, UTC)."""

    __tablename__ = "community_opens"

    community_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    week: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
