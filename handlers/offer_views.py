"""How an offer looks in a chat: the card customers see, and the provider's preview."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from babel.dates import get_day_names
from babel.numbers import format_currency, get_currency_precision

from bot.i18n import Html, Translator
from services.offer_parser import NO_CURRENCY, OfferDraft
from services.offers import OfferData


def format_price(price_minor: int, currency: str, _: Translator) -> str:
    """ "15,00 €" / "€15.00" by the reader's locale; "free" for free offers."""
    if price_minor == 0 or currency == NO_CURRENCY:
        return _.text("offer.free")
    amount = Decimal(price_minor) / (10 ** get_currency_precision(currency))
    return format_currency(amount, currency, locale=_.locale)


def format_duration(minutes: int, _: Translator) -> str:
    """ "45 min", "1 h 30 min"."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _.text("offer.minutes", minutes=rest)
    if not rest:
        return _.text("offer.hours", hours=hours)
    return _.text("offer.hours_minutes", hours=hours, minutes=rest)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def format_hours(weekly: Sequence[Sequence[int]], _: Translator) -> str:
    """ "Mon–Fri 08:00–12:00, 17:00–20:00; Sat 10:00–14:00" in the reader's language."""
    names = get_day_names("abbreviated", locale=_.locale)
    by_day: dict[int, list[str]] = {}
    for weekday, start, end in sorted(tuple(w) for w in weekly):
        by_day.setdefault(weekday, []).append(f"{_clock(start)}–{_clock(end)}")
    parts = []
    # Consecutive days with the same hours are shown as one range of days.
    runs: list[list[int]] = []
    for day in sorted(by_day):
        if runs and runs[-1][-1] == day - 1 and by_day[runs[-1][-1]] == by_day[day]:
            runs[-1].append(day)
        else:
            runs.append([day])
    for run in runs:
        label = names[run[0]] if len(run) == 1 else f"{names[run[0]]}–{names[run[-1]]}"
        parts.append(f"{label} {', '.join(by_day[run[0]])}")
    return "; ".join(parts)


def format_place(place_kind: str | None, area: str | None, _: Translator) -> str:
    """Where the service happens, as a short phrase."""
    if place_kind == "online":
        return _.text("place.online")
    if place_kind in ("customer", "location"):
        phrase = _.text(f"place.{place_kind}")
        return f"{phrase} · {area}" if area else phrase
    return area or _.text("place.unknown")


def format_capacity(capacity: int | None, _: Translator) -> str:
    """ "private" or "group of up to N"."""
    if not capacity or capacity == 1:
        return _.text("offer.private")
    return _.text("offer.group", seats=capacity)


def render_card(offer: OfferDraft | OfferData, _: Translator) -> str:
    """The offer card as HTML, from a draft or a stored offer's data; unknown fields show
    as "—". Every value is escaped."""
    dash = "—"
    price = (
        format_price(offer.price_minor, offer.currency, _)
        if offer.price_minor is not None and offer.currency
        else dash
    )
    description = getattr(offer, "description", None)
    return _(
        "offer.card",
        title=offer.title or dash,
        category=_.text(f"category.{offer.category}") if offer.category else dash,
        duration=format_duration(offer.duration_min, _) if offer.duration_min else dash,
        price=price,
        hours=format_hours(offer.weekly, _) if offer.weekly else dash,
        capacity=format_capacity(offer.capacity, _),
        place=format_place(offer.place_kind, offer.area, _),
        description=Html("\n" + _("offer.description", text=description)) if description else "",
    )
