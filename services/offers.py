"""Offers: create, validate, edit, pause, delete — only by their owner.

Every function that takes an offer id re-checks ownership: an offer that is someone
else's raises the same OfferNotFound as one that does not exist, so callback data (which
is untrusted) cannot probe or touch other people's offers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from babel.numbers import list_currencies
from sqlalchemy import Select, bindparam, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from models import (
    SEAT_STATUSES,
    Booking,
    Offer,
    OfferException,
    OfferHours,
    OfferPhoto,
    OfferStatus,
    Provider,
    User,
    utcnow,
)
from services import community_posts
from services.availability import DateException, Rules, WeeklyRange
from services.errors import DomainError
from services.offer_parser import CATEGORIES, NO_CURRENCY, OfferDraft
from services.timezones import require_timezone

MAX_PHOTOS = 5
TITLE_LIMITS = (2, 120)
AREA_LIMITS = (2, 200)
DESCRIPTION_LIMIT = 1000
DURATION_LIMITS = (5, 720)
CAPACITY_LIMITS = (1, 100)
PRICE_LIMIT_MINOR = 100_000_000  # a million in major units: beyond it is a typo
TRAVEL_LIMIT_KM = 25  # how far a provider who comes to the customer may travel
PLACE_KINDS = ("area", "customer", "online", "location")


class OfferNotFound(DomainError):
    """No such offer for this user (missing, deleted, or someone else's)."""


class InvalidOffer(DomainError):
    """A value breaks a rule; `key` names it for a translated reply (e.g. duration.range)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class OfferHasFutureBookings(DomainError):
    """An offer with bookings still to come cannot be deleted."""


class OfferHiddenByModeration(DomainError):
    """Moderators hid the offer; its provider cannot publish it again."""


class BadAnswer(DomainError):
    """An answer in the offer dialogue cannot be used; `key` is the message saying why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class StaleChoice(BadAnswer):
    """A button value that no button of the dialogue offers (old or forged)."""

    def __init__(self) -> None:
        super().__init__("common.expired_button")


class TooManyPhotos(DomainError):
    """An offer has at most MAX_PHOTOS photos."""


@dataclass
class OfferData:
    """The fields of an offer as the provider gave them (validated by `validate`)."""

    title: str
    category: str
    duration_min: int
    price_minor: int
    currency: str
    weekly: list[tuple[int, int, int]]
    capacity: int = 1
    place_kind: str = "area"
    area: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    radius_km: int | None = None  # how far the provider travels (place_kind "customer")
    description: str | None = None
    buffer_min: int = 0
    min_notice_min: int = 120
    max_advance_days: int = 60
    requires_approval: bool = False
    free_cancel_hours: int = 24  # cancelling later than this before the start is late
    photos: list[str] = field(default_factory=list)


def title_problem(title: str) -> str | None:
    """Why a title would be refused, or None."""
    ok = TITLE_LIMITS[0] <= len(title.strip()) <= TITLE_LIMITS[1]
    return None if ok else "title.length"


def duration_problem(minutes: int) -> str | None:
    """Why a duration would be refused, or None."""
    return None if DURATION_LIMITS[0] <= minutes <= DURATION_LIMITS[1] else "duration.range"


def price_problem(price_minor: int, currency: str) -> str | None:
    """Why a price would be refused, or None."""
    if price_minor < 0:
        return "price.negative"
    if price_minor > PRICE_LIMIT_MINOR:
        return "price.too_high"
    if currency != NO_CURRENCY and currency not in list_currencies():
        return "price.currency"
    return None


def capacity_problem(capacity: int) -> str | None:
    """Why a group size would be refused, or None."""
    return None if CAPACITY_LIMITS[0] <= capacity <= CAPACITY_LIMITS[1] else "capacity.range"


def area_problem(area: str) -> str | None:
    """Why a typed area would be refused, or None."""
    return None if AREA_LIMITS[0] <= len(area.strip()) <= AREA_LIMITS[1] else "place.length"


def screen_draft(draft: OfferDraft) -> list[str]:
    """Take out of `draft` every value that publishing would refuse, so that the dialogue
    asks for it again; returns why, as InvalidOffer keys (the preview never shows what
    Publish would refuse)."""
    checks: list[tuple[str | None, tuple[str, ...]]] = [
        (title_problem(draft.title) if draft.title is not None else None, ("title",)),
        (
            duration_problem(draft.duration_min) if draft.duration_min is not None else None,
            ("duration_min",),
        ),
        (
            price_problem(draft.price_minor, draft.currency or NO_CURRENCY)
            if draft.price_minor is not None
            else None,
            ("price_minor", "currency"),
        ),
        (capacity_problem(draft.capacity) if draft.capacity is not None else None, ("capacity",)),
        (area_problem(draft.area) if draft.area else None, ("area", "place_kind")),
    ]
    problems = []
    for problem, attributes in checks:
        if problem is not None:
            problems.append(problem)
            for attribute in attributes:
                setattr(draft, attribute, None)
    return problems


def validate(data: OfferData) -> None:
    """Raise InvalidOffer for the first rule `data` breaks; return if it is fine."""
    for problem in (
        title_problem(data.title),
        "description.length"
        if data.description is not None and len(data.description) > DESCRIPTION_LIMIT
        else None,
        None if data.category in CATEGORIES else "category.unknown",
        duration_problem(data.duration_min),
        price_problem(data.price_minor, data.currency),
        capacity_problem(data.capacity),
        None if data.place_kind in PLACE_KINDS else "place.unknown",
        area_problem(data.area) if data.area is not None else None,
    ):
        if problem is not None:
            raise InvalidOffer(problem)
    if data.radius_km is not None and not 1 <= data.radius_km <= TRAVEL_LIMIT_KM:
        raise InvalidOffer("radius.range")
    if not 0 <= data.buffer_min <= 480:
        raise InvalidOffer("buffer.range")
    if not 0 <= data.min_notice_min <= 30 * 24 * 60:
        raise InvalidOffer("notice.range")
    if not 1 <= data.max_advance_days <= 365:
        raise InvalidOffer("advance.range")
    if not 0 <= data.free_cancel_hours <= 168:
        raise InvalidOffer("cancel.range")
    validate_hours(data.weekly)
    if len(data.photos) > MAX_PHOTOS:
        raise TooManyPhotos()


def validate_hours(weekly: Sequence[tuple[int, int, int]]) -> None:
    """Weekly ranges must exist, be on real weekdays and end after they start."""
    if not weekly:
        raise InvalidOffer("hours.missing")
    for weekday, start, end in weekly:
        if not 0 <= weekday <= 6:
            raise InvalidOffer("hours.weekday")
        if not 0 <= start < end <= 24 * 60:
            raise InvalidOffer("hours.end_before_start")


async def provider_of(session: AsyncSession, user: User) -> Provider | None:
    """The user's provider profile, if they have one."""
    provider: Provider | None = await session.scalar(
        select(Provider).where(Provider.user_id == user.id)
    )
    return provider


async def hours_timezone(session: AsyncSession, user: User) -> str | None:
    """The zone a new offer's hours would be in: the provider's, else the user's own; None
    when the user never chose one (then it must be asked, not silently taken as UTC)."""
    provider = await provider_of(session, user)
    return provider.timezone if provider is not None else user.timezone


async def ensure_provider(session: AsyncSession, user: User, default_timezone: str) -> Provider:
    """The user's provider profile, created from their user data on first use."""
    provider = await provider_of(session, user)
    if provider is None:
        provider = Provider(
            user_id=user.id,
            display_name=user.full_name[:64],
            timezone=require_timezone(user.timezone or default_timezone),
            place_kind="area",
        )
        session.add(provider)
        await session.flush()
    return provider


async def create_offer(
    session: AsyncSession, user: User, data: OfferData, *, default_timezone: str
) -> Offer:
    """Validate and publish a new offer of `user` (creating their provider profile).

    An offer that takes place somewhere but has no point of its own (a typed area, or at
    the customer's place) takes the provider's shared location, so "near me" finds it.
    """
    validate(data)
    provider = await ensure_provider(session, user, default_timezone)
    if data.latitude is None and data.place_kind != "online":
        data = replace(data, latitude=provider.latitude, longitude=provider.longitude)
    offer = Offer(
        provider_id=provider.id,
        status=OfferStatus.PUBLISHED,
        title=data.title.strip(),
        description=data.description,
        category=data.category,
        duration_min=data.duration_min,
        price_minor=data.price_minor,
        currency=data.currency,
        capacity=data.capacity,
        place_kind=data.place_kind,
        area=data.area,
        latitude=data.latitude,
        longitude=data.longitude,
        radius_km=data.radius_km,
        buffer_min=data.buffer_min,
        min_notice_min=data.min_notice_min,
        max_advance_days=data.max_advance_days,
        requires_approval=data.requires_approval,
        free_cancel_hours=data.free_cancel_hours,
        hours=[OfferHours(weekday=d, start_min=s, end_min=e) for d, s, e in sorted(data.weekly)],
        photos=[OfferPhoto(file_id=f, position=n) for n, f in enumerate(data.photos)],
    )
    session.add(offer)
    await session.flush()
    return offer


# An offer with what its availability needs, in one statement: its provider, weekly
# hours and date exceptions joined (rows = hours × exceptions of that one offer; each
# extra statement costs more than those rows, on SQLite a round trip to its thread).
RULES_JOINED = (
    joinedload(Offer.provider),
    joinedload(Offer.hours),
    joinedload(Offer.exceptions),
)


def _with_details() -> tuple[object, ...]:
    return (
        selectinload(Offer.hours),
        selectinload(Offer.exceptions),
        selectinload(Offer.photos),
        selectinload(Offer.provider),
    )


async def owned_offer(session: AsyncSession, user: User, offer_id: int) -> Offer:
    """The user's own offer `offer_id` with its details; OfferNotFound otherwise."""
    offer: Offer | None = await session.scalar(
        select(Offer)
        .join(Provider)
        .where(
            Offer.id == offer_id, Provider.user_id == user.id, Offer.status != OfferStatus.DELETED
        )
        .options(*_with_details())  # type: ignore[arg-type]
    )
    if offer is None:
        raise OfferNotFound(offer_id)
    return offer


async def find_public_offer(session: AsyncSession, offer_id: int) -> Offer | None:
    """A published offer as customers see it, photos included; None if missing, paused,
    deleted or its provider is banned."""
    result = await session.execute(_public_offer_statement(), {"offer_id": offer_id})
    row = result.unique().one_or_none()
    if row is None:
        return None
    offer, photo_count = row
    # The photos in a statement of their own only when there are any (most offers have
    # none): a follow-up load would always cost a statement.
    photos = (
        await session.scalars(_photos_statement(), {"offer_id": offer.id}) if photo_count else ()
    )
    set_committed_value(offer, "photos", list(photos))
    return offer


@cache
def _public_offer_statement() -> Select[Offer, int]:
    """Built once: building a statement costs more than running it."""
    photo_count = (
        select(func.count())
        .where(OfferPhoto.offer_id == Offer.id)
        .correlate(Offer)
        .scalar_subquery()
    )
    return (
        select(Offer, photo_count)
        .join(Provider)
        .where(
            Offer.id == bindparam("offer_id"),
            Offer.status == OfferStatus.PUBLISHED,
            Provider.banned == false(),
        )
        .options(*RULES_JOINED)
    )


@cache
def _photos_statement() -> Select[OfferPhoto]:
    """Built once: an offer's photos in their order."""
    return (
        select(OfferPhoto)
        .where(OfferPhoto.offer_id == bindparam("offer_id"))
        .order_by(OfferPhoto.position)
    )


async def public_offer(session: AsyncSession, offer_id: int) -> Offer:
    """As `find_public_offer`, with OfferNotFound instead of None."""
    offer = await find_public_offer(session, offer_id)
    if offer is None:
        raise OfferNotFound(offer_id)
    return offer


async def find_public_provider(
    session: AsyncSession, provider_id: int
) -> tuple[Provider, list[Offer]] | None:
    """A provider as customers see them, with their published offers (newest first);
    None if there is no such provider, they are banned or offer nothing now."""
    provider: Provider | None = await session.scalar(
        select(Provider).where(Provider.id == provider_id, Provider.banned == false())
    )
    if provider is None:
        return None
    result = await session.scalars(
        select(Offer)
        .where(Offer.provider_id == provider.id, Offer.status == OfferStatus.PUBLISHED)
        .order_by(Offer.id.desc())
    )
    found = list(result)
    return (provider, found) if found else None


async def public_provider(session: AsyncSession, provider_id: int) -> tuple[Provider, list[Offer]]:
    """As `find_public_provider`, with OfferNotFound instead of None."""
    found = await find_public_provider(session, provider_id)
    if found is None:
        raise OfferNotFound(provider_id)
    return found


async def has_published_offers(session: AsyncSession, user: User) -> bool:
    """Whether the user offers anything customers can book now."""
    found = await session.scalar(
        select(Offer.id)
        .join(Provider)
        .where(Provider.user_id == user.id, Offer.status == OfferStatus.PUBLISHED)
        .limit(1)
    )
    return found is not None


async def my_offers(session: AsyncSession, user: User) -> list[Offer]:
    """The user's offers that are not deleted, newest first."""
    result = await session.scalars(
        select(Offer)
        .join(Provider)
        .where(Provider.user_id == user.id, Offer.status != OfferStatus.DELETED)
        .order_by(Offer.id.desc())
    )
    return list(result)


EDITABLE = frozenset(
    {
        "title",
        "description",
        "category",
        "duration_min",
        "price_minor",
        "currency",
        "capacity",
        "place_kind",
        "area",
        "latitude",
        "longitude",
        "radius_km",
        "buffer_min",
        "min_notice_min",
        "max_advance_days",
        "requires_approval",
        "free_cancel_hours",
    }
)


async def update_offer(
    session: AsyncSession, user: User, offer_id: int, **changes: object
) -> Offer:
    """Change fields of the user's own offer; the result is validated as a whole."""
    unknown = set(changes) - EDITABLE - {"weekly"}
    if unknown:
        raise InvalidOffer(f"{sorted(unknown)[0]}.unknown")
    offer = await owned_offer(session, user, offer_id)
    data = offer_data(offer)
    for name, value in changes.items():
        setattr(data, name, value)
    validate(data)
    for name in EDITABLE & set(changes):
        setattr(offer, name, getattr(data, name))
    if "weekly" in changes:
        offer.hours = [OfferHours(weekday=d, start_min=s, end_min=e) for d, s, e in data.weekly]
    offer.updated_at = utcnow()
    await session.flush()
    await community_posts.refresh_posts(session, offer.updated_at, offer_ids=[offer.id])
    return offer


def offer_data(offer: Offer, *, photos: bool = True) -> OfferData:
    """The editable fields of a stored offer (without its photos unless `photos`: an
    offer listed without them, for its text card)."""
    return OfferData(
        title=offer.title,
        category=offer.category,
        duration_min=offer.duration_min,
        price_minor=offer.price_minor,
        currency=offer.currency,
        weekly=[(h.weekday, h.start_min, h.end_min) for h in offer.hours],
        capacity=offer.capacity,
        place_kind=offer.place_kind,
        area=offer.area,
        latitude=offer.latitude,
        longitude=offer.longitude,
        radius_km=offer.radius_km,
        description=offer.description,
        buffer_min=offer.buffer_min,
        min_notice_min=offer.min_notice_min,
        max_advance_days=offer.max_advance_days,
        requires_approval=offer.requires_approval,
        free_cancel_hours=offer.free_cancel_hours,
        photos=[p.file_id for p in offer.photos] if photos else [],
    )


async def set_paused(session: AsyncSession, user: User, offer_id: int, *, paused: bool) -> Offer:
    """Pause (hidden from customers, bookings kept) or resume the user's offer."""
    offer = await owned_offer(session, user, offer_id)
    if offer.status == OfferStatus.HIDDEN:
        raise OfferHiddenByModeration()
    offer.status = OfferStatus.PAUSED if paused else OfferStatus.PUBLISHED
    await session.flush()
    await community_posts.refresh_posts(session, utcnow(), offer_ids=[offer.id])
    return offer


async def count_future_bookings(session: AsyncSession, offer_id: int, now: datetime) -> int:
    """Bookings of the offer holding seats (held, requested or confirmed) that have not
    started yet."""
    count = await session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(
            Booking.offer_id == offer_id,
            Booking.status.in_(SEAT_STATUSES),
            Booking.starts_at > now,
        )
    )
    return int(count or 0)


async def delete_offer(
    session: AsyncSession, user: User, offer_id: int, *, now: datetime | None = None
) -> None:
    """Delete the user's offer; refused while bookings are still to come.

    The row stays (status "deleted") so old links can say the offer is gone.
    """
    offer = await owned_offer(session, user, offer_id)
    if await count_future_bookings(session, offer.id, now or utcnow()):
        raise OfferHasFutureBookings(offer_id)
    offer.status = OfferStatus.DELETED
    await session.flush()
    await community_posts.refresh_posts(session, now or utcnow(), offer_ids=[offer.id])


MAX_EXCEPTIONS = 100


async def add_exception(
    session: AsyncSession,
    user: User,
    offer_id: int,
    *,
    day: date,
    closed: bool,
    start_min: int | None = None,
    end_min: int | None = None,
    today: date | None = None,
) -> Offer:
    """A day off (closed, no hours), closed hours, or extra hours on one date.

    Dates before `today` (by default, today in the provider's time zone) are refused.
    """
    offer = await owned_offer(session, user, offer_id)
    if today is None:
        today = datetime.now(ZoneInfo(offer.provider.timezone)).date()
    if day < today:
        raise InvalidOffer("exception.past")
    has_range = start_min is not None and end_min is not None
    if not closed and not has_range:
        raise InvalidOffer("hours.missing")
    if has_range and not 0 <= (start_min or 0) < (end_min or 0) <= 24 * 60:
        raise InvalidOffer("hours.end_before_start")
    if len(offer.exceptions) >= MAX_EXCEPTIONS:
        raise InvalidOffer("exception.too_many")
    offer.exceptions.append(
        OfferException(day=day, closed=closed, start_min=start_min, end_min=end_min)
    )
    await session.flush()
    return offer


async def clear_exceptions(session: AsyncSession, user: User, offer_id: int) -> Offer:
    """Forget every date exception of the offer."""
    offer = await owned_offer(session, user, offer_id)
    offer.exceptions = []
    await session.flush()
    return offer


async def add_photo(session: AsyncSession, user: User, offer_id: int, file_id: str) -> int:
    """Attach a photo (Telegram file id) to the user's offer; returns the photo count."""
    offer = await owned_offer(session, user, offer_id)
    count = await session.scalar(
        select(func.count()).select_from(OfferPhoto).where(OfferPhoto.offer_id == offer.id)
    )
    if (count or 0) >= MAX_PHOTOS:
        raise TooManyPhotos()
    session.add(OfferPhoto(offer_id=offer.id, file_id=file_id[:255], position=count or 0))
    await session.flush()
    return (count or 0) + 1


async def clear_photos(session: AsyncSession, user: User, offer_id: int) -> Offer:
    """Remove every photo of the user's offer."""
    offer = await owned_offer(session, user, offer_id)
    offer.photos = []
    await session.flush()
    return offer


def availability_rules(offer: Offer) -> Rules:
    """The offer's booking rules, for services.availability.free_slots."""
    return Rules(
        timezone=offer.provider.timezone,
        duration_min=offer.duration_min,
        weekly=tuple(WeeklyRange(h.weekday, h.start_min, h.end_min) for h in offer.hours),
        exceptions=tuple(
            DateException(e.day, e.closed, e.start_min, e.end_min) for e in offer.exceptions
        ),
        buffer_min=offer.buffer_min,
        min_notice_min=offer.min_notice_min,
        max_advance_days=offer.max_advance_days,
        capacity=offer.capacity,
    )
