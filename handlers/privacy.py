"""Your data: /privacy says what is stored and for how long; /export_my_data sends it all
as a JSON file; /delete_my_data erases it after a confirmation."""

from __future__ import annotations

import json

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    Message,
)
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters import PrivateChat
from bot.i18n import Translator
from bot.replies import show
from handlers.privacy_views import PrivacyCallback, confirm_keyboard
from models import User, utcnow
from services import privacy


async def on_policy(message: Message, _: Translator) -> None:
    """/privacy: the privacy policy — what is stored, who sees it, for how long, and the
    two commands that export and erase it."""
    await message.answer(_("privacy.policy"))


async def on_export(message: Message, session: AsyncSession, user: User, _: Translator) -> None:
    """/export_my_data: everything gigbot stores about the sender, as a JSON file."""
    data = await privacy.export_data(session, user)
    content = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
    await message.answer_document(
        BufferedInputFile(content, filename="gigbot-my-data.json"), caption=_("privacy.exported")
    )


async def on_delete(message: Message, _: Translator) -> None:
    """/delete_my_data: what erasing means, and a confirmation."""
    await message.answer(_("privacy.confirm"), reply_markup=confirm_keyboard(_))


async def on_confirm(
    query: CallbackQuery,
    callback_data: PrivacyCallback,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """Erase (future bookings cancelled with notices, dialogue state cleared) or keep."""
    if callback_data.action != "erase":
        await show(query, _("privacy.kept"))
        return
    cancelled = await privacy.erase(session, user, now=utcnow())
    await state.clear()  # the dialogue state, in Redis when several instances run
    await show(query, _("privacy.erased", cancelled=cancelled))


def build_router() -> Router:
    """The policy, export and erasure, in private chats."""
    router = Router(name="privacy")
    router.message.filter(PrivateChat())
    router.callback_query.filter(PrivateChat())
    router.message.register(on_policy, Command("privacy"))
    router.message.register(on_export, Command("export_my_data"))
    router.message.register(on_delete, Command("delete_my_data"))
    router.callback_query.register(
        on_confirm, PrivacyCallback.filter(F.action.in_(("erase", "keep")))
    )
    return router
