"""Finding a service: words, a category or "near me"; results, filters, details.

The current search (words and filters) lives in the FSM data, so buttons act on it and
typing new words keeps the filters. Every button value is checked before use.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.callback_answer import CallbackAnswer
from babel.dates import format_date
from babel.numbers import list_currencies
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters import HasText, PrivateChat, SharedPoint
from bot.i18n import Translator
from bot.replies import show
from handlers.menu import FindEntry
from handlers.search_views import (
    PAGE_SIZE,
    RADII_KM,
    SearchCallback,
    button,
    detail_screen,
    empty_screen,
    filter_choices,
    filters_screen,
    provider_screen,
    results_screen,
    start_screen,
)
from models import User, utcnow
from services import offers, reviews
from services.geo import GeoPoint, distance_km
from services.input_values import iso_day, row_id, whole_number
from services.locations import (
    LocationNotFound,
    recent_locations,
    remember_location,
    saved_location,
)
from services.offer_parser import CATEGORIES
from services.offers import OfferNotFound
from services.search import SORTS, SearchQuery, price_steps, search
from services.slots import next_free_slots, offers_with_rules

DATE_RANGE_DAYS = 60  # how far ahead a date filter may be


class SearchStates(StatesGroup):
    """The user is searching: typed text is words, a shared location is "near me"."""

    browsing = State()


# --- the search in the FSM data --------------------------------------------------------


def load_query(data: dict[str, Any], zone: ZoneInfo) -> SearchQuery | None:
    """The current search, or None when there is none (expired or never started)."""
    stored = data.get("search")
    if not isinstance(stored, dict):
        return None
    near = stored.get("near")
    return SearchQuery(
        text=str(stored.get("text") or ""),
        category=stored.get("category") or None,
        max_price_minor=stored.get("max_price_minor"),
        currency=stored.get("currency"),
        on_date=date.fromisoformat(stored["on_date"]) if stored.get("on_date") else None,
        timezone=zone.key,
        near=GeoPoint(near[0], near[1]) if near else None,
        radius_km=float(stored.get("radius_km") or 5),
        include_online=bool(stored.get("include_online")),
        sort=str(stored.get("sort") or "relevance"),
    )


async def save_query(state: FSMContext, query: SearchQuery, **extra: Any) -> None:
    """Keep `query` as the current search (and enter the searching state)."""
    await state.set_state(SearchStates.browsing)
    await state.update_data(
        search={
            "text": query.text,
            "category": query.category,
            "max_price_minor": query.max_price_minor,
            "currency": query.currency,
            "on_date": query.on_date.isoformat() if query.on_date else None,
            "near": [query.near.latitude, query.near.longitude] if query.near else None,
            "radius_km": query.radius_km,
            "include_online": query.include_online,
            "sort": query.sort,
        },
        **extra,
    )


def apply_choice(query: SearchQuery, choice: str, today: date) -> SearchQuery | None:
    """The search with one filter set from a button value ("name=value"); None when the
    value is not one a button offers (stale or forged)."""
    name, _sep, value = choice.partition("=")
    if name == "category" and (value in CATEGORIES or value == ""):
        return replace(query, category=value or None)
    if name == "price" and value == "":
        return replace(query, max_price_minor=None, currency=None)
    price = whole_number(value[:-3], 0, offers.PRICE_LIMIT_MINOR)
    if name == "price" and price is not None and value[-3:] in list_currencies():
        return replace(query, max_price_minor=price, currency=value[-3:])
    if name == "date" and value == "":
        return replace(query, on_date=None)
    if name == "date":
        day = iso_day(value)
        if day is not None and today <= day <= today + timedelta(days=DATE_RANGE_DAYS):
            return replace(query, on_date=day)
        return None
    if name == "radius" and whole_number(value, 1, max(RADII_KM)) in RADII_KM and query.near:
        return replace(query, radius_km=float(value))
    if name == "sort" and value in SORTS:
        return replace(query, sort=value)
    if name == "online" and value in ("0", "1") and query.near:
        return replace(query, include_online=value == "1")
    return None


def cleared(query: SearchQuery, name: str) -> SearchQuery | None:
    """The search without one of its filters; None for an unknown name."""
    changes: dict[str, dict[str, Any]] = {
        "text": {"text": ""},
        "category": {"category": None},
        "price": {"max_price_minor": None, "currency": None},
        "date": {"on_date": None},
    }
    return replace(query, **changes[name]) if name in changes else None


# --- screens ---------------------------------------------------------------------------------


async def results(
    session: AsyncSession, state: FSMContext, query: SearchQuery, offset: int, _: Translator
) -> tuple[str, Any]:
    """Run the search and build its screen (remembering a "did you mean" suggestion)."""
    now = utcnow()
    page = await search(session, query, now=now, offset=offset, limit=PAGE_SIZE)
    await save_query(state, query, suggestion=page.suggestion)
    if not page.hits:
        return empty_screen(query, page.suggestion, _)
    loaded = {o.id: o for o in await offers_with_rules(session, (h.offer_id for h in page.hits))}
    listed = [loaded[hit.offer_id] for hit in page.hits]
    slots = await next_free_slots(session, listed, now=now)
    found = [
        (hit, loaded[hit.offer_id], next(iter(slots[hit.offer_id]), None)) for hit in page.hits
    ]
    zone = ZoneInfo(query.timezone)
    return results_screen(query, found, offset=offset, has_more=page.has_more, zone=zone, _=_)


async def send_detail(
    bot: Bot,
    chat_id: int,
    session: AsyncSession,
    offer_id: int,
    *,
    near: GeoPoint | None,
    zone: ZoneInfo,
    _: Translator,
) -> bool:
    """Send an offer's photos and detail card to `chat_id`; False if it is not public."""
    try:
        offer = await offers.public_offer(session, offer_id)
    except OfferNotFound:
        await bot.send_message(chat_id, _("start.offer_unavailable"))
        return False
    photos = [photo.file_id for photo in offer.photos]
    if len(photos) == 1:
        await bot.send_photo(chat_id, photos[0])
    elif photos:
        await bot.send_media_group(chat_id, [InputMediaPhoto(media=p) for p in photos])
    slots = (await next_free_slots(session, [offer], now=utcnow(), count=5))[offer.id]
    distance = None
    if near and offer.latitude is not None and offer.longitude is not None:
        distance = distance_km(near, GeoPoint(offer.latitude, offer.longitude))
    text, markup = detail_screen(offer, slots, distance_km=distance, zone=zone, _=_)
    await bot.send_message(chat_id, text, reply_markup=markup)
    return True


async def send_provider(
    bot: Bot, chat_id: int, session: AsyncSession, provider_id: int, _: Translator
) -> None:
    """Send a provider's public page, or say politely that it is not available."""
    try:
        provider, items = await offers.public_provider(session, provider_id)
    except OfferNotFound:
        await bot.send_message(chat_id, _("search.provider_unavailable"))
        return
    recent = await reviews.recent_reviews(session, provider.id)
    text, markup = provider_screen(provider, items, recent, _)
    await bot.send_message(chat_id, text, reply_markup=markup)


# --- handlers ----------------------------------------------------------------------------------


async def on_find(message: Message, state: FSMContext, tz: ZoneInfo, _: Translator) -> None:
    """/find: a fresh search."""
    await state.clear()
    await save_query(state, SearchQuery(timezone=tz.key))
    text, markup = start_screen(_)
    await message.answer(text, reply_markup=markup)


async def on_find_menu(
    query: CallbackQuery, state: FSMContext, tz: ZoneInfo, _: Translator
) -> None:
    """Main menu → Find a service."""
    await state.clear()
    await save_query(state, SearchQuery(timezone=tz.key))
    text, markup = start_screen(_)
    await show(query, text, markup)


async def on_words(
    message: Message, state: FSMContext, session: AsyncSession, tz: ZoneInfo, _: Translator
) -> None:
    """Typed words while searching: new words, same filters."""
    current = load_query(await state.get_data(), tz) or SearchQuery(timezone=tz.key)
    query = replace(current, text=(message.text or "")[:200])
    text, markup = await results(session, state, query, 0, _)
    await message.answer(text, reply_markup=markup)


async def on_location(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    point: GeoPoint,
    _: Translator,
) -> None:
    """A shared location while searching (or outside any dialogue): search near it."""
    try:
        await remember_location(session, user, point)
    except LocationNotFound:
        await message.answer(_("search.bad_location"))
        return
    current = load_query(await state.get_data(), tz) or SearchQuery(timezone=tz.key)
    query = replace(current, near=point, sort="relevance")
    await message.answer(_("search.location_set"), reply_markup=ReplyKeyboardRemove())
    text, markup = await results(session, state, query, 0, _)
    await message.answer(text, reply_markup=markup)


MAX_OFFSET = 10_000  # result pages beyond this come from forged buttons


async def on_search_button(
    query: CallbackQuery,
    callback_data: SearchCallback,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """Every search button; values are checked, a stale search says so."""
    action, value = callback_data.action, callback_data.value
    data = await state.get_data()
    current = load_query(data, tz)
    bot = query.bot
    assert bot is not None
    if action == "book":
        if (offer_id := row_id(value)) is None:
            callback_answer.text = _.text("common.expired_button")
            return
        from handlers.booking import start_booking  # booking builds on search

        await start_booking(query, offer_id, state, session, user, tz, _, callback_answer)
        return
    if action in ("open", "provider"):
        await _on_item(
            bot, query.from_user.id, action, value, current, callback_answer, session, tz, _
        )
        return
    if action == "new":
        await save_query(state, SearchQuery(timezone=tz.key))
        await show(query, *start_screen(_))
        return
    if current is None:
        callback_answer.text = _.text("search.expired")
        callback_answer.show_alert = True
        return
    today = utcnow().astimezone(tz).date()
    if action == "near":
        await _ask_location(bot, query.from_user.id, session, user, _)
    elif action == "filters":
        await show(query, *filters_screen(current, _))
    elif action == "f" and value in ("category", "price", "date", "distance", "sort"):
        steps = await price_steps(session, current, now=utcnow()) if value == "price" else None
        await show(query, *filter_choices(value, current, today=today, price_steps=steps, _=_))
    else:
        changed, offset = await _changed(action, value, current, data, session, user, today)
        if changed is None:
            callback_answer.text = _.text("common.expired_button")
            return
        await show(query, *await results(session, state, changed, offset, _))


async def _on_item(
    bot: Bot,
    chat_id: int,
    action: str,
    value: str,
    current: SearchQuery | None,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """Details of an offer, or a provider's page."""
    item_id = row_id(value)
    if item_id is None:
        callback_answer.text = _.text("common.expired_button")
    elif action == "open":
        near = current.near if current else None
        await send_detail(bot, chat_id, session, item_id, near=near, zone=tz, _=_)
    else:
        await send_provider(bot, chat_id, session, item_id, _)


async def _changed(
    action: str,
    value: str,
    current: SearchQuery,
    data: dict[str, Any],
    session: AsyncSession,
    user: User,
    today: date,
) -> tuple[SearchQuery | None, int]:
    """The search a button asks for, and the result offset; None if the button is bad."""
    if action == "cat" and value in CATEGORIES:
        return replace(current, category=value), 0
    if action == "set":
        return apply_choice(current, value, today), 0
    if action == "clear":
        return cleared(current, value), 0
    if action == "suggested" and data.get("suggestion"):
        return replace(current, text=str(data["suggestion"])), 0
    if action == "loc" and (location_id := row_id(value)) is not None:
        try:
            return replace(current, near=await saved_location(session, user, location_id)), 0
        except LocationNotFound:
            return None, 0
    if action == "page" and (offset := whole_number(value, 0, MAX_OFFSET)) is not None:
        return current, offset
    return None, 0


async def _ask_location(
    bot: Bot, chat_id: int, session: AsyncSession, user: User, _: Translator
) -> None:
    """Ask for a location with Telegram's button; offer the recent ones as buttons too."""
    keyboard = ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=_.text("search.send_location"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    await bot.send_message(chat_id, _("search.ask_location"), reply_markup=keyboard)
    recent = await recent_locations(session, user)
    if recent:
        rows = [
            [
                button(
                    _.text(
                        "search.recent_location",
                        when=format_date(location.created_at, "d MMM", locale=_.locale),
                        latitude=f"{location.latitude:.3f}",
                        longitude=f"{location.longitude:.3f}",
                    ),
                    "loc",
                    str(location.id),
                )
            ]
            for location in recent
        ]
        await bot.send_message(
            chat_id,
            _("search.recent_locations"),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
        )


def build_router() -> Router:
    """Search in private chats."""
    router = Router(name="search")
    router.message.filter(PrivateChat())
    router.callback_query.filter(PrivateChat())
    router.message.register(on_find, Command("find"))
    router.callback_query.register(on_find_menu, FindEntry.filter())
    searching = StateFilter(SearchStates.browsing)
    router.message.register(on_location, StateFilter(SearchStates.browsing, None), SharedPoint())
    router.message.register(on_words, searching, HasText())
    router.callback_query.register(on_search_button, SearchCallback.filter())
    return router
