"""Reporting an offer, a review or a user: what, why (a preset or typed), filed."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.filters import HasText, PrivateChat
from bot.i18n import Translator
from handlers.moderation_views import (
    REASONS,
    ReportCallback,
    provider_targets_screen,
    reasons_screen,
)
from models import User, utcnow
from services import moderation, reviews
from services.input_values import row_id
from services.moderation import ModerationError

KINDS = ("offer", "review", "provider", "booking")


class ReportStates(StatesGroup):
    """Waiting for a typed reason."""

    reason = State()


async def _file(
    session: AsyncSession, user: User, settings: Settings, kind: str, target_id: int, reason: str
) -> str:
    """File the report; the translation key of the answer."""
    try:
        await moderation.report(
            session,
            user,
            kind,
            target_id,
            reason,
            admin_ids=settings.admin_ids,
            now=utcnow(),
        )
    except ModerationError as error:
        return error.key
    return "report.thanks"


async def on_report(
    query: CallbackQuery,
    callback_data: ReportCallback,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    _: Translator,
) -> None:
    """Report button → (on a provider's page: what) → why → filed."""
    target_id = row_id(callback_data.value)
    kind = callback_data.kind
    if target_id is None or kind not in KINDS or query.bot is None:
        callback_answer.text = _.text("common.expired_button")
        return
    if callback_data.action == "start" and kind == "provider":
        recent = await reviews.recent_reviews(session, target_id)
        text, markup = provider_targets_screen(_, target_id, recent)
        await query.bot.send_message(user.id, text, reply_markup=markup)
    elif callback_data.action in ("start", "target"):
        text, markup = reasons_screen(_, kind, target_id)
        await query.bot.send_message(user.id, text, reply_markup=markup)
    elif callback_data.reason == "other":
        await state.set_state(ReportStates.reason)
        await state.set_data({"report": {"kind": kind, "id": target_id}})
        await query.bot.send_message(user.id, _("report.type_reason"))
    elif callback_data.reason in REASONS:
        key = await _file(session, user, settings, kind, target_id, callback_data.reason)
        await query.bot.send_message(user.id, _(key))
    else:
        callback_answer.text = _.text("common.expired_button")


async def on_typed_reason(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    _: Translator,
) -> None:
    """The reason in the reporter's words."""
    pending = (await state.get_data()).get("report") or {}
    if not pending:
        await state.clear()
        await message.answer(_("common.expired_button"))
        return
    reason = (message.text or "").strip()
    key = await _file(session, user, settings, str(pending["kind"]), int(pending["id"]), reason)
    if key != moderation.BadReason.key:  # a reason too short or long may be typed again
        await state.clear()
    await message.answer(_(key))


def build_router() -> Router:
    """Reports in private chats."""
    router = Router(name="reports")
    router.message.filter(PrivateChat())
    router.callback_query.filter(PrivateChat())
    router.callback_query.register(on_report, ReportCallback.filter())
    router.message.register(on_typed_reason, StateFilter(ReportStates.reason), HasText())
    return router
