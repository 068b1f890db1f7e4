"""An offer's booking rules: buffer, notice, horizon, confirmation, and date exceptions."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from babel.dates import format_date, parse_date
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters import PrivateChat
from bot.i18n import Translator
from bot.replies import show
from handlers.my_offers import MyOfferCallback, offer_button
from handlers.offer_cards import format_duration
from models import Offer, User
from services import offers
from services.input_values import whole_number
from services.offer_parser import parse_offer

PRESETS: dict[str, tuple[int, ...]] = {
    "buffer_min": (0, 10, 15, 30, 60),
    "min_notice_min": (0, 60, 120, 720, 1440),
    "max_advance_days": (7, 14, 30, 60, 90),
    "free_cancel_hours": (0, 2, 12, 24, 48),
}
RULE_ACTIONS = frozenset({"rules", "rule", "setrule", "approval", "dayoff", "extra", "cleardates"})


class RuleStates(StatesGroup):
    """Waiting for a date (day off) or a date and hours (extra hours)."""

    exception = State()


def _minutes(value: int, _: Translator) -> str:
    return _.text("rules.none") if value == 0 else format_duration(value, _)


def _cancel_window(hours: int, _: Translator) -> str:
    return (
        _.text("rules.cancel_any_time") if hours == 0 else _.text("rules.cancel_until", hours=hours)
    )


def render_rules(offer: Offer, today: date, _: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """The rules of one offer with a button for each."""
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
    rows = [
        [
            offer_button(_.text("rules.buffer"), "rule", offer.id, "buffer_min"),
            offer_button(_.text("rules.notice"), "rule", offer.id, "min_notice_min"),
        ],
        [
            offer_button(_.text("rules.horizon"), "rule", offer.id, "max_advance_days"),
            offer_button(_.text("rules.toggle_confirmation"), "approval", offer.id),
        ],
        [offer_button(_.text("rules.cancel"), "rule", offer.id, "free_cancel_hours")],
        [
            offer_button(_.text("rules.add_day_off"), "dayoff", offer.id),
            offer_button(_.text("rules.add_extra"), "extra", offer.id),
        ],
        [
            offer_button(_.text("rules.clear_dates"), "cleardates", offer.id),
            offer_button(_.text("common.back"), "open", offer.id),
        ],
    ]
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def _presets(offer: Offer, name: str, _: Translator) -> InlineKeyboardMarkup:
    if name == "max_advance_days":
        labels = [_.text("rules.days", days=v) for v in PRESETS[name]]
    elif name == "free_cancel_hours":
        labels = [_cancel_window(v, _) for v in PRESETS[name]]
    else:
        labels = [_minutes(v, _) for v in PRESETS[name]]
    buttons = [
        offer_button(label, "setrule", offer.id, f"{name}={value}")
        for label, value in zip(labels, PRESETS[name], strict=True)
    ]
    return InlineKeyboardMarkup(
        inline_keyboard=[
            buttons[:3],
            buttons[3:],
            [offer_button(_.text("common.back"), "rules", offer.id)],
        ]
    )


def _today(offer: Offer) -> date:
    return datetime.now(ZoneInfo(offer.provider.timezone)).date()


async def on_rules(
    query: CallbackQuery,
    callback_data: MyOfferCallback,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """Every button of the rules screens."""
    action, offer_id, value = callback_data.action, callback_data.offer_id, callback_data.value
    offer = await offers.owned_offer(session, user, offer_id)
    if action == "rule" and value in PRESETS:
        await show(query, _(f"rules.ask.{value}"), _presets(offer, value, _))
        return
    if action == "setrule":
        name, _sep, number = value.partition("=")
        chosen = whole_number(number, 0, 10**6)
        if name not in PRESETS or chosen not in PRESETS[name]:
            callback_answer.text = _.text("common.expired_button")
            return
        offer = await offers.update_offer(session, user, offer_id, **{name: chosen})
    elif action == "approval":
        offer = await offers.update_offer(
            session, user, offer_id, requires_approval=not offer.requires_approval
        )
    elif action == "cleardates":
        offer = await offers.clear_exceptions(session, user, offer_id)
    elif action in ("dayoff", "extra"):
        await state.set_state(RuleStates.exception)
        await state.set_data({"offer_id": offer.id, "kind": action})
        await show(query, _(f"rules.ask.{action}"))
        return
    text, markup = render_rules(offer, _today(offer), _)
    await show(query, text, markup)


async def on_exception_text(
    message: Message, state: FSMContext, session: AsyncSession, user: User, _: Translator
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
    screen, markup = render_rules(offer, _today(offer), _)
    await message.answer(screen, reply_markup=markup)


def build_router() -> Router:
    """The rules screens, in private chats."""
    router = Router(name="offer_rules")
    router.message.filter(PrivateChat())
    router.callback_query.filter(PrivateChat())
    router.callback_query.register(on_rules, MyOfferCallback.filter(F.action.in_(RULE_ACTIONS)))
    router.message.register(on_exception_text, StateFilter(RuleStates.exception))
    return router
