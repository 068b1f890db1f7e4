"""How search looks: result lists, the offer detail, filters and the provider's page."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, list_currencies
from pydantic import AfterValidator, Field

from bot.callbacks import Callback, Day, RowId
from bot.i18n import Translator
from handlers.moderation_views import report_button
from handlers.offer_views import format_duration, format_place, format_price, render_card
from handlers.review_views import format_score, provider_badges, provider_record, reviews_block
from models import Offer, Provider, Review
from services import offers
from services.availability import Slot
from services.offer_parser import CATEGORIES
from services.search import Hit, SearchQuery, Sort

PAGE_SIZE = 5
RADII_KM = (1, 3, 5, 10, 25)
MAX_OFFSET = 10_000  # result pages beyond this come from forged buttons


def _category(name: str) -> str:
    if name not in CATEGORIES:
        raise ValueError("not a category")
    return name


def _currency(code: str) -> str:
    if code not in list_currencies():
        raise ValueError("not a currency")
    return code


def _radius(km: int) -> int:
    if km not in RADII_KM:
        raise ValueError("not a radius one can choose")
    return km


Category = Annotated[str, Field(max_length=20), AfterValidator(_category)]
Currency = Annotated[str, Field(min_length=3, max_length=3), AfterValidator(_currency)]
FilterName = Literal["category", "price", "date", "distance", "sort"]


# One typed callback per action; a value no button of ours carries fails unpacking, and
# the fallback answers it as an old button. Ids stay untrusted: the services look them up.
class SearchCategory(Callback, prefix="s-cat"):
    """Search one category (from the start screen)."""

    category: Category


class NearMe(Callback, prefix="s-near"):
    """Ask for a location to search near."""


class NewSearch(Callback, prefix="s-new"):
    """Start over."""


class ShowFilters(Callback, prefix="s-filters"):
    """The filter panel."""


class FilterChoices(Callback, prefix="s-f"):
    """The choices of one filter."""

    name: FilterName


class SetCategory(Callback, prefix="s-set-cat"):
    """Filter by a category, or any (None)."""

    category: Category | None = None


class SetPrice(Callback, prefix="s-set-price"):
    """At most this price, or any (None)."""

    max_minor: Annotated[int, Field(ge=0, le=offers.PRICE_LIMIT_MINOR)] | None = None
    currency: Currency | None = None


class SetDate(Callback, prefix="s-set-date"):
    """Free on this day, or any day (None)."""

    day: Day | None = None


class SetRadius(Callback, prefix="s-set-km"):
    """How far from the location."""

    km: Annotated[int, AfterValidator(_radius)]


class SetSort(Callback, prefix="s-set-sort"):
    """The order of the results."""

    sort: Sort


class SetOnline(Callback, prefix="s-set-online"):
    """Include online offers in a search near a location."""

    included: bool


class ClearFilter(Callback, prefix="s-clear"):
    """Drop the words or one filter (from "nothing found")."""

    name: Literal["text", "category", "price", "date"]


class UseSuggestion(Callback, prefix="s-did"):
    """Search the "did you mean" words."""


class UseSavedPlace(Callback, prefix="s-loc"):
    """Search near one of the user's recent locations."""

    location_id: RowId


class ResultsPage(Callback, prefix="s-page"):
    """The results from number `offset`."""

    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET)] = 0


class OfferDetail(Callback, prefix="s-open"):
    """An offer's detail card."""

    offer_id: RowId


class ProviderPage(Callback, prefix="s-provider"):
    """A provider's public page."""

    provider_id: RowId


class BookOffer(Callback, prefix="s-book"):
    """Book: the offer's calendar."""

    offer_id: RowId


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    """A search button."""
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def format_km(km: float, _: Translator) -> str:
    """ "850 m" / "1.2 km" in the reader's number format."""
    if km < 1:
        return _.text("search.meters", meters=int(round(km * 1000, -1)))
    return _.text("search.km", km=format_decimal(round(km, 1), locale=_.locale))


def format_rating(offer: Offer, _: Translator) -> str:
    """The offer's score: "★ 4.8 (12)", or "new" without reviews."""
    return format_score(offer.rating, offer.review_count, _)


def format_slot(slot: Slot, zone: ZoneInfo, _: Translator) -> str:
    """ "Sat 28 Nov, 10:00" in the reader's zone and language."""
    return format_datetime(slot.start.astimezone(zone), "EEE d MMM, HH:mm", locale=_.locale)


def start_screen(_: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """Find a service: type words, pick a category, or search near me."""
    buttons = [button(_.text(f"category.{c}"), SearchCategory(category=c)) for c in CATEGORIES]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([button(_.text("search.near_me"), NearMe())])
    return _("search.ask"), InlineKeyboardMarkup(inline_keyboard=rows)


def describe_query(query: SearchQuery, _: Translator) -> str:
    """The active words and filters as one line ("«guitar» · Lessons · ≤ €25 · 5 km")."""
    parts = []
    if query.community_id is not None:
        parts.append(_.text("search.in_community", name=query.community_name))
    if query.text.strip():
        parts.append(f"«{query.text.strip()[:60]}»")
    if query.category:
        parts.append(_.text(f"category.{query.category}"))
    if query.max_price_minor is not None and query.currency:
        parts.append("≤ " + format_price(query.max_price_minor, query.currency, _))
    if query.on_date:
        parts.append(format_date(query.on_date, "EEE d MMM", locale=_.locale))
    if query.near:
        parts.append(_.text("search.within", distance=format_km(query.radius_km, _)))
    if query.include_online:
        parts.append(_.text("place.online"))
    return " · ".join(parts) or _.text("search.everything")


def result_line(
    number: int, offer: Offer, hit: Hit, next_slot: Slot | None, zone: ZoneInfo, _: Translator
) -> str:
    """One compact card: title, price, duration, distance, rating, next free slot."""
    facts = [
        format_price(offer.price_minor, offer.currency, _),
        format_duration(offer.duration_min, _),
    ]
    if hit.comes_to_customer and hit.distance_km is not None:
        facts.append(_.text("search.comes_to_you"))
    elif hit.distance_km is not None:
        facts.append(format_km(hit.distance_km, _))
    elif offer.place_kind == "online":
        facts.append(_.text("place.online"))
    facts.append(format_rating(offer, _))
    if offer.provider.verified:
        facts.append(_.text("reputation.verified"))
    when = (
        _.text("search.next_slot", when=format_slot(next_slot, zone, _))
        if next_slot
        else _.text("search.no_slot_soon")
    )
    return _("search.result", number=number, title=offer.title, facts=" · ".join(facts), when=when)


def results_screen(
    query: SearchQuery,
    found: Sequence[tuple[Hit, Offer, Slot | None]],
    *,
    offset: int,
    has_more: bool,
    zone: ZoneInfo,
    _: Translator,
) -> tuple[str, InlineKeyboardMarkup]:
    """A page of results with a Details button per result, paging, filters, new search."""
    lines = [_("search.results", what=describe_query(query, _))]
    lines += [
        result_line(offset + n, offer, hit, slot, zone, _)
        for n, (hit, offer, slot) in enumerate(found, start=1)
    ]
    rows = [
        [
            button(str(offset + n), OfferDetail(offer_id=hit.offer_id))
            for n, (hit, _o, _s) in enumerate(found, start=1)
        ]
    ]
    paging = []
    if offset > 0:
        paging.append(
            button(_.text("search.previous"), ResultsPage(offset=max(offset - PAGE_SIZE, 0)))
        )
    if has_more:
        paging.append(button(_.text("search.next"), ResultsPage(offset=offset + PAGE_SIZE)))
    if paging:
        rows.append(paging)
    rows.append(
        [
            button(_.text("search.filters"), ShowFilters()),
            button(_.text("search.near_me"), NearMe()),
        ]
    )
    rows.append([button(_.text("search.new"), NewSearch())])
    return "\n\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


def empty_screen(
    query: SearchQuery, suggestion: str | None, _: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    """Nothing found: what to relax, with a button for each, and "did you mean"."""
    rows = []
    if suggestion:
        rows.append([button(_.text("search.did_you_mean", words=suggestion), UseSuggestion())])
    hints = []
    relaxable: tuple[tuple[Literal["text", "category", "price", "date"], bool], ...] = (
        ("text", bool(query.text.strip())),
        ("category", bool(query.category)),
        ("price", query.max_price_minor is not None),
        ("date", query.on_date is not None),
    )
    for name, active in relaxable:
        if active:
            hints.append(f"search.relax.{name}")
            rows.append([button(_.text(f"search.clear.{name}"), ClearFilter(name=name))])
    if query.near and query.radius_km < RADII_KM[-1]:
        hints.append("search.relax.distance")
        wider = next(r for r in RADII_KM if r > query.radius_km)
        rows.append([button(_.text("search.widen", km=wider), SetRadius(km=wider))])
    if query.near and not query.include_online:
        rows.append([button(_.text("search.add_online"), SetOnline(included=True))])
    rows.append([button(_.text("search.new"), NewSearch())])
    text = _("search.nothing", what=describe_query(query, _))
    if hints:
        text += "\n\n" + _("search.try", hints="\n".join(f"• {_.text(h)}" for h in hints))
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def filters_screen(query: SearchQuery, _: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """The filter panel: one button per filter, and back to the results."""
    rows = [
        [
            button(_.text("search.filter.category"), FilterChoices(name="category")),
            button(_.text("search.filter.price"), FilterChoices(name="price")),
        ],
        [
            button(_.text("search.filter.date"), FilterChoices(name="date")),
            button(_.text("search.filter.sort"), FilterChoices(name="sort")),
        ],
        [button(_.text("search.near_me"), NearMe())],
    ]
    if query.near:
        rows[-1].append(button(_.text("search.filter.distance"), FilterChoices(name="distance")))
        key = "search.online_on" if query.include_online else "search.online_off"
        rows.append([button(_.text(key), SetOnline(included=not query.include_online))])
    rows.append([button(_.text("search.show"), ResultsPage())])
    sort = _.text(f"search.sort.{query.sort}")
    return _("search.filters_title", what=describe_query(query, _), sort=sort), (
        InlineKeyboardMarkup(inline_keyboard=rows)
    )


def filter_choices(
    name: FilterName,
    query: SearchQuery,
    *,
    today: date,
    price_steps: tuple[str, list[int]] | None,
    _: Translator,
) -> tuple[str, InlineKeyboardMarkup]:
    """The choices of one filter; each press sets it and shows the results."""
    rows: list[list[InlineKeyboardButton]] = []
    if name == "category":
        buttons = [button(_.text(f"category.{c}"), SetCategory(category=c)) for c in CATEGORIES]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        rows.append([button(_.text("search.any_category"), SetCategory())])
    elif name == "price":
        if price_steps:
            currency, steps = price_steps
            rows = [
                [
                    button(
                        "≤ " + format_price(step, currency, _),
                        SetPrice(max_minor=step, currency=currency),
                    )
                    for step in steps
                ]
            ]
        rows.append([button(_.text("search.any_price"), SetPrice())])
    elif name == "date":
        days = [today + timedelta(days=n) for n in range(7)]
        labels = [_.text("search.today"), _.text("search.tomorrow")] + [
            format_date(day, "EEE d MMM", locale=_.locale) for day in days[2:]
        ]
        buttons = [button(label, SetDate(day=day)) for label, day in zip(labels, days, strict=True)]
        rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
        rows.append([button(_.text("search.any_day"), SetDate())])
    elif name == "distance":
        rows = [[button(format_km(km, _), SetRadius(km=km)) for km in RADII_KM]]
    else:  # sort
        sorts: list[Sort] = [
            "relevance",
            "price",
            "rating",
        ]
        if query.near:
            sorts.append("distance")
        rows = [[button(_.text(f"search.sort.{s}"), SetSort(sort=s))] for s in sorts]
    rows.append([button(_.text("common.back"), ShowFilters())])
    return _(f"search.choose.{name}"), InlineKeyboardMarkup(inline_keyboard=rows)


def detail_screen(
    offer: Offer,
    slots: Sequence[Slot],
    *,
    distance_km: float | None,
    zone: ZoneInfo,
    _: Translator,
) -> tuple[str, InlineKeyboardMarkup]:
    """The offer as a customer sees it before booking: card, provider, reputation, free
    times, and Book / Provider buttons."""
    provider = offer.provider
    parts = [render_card(offers.offer_data(offer), _)]
    parts.append(
        _(
            "search.detail.provider",
            name=provider.display_name,
            bio=provider.bio or "",
            rating=format_rating(offer, _),
        )
    )
    parts.append(_("search.detail.reputation", badges=provider_badges(provider, _)))
    if distance_km is not None:
        parts.append(_("search.detail.distance", distance=format_km(distance_km, _)))
    if slots:
        times = ", ".join(format_slot(slot, zone, _) for slot in slots)
        parts.append(_("search.detail.slots", times=times))
    else:
        parts.append(_("search.detail.no_slots"))
    rows = [
        [button(_.text("search.book"), BookOffer(offer_id=offer.id))],
        [
            button(_.text("search.provider"), ProviderPage(provider_id=provider.id)),
            report_button(_, "offer", offer.id),
        ],
    ]
    return "\n\n".join(parts), InlineKeyboardMarkup(inline_keyboard=rows)


def provider_screen(
    provider: Provider, items: Sequence[Offer], recent: Sequence[Review], _: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    """A provider's public page: who they are, where, since when, their reputation and
    recent reviews with replies, and their offers."""
    since = format_date(provider.created_at, "MMMM y", locale=_.locale)
    text = _(
        "search.provider_page",
        name=provider.display_name,
        bio=provider.bio or "—",
        where=format_place(provider.place_kind, provider.area, _),
        since=since,
        count=len(items),
    )
    rows = [
        [
            button(
                f"{o.title} · {format_price(o.price_minor, o.currency, _)}"[:64],
                OfferDetail(offer_id=o.id),
            )
        ]
        for o in items[:20]
    ]
    rows.append([report_button(_, "provider", provider.id)])
    text += "\n\n" + provider_record(provider, _)
    if recent:
        text += "\n\n" + reviews_block(recent, _)
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def inline_description(offer: Offer, _: Translator) -> str:
    """The one line under an inline result: price, duration, place."""
    return " · ".join(
        [
            format_price(offer.price_minor, offer.currency, _),
            format_duration(offer.duration_min, _),
            format_place(offer.place_kind, offer.area, _),
            format_rating(offer, _),
        ]
    )
