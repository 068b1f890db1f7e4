"""How reports and moderation look: Report buttons, reasons, the admins' report cards."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, get_args

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from babel.dates import format_date

from bot.callbacks import Callback, RowId
from bot.i18n import Translator
from handlers.review_views import stars_text
from models import Review
from services.moderation import ReportDetails, Stats

# Preset reasons, stored as these codes and shown translated; "other" asks for text.
Reason = Literal["spam", "fraud", "offensive", "unsafe", "other"]
REASONS: tuple[Reason, ...] = get_args(Reason)
ReportKind = Literal["offer", "review", "provider", "booking"]


# One typed callback per action; a value no button of ours carries fails unpacking.
class StartReport(Callback, prefix="rp"):
    """🚩 Report on an offer, a provider's page or a booking's other side."""

    kind: ReportKind
    target_id: RowId


class ChooseReportTarget(Callback, prefix="rp-t"):
    """On a provider's page: the provider, or one of the reviews shown."""

    kind: ReportKind
    target_id: RowId


class ChooseReportReason(Callback, prefix="rp-why"):
    """Why it is reported."""

    kind: ReportKind
    target_id: RowId
    reason: Reason


class ModerationCallback(Callback, prefix="md"):
    """An admin's decision on a report."""

    action: Literal["dismiss", "hide", "ban"]
    report_id: RowId


def report_button(_: Translator, kind: ReportKind, target_id: int) -> InlineKeyboardButton:
    """ "🚩 Report" for an offer, a provider's page or a booking's other side."""
    data = StartReport(kind=kind, target_id=target_id).pack()
    return InlineKeyboardButton(text=_.text("report.button"), callback_data=data)


def reasons_screen(
    _: Translator, kind: ReportKind, target_id: int
) -> tuple[str, InlineKeyboardMarkup]:
    """Why is it reported: one button per preset reason."""
    rows = [
        [
            InlineKeyboardButton(
                text=_.text(f"report.reason.{code}"),
                callback_data=ChooseReportReason(
                    kind=kind, target_id=target_id, reason=code
                ).pack(),
            )
        ]
        for code in REASONS
    ]
    return _("report.ask_reason"), InlineKeyboardMarkup(inline_keyboard=rows)


def provider_targets_screen(
    _: Translator, provider_id: int, recent: Sequence[Review]
) -> tuple[str, InlineKeyboardMarkup]:
    """On a provider's page: report the provider, or one of the reviews shown there."""
    rows = [
        [
            InlineKeyboardButton(
                text=_.text("report.the_provider"),
                callback_data=ChooseReportTarget(kind="provider", target_id=provider_id).pack(),
            )
        ]
    ]
    for review in recent:
        day = format_date(review.created_at, "d MMM", locale=_.locale)
        label = f"{stars_text(review.stars)} {day}"
        if review.comment:
            label += f" · {review.comment}"
        rows.append(
            [
                InlineKeyboardButton(
                    text=_.text("report.a_review", review=label)[:64],
                    callback_data=ChooseReportTarget(kind="review", target_id=review.id).pack(),
                )
            ]
        )
    return _("report.ask_target"), InlineKeyboardMarkup(inline_keyboard=rows)


def reason_text(reason: str, _: Translator) -> str:
    """A stored reason as the reader sees it: a preset translated, free text as typed."""
    return _.text(f"report.reason.{reason}") if reason in REASONS else reason


def describe_target(found: ReportDetails, _: Translator) -> str:
    """What the report is about, as HTML (user values escaped)."""
    target, person = found.target, found.person
    who = _.text("moderation.who", name=person.full_name, id=person.id) if person else "—"
    if target is None:
        return _("moderation.target_gone")
    if target.offer is not None:
        return _("moderation.target_offer", title=target.offer.title, who=who)
    if target.review is not None:
        return _(
            "moderation.target_review",
            stars=stars_text(target.review.stars),
            comment=target.review.comment or "—",
            who=who,
        )
    return _("moderation.target_user", who=who)


def report_card(found: ReportDetails, _: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """One report for the admins, with Dismiss / Hide / Ban user while it is open."""
    filed = found.report
    text = _(
        "moderation.report",
        number=filed.id,
        target=_.text(f"moderation.kind.{filed.target_kind}"),
        reason=reason_text(filed.reason, _),
        status=_.text(f"moderation.status.{filed.status}"),
    )
    text += "\n" + describe_target(found, _)
    if filed.status != "open":
        return text, InlineKeyboardMarkup(inline_keyboard=[])
    actions: list[Literal["dismiss", "hide", "ban"]] = ["dismiss"]
    if filed.target_kind in ("offer", "review") and found.target is not None:
        actions.append("hide")
    if found.target is not None:
        actions.append("ban")
    row = [
        InlineKeyboardButton(
            text=_.text(f"moderation.{action}"),
            callback_data=ModerationCallback(action=action, report_id=filed.id).pack(),
        )
        for action in actions
    ]
    return text, InlineKeyboardMarkup(inline_keyboard=[row])


def stats_text(counts: Stats, _: Translator) -> str:
    """The admins' /stats."""

    def listing(by_status: dict[str, int]) -> str:
        return ", ".join(f"{status} {n}" for status, n in sorted(by_status.items())) or "0"

    return _(
        "admin.stats",
        users=counts.users,
        providers=counts.providers,
        offers=listing(counts.offers),
        bookings=listing(counts.bookings),
        reviews=counts.reviews,
        reports=counts.open_reports,
        banned=counts.banned,
    )
