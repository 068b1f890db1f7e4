"""/start (with deep links), /help, /menu and /cancel."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, ReplyKeyboardRemove
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import help_groups
from bot.config import Settings
from bot.filters import PrivateChat
from bot.i18n import Translator
from handlers.communities import send_community
from handlers.menu_views import main_menu
from handlers.search import open_catalogue, send_detail, send_provider
from models import User
from services.deeplinks import (
    CatalogueLink,
    CommunityAdminLink,
    OfferLink,
    ProviderLink,
    parse_start_payload,
)


async def on_start(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    settings: Settings,
    _: Translator,
) -> None:
    """Greet the user and show the main menu; follow a deep link if there is one."""
    await state.clear()
    link = parse_start_payload(command.args)
    await message.answer(_("start.greeting", name=user.first_name), reply_markup=main_menu(_))
    bot = message.bot
    assert bot is not None
    if isinstance(link, OfferLink):
        if link.community_id is not None:  # from a community's post: it gets the credit
            await state.set_data({"via": {"offer": link.offer_id, "community": link.community_id}})
        await send_detail(
            bot,
            message.chat.id,
            session,
            link.offer_id,
            near=None,
            zone=tz,
            _=_,
            sell_packages=settings.payments_enabled,
        )
    elif isinstance(link, CatalogueLink):
        await open_catalogue(message, state, session, user, link.slug, tz, _)
    elif isinstance(link, CommunityAdminLink):
        await send_community(message, bot, session, user, link.community_id, _)
    elif isinstance(link, ProviderLink):
        await send_provider(bot, message.chat.id, session, link.provider_id, _)
    elif command.args:
        await message.answer(_("start.bad_link"))


async def on_help(message: Message, settings: Settings, _: Translator) -> None:
    """Explain what gigbot does and list every command this user may use, grouped."""
    admin = message.from_user is not None and message.from_user.id in settings.admin_ids
    await message.answer(help_text(_, admin=admin), reply_markup=main_menu(_))


def help_text(_: Translator, *, admin: bool) -> str:
    """The /help message: one line per command, with the chat menu's description."""
    parts = [_("help.intro")]
    for group, names in help_groups(admin=admin).items():
        lines = [f"/{name} — {_(f'commands.{name}')}" for name in names]
        parts.append("\n".join([f"<b>{_(f'help.group.{group}')}</b>", *lines]))
    return "\n\n".join(parts)


async def on_menu(message: Message, _: Translator) -> None:
    """Show the main menu again."""
    await message.answer(_("menu.title"), reply_markup=main_menu(_))


async def on_cancel(message: Message, left_dialogue: bool, _: Translator) -> None:
    """Leave whatever dialogue the user is in; nothing half-done is kept.

    Leaving is done for every command by `CommandLeavesDialogue`; this says whether it did.
    """
    key = "common.cancelled" if left_dialogue else "common.nothing_to_cancel"
    await message.answer(_(key), reply_markup=ReplyKeyboardRemove())
    await message.answer(_("menu.title"), reply_markup=main_menu(_))


def build_router() -> Router:
    """/start, /help, /menu and /cancel in private chats."""
    router = Router(name="start")
    router.message.filter(PrivateChat())
    router.message.register(on_start, CommandStart())
    router.message.register(on_help, Command("help"))
    router.message.register(on_menu, Command("menu"))
    router.message.register(on_cancel, Command("cancel"))
    return router
