"""Reports, the moderation queue, bans and verification; every action is logged.

Who is an admin is the caller's knowledge (ADMIN_IDS in the settings): these functions
take the admin's id and trust it, so handlers must check it first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    ACTIVE_STATUSES,
    Booking,
    ModerationAction,
    NotificationKind,
    Offer,
    OfferStatus,
    Provider,
    Report,
    Review,
    Role,
    User,
    utcnow,
)
from services import bookings, communities, community_posts, outbox, reviews, users
from services.bookings import Transition
from services.errors import DomainError
from services.input_values import user_id

REASON_LIMIT = 300
REPORTS_PER_DAY = 10  # per reporter: enough for real abuse, too few to flood the queue
QUEUE_PAGE = 10


class ModerationError(DomainError):
    """A moderation rule refused the request; `key` names the translated reply."""

    key = "moderation.error.generic"


class TargetNotFound(ModerationError):
    """No such offer, review or user (or one the reporter cannot report)."""

    key = "moderation.error.not_found"


class BadReason(ModerationError):
    """A reason must say something, briefly."""

    key = "moderation.error.reason"


class TooManyReports(ModerationError):
    """The reporter sent REPORTS_PER_DAY reports in the last day."""

    key = "moderation.error.too_many"


class AlreadyHandled(ModerationError):
    """Another admin handled the report first."""

    key = "moderation.error.handled"


@dataclass(frozen=True, slots=True)
class Target:
    """What a report is about, resolved: the offer or review if any, and its person."""

    kind: str
    target_id: int
    user_id: int  # whose offer, whose review, or the user reported
    offer: Offer | None = None
    review: Review | None = None


async def resolve(session: AsyncSession, kind: str, target_id: int) -> Target:
    """The report target `kind` ("offer", "review", "user" or "provider" — a provider id,
    reported as their user) with the user behind it; TargetNotFound otherwise."""
    if kind == "offer":
        offer = await session.get(Offer, target_id)
        provider = await session.get(Provider, offer.provider_id) if offer else None
        if offer is None or provider is None or offer.status == OfferStatus.DELETED:
            raise TargetNotFound()
        return Target("offer", offer.id, provider.user_id, offer=offer)
    if kind == "review":
        review = await session.get(Review, target_id)
        if review is None:
            raise TargetNotFound()
        return Target("review", review.id, review.author_id, review=review)
    if kind == "provider":
        provider = await session.get(Provider, target_id)
        if provider is None:
            raise TargetNotFound()
        return Target("user", provider.user_id, provider.user_id)
    if kind == "user" and await session.get(User, target_id) is not None:
        return Target("user", target_id, target_id)
    raise TargetNotFound()


async def report(
    session: AsyncSession,
    reporter: User,
    kind: str,
    target_id: int,
    reason: str,
    *,
    admin_ids: Sequence[int],
    now: datetime,
    community_id: int | None = None,
) -> Report:
    """File a report and queue a notice to every admin who has talked to the bot (and,
    for an offer reached through a community, to that community's admins). A second
    open report of the same target by the same person is the first one."""
    reason = reason.strip()
    if not 3 <= len(reason) <= REASON_LIMIT:
        raise BadReason()
    if kind == "booking":  # the other side of one's own booking
        try:
            booking = await bookings.party_booking(session, reporter, target_id)
        except bookings.BookingNotFound as error:
            raise TargetNotFound() from error
        kind, target_id = "user", bookings.other_party_id(booking, reporter)
    target = await resolve(session, kind, target_id)
    if target.user_id == reporter.id:
        raise TargetNotFound()  # reporting oneself is not a report
    existing: Report | None = await session.scalar(
        select(Report).where(
            Report.reporter_id == reporter.id,
            Report.target_kind == target.kind,
            Report.target_id == target.target_id,
            Report.status == "open",
        )
    )
    if existing is not None:
        return existing
    recent = await session.scalar(
        select(func.count())
        .select_from(Report)
        .where(Report.reporter_id == reporter.id, Report.created_at > now - timedelta(days=1))
    )
    if (recent or 0) >= REPORTS_PER_DAY:
        raise TooManyReports()
    filed = Report(
        reporter_id=reporter.id,
        target_kind=target.kind,
        target_id=target.target_id,
        reason=reason,
        status="open",
        created_at=now,
    )
    session.add(filed)
    await session.flush()
    for admin_id in await users.reachable(session, admin_ids):
        await outbox.queue(
            session,
            outbox.Entry(
                key=f"report{filed.id}:a{admin_id}",
                recipient_id=admin_id,
                kind=NotificationKind.REPORT,
                due_at=now,
                payload={"report": filed.id},
            ),
        )
    if community_id is not None and target.kind == "offer":
        await communities.report_to_admins(session, filed.id, community_id, target.target_id, now)
    return filed


@dataclass(frozen=True, slots=True)
class ReportDetails:
    """A report with what it is about, for the admins' queue."""

    report: Report
    target: Target | None  # None when the target is gone
    person: User | None


async def details(session: AsyncSession, filed: Report) -> ReportDetails:
    """The report's target and the person behind it, loaded."""
    try:
        target = await resolve(session, filed.target_kind, filed.target_id)
    except TargetNotFound:
        return ReportDetails(filed, None, None)
    return ReportDetails(filed, target, await session.get(User, target.user_id))


async def open_reports(session: AsyncSession, limit: int = QUEUE_PAGE) -> list[ReportDetails]:
    """The moderation queue: open reports, oldest first, with their targets."""
    filed = await session.scalars(
        select(Report)
        .where(Report.status == "open")
        .order_by(Report.created_at, Report.id)
        .limit(limit)
    )
    return [await details(session, one) for one in filed.all()]


async def count_open(session: AsyncSession) -> int:
    """How many reports wait in the queue."""
    return int(
        await session.scalar(
            select(func.count()).select_from(Report).where(Report.status == "open")
        )
        or 0
    )


async def _log(
    session: AsyncSession,
    admin_id: int,
    action: str,
    kind: str,
    target_id: int,
    reason: str,
    now: datetime,
    report_id: int | None = None,
) -> None:
    session.add(
        ModerationAction(
            admin_id=admin_id,
            action=action,
            target_kind=kind,
            target_id=target_id,
            reason=reason[:REASON_LIMIT],
            report_id=report_id,
            created_at=now,
        )
    )
    await session.flush()


async def _close(
    session: AsyncSession, target: Target, status: str, now: datetime, only: int | None = None
) -> None:
    """Close the open reports of a target (or only report `only`) with `status`."""
    statement = update(Report).where(Report.status == "open")
    if only is not None:
        statement = statement.where(Report.id == only)
    else:
        statement = statement.where(
            Report.target_kind == target.kind, Report.target_id == target.target_id
        )
    await session.execute(
        statement.values(status=status, handled_at=now).execution_options(synchronize_session=False)
    )


async def handle_report(
    session: AsyncSession, admin_id: int, report_id: int, action: str, *, now: datetime
) -> Report:
    """Dismiss the report, hide its offer or review, or ban the person behind it; the
    other open reports of the same target close with it (except on Dismiss). Logged with
    the admin and the report's reason."""
    filed = await session.get(Report, report_id)
    if filed is None:
        raise TargetNotFound()
    if filed.status != "open":
        raise AlreadyHandled()
    target = await resolve(session, filed.target_kind, filed.target_id)
    why = f"report #{filed.id}: {filed.reason}"
    if action == "ban":
        await ban(session, admin_id, target.user_id, why, now=now, report_id=filed.id)
        await _close_about_user(session, target.user_id, now)
        await session.refresh(filed)
        return filed
    if action == "dismiss":
        await _close(session, target, "dismissed", now, only=filed.id)
    elif action == "hide" and target.offer is not None:
        target.offer.status = OfferStatus.HIDDEN
        await community_posts.refresh_posts(session, now, offer_ids=[target.offer.id])
        await _close(session, target, "hidden", now)
    elif action == "hide" and target.review is not None:
        await reviews.set_hidden(session, target.review, hidden=True)
        await _close(session, target, "hidden", now)
    else:
        raise AlreadyHandled()  # "hide" on a user: nothing to hide
    await _log(session, admin_id, action, target.kind, target.target_id, why, now, filed.id)
    await session.refresh(filed)
    return filed


async def _close_about_user(session: AsyncSession, user_id: int, now: datetime) -> None:
    """A ban answers every open report about the person: them, their offers, their reviews."""
    offer_ids = select(Offer.id).join(Provider).where(Provider.user_id == user_id)
    review_ids = select(Review.id).where(Review.author_id == user_id)
    targets: tuple[tuple[str, Any], ...] = (
        ("user", [user_id]),
        ("offer", offer_ids),
        ("review", review_ids),
    )
    for kind, ids in targets:
        await session.execute(
            update(Report)
            .where(Report.status == "open", Report.target_kind == kind, Report.target_id.in_(ids))
            .values(status="banned", handled_at=now)
            .execution_options(synchronize_session=False)
        )


async def ban(
    session: AsyncSession,
    admin_id: int,
    user_id: int,
    reason: str,
    *,
    now: datetime,
    report_id: int | None = None,
) -> int:
    """Ban a user: they can no longer book or review; as a provider their offers vanish
    from search and booking; their future bookings on either side are cancelled and the
    other side is told. Logged, with the report that led to it if any. Returns how many
    bookings were cancelled."""
    user = await session.get(User, user_id)
    if user is None:
        raise TargetNotFound()
    if not reason.strip():
        raise BadReason()
    await _set_banned(session, user, banned=True)
    cancelled = await cancel_future_bookings(session, user_id, by_moderator=True, now=now)
    await _log(session, admin_id, "ban", "user", user_id, reason, now, report_id)
    return cancelled


async def _set_banned(session: AsyncSession, user: User, *, banned: bool) -> None:
    """The ban flag of the user and of their provider profile, which search and booking
    check."""
    user.banned = banned
    await session.execute(
        update(Provider)
        .where(Provider.user_id == user.id)
        .values(banned=banned)
        .execution_options(synchronize_session=False)
    )
    provider_id = await session.scalar(select(Provider.id).where(Provider.user_id == user.id))
    if provider_id is not None:  # their cards in communities go, or come back
        await community_posts.refresh_posts(session, utcnow(), provider_id=provider_id)


async def cancel_future_bookings(
    session: AsyncSession, user_id: int, *, by_moderator: bool, now: datetime
) -> int:
    """Cancel the user's bookings still to come, as customer and as provider — by a
    moderator, or as the user's own cancellations — and queue a notice to the other side
    of each. Returns how many were cancelled."""
    provider_id = await session.scalar(select(Provider.id).where(Provider.user_id == user_id))
    rows = (
        await session.execute(
            select(Booking.id, Booking.customer_id).where(
                Booking.status.in_(ACTIVE_STATUSES),
                Booking.ends_at > now,
                (Booking.customer_id == user_id) | (Booking.provider_id == provider_id),
            )
        )
    ).all()
    user = await session.get(User, user_id)
    count = 0
    for booking_id, customer_id in rows:
        as_customer = customer_id == user_id
        try:
            if by_moderator:
                changed = await bookings.change(
                    session, None, booking_id, Transition.CANCEL_BY_MODERATOR, now=now
                )
            else:
                side = Role.CUSTOMER if as_customer else Role.PROVIDER
                changed = await bookings.change(
                    session, user, booking_id, bookings.CANCELLATIONS[side], now=now
                )
        except bookings.NotNow:
            continue  # changed by someone else meanwhile
        other = (
            await session.scalar(select(Provider.user_id).where(Provider.id == changed.provider_id))
            if as_customer
            else changed.customer_id
        )
        if other is not None:
            await outbox.queue(
                session,
                outbox.Entry(
                    key=f"b{booking_id}:notice:cancelled",
                    recipient_id=other,
                    kind=NotificationKind.NOTICE,
                    due_at=now,
                    booking_id=booking_id,
                    payload={"key": "notify.booking_cancelled"},
                ),
            )
        count += 1
    return count


async def find_user(session: AsyncSession, ref: str) -> User:
    """A user by Telegram id or @username (as last seen); TargetNotFound otherwise."""
    ref = ref.strip()
    if ref.startswith("@") and len(ref) > 1:
        found: User | None = await session.scalar(
            select(User).where(func.lower(User.username) == ref[1:].lower()).limit(1)
        )
    elif (telegram_id := user_id(ref)) is not None:
        found = await session.get(User, telegram_id)
    else:
        found = None
    if found is None:
        raise TargetNotFound()
    return found


async def unban(
    session: AsyncSession, admin_id: int, user_id: int, reason: str, *, now: datetime
) -> None:
    """Lift a ban (offers hidden by moderators stay hidden)."""
    user = await session.get(User, user_id)
    if user is None:
        raise TargetNotFound()
    await _set_banned(session, user, banned=False)
    await _log(session, admin_id, "unban", "user", user_id, reason, now)


async def set_verified(
    session: AsyncSession,
    admin_id: int,
    user_id: int,
    verified: bool,
    reason: str,
    *,
    now: datetime,
) -> Provider:
    """Grant or take back the verified badge of the provider who is user `user_id`."""
    provider: Provider | None = await session.scalar(
        select(Provider).where(Provider.user_id == user_id)
    )
    if provider is None:
        raise TargetNotFound()
    provider.verified = verified
    action = "verify" if verified else "unverify"
    await _log(session, admin_id, action, "user", user_id, reason, now)
    return provider


@dataclass(frozen=True, slots=True)
class Stats:
    """Counts for the admins' /stats."""

    users: int
    providers: int
    offers: dict[str, int]
    bookings: dict[str, int]
    reviews: int
    open_reports: int
    banned: int


async def stats(session: AsyncSession) -> Stats:
    """Basic counts over the whole instance."""

    async def count(model: type, *where: object) -> int:
        return int(
            await session.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]
        )

    async def by_status(model: type[Offer] | type[Booking]) -> dict[str, int]:
        rows = await session.execute(select(model.status, func.count()).group_by(model.status))
        return {status: int(n) for status, n in rows}

    return Stats(
        users=await count(User, User.id > 0),  # not the anonymous ledger accounts
        providers=await count(Provider),
        offers=await by_status(Offer),
        bookings=await by_status(Booking),
        reviews=await count(Review, Review.hidden.is_(False)),
        open_reports=await count(Report, Report.status == "open"),
        banned=await count(User, User.banned.is_(True)),
    )
