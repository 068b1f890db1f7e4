"""Booking: taking seats in a session, and every later change as a compare-and-set.

The database refuses what must never happen (two sessions over the same provider time,
more seats than the capacity, two active bookings of one customer in one session); this
module turns those refusals into `SlotTaken` and makes every status change conditional
on the status it starts from, so two concurrent changes cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, bindparam, false, func, insert, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.dml import ReturningInsert

from models import (
    ACTIVE_STATUSES,
    SEAT_STATUSES,
    Booking,
    BookingSession,
    BookingStatus,
    Offer,
    OfferStatus,
    Provider,
    Role,
    User,
)
from services import (
    booking_guard,
    communities,
    outbox,
    package_ledger,
    payment_ledger,
    reputation,
)
from services.availability import Slot
from services.booking_guard import BookingLimits
from services.errors import DomainError
from services.offers import RULES_JOINED
from services.slots import slots_by_offer

NOTE_LIMIT = 500
PROVIDER_LOCK_NAMESPACE = 1001  # first key of PostgreSQL advisory locks on a provider's time
REASON_LIMIT = 300
RESCHEDULED = "rescheduled"  # the reason of the cancelled half of a reschedule
ANSWER_WITHIN = timedelta(hours=24)  # a request unanswered this long expires…
ANSWER_BEFORE_START = timedelta(hours=1)  # …or this long before it would start
# Moves and the system's own bookings are not new bookings: no limits but the block.
UNLIMITED = BookingLimits(open_requests=1_000_000, per_provider_day=1_000_000)


class BookingError(DomainError):
    """A booking rule refused the request; `key` names the translated reply."""

    key = "booking.error.generic"


class SlotTaken(BookingError):
    """The time (or the last seat) was just taken by someone else."""

    key = "booking.error.taken"


class OwnOffer(BookingError):
    """A provider cannot book their own offer."""

    key = "booking.error.own_offer"


class BookingNotFound(BookingError):
    """No such booking of this user (missing, or someone else's: the same reply)."""

    key = "booking.error.not_found"


class OfferUnavailable(BookingNotFound):
    """The offer is not bookable: missing, paused, hidden or deleted, or its provider banned."""

    key = "start.offer_unavailable"


class NotNow(BookingError):
    """The booking is not in a state where this can be done (any more)."""

    key = "booking.error.not_now"


class Suspended(BookingError):
    """A banned user cannot book."""

    key = "common.suspended"


class BadValue(BookingError):
    """A note, reason or seat count outside the limits."""

    key = "booking.error.bad_value"


@dataclass(frozen=True, slots=True)
class Booked:
    """The booking, and whether this call made it (False: it existed, a double tap)."""

    booking: Booking
    created: bool


class Transition(StrEnum):
    """A change of a booking's status (see CHANGES)."""

    ACCEPT = "accept"
    DECLINE = "decline"
    EXPIRE = "expire"
    CANCEL_BY_CUSTOMER = "cancel_by_customer"
    CANCEL_BY_PROVIDER = "cancel_by_provider"
    COMPLETE = "complete"
    NO_SHOW = "no_show"
    CANCEL_BY_MODERATOR = "cancel_by_moderator"
    AUTO_COMPLETE = "auto_complete"  # unmarked bookings, some hours after their end
    SETTLE = "settle"  # a hold was paid (or taken from the waiting list): it stands
    SETTLE_AS_REQUEST = "settle_as_request"  # …or waits for the provider's answer
    EXPIRE_HOLD = "expire_hold"  # a hold's payment did not come in time


@dataclass(frozen=True, slots=True)
class Change:
    """A status change: from which statuses, to which, by whom (None: the system), and
    whether it frees the seats."""

    sources: tuple[BookingStatus, ...]
    target: BookingStatus
    by: Role | None
    frees_seats: bool
    after_start: bool = False  # only once the booking has started


_REQUESTED, _CONFIRMED = (BookingStatus.REQUESTED,), (BookingStatus.CONFIRMED,)
_HELD = (BookingStatus.HELD,)
CHANGES: dict[str, Change] = {
    Transition.ACCEPT: Change(_REQUESTED, BookingStatus.CONFIRMED, Role.PROVIDER, False),
    Transition.DECLINE: Change(_REQUESTED, BookingStatus.DECLINED, Role.PROVIDER, True),
    Transition.EXPIRE: Change(_REQUESTED, BookingStatus.EXPIRED, None, True),
    Transition.CANCEL_BY_CUSTOMER: Change(
        SEAT_STATUSES, BookingStatus.CANCELLED_BY_CUSTOMER, Role.CUSTOMER, True
    ),
    Transition.CANCEL_BY_PROVIDER: Change(
        ACTIVE_STATUSES, BookingStatus.CANCELLED_BY_PROVIDER, Role.PROVIDER, True
    ),
    Transition.COMPLETE: Change(
        _CONFIRMED, BookingStatus.COMPLETED, Role.PROVIDER, False, after_start=True
    ),
    Transition.NO_SHOW: Change(
        _CONFIRMED, BookingStatus.NO_SHOW, Role.PROVIDER, False, after_start=True
    ),
    Transition.CANCEL_BY_MODERATOR: Change(
        SEAT_STATUSES, BookingStatus.CANCELLED_BY_MODERATOR, None, True
    ),
    Transition.AUTO_COMPLETE: Change(
        _CONFIRMED, BookingStatus.COMPLETED, None, False, after_start=True
    ),
    Transition.SETTLE: Change(_HELD, BookingStatus.CONFIRMED, None, False),
    Transition.SETTLE_AS_REQUEST: Change(_HELD, BookingStatus.REQUESTED, None, False),
    Transition.EXPIRE_HOLD: Change(_HELD, BookingStatus.EXPIRED, None, True),
}
CANCELLATIONS = {
    Role.CUSTOMER: Transition.CANCEL_BY_CUSTOMER,
    Role.PROVIDER: Transition.CANCEL_BY_PROVIDER,
}
# The changes one party makes that the other is told of at once (the rest are told
# through the outbox, or concern the party alone).
TOLD_TO_OTHER_SIDE = frozenset({Transition.ACCEPT, Transition.DECLINE, *CANCELLATIONS.values()})
AUTO_COMPLETE_AFTER = timedelta(hours=12)
SWEEP_LIMIT = 500


# --- reading ------------------------------------------------------------------------------


def _with_details() -> tuple[object, ...]:
    return (
        selectinload(Booking.offer).selectinload(Offer.provider),
        selectinload(Booking.provider),
    )


async def party_booking(session: AsyncSession, user: User, booking_id: int) -> Booking:
    """A booking `user` is a party to (its customer or its provider); BookingNotFound
    otherwise, exactly as for a booking that does not exist."""
    booking = await find_party_booking(session, user, booking_id)
    if booking is None:
        raise BookingNotFound()
    return booking


async def find_party_booking(session: AsyncSession, user: User, booking_id: int) -> Booking | None:
    """A booking `user` is a party to, or None."""
    booking: Booking | None = await session.scalar(
        _party_booking_statement(), {"booking_id": booking_id, "user_id": user.id}
    )
    return booking


@cache
def _party_booking_statement() -> Select[Booking]:
    """Built once: building a statement costs more than running it."""
    return (
        select(Booking)
        .join(Provider, Provider.id == Booking.provider_id)
        .where(
            Booking.id == bindparam("booking_id"),
            or_(
                Booking.customer_id == bindparam("user_id"),
                Provider.user_id == bindparam("user_id"),
            ),
        )
        .options(*_with_details())  # type: ignore[arg-type]
    )


def role_of(booking: Booking, user: User) -> Role:
    """Which side of `booking` the user is on (they are one of its parties)."""
    return Role.CUSTOMER if booking.customer_id == user.id else Role.PROVIDER


def other_party_id(booking: Booking, user: User) -> int:
    """The user id of the other side of `booking` from `user` (one of its parties; the
    booking's provider loaded)."""
    if role_of(booking, user) == Role.CUSTOMER:
        return booking.provider.user_id
    return booking.customer_id


LIST_PAGE = 20  # bookings per screen of a customer's list


async def customer_bookings(
    session: AsyncSession,
    user: User,
    *,
    now: datetime,
    upcoming: bool,
    page: int = 0,
    limit: int = LIST_PAGE,
) -> tuple[list[Booking], bool]:
    """One page of the user's bookings as a customer — upcoming (soonest first) or past
    (latest first) — and whether more follow."""
    query = select(Booking).where(Booking.customer_id == user.id).options(*_with_details())  # type: ignore[arg-type]
    if upcoming:
        query = query.where(Booking.ends_at > now, Booking.status.in_(SEAT_STATUSES))
        query = query.order_by(Booking.starts_at, Booking.id)
    else:
        query = query.where(
            or_(Booking.ends_at <= now, Booking.status.not_in(SEAT_STATUSES))
        ).order_by(Booking.starts_at.desc(), Booking.id.desc())
    found = list(await session.scalars(query.offset(page * limit).limit(limit + 1)))
    return found[:limit], len(found) > limit


async def provider_agenda(
    session: AsyncSession, user: User, *, start: datetime, end: datetime
) -> list[Booking]:
    """The provider's active bookings starting in [start, end), in time order."""
    query = (
        select(Booking)
        .join(Provider, Provider.id == Booking.provider_id)
        .where(
            Provider.user_id == user.id,
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.starts_at >= start,
            Booking.starts_at < end,
        )
        .order_by(Booking.starts_at, Booking.id)
        .options(*_with_details())  # type: ignore[arg-type]
    )
    return list(await session.scalars(query))


# --- booking ---------------------------------------------------------------------------------


async def bookable_offer(
    session: AsyncSession, offer_id: int, customer: User | None = None
) -> Offer:
    """A published offer of a provider who is not banned, with what its availability
    needs (not its photos); BookingNotFound otherwise, Suspended if `customer` is banned."""
    if customer is not None and customer.banned:
        raise Suspended()
    result = await session.scalars(_bookable_offer_statement(), {"offer_id": offer_id})
    offer = result.unique().one_or_none()
    if offer is None:
        raise OfferUnavailable()
    return offer


@cache
def _bookable_offer_statement() -> Select[Offer]:
    """Built once: building a statement costs more than running it."""
    return (
        select(Offer)
        .join(Provider, Provider.id == Offer.provider_id)
        .where(
            Offer.id == bindparam("offer_id"),
            Offer.status == OfferStatus.PUBLISHED,
            Provider.banned == false(),
        )
        .options(*RULES_JOINED)
    )


async def offer_to_book(
    session: AsyncSession,
    offer_id: int,
    user: User,
    *,
    rescheduling: bool = False,
    limits: BookingLimits = UNLIMITED,
) -> Offer:
    """The offer `user` is about to choose a time of: bookable by them (OfferUnavailable,
    Suspended), not their own unless they move an existing booking (OwnOffer), and a new
    booking not refused by the provider's block or `limits` so far (see booking_guard;
    the day's limit is checked once the time is chosen)."""
    offer = await bookable_offer(session, offer_id, user)
    if rescheduling:
        return offer
    if offer.provider.user_id == user.id:
        raise OwnOffer()
    await booking_guard.admit(session, user, offer.provider, None, limits)
    return offer


@dataclass(frozen=True, slots=True)
class Choice:
    """What a customer chose in the booking dialogue, or a move of booking `moving`."""

    offer_id: int
    start: datetime
    seats: int = 1
    note: str | None = None
    moving: int | None = None
    community_id: int | None = None  # the community the customer came from, if any


async def book_choice(
    session: AsyncSession,
    user: User,
    choice: Choice,
    *,
    now: datetime,
    limits: BookingLimits,
    offer: Offer | None = None,
    hold: timedelta | None = None,
    use_package: bool = False,
) -> Booked | None:
    """Book the choice within `limits`, or move booking `choice.moving` to its time;
    None when the time was taken meanwhile (nothing changed). Other refusals raise
    BookingError or a booking_guard error. `offer`: the offer as `bookable_offer` loaded
    it in this transaction, not to load it again. `hold`: a new booking waits this long
    for its prepayment; `use_package`: it is paid from the customer's package (see
    `book`)."""
    try:
        if choice.moving is not None:
            moved = await reschedule(session, user, choice.moving, choice.start, now=now)
            return Booked(moved, created=True)
        return await book(
            session,
            user,
            choice.offer_id,
            choice.start,
            seats=choice.seats,
            note=choice.note,
            now=now,
            offer=offer,
            community_id=choice.community_id,
            limits=limits,
            hold=hold,
            use_package=use_package,
        )
    except SlotTaken:
        return None


async def free_slots_on_day_of(
    session: AsyncSession, offer: Offer, starts_at: datetime, *, now: datetime
) -> list[Slot]:
    """The offer's free slots on the provider's local day of `starts_at`."""
    day = starts_at.astimezone(ZoneInfo(offer.provider.timezone)).date()
    return (await slots_by_offer(session, [offer], day, day, now=now))[offer.id]


async def book(
    session: AsyncSession,
    customer: User,
    offer_id: int,
    starts_at: datetime,
    *,
    seats: int = 1,
    note: str | None = None,
    now: datetime,
    approved: bool = False,
    offer: Offer | None = None,
    community_id: int | None = None,
    limits: BookingLimits = UNLIMITED,
    hold: timedelta | None = None,
    use_package: bool = False,
) -> Booked:
    """Book `seats` at `starts_at`; the existing booking if this customer already holds
    one there (a double tap). SlotTaken when the time is no longer free. `offer`: the
    offer as `bookable_offer` loaded it in this transaction, not to load it again.
    `community_id`: where the customer came from; credited when it lists the offer.
    `approved`: a move the provider made, which neither their block nor their approval
    stops; otherwise the provider's block and `limits` may refuse (booking_guard).
    `hold`: the booking waits this long for its prepayment (status held; see
    services.payments), and is a request or confirmed only once paid. `use_package`: a
    package of the customer's pays for it when one can (then nothing is held; when the
    package was used up a moment ago: NoSessionsLeft, and nothing is booked)."""
    if offer is None or offer.id != offer_id:
        offer = await bookable_offer(session, offer_id, customer)  # refuses a banned one
    elif customer.banned:
        raise Suspended()
    if offer.provider.user_id == customer.id:
        raise OwnOffer()
    if not 1 <= seats <= offer.capacity or (note is not None and len(note) > NOTE_LIMIT):
        raise BadValue()
    admitted = booking_guard.Admitted(newcomer=False, package=False)
    if not approved:
        try:
            admitted = await booking_guard.admit(
                session, customer, offer.provider, starts_at, limits, offer_id=offer.id, seats=seats
            )
        except (booking_guard.TooManyRequests, booking_guard.TooManyThatDay):
            # A double tap finds the booking the first tap made, not a limit.
            existing = await _active_booking(session, customer, offer.id, starts_at)
            if existing is None:
                raise
            return Booked(existing, created=False)
    slots = await free_slots_on_day_of(session, offer, starts_at, now=now)
    slot = next((s for s in slots if s.start == starts_at), None)
    try:
        if slot is None or slot.seats_left < seats:
            raise SlotTaken()
        credited = await communities.attributed(session, community_id, offer.id)
        approval = (offer.requires_approval or admitted.newcomer) and not approved
        async with session.begin_nested():
            purchase = None
            if use_package and admitted.package:
                hold = None  # the package pays: nothing to pay first
                purchase = await package_ledger.draw(
                    session, customer.id, offer.id, seats, slot.start
                )
                if purchase is None:
                    raise package_ledger.NoSessionsLeft()
            booking = await _take_seats(
                session,
                customer,
                offer,
                slot,
                seats,
                note,
                now,
                approval=approval,
                hold=hold,
                community_id=credited,
                purchase_id=purchase,
            )
            await outbox.queue_for_booking(session, booking, now=now)
            return Booked(booking, created=True)
    except (IntegrityError, SlotTaken):
        # Someone else won the time — or this same customer, with a double tap.
        existing = await _active_booking(session, customer, offer.id, starts_at)
        if existing is not None:
            return Booked(existing, created=False)
        raise SlotTaken() from None


async def _active_booking(
    session: AsyncSession, customer: User, offer_id: int, starts_at: datetime
) -> Booking | None:
    booking: Booking | None = await session.scalar(
        select(Booking)
        .where(
            Booking.customer_id == customer.id,
            Booking.offer_id == offer_id,
            Booking.starts_at == starts_at,
            Booking.status.in_(SEAT_STATUSES),
        )
        .options(*_with_details())  # type: ignore[arg-type]
    )
    return booking


@cache
def _seats_statement(sqlite: bool) -> ReturningInsert[Any]:
    """INSERT … ON CONFLICT DO UPDATE … WHERE seats remain … RETURNING id, built once
    (building it costs more than running it); the values are bind parameters."""
    insert = sqlite_insert if sqlite else pg_insert
    table: Any = BookingSession.__table__
    columns = ("offer_id", "provider_id", "starts_at", "ends_at", "blocked_until")
    statement = insert(table).values(
        {name: bindparam(name, type_=table.c[name].type) for name in columns}
        | {"capacity": bindparam("capacity"), "seats_taken": bindparam("seats_taken")}
    )
    added = table.c.seats_taken + statement.excluded.seats_taken
    return statement.on_conflict_do_update(
        index_elements=[table.c.offer_id, table.c.starts_at],
        set_={"seats_taken": added},
        where=added <= table.c.capacity,
    ).returning(table.c.id)


async def _take_seats(
    session: AsyncSession,
    customer: User,
    offer: Offer,
    slot: Slot,
    seats: int,
    note: str | None,
    now: datetime,
    *,
    approval: bool,
    hold: timedelta | None = None,
    community_id: int | None = None,
    purchase_id: int | None = None,
) -> Booking:
    """Add the seats to the session (created on first use) in one statement that only
    succeeds while seats remain, then record the booking (a request when `approval`; a
    hold waiting `hold` for its payment when given)."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    if not sqlite:
        # Concurrent upserts checked by an exclusion constraint can deadlock each other in
        # PostgreSQL's speculative insertion; taking the provider's lock first queues them.
        # (SQLite's write transactions are serialized already.)
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, :provider)"),
            {"namespace": PROVIDER_LOCK_NAMESPACE, "provider": offer.provider_id},
        )
    values = {
        "offer_id": offer.id,
        "provider_id": offer.provider_id,
        "starts_at": slot.start,
        "ends_at": slot.end,
        "blocked_until": slot.end + timedelta(minutes=offer.buffer_min),
        "capacity": offer.capacity,
        "seats_taken": seats,
    }
    session_id = await session.scalar(_seats_statement(sqlite), values)
    if session_id is None:
        raise SlotTaken()  # the session is full
    answer_by = answer_deadline(slot.start, now) if approval else None
    if hold is not None:
        status, answer_by = BookingStatus.HELD, None
    else:
        status = BookingStatus.REQUESTED if approval else BookingStatus.CONFIRMED
    row: dict[str, Any] = {
        "session_id": session_id,
        "offer_id": offer.id,
        "provider_id": offer.provider_id,
        "customer_id": customer.id,
        "starts_at": slot.start,
        "ends_at": slot.end,
        "seats": seats,
        "status": status,
        "note": note or None,
        "reason": None,
        "late_cancellation": False,
        "answer_by": answer_by,
        "pay_by": now + hold if hold is not None else None,
        "series_id": None,
        "purchase_id": purchase_id,
        "community_id": community_id,
        "created_at": now,
        "updated_at": now,
    }
    # One INSERT … RETURNING id, then the row as a persistent object of the session: the
    # unit of work's flush of a single new object cost four times the statement.
    booking = Booking(id=await session.scalar(_booking_insert_statement(), row), **row)
    make_transient_to_detached(booking)
    session.add(booking)
    set_committed_value(booking, "offer", offer)
    set_committed_value(booking, "provider", offer.provider)
    return booking


@cache
def _booking_insert_statement() -> ReturningInsert[int]:
    """Built once: INSERT of every column of a booking but its id, RETURNING the id."""
    table: Any = Booking.__table__
    names = [column.name for column in table.c if column.name != "id"]
    values = {name: bindparam(name, type_=table.c[name].type) for name in names}
    return insert(table).values(values).returning(table.c.id)


async def settle_hold(
    session: AsyncSession, customer: User, booking: Booking, *, now: datetime
) -> Booking:
    """A hold paid for (or taken from the waiting list) becomes a booking: confirmed, or a
    request when the offer asks for approval or its provider approves newcomers first and
    `customer` is one. NotNow when it is no longer held. `booking`: with offer and
    provider loaded."""
    provider = booking.offer.provider
    known = (await booking_guard.standing(session, customer, provider, None)).known
    approval = booking.offer.requires_approval or (provider.approve_new_customers and not known)
    settle = Transition.SETTLE_AS_REQUEST if approval else Transition.SETTLE
    return await change(session, None, booking.id, settle, now=now)


def answer_deadline(starts_at: datetime, now: datetime) -> datetime:
    """When a request made at `now` expires unanswered."""
    return min(now + ANSWER_WITHIN, starts_at - ANSWER_BEFORE_START)


# --- changes ---------------------------------------------------------------------------------


async def change(
    session: AsyncSession,
    user: User | None,
    booking_id: int,
    action: str,
    *,
    reason: str | None = None,
    now: datetime,
    rescheduling: bool = False,
) -> Booking:
    """Apply `action` (see CHANGES) for `user` (None: the system) as a compare-and-set:
    it happens only if the booking is still in a status it can start from.
    `rescheduling`: the cancelled half of a reschedule, which is not a cancellation in
    anyone's track record."""
    rule = CHANGES.get(action)
    if rule is None:
        raise NotNow()
    if reason is not None and len(reason) > REASON_LIMIT:
        raise BadValue()
    if user is None:
        booking: Booking | None = await session.get(Booking, booking_id)
        if booking is None or rule.by is not None:
            raise BookingNotFound()
        if rule.after_start and now < booking.starts_at:
            raise NotNow()
    else:
        booking = await party_booking(session, user, booking_id)
        check_change(booking, user, action, now=now)  # the side, the status, the clock
    previous = booking.status
    late = (
        action in CANCELLATIONS.values()
        and previous == BookingStatus.CONFIRMED
        and not rescheduling
        and (booking.starts_at - now < timedelta(hours=booking.offer.free_cancel_hours))
    )
    extra: dict[str, Any] = {}
    if rule.target == BookingStatus.REQUESTED:  # a paid hold now waits for an answer
        extra["answer_by"] = answer_deadline(booking.starts_at, now)
    result = await session.execute(
        update(Booking)
        .where(Booking.id == booking.id, Booking.status.in_(rule.sources))
        .values(
            status=rule.target,
            reason=reason or None,
            late_cancellation=late,
            updated_at=now,
            **extra,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise NotNow()  # someone else changed it first
    if rule.frees_seats:
        await session.execute(
            update(BookingSession)
            .where(BookingSession.id == booking.session_id)
            .values(seats_taken=BookingSession.seats_taken - booking.seats)
        )
    await session.refresh(booking)
    if not rescheduling:
        await reputation.count_outcome(session, booking, previous=previous, late=late)
        await payment_ledger.mark_refund_due(session, booking, late=late, now=now)
        await package_ledger.give_back(session, booking, late=late)
    # What was queued for the old status no longer applies; queue what the new one needs.
    await outbox.cancel_for_booking(session, booking.id)
    await outbox.queue_for_booking(session, booking, now=now)
    if rule.frees_seats:
        # The freed place goes to the day's waiting list, if anyone waits (the waiting
        # list books through this module, hence the import here).
        from services import waitlist

        await waitlist.seat_freed(session, booking, now=now)
    return booking


def already_made(booking: Booking, action: str) -> bool:
    """Whether `booking` already stands where `action` leads: the same change asked again
    (a double tap, or an update handled again after its instance died) is then answered
    as the first was, not refused."""
    rule = CHANGES.get(action)
    return rule is not None and booking.status == rule.target


def check_change(booking: Booking, user: User, action: str, *, now: datetime) -> None:
    """Refuse now what `change` would refuse `user` (a party to `booking`): another
    side's action (BookingNotFound, as if it did not exist), or one its status or the
    clock does not allow (NotNow). Lets a dialogue refuse before asking for a reason."""
    rule = CHANGES.get(action)
    if rule is None or role_of(booking, user) != rule.by:
        raise BookingNotFound()
    if booking.status not in rule.sources or (rule.after_start and now < booking.starts_at):
        raise NotNow()


async def reschedule(
    session: AsyncSession, user: User, booking_id: int, starts_at: datetime, *, now: datetime
) -> Booking:
    """Move a booking to `starts_at`, by either side, atomically: the old time is given
    up only if the new one is won (SlotTaken otherwise, nothing changed). A move by the
    provider needs no approval of their own."""
    old = await party_booking(session, user, booking_id)
    role = role_of(old, user)
    if old.status not in ACTIVE_STATUSES:
        raise NotNow()
    if old.starts_at == starts_at:
        return old
    customer = user if role == Role.CUSTOMER else await session.get(User, old.customer_id)
    if customer is None:
        raise BookingNotFound()
    try:
        async with session.begin_nested():
            await change(
                session,
                user,
                old.id,
                CANCELLATIONS[role],
                reason=RESCHEDULED,
                now=now,
                rescheduling=True,
            )
            booked = await book(
                session,
                customer,
                old.offer_id,
                starts_at,
                seats=old.seats,
                note=old.note,
                now=now,
                approved=role == Role.PROVIDER,
            )
            await payment_ledger.move_payments(session, old.id, booked.booking.id)
            booked.booking.purchase_id = old.purchase_id  # paid from the same package
    except BookingError:
        await session.refresh(old)
        raise
    return booked.booking


async def expire_requests(session: AsyncSession, *, now: datetime) -> list[Booking]:
    """Requests whose answer deadline has passed become expired (seats freed)."""
    due = list(
        await session.scalars(
            select(Booking.id).where(
                Booking.status == BookingStatus.REQUESTED, Booking.answer_by <= now
            )
        )
    )
    expired = []
    for booking_id in due:
        booking = await expire_request(session, booking_id, now=now)
        if booking is not None:
            expired.append(booking)
    return expired


async def expire_request(
    session: AsyncSession, booking_id: int, *, now: datetime
) -> Booking | None:
    """Expire an unanswered request; None if it was answered (or cancelled) meanwhile.
    A booking already expired is returned as it is."""
    try:
        return await change(session, None, booking_id, Transition.EXPIRE, now=now)
    except NotNow:
        booking = await session.get(Booking, booking_id)
        expired = booking is not None and booking.status == BookingStatus.EXPIRED
        return booking if expired else None


async def expire_holds(session: AsyncSession, *, now: datetime) -> list[Booking]:
    """Holds whose payment did not come by their deadline expire (seats freed), at most
    SWEEP_LIMIT per call."""
    due = list(
        await session.scalars(
            select(Booking.id)
            .where(Booking.status == BookingStatus.HELD, Booking.pay_by <= now)
            .order_by(Booking.pay_by)
            .limit(SWEEP_LIMIT)
        )
    )
    expired = []
    for booking_id in due:
        try:
            expired.append(await change(session, None, booking_id, Transition.EXPIRE_HOLD, now=now))
        except NotNow:
            continue  # paid or cancelled in the meantime
    return expired


async def complete_finished(session: AsyncSession, *, now: datetime) -> list[Booking]:
    """Confirmed bookings that ended AUTO_COMPLETE_AFTER ago and that the provider did not
    mark become completed (at most SWEEP_LIMIT per call; the next call takes the rest)."""
    due = list(
        await session.scalars(
            select(Booking.id)
            .where(
                Booking.status == BookingStatus.CONFIRMED,
                Booking.ends_at <= now - AUTO_COMPLETE_AFTER,
            )
            .order_by(Booking.ends_at)
            .limit(SWEEP_LIMIT)
        )
    )
    completed = []
    for booking_id in due:
        try:
            completed.append(
                await change(session, None, booking_id, Transition.AUTO_COMPLETE, now=now)
            )
        except NotNow:
            continue  # marked by the provider in the meantime
    return completed


async def seats_taken(session: AsyncSession, offer_id: int, starts_at: datetime) -> int:
    """Seats taken in the offer's session at `starts_at` (0 when none)."""
    taken = await session.scalar(
        select(func.coalesce(func.sum(BookingSession.seats_taken), 0)).where(
            and_(BookingSession.offer_id == offer_id, BookingSession.starts_at == starts_at)
        )
    )
    return int(taken or 0)
