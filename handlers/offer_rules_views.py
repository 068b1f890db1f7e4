"""An offer's booking rules: the screen and its preset choices (the callbacks are in
my_offers_views, whose card opens the rules)."""

from __future__ import annotations

from datetime import date

from aiogram.types import InlineKeyboardMarkup
from babel.dates import format_date

from bot.i18n import Translator
from handlers.my_offers_views import (
    AskDate,
    AskRule,
    ClearDates,
    OfferRules,
    OpenOffer,
    RuleName,
    SetRule,
    ToggleApproval,
    button,
)
from handlers.offer_views import format_duration
from handlers.packages_views import packages_button
from handlers.payments_views import prepayment_button, prepayment_text
from models import Offer

# The choices offered for each rule.
PRESETS: dict[RuleName, tuple[int, ...]] = {
    "buffer_min": (0, 10, 15, 30, 60),
    "min_notice_min": (0, 60, 120, 720, 1440),
    "max_advance_days": (7, 14, 30, 60, 90),
    "free_cancel_hours": (0, 2, 12, 24, 48),
}


def _minutes(value: int, _: Translator) -> str:
    return _.text("rules.none") if value == 0 else format_duration(value, _)


def _cancel_window(hours: int, _: Translator) -> str:
    return (
        _.text("rules.cancel_any_time") if hours == 0 else _.text("rules.cancel_until", hours=hours)
    )


def render_rules(
    offer: Offer, today: date, _: Translator, *, payments: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    """The rules of one offer with a button for each (and its prepayment, when `payments`
    are set up)."""
    upcoming = [e for e in offer.exceptions if e.day >= today]
    lines = []
    for exception in upcoming:
        day = format_date(exception.day, format="medium", locale=_.locale)
        if exception.start_min is None:
            lines.append(_.text("rules.day_off", day=day))
        else:
            hours = (
                f"{exception.start_min // 60:02d}:{exception.start_min % 60:02d}–"
                f"{(exception.end_min or 0) // 60:02d}:{(exception.end_min or 0) % 60:02d}"
            )
            key = "rules.closed_hours" if exception.closed else "rules.extra_hours"
            lines.append(_.text(key, day=day, hours=hours))
    text = _(
        "rules.card",
        title=offer.title,
        buffer=_minutes(offer.buffer_min, _),
        notice=_minutes(offer.min_notice_min, _),
        horizon=_.text("rules.days", days=offer.max_advance_days),
        confirmation=_.text("rules.approval" if offer.requires_approval else "rules.instant"),
        cancel=_cancel_window(offer.free_cancel_hours, _),
        dates="\n".join(lines) or _.text("rules.no_dates"),
    )
    if payments:
        text += "\n" + _("payments.rules_line", now=prepayment_text(offer, _))
    oid = offer.id
    rows = [
        [
            button(_.text("rules.buffer"), AskRule(offer_id=oid, name="buffer_min")),
            button(_.text("rules.notice"), AskRule(offer_id=oid, name="min_notice_min")),
        ],
        [
            button(_.text("rules.horizon"), AskRule(offer_id=oid, name="max_advance_days")),
            button(_.text("rules.toggle_confirmation"), ToggleApproval(offer_id=oid)),
        ],
        [button(_.text("rules.cancel"), AskRule(offer_id=oid, name="free_cancel_hours"))],
        [prepayment_button(offer, _), packages_button(offer, _)] if payments else [],
        [
            button(_.text("rules.add_day_off"), AskDate(offer_id=oid, kind="dayoff")),
            button(_.text("rules.add_extra"), AskDate(offer_id=oid, kind="extra")),
        ],
        [
            button(_.text("rules.clear_dates"), ClearDates(offer_id=oid)),
            button(_.text("common.back"), OpenOffer(offer_id=oid)),
        ],
    ]
    return text, InlineKeyboardMarkup(inline_keyboard=[row for row in rows if row])


def presets_keyboard(offer: Offer, name: RuleName, _: Translator) -> InlineKeyboardMarkup:
    if name == "max_advance_days":
        labels = [_.text("rules.days", days=v) for v in PRESETS[name]]
    elif name == "free_cancel_hours":
        labels = [_cancel_window(v, _) for v in PRESETS[name]]
    else:
        labels = [_minutes(v, _) for v in PRESETS[name]]
    buttons = [
        button(label, SetRule(offer_id=offer.id, name=name, value=value))
        for label, value in zip(labels, PRESETS[name], strict=True)
    ]
    return InlineKeyboardMarkup(
        inline_keyboard=[
            buttons[:3],
            buttons[3:],
            [button(_.text("common.back"), OfferRules(offer_id=offer.id))],
        ]
    )
