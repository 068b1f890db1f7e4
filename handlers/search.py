"""Finding a service: words, a category or "near me"; results, filters, details.

The current search (words and filters) lives in the FSM data, so buttons act on it and
typing new words keeps the filters. Each button is one typed callback, checked when it
is unpacked; the ids it carries are looked up by the services.
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
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.filters import HasText, PrivateChat, SharedPoint
from bot.i18n import Translator
from bot.replies import send_pin, show
from handlers.community_views import offer_here_button
from handlers.menu_views import FindEntry
from handlers.packages_views import buy_rows
from handlers.search_views import (
    PAGE_SIZE,
    BookOffer,
    ClearFilter,
    FilterChoices,
    NearMe,
    NewSearch,
    OfferDetail,
    ProviderPage,
    ResultsPage,
    SearchCategory,
    SetCategory,
    SetDate,
    SetOnline,
    SetPrice,
    SetRadius,
    SetSort,
    ShowFilters,
    UseSavedPlace,
    UseSuggestion,
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
from services import communities, community_stats, offers, packages, reviews
from services.geo import GeoPoint, distance_km
from services.input_values import ROW_ID_MAX
from services.locations import recent_locations, remember_location, saved_location
from services.map_pins import map_pin
from services.search import SearchQuery, price_steps, search
from services.search_query import SearchExpired
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
        community_id=_row_id(stored.get("community_id")),
        community_name=str(stored.get("community_name") or "")[:64],
    )


def _row_id(value: object) -> int | None:
    """A row id kept in FSM data, if it is one."""
    return value if isinstance(value, int) and 1 <= value <= ROW_ID_MAX else None


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
            "community_id": query.community_id,
            "community_name": query.community_name,
        },
        **extra,
    )


async def current_search(state: FSMContext, tz: ZoneInfo) -> SearchQuery:
    """The search a button refines; SearchExpired when there is none any more."""
    current = load_query(await state.get_data(), tz)
    if current is None:
        raise SearchExpired()
    return current


async def show_results(
    query: CallbackQuery,
    state: FSMContext,
    session: AsyncSession,
    search_query: SearchQuery,
    _: Translator,
    offset: int = 0,
) -> None:
    """Replace the pressed message with the results of `search_query`."""
    await show(query, *await results(session, state, search_query, offset, _))


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
    sell_packages: bool = False,
) -> bool:
    """Send an offer's photos, its place as a map pin (when it has one) and its detail
    card to `chat_id` (with its packages to buy when payments are set up:
    `sell_packages`); False if it is not public."""
    offer = await offers.find_public_offer(session, offer_id)
    if offer is None:
        await bot.send_message(chat_id, _("start.offer_unavailable"))
        return False
    photos = [photo.file_id for photo in offer.photos]
    if len(photos) == 1:
        await bot.send_photo(chat_id, photos[0])
    elif photos:
        await bot.send_media_group(chat_id, [InputMediaPhoto(media=p) for p in photos])
    pin = map_pin(offer)
    if pin is not None:
        await send_pin(bot, chat_id, pin)
    slots = (await next_free_slots(session, [offer], now=utcnow(), count=5))[offer.id]
    distance = None
    if near and offer.latitude is not None and offer.longitude is not None:
        distance = distance_km(near, GeoPoint(offer.latitude, offer.longitude))
    text, markup = detail_screen(offer, slots, distance_km=distance, zone=zone, _=_)
    if sell_packages:
        on_sale = await packages.for_sale(session, offer.id)
        markup.inline_keyboard[:0] = buy_rows(offer, on_sale, _)
    await bot.send_message(chat_id, text, reply_markup=markup)
    return True


async def send_provider(
    bot: Bot, chat_id: int, session: AsyncSession, provider_id: int, _: Translator
) -> None:
    """Send a provider's public page, or say politely that it is not available."""
    found = await offers.find_public_provider(session, provider_id)
    if found is None:
        await bot.send_message(chat_id, _("search.provider_unavailable"))
        return
    provider, items = found
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


async def open_catalogue(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    slug: str,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """`t.me/<bot>?start=c_<slug>`: the search, limited to a community's listed offers."""
    community = await communities.catalogue(session, slug)
    await community_stats.count_open(session, community, utcnow())
    query = SearchQuery(timezone=tz.key, community_id=community.id, community_name=community.name)
    text, markup = await results(session, state, query, 0, _)
    await message.answer(text, reply_markup=markup)
    if await offers.has_published_offers(session, user):  # a provider: list yours here
        await message.answer(
            _("community.offer_here_hint", name=community.name),
            reply_markup=offer_here_button(community, _),
        )


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
    await remember_location(session, user, point)
    current = load_query(await state.get_data(), tz) or SearchQuery(timezone=tz.key)
    query = replace(current, near=point, sort="relevance")
    await message.answer(_("search.location_set"), reply_markup=ReplyKeyboardRemove())
    text, markup = await results(session, state, query, 0, _)
    await message.answer(text, reply_markup=markup)


async def on_book(
    query: CallbackQuery,
    callback_data: BookOffer,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    settings: Settings,
    _: Translator,
) -> None:
    """Book: the offer's calendar."""
    from handlers.booking import start_booking  # booking builds on search

    await start_booking(
        query, callback_data.offer_id, state, session, user, tz, _, limits=settings.booking_limits
    )


async def on_detail(
    query: CallbackQuery,
    callback_data: OfferDetail,
    bot: Bot,
    state: FSMContext,
    session: AsyncSession,
    tz: ZoneInfo,
    settings: Settings,
    _: Translator,
) -> None:
    """An offer's detail card (with its distance from the search's location, if any)."""
    current = load_query(await state.get_data(), tz)
    near = current.near if current else None
    chat_id = query.from_user.id
    await send_detail(
        bot,
        chat_id,
        session,
        callback_data.offer_id,
        near=near,
        zone=tz,
        _=_,
        sell_packages=settings.payments_enabled,
    )


async def on_provider(
    query: CallbackQuery,
    callback_data: ProviderPage,
    bot: Bot,
    session: AsyncSession,
    _: Translator,
) -> None:
    """A provider's public page."""
    await send_provider(bot, query.from_user.id, session, callback_data.provider_id, _)


async def on_new(query: CallbackQuery, state: FSMContext, tz: ZoneInfo, _: Translator) -> None:
    """Start over."""
    await save_query(state, SearchQuery(timezone=tz.key))
    await show(query, *start_screen(_))


async def on_near_me(
    query: CallbackQuery,
    bot: Bot,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """Ask for a location to search near."""
    await current_search(state, tz)
    await _ask_location(bot, query.from_user.id, session, user, _)


async def on_filters(query: CallbackQuery, state: FSMContext, tz: ZoneInfo, _: Translator) -> None:
    """The filter panel."""
    await show(query, *filters_screen(await current_search(state, tz), _))


async def on_filter_choices(
    query: CallbackQuery,
    callback_data: FilterChoices,
    state: FSMContext,
    session: AsyncSession,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """The choices of one filter (price steps from the offers the search finds)."""
    current = await current_search(state, tz)
    name = callback_data.name
    steps = await price_steps(session, current, now=utcnow()) if name == "price" else None
    today = utcnow().astimezone(tz).date()
    await show(query, *filter_choices(name, current, today=today, price_steps=steps, _=_))


async def on_category(
    query: CallbackQuery,
    callback_data: SearchCategory | SetCategory,
    state: FSMContext,
    session: AsyncSession,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """Search one category (or any)."""
    current = await current_search(state, tz)
    changed = replace(current, category=callback_data.category)
    await show_results(query, state, session, changed, _)


async def on_price(
    query: CallbackQuery,
    callback_data: SetPrice,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    session: AsyncSession,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """At most a price (in one currency), or any price."""
    current = await current_search(state, tz)
    price, currency = callback_data.max_minor, callback_data.currency
    if (price is None) != (currency is None):
        callback_answer.text = _.text("common.expired_button")
        return
    changed = replace(current, max_price_minor=price, currency=currency)
    await show_results(query, state, session, changed, _)


async def on_date(
    query: CallbackQuery,
    callback_data: SetDate,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    session: AsyncSession,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """Free on a day (today and the next DATE_RANGE_DAYS), or any day."""
    current = await current_search(state, tz)
    day, today = callback_data.day, utcnow().astimezone(tz).date()
    if day is not None and not today <= day <= today + timedelta(days=DATE_RANGE_DAYS):
        callback_answer.text = _.text("common.expired_button")
        return
    await show_results(query, state, session, replace(current, on_date=day), _)


async def _near_search(
    state: FSMContext, tz: ZoneInfo, callback_answer: CallbackAnswer, _: Translator
) -> SearchQuery | None:
    """The current search if it is near a location (its radius and online options apply
    only then); None, with the old-button answer, otherwise."""
    current = await current_search(state, tz)
    if current.near is None:
        callback_answer.text = _.text("common.expired_button")
        return None
    return current


async def on_radius(
    query: CallbackQuery,
    callback_data: SetRadius,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    session: AsyncSession,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """How far from the location (a search near one only)."""
    current = await _near_search(state, tz, callback_answer, _)
    if current is None:
        return
    changed = replace(current, radius_km=float(callback_data.km))
    await show_results(query, state, session, changed, _)


async def on_online(
    query: CallbackQuery,
    callback_data: SetOnline,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    session: AsyncSession,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """Include online offers, or not (a search near a location only)."""
    current = await _near_search(state, tz, callback_answer, _)
    if current is None:
        return
    changed = replace(current, include_online=callback_data.included)
    await show_results(query, state, session, changed, _)


async def on_sort(
    query: CallbackQuery,
    callback_data: SetSort,
    state: FSMContext,
    session: AsyncSession,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """The order of the results."""
    current = await current_search(state, tz)
    await show_results(query, state, session, replace(current, sort=callback_data.sort), _)


CLEARED: dict[str, dict[str, Any]] = {
    "text": {"text": ""},
    "category": {"category": None},
    "price": {"max_price_minor": None, "currency": None},
    "date": {"on_date": None},
}


async def on_clear(
    query: CallbackQuery,
    callback_data: ClearFilter,
    state: FSMContext,
    session: AsyncSession,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """Drop the words or one filter."""
    current = await current_search(state, tz)
    changed = replace(current, **CLEARED[callback_data.name])
    await show_results(query, state, session, changed, _)


async def on_suggestion(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    session: AsyncSession,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """Search the "did you mean" words."""
    current = await current_search(state, tz)
    suggestion = (await state.get_data()).get("suggestion")
    if not suggestion:
        callback_answer.text = _.text("common.expired_button")
        return
    await show_results(query, state, session, replace(current, text=str(suggestion)), _)


async def on_saved_place(
    query: CallbackQuery,
    callback_data: UseSavedPlace,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """Search near one of the user's recent locations (nobody else's)."""
    current = await current_search(state, tz)
    point = await saved_location(session, user, callback_data.location_id)
    if point is None:
        callback_answer.text = _.text("common.expired_button")
        return
    await show_results(query, state, session, replace(current, near=point), _)


async def on_page(
    query: CallbackQuery,
    callback_data: ResultsPage,
    state: FSMContext,
    session: AsyncSession,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """Another page of the results."""
    current = await current_search(state, tz)
    await show_results(query, state, session, current, _, callback_data.offset)


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
                    UseSavedPlace(location_id=location.id),
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
    on_press = router.callback_query.register
    on_press(on_book, BookOffer.filter())
    on_press(on_detail, OfferDetail.filter())
    on_press(on_provider, ProviderPage.filter())
    on_press(on_new, NewSearch.filter())
    on_press(on_near_me, NearMe.filter())
    on_press(on_filters, ShowFilters.filter())
    on_press(on_filter_choices, FilterChoices.filter())
    on_press(on_category, SearchCategory.filter())
    on_press(on_category, SetCategory.filter())
    on_press(on_price, SetPrice.filter())
    on_press(on_date, SetDate.filter())
    on_press(on_radius, SetRadius.filter())
    on_press(on_online, SetOnline.filter())
    on_press(on_sort, SetSort.filter())
    on_press(on_clear, ClearFilter.filter())
    on_press(on_suggestion, UseSuggestion.filter())
    on_press(on_saved_place, UseSavedPlace.filter())
    on_press(on_page, ResultsPage.filter())
    return router
