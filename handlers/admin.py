"""Bot admins (ADMIN_IDS): the moderation queue, bans, verification and stats.

Every handler here sits behind `IsAdmin`: for anyone else these commands and buttons
fall through to the fallback router and get exactly the reply an unknown command or an
old button gets, so they do not even learn the commands exist.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import set_admin_commands
from bot.config import Settings
from bot.filters import PrivateChat
from bot.i18n import Translator
from bot.replies import show
from handlers.moderation_views import ModerationCallback, report_card, stats_text
from models import User, utcnow
from services import moderation


class IsAdmin(Filter):
    """Passes updates from the users listed in ADMIN_IDS."""

    async def __call__(
        self, event: Message | CallbackQuery, user: User, settings: Settings
    ) -> bool:
        return user.id in settings.admin_ids


async def on_admin(message: Message, user: User, _: Translator) -> None:
    """/admin: what admins can do; their chat menu gets the admin commands too."""
    if message.bot is not None:
        await set_admin_commands(message.bot, user.id)
    await message.answer(_("admin.help"))


async def on_queue(message: Message, session: AsyncSession, _: Translator) -> None:
    """/queue: the open reports, oldest first, one card each."""
    found = await moderation.open_reports(session)
    if not found:
        await message.answer(_("admin.queue_empty"))
        return
    total = await moderation.count_open(session)
    await message.answer(_("admin.queue", shown=len(found), total=total))
    for one in found:
        text, markup = report_card(one, _)
        await message.answer(text, reply_markup=markup)


async def on_report_action(
    query: CallbackQuery,
    callback_data: ModerationCallback,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """Dismiss / Hide / Ban user on a report card."""
    filed = await moderation.handle_report(
        session, user.id, callback_data.report_id, callback_data.action, now=utcnow()
    )
    callback_answer.text = _.text(f"moderation.done.{callback_data.action}")
    await show(query, *report_card(await moderation.details(session, filed), _))


def _parse(command: CommandObject) -> tuple[str, str]:
    """ "/ban 123 spam links" → ("123", "spam links")."""
    ref, _sep, rest = (command.args or "").strip().partition(" ")
    return ref, rest.strip()


async def on_user_command(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """/ban, /unban, /verify, /unverify <user id or @username> [reason]."""
    ref, reason = _parse(command)
    name = command.command
    if not ref or (name == "ban" and not reason):
        await message.answer(_("admin.usage", command=name))
        return
    now = utcnow()
    why = reason or name
    target = await moderation.find_user(session, ref)
    if name == "ban":
        cancelled = await moderation.ban(session, user.id, target.id, why, now=now)
        await message.answer(_("admin.banned", name=target.full_name, cancelled=cancelled))
    elif name == "unban":
        await moderation.unban(session, user.id, target.id, why, now=now)
        await message.answer(_("admin.unbanned", name=target.full_name))
    else:
        verified = name == "verify"
        await moderation.set_verified(session, user.id, target.id, verified, why, now=now)
        key = "admin.verified" if verified else "admin.unverified"
        await message.answer(_(key, name=target.full_name))


async def on_stats(message: Message, session: AsyncSession, _: Translator) -> None:
    """/stats: users, providers, offers and bookings by status, reviews, reports."""
    await message.answer(stats_text(await moderation.stats(session), _))


def build_router() -> Router:
    """Admin commands and moderation buttons, for ADMIN_IDS only, in private chats."""
    router = Router(name="admin")
    for observer in (router.message, router.callback_query):
        observer.filter(PrivateChat())
        observer.filter(IsAdmin())
    router.message.register(on_admin, Command("admin"))
    router.message.register(on_queue, Command("queue"))
    router.message.register(on_stats, Command("stats"))
    router.message.register(on_user_command, Command("ban", "unban", "verify", "unverify"))
    router.callback_query.register(on_report_action, ModerationCallback.filter())
    return router
