"""An offer's booking rules: buffer, notice, horizon, confirmation, and date exceptions."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from babel.dates import parse_date
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.filters import PrivateChat
from bot.i18n import Translator
from bot.replies import show
from handlers.my_offers_views import (
    AskDate,
    AskRule,
    ClearDates,
    OfferRules,
    SetRule,
    ToggleApproval,
)
from handlers.offer_rules_views import PRESETS, presets_keyboard, render_rules
from models import Offer, User
from services import offers
from services.offer_parser import parse_offer


class RuleStates(StatesGroup):
    """Waiting for a date (day off) or a date and hours (extra hours)."""

    exception = State()


def _today(offer: Offer) -> date:
    return datetime.now(ZoneInfo(offer.provider.timezone)).date()


async def on_rules(
    query: CallbackQuery,
    callback_data: OfferRules,
    session: AsyncSession,
    user: User,
    settings: Settings,
    _: Translator,
) -> None:
    """The offer's rules and special dates."""
    offer = await offers.owned_offer(session, user, callback_data.offer_id)
    await show(query, *render_rules(offer, _today(offer), _, payments=settings.payments_enabled))


async def on_ask_rule(
    query: CallbackQuery, callback_data: AskRule, session: AsyncSession, user: User, _: Translator
) -> None:
    """One rule's preset choices."""
    offer = await offers.owned_offer(session, user, callback_data.offer_id)
    name = callback_data.name
    await show(query, _(f"rules.ask.{name}"), presets_keyboard(offer, name, _))


async def on_set_rule(
    query: CallbackQuery,
    callback_data: SetRule,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    user: User,
    settings: Settings,
    _: Translator,
) -> None:
    """A preset chosen (only the presets shown are accepted)."""
    name, value = callback_data.name, callback_data.value
    if value not in PRESETS[name]:
        callback_answer.text = _.text("common.expired_button")
        return
    offer = await offers.update_offer(session, user, callback_data.offer_id, **{name: value})
    await show(query, *render_rules(offer, _today(offer), _, payments=settings.payments_enabled))


async def on_toggle_approval(
    query: CallbackQuery,
    callback_data: ToggleApproval,
    session: AsyncSession,
    user: User,
    settings: Settings,
    _: Translator,
) -> None:
    """Instant confirmation ↔ approval of each request."""
    offer = await offers.owned_offer(session, user, callback_data.offer_id)
    offer = await offers.update_offer(
        session, user, offer.id, requires_approval=not offer.requires_approval
    )
    await show(query, *render_rules(offer, _today(offer), _, payments=settings.payments_enabled))


async def on_clear_dates(
    query: CallbackQuery,
    callback_data: ClearDates,
    session: AsyncSession,
    user: User,
    settings: Settings,
    _: Translator,
) -> None:
    """Forget the special dates."""
    offer = await offers.clear_exceptions(session, user, callback_data.offer_id)
    await show(query, *render_rules(offer, _today(offer), _, payments=settings.payments_enabled))


async def on_ask_date(
    query: CallbackQuery,
    callback_data: AskDate,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """A day off or extra hours: ask for the date (and hours)."""
    offer = await offers.owned_offer(session, user, callback_data.offer_id)
    await state.set_state(RuleStates.exception)
    await state.set_data({"offer_id": offer.id, "kind": callback_data.kind})
    await show(query, _(f"rules.ask.{callback_data.kind}"))


async def on_exception_text(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    _: Translator,
) -> None:
    """A date (day off) or a date with hours (extra hours)."""
    data = await state.get_data()
    text = (message.text or "").strip()
    day_text, _sep, rest = text.partition(" ")
    try:
        day = parse_date(day_text, locale=_.locale)
    except (ValueError, IndexError):
        await message.answer(_("rules.error.date"))
        return
    start = end = None
    if data.get("kind") == "extra":
        hours = parse_offer(f"mon {rest}").weekly
        if not hours:
            await message.answer(_("rules.error.hours"))
            return
        start, end = hours[0][1], hours[0][2]
    offer = await offers.add_exception(
        session,
        user,
        int(data["offer_id"]),
        day=day,
        closed=data.get("kind") == "dayoff",
        start_min=start,
        end_min=end,
    )
    await state.clear()
    screen, markup = render_rules(offer, _today(offer), _, payments=settings.payments_enabled)
    await message.answer(screen, reply_markup=markup)


def build_router() -> Router:
    """The rules screens, in private chats."""
    router = Router(name="offer_rules")
    router.message.filter(PrivateChat())
    router.callback_query.filter(PrivateChat())
    router.callback_query.register(on_rules, OfferRules.filter())
    router.callback_query.register(on_ask_rule, AskRule.filter())
    router.callback_query.register(on_set_rule, SetRule.filter())
    router.callback_query.register(on_toggle_approval, ToggleApproval.filter())
    router.callback_query.register(on_clear_dates, ClearDates.filter())
    router.callback_query.register(on_ask_date, AskDate.filter())
    router.message.register(on_exception_text, StateFilter(RuleStates.exception))
    return router
