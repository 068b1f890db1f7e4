"""Creating an offer: one free-form message, or step by step; then preview and publish.

Both paths share one question engine. Free-form asks only what the parser could not
read; step by step asks every field in order. Every question has Back (to the previous
answer) and Cancel, and a wrong answer is explained and asked again. Nothing is saved
before Publish.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from aiogram import Router
from aiogram.filters import Command, Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.filters import PrivateChat, shared_point
from bot.i18n import Translator
from bot.replies import show
from handlers.menu_views import OfferEntry
from handlers.my_offers_views import button, render_manage
from handlers.offer_draft_views import (
    CAPACITY_PRESETS,
    DRAFT_PREFIXES,
    DURATION_PRESETS,
    GUIDED_ORDER,
    Back,
    Choose,
    Discard,
    EditField,
    FieldMenu,
    Publish,
    ShowPreview,
    StepByStep,
    describe_keyboard,
    published_keyboard,
    render_field_menu,
    render_preview,
    render_question,
)
from handlers.timezone_picker import read_zone
from models import Offer, User
from services import offers
from services.deeplinks import OfferLink, start_link
from services.input_values import whole_number
from services.offer_parser import CATEGORIES, OfferDraft, parse_offer
from services.offers import BadAnswer, InvalidOffer, OfferData, OfferNotFound, StaleChoice
from services.providers import default_place
from services.timezones import is_timezone


class DraftStates(StatesGroup):
    """Where the offer dialogue is."""

    describe = State()  # waiting for the one-message description
    answering = State()  # one question is open
    preview = State()  # the preview card is shown


class DraftButton(Filter):
    """Passes any button of this dialogue (for the answer to one pressed out of it)."""

    async def __call__(self, query: CallbackQuery) -> bool:
        return (query.data or "").split(":")[0] in DRAFT_PREFIXES


# --- the draft in FSM data -------------------------------------------------------------


def load_draft(data: dict[str, Any]) -> OfferDraft:
    """The draft kept in FSM data (JSON: tuples come back as lists)."""
    raw = dict(data.get("draft") or {})
    if raw.get("weekly"):
        raw["weekly"] = [tuple(item) for item in raw["weekly"]]
    return OfferDraft(**raw)


def _next_field(data: dict[str, Any], draft: OfferDraft) -> str | None:
    if data.get("mode") == "guided":
        answered = data.get("history") or []
        name = next((name for name in GUIDED_ORDER if name not in answered), None)
    else:
        missing = draft.missing()
        name = missing[0] if missing else None
    # A first offer of someone who never chose a zone: its hours must not silently be UTC.
    return "timezone" if name is None and draft.timezone is None else name


# The draft attributes each question fills in.
FIELD_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "category": ("category",),
    "duration": ("duration_min",),
    "price": ("price_minor", "currency"),
    "hours": ("weekly",),
    "capacity": ("capacity",),
    "place": ("place_kind", "area"),
    "timezone": ("timezone",),
}


def _clear(draft: OfferDraft, name: str) -> None:
    for attribute in FIELD_ATTRIBUTES[name]:
        setattr(draft, attribute, None)


# --- reading one answer ---------------------------------------------------------------


def read_answer(name: str, text: str, draft: OfferDraft) -> None:
    """Put a typed answer to question `name` into `draft`, or raise BadAnswer."""
    text = text.strip()
    if name == "title":
        _refuse(offers.title_problem(text))
        draft.title = text
    elif name == "duration":
        minutes = whole_number(text, 0, 10**6)
        if minutes is None:
            minutes = parse_offer(text).duration_min
        if minutes is None:
            raise BadAnswer("offer.error.duration_format")
        _refuse(offers.duration_problem(minutes))
        draft.duration_min = minutes
    elif name == "price":
        if re.search(r"(?:^|\s)-\s*\d", text):  # "- 5 EUR" typed as the answer: negative
            _refuse("price.negative")
        if re.fullmatch(r"\d+(?:[.,]\d{1,2})?", text):
            raise BadAnswer("offer.error.currency")  # a bare number: which money?
        parsed = parse_offer(text)
        if parsed.price_minor is None:
            raise BadAnswer("offer.error.price")
        if parsed.currency is None:
            raise BadAnswer("offer.error.currency")
        _refuse(offers.price_problem(parsed.price_minor, parsed.currency))
        draft.price_minor, draft.currency = parsed.price_minor, parsed.currency
    elif name == "hours":
        parsed = parse_offer(text)
        if "hours.end_before_start" in parsed.problems:
            raise BadAnswer("offer.error.hours_order")
        if not parsed.weekly:
            raise BadAnswer("offer.error.hours")
        draft.weekly = parsed.weekly
    elif name == "capacity":
        capacity = whole_number(text, 0, 10**6)
        _refuse("capacity.range" if capacity is None else offers.capacity_problem(capacity))
        draft.capacity = capacity
    elif name == "place":
        _refuse(offers.area_problem(text))
        draft.place_kind, draft.area = "area", text
    else:  # category: buttons only
        raise BadAnswer("offer.error.use_buttons")


def _refuse(problem: str | None) -> None:
    """BadAnswer with the offer rules' own reason, when there is one."""
    if problem is not None:
        raise BadAnswer(f"offer.invalid.{problem}")


def read_choice(name: str, value: str, draft: OfferDraft) -> None:
    """Put a button choice into `draft`; BadAnswer for values no button offers (forged)."""
    if name == "category" and value in CATEGORIES:
        draft.category = value
    elif name == "duration" and whole_number(value, 1, 10**4) in DURATION_PRESETS:
        draft.duration_min = int(value)
    elif name == "capacity" and whole_number(value, 1, 10**4) in CAPACITY_PRESETS:
        draft.capacity = int(value)
    elif name == "timezone" and is_timezone(value):
        draft.timezone = value
    elif name == "place" and value in ("customer", "online"):
        draft.place_kind, draft.area = value, None
    elif name == "place" and value == "area":
        raise BadAnswer("offer.ask.area")
    else:
        raise StaleChoice()


# --- screens --------------------------------------------------------------------------


# --- moving through the dialogue ----------------------------------------------------------


async def _advance(
    state: FSMContext, draft: OfferDraft, _: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    """Store the draft and return the next screen: a question, or the preview."""
    data = await state.get_data()
    draft.timezone = draft.timezone or data.get("zone")
    data["draft"] = asdict(draft)
    name = None if data.get("editing") else _next_field(data, draft)
    data["editing"] = False
    if name is None:
        await state.set_state(DraftStates.preview)
        data["asking"] = None
        await state.set_data(data)
        return render_preview(draft, _)
    data["asking"] = name
    await state.set_state(DraftStates.answering)
    await state.set_data(data)
    return render_question(name, bool(data.get("history")), _)


def _answered(data: dict[str, Any], name: str) -> None:
    history = list(data.get("history") or [])
    if name not in history:
        history.append(name)
    data["history"] = history


async def on_offer_start(
    message: Message, state: FSMContext, session: AsyncSession, user: User, _: Translator
) -> None:
    """/offer: ask for the one-message description (or step by step)."""
    await _begin(state, session, user)
    await message.answer(_("offer.describe"), reply_markup=describe_keyboard(_))


async def _begin(state: FSMContext, session: AsyncSession, user: User) -> None:
    """A new draft, knowing the zone its hours will be in (None: it will be asked)."""
    await state.set_state(DraftStates.describe)
    await state.set_data({"mode": "free", "zone": await offers.hours_timezone(session, user)})


async def on_offer_menu(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, user: User, _: Translator
) -> None:
    """Main menu → Offer a service."""
    await _begin(state, session, user)
    await show(query, _("offer.describe"), describe_keyboard(_))


async def on_description(
    message: Message, state: FSMContext, session: AsyncSession, user: User, _: Translator
) -> None:
    """The one-message description (typed, pasted or forwarded).

    A place the message does not name is taken from the provider's profile, if set.
    """
    text = message.text or message.caption or ""
    draft = parse_offer(text)
    if draft.place_kind is None:
        kind, area, latitude, longitude = default_place(await offers.provider_of(session, user))
        if kind:
            draft.place_kind, draft.area = kind, area
            if latitude is not None:
                await state.update_data(location=[latitude, longitude])
    refused = offers.screen_draft(draft)  # asked again below, with the reason
    notes = [_(f"offer.problem.{p}") for p in dict.fromkeys(draft.problems)]
    notes += [_(f"offer.invalid.{key}") for key in refused]
    screen, markup = await _advance(state, draft, _)
    if notes:
        await message.answer("\n".join(notes))
    await message.answer(screen, reply_markup=markup)


async def on_guided(query: CallbackQuery, state: FSMContext, _: Translator) -> None:
    """Step by step: every field in order."""
    await state.update_data(mode="guided", history=[])
    screen, markup = await _advance(state, OfferDraft(), _)
    await show(query, screen, markup)


async def on_typed_answer(
    message: Message, state: FSMContext, session: AsyncSession, user: User, _: Translator
) -> None:
    """A typed answer to the open question (or a shared location for the place)."""
    data = await state.get_data()
    name = str(data.get("asking"))
    draft = load_draft(data)
    point = shared_point(message)
    if name == "timezone":
        zone = await read_zone(message, lambda zone: button(zone, Choose(value=zone)), _, point)
        if zone is None:
            return
        draft.timezone = zone
    elif point is not None and name == "place":
        draft.place_kind, draft.area = "location", None
        data["location"] = [point.latitude, point.longitude]
    else:
        read_answer(name, message.text or "", draft)
    screen, markup = await _after_answer(state, data, name, draft, session, user, _)
    await message.answer(screen, reply_markup=markup)


async def on_choice(
    query: CallbackQuery,
    callback_data: Choose,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """A button answering the open question."""
    data = await state.get_data()
    name = str(data.get("asking"))
    draft = load_draft(data)
    read_choice(name, callback_data.value, draft)
    screen, markup = await _after_answer(state, data, name, draft, session, user, _)
    await show(query, screen, markup)


# The fields of a stored offer that this dialogue also edits.
DRAFT_FIELDS = (
    "title",
    "category",
    "duration_min",
    "price_minor",
    "currency",
    "weekly",
    "capacity",
    "place_kind",
    "area",
)


async def ask_offer_field(
    state: FSMContext, offer: Offer, name: str, _: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    """Edit one field of a stored offer with this dialogue's question; the answer is saved
    to the offer (see `_after_answer`). The dialogue's state is this module's own."""
    data = offers.offer_data(offer)
    draft = OfferDraft(**{field: getattr(data, field) for field in DRAFT_FIELDS})
    await state.set_state(DraftStates.answering)
    await state.set_data(
        {"draft": asdict(draft), "asking": name, "editing": True, "offer_id": offer.id}
    )
    return render_question(name, False, _)


async def _after_answer(
    state: FSMContext,
    data: dict[str, Any],
    name: str,
    draft: OfferDraft,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> tuple[str, InlineKeyboardMarkup]:
    """Record a good answer; the next screen of the dialogue, or of the edited offer."""
    offer_id = data.get("offer_id")
    if offer_id is None:
        _answered(data, name)
        await state.set_data(data)
        return await _advance(state, draft, _)
    changes: dict[str, object] = {key: getattr(draft, key) for key in FIELD_ATTRIBUTES[name]}
    if name == "place":
        location = data.get("location") or [None, None]
        changes.update(latitude=location[0], longitude=location[1])
    offer = await offers.update_offer(session, user, int(offer_id), **changes)
    await state.clear()
    text, markup = render_manage(offer, _)
    return _("offers.saved") + "\n\n" + text, markup


async def on_back(query: CallbackQuery, state: FSMContext, _: Translator) -> None:
    """Back: forget the last answer and ask it again."""
    data = await state.get_data()
    history = list(data.get("history") or [])
    draft = load_draft(data)
    if history:
        _clear(draft, history.pop())
    data["history"] = history
    await state.set_data(data)
    screen, markup = await _advance(state, draft, _)
    await show(query, screen, markup)


async def on_cancel(query: CallbackQuery, state: FSMContext, _: Translator) -> None:
    """Cancel or Discard: nothing is kept."""
    await state.clear()
    await show(query, _("offer.discarded"))


async def on_fields(query: CallbackQuery, _: Translator) -> None:
    """Edit field: which one?"""
    await show(query, _("offer.which_field"), render_field_menu(_))


async def on_preview(query: CallbackQuery, state: FSMContext, _: Translator) -> None:
    """Back to the preview from the field menu."""
    draft = load_draft(await state.get_data())
    screen, markup = render_preview(draft, _)
    await show(query, screen, markup)


async def on_edit_field(
    query: CallbackQuery,
    callback_data: EditField,
    state: FSMContext,
    _: Translator,
) -> None:
    """Ask one field again, then come back to the preview."""
    data = await state.get_data()
    data.update(asking=callback_data.field, editing=True)
    await state.set_data(data)
    await state.set_state(DraftStates.answering)
    screen, markup = render_question(callback_data.field, False, _)
    await show(query, screen, markup)


def draft_to_data(draft: OfferDraft, location: list[float] | None) -> OfferData:
    """The offer to publish from a complete draft (capacity 1 unless stated)."""
    if (
        draft.title is None
        or draft.category is None
        or not draft.weekly
        or draft.place_kind is None
        or draft.duration_min is None
        or draft.price_minor is None
        or draft.currency is None
    ):
        raise InvalidOffer("draft.incomplete")
    return OfferData(
        title=draft.title,
        category=draft.category,
        duration_min=draft.duration_min,
        price_minor=draft.price_minor,
        currency=draft.currency,
        weekly=list(draft.weekly),
        capacity=draft.capacity or 1,
        place_kind=draft.place_kind,
        area=draft.area,
        latitude=location[0] if location else None,
        longitude=location[1] if location else None,
    )


async def on_publish(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    _: Translator,
) -> None:
    """Publish the draft: the offer goes live and the provider gets its share link."""
    data = await state.get_data()
    draft = load_draft(data)
    if draft.missing():
        screen, markup = await _advance(state, draft, _)
        await show(query, screen, markup)
        return
    offer = await offers.create_offer(
        session,
        user,
        draft_to_data(draft, data.get("location")),
        default_timezone=draft.timezone or settings.default_timezone,
    )
    await state.clear()
    me = await query.bot.me() if query.bot else None
    link = start_link(me.username or "", OfferLink(offer.id)) if me else ""
    await show(query, _("offer.published", link=link), published_keyboard(offer.id, _))


async def on_state_lost(
    query: CallbackQuery, callback_answer: CallbackAnswer, _: Translator
) -> None:
    """A dialogue button pressed after the dialogue ended (or forged)."""
    callback_answer.text = _.text("common.expired_button")


__all__ = ["DraftStates", "OfferNotFound", "build_router"]


def build_router() -> Router:
    """The offer-creation dialogue, in private chats."""
    router = Router(name="offer_draft")
    router.message.filter(PrivateChat())
    router.callback_query.filter(PrivateChat())
    router.message.register(on_offer_start, Command("offer"))
    router.callback_query.register(on_offer_menu, OfferEntry.filter())
    in_dialogue = StateFilter(DraftStates.describe, DraftStates.answering, DraftStates.preview)
    router.callback_query.register(on_cancel, in_dialogue, Discard.filter())
    router.callback_query.register(
        on_guided, StateFilter(DraftStates.describe), StepByStep.filter()
    )
    router.message.register(on_description, StateFilter(DraftStates.describe))
    answering = StateFilter(DraftStates.answering)
    router.message.register(on_typed_answer, answering)
    router.callback_query.register(on_choice, answering, Choose.filter())
    router.callback_query.register(on_back, answering, Back.filter())
    previewing = StateFilter(DraftStates.preview)
    router.callback_query.register(on_publish, previewing, Publish.filter())
    router.callback_query.register(on_fields, previewing, FieldMenu.filter())
    router.callback_query.register(on_preview, previewing, ShowPreview.filter())
    router.callback_query.register(on_edit_field, previewing, EditField.filter())
    router.callback_query.register(on_state_lost, DraftButton())
    return router
