"""How reports and moderation look: Report buttons, reasons, the admins' report cards."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from babel.dates import format_date
from pydantic import model_validator

from bot.callbacks import ROW, ValueShapes
from bot.i18n import Translator
from handlers.review_views import stars_text
from models import Review
from services.moderation import ReportDetails, Stats

# Preset reasons, stored as these codes and shown translated; "other" asks for text.
REASONS = ("spam", "fraud", "offensive", "unsafe", "other")


REPORT_SHAPES = ValueShapes({"start": ROW, "target": ROW, "why": ROW})


class ReportCallback(CallbackData, prefix="rp"):
    """A press in the report dialogue; `value` is an id (untrusted)."""

    # "start": from a Report button; "target": chosen on a provider's page; "why": reason
    action: str
    kind: str  # offer, review, provider, booking
    value: str
    reason: str = ""

    @model_validator(mode="after")
    def known_value(self) -> Self:
        """Refuses actions and values that no button of ours carries."""
        REPORT_SHAPES.check(self.action, self.value)
        return self


MODERATION_SHAPES = ValueShapes({"dismiss": ROW, "hide": ROW, "ban": ROW})


class ModerationCallback(CallbackData, prefix="md"):
    """An admin's action on a report."""

    action: str  # dismiss, hide, ban
    value: str  # the report id

    @model_validator(mode="after")
    def known_value(self) -> Self:
        """Refuses actions and values that no button of ours carries."""
        MODERATION_SHAPES.check(self.action, self.value)
        return self


def report_button(_: Translator, kind: str, target_id: int) -> InlineKeyboardButton:
    """ "🚩 Report" for an offer, a provider's page or a booking's other side."""
    data = ReportCallback(action="start", kind=kind, value=str(target_id)).pack()
    return InlineKeyboardButton(text=_.text("report.button"), callback_data=data)


def reasons_screen(_: Translator, kind: str, target_id: int) -> tuple[str, InlineKeyboardMarkup]:
    """Why is it reported: one button per preset reason."""
    rows = [
        [
            InlineKeyboardButton(
                text=_.text(f"report.reason.{code}"),
                callback_data=ReportCallback(
                    action="why", kind=kind, value=str(target_id), reason=code
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
                callback_data=ReportCallback(
                    action="target", kind="provider", value=str(provider_id)
                ).pack(),
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
                    callback_data=ReportCallback(
                        action="target", kind="review", value=str(review.id)
                    ).pack(),
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
    actions = ["dismiss"]
    if filed.target_kind in ("offer", "review") and found.target is not None:
        actions.append("hide")
    if found.target is not None:
        actions.append("ban")
    row = [
        InlineKeyboardButton(
            text=_.text(f"moderation.{action}"),
            callback_data=ModerationCallback(action=action, value=str(filed.id)).pack(),
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
