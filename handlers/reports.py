"""Reporting an offer, a review or a user: what, why (a preset or typed), filed."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.filters import HasText, PrivateChat
from bot.i18n import Translator
from handlers.moderation_views import (
    ChooseReportReason,
    ChooseReportTarget,
    StartReport,
    provider_targets_screen,
    reasons_screen,
)
from models import User, utcnow
from services import moderation, reviews
from services.input_values import ROW_ID_MAX


class ReportStates(StatesGroup):
    """Waiting for a typed reason."""

    reason = State()


async def _file(
    session: AsyncSession,
    user: User,
    settings: Settings,
    kind: str,
    target_id: int,
    reason: str,
    community_id: int | None,
) -> None:
    """File the report (a refusal is answered by the error map)."""
    await moderation.report(
        session,
        user,
        kind,
        target_id,
        reason,
        admin_ids=settings.admin_ids,
        now=utcnow(),
        community_id=community_id,
    )


def _via_community(data: dict[str, Any], kind: str, target_id: int) -> int | None:
    """The community the reporter reached this offer through (FSM data, checked)."""
    via = data.get("via")
    if kind != "offer" or not isinstance(via, dict) or via.get("offer") != target_id:
        return None
    community = via.get("community")
    return community if isinstance(community, int) and 1 <= community <= ROW_ID_MAX else None


async def on_report_start(
    query: CallbackQuery,
    callback_data: StartReport,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """🚩 Report: on a provider's page, what is reported; elsewhere, why."""
    kind, target_id = callback_data.kind, callback_data.target_id
    if kind == "provider":
        recent = await reviews.recent_reviews(session, target_id)
        await _send(query, *provider_targets_screen(_, target_id, recent))
    else:
        await _send(query, *reasons_screen(_, kind, target_id))


async def on_report_target(
    query: CallbackQuery, callback_data: ChooseReportTarget, _: Translator
) -> None:
    """The provider, or one of the reviews on their page: why?"""
    await _send(query, *reasons_screen(_, callback_data.kind, callback_data.target_id))


async def on_report_reason(
    query: CallbackQuery,
    callback_data: ChooseReportReason,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    settings: Settings,
    _: Translator,
) -> None:
    """A preset reason files the report; "other" asks for the reporter's words."""
    kind, target_id = callback_data.kind, callback_data.target_id
    community = _via_community(await state.get_data(), kind, target_id)
    if callback_data.reason == "other":
        await state.set_state(ReportStates.reason)
        await state.set_data({"report": {"kind": kind, "id": target_id, "community": community}})
        await _send(query, _("report.type_reason"))
        return
    await _file(session, user, settings, kind, target_id, callback_data.reason, community)
    await _send(query, _("report.thanks"))


async def _send(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """A new message in the reporter's chat (the screen pressed stays as it was)."""
    if query.bot is not None:
        await query.bot.send_message(query.from_user.id, text, reply_markup=markup)


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
    kind, target_id = str(pending["kind"]), int(pending["id"])
    community = _via_community({"via": {"offer": target_id, **pending}}, kind, target_id)
    await _file(session, user, settings, kind, target_id, reason, community)
    await state.clear()
    await message.answer(_("report.thanks"))


def build_router() -> Router:
    """Reports in private chats."""
    router = Router(name="reports")
    router.message.filter(PrivateChat())
    router.callback_query.filter(PrivateChat())
    router.callback_query.register(on_report_start, StartReport.filter())
    router.callback_query.register(on_report_target, ChooseReportTarget.filter())
    router.callback_query.register(on_report_reason, ChooseReportReason.filter())
    router.message.register(on_typed_reason, StateFilter(ReportStates.reason), HasText())
    return router
