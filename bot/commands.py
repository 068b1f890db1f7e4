"""The command list Telegram shows in the chat's menu, per language."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from aiohttp import ClientError

from bot.config import LOCALES
from bot.i18n import translator

log = logging.getLogger(__name__)

COMMAND_GROUPS: dict[str, tuple[str, ...]] = {
    "find": ("start", "menu", "find", "bookings", "calendar"),
    "offer": ("offer", "my_offers", "agenda", "stats_me", "profile"),
    "community": ("community",),
    "account": ("settings", "help", "privacy", "export_my_data", "delete_my_data", "cancel"),
}
"""Everyone's commands, grouped as /help shows them; the chat menu lists them in this order."""

COMMANDS = tuple(name for group in COMMAND_GROUPS.values() for name in group)

ADMIN_COMMANDS = ("admin", "queue", "ban", "unban", "verify", "unverify", "stats")


def help_groups(*, admin: bool = False) -> dict[str, tuple[str, ...]]:
    """The command groups a user may use: everyone's, plus the admins' for an admin."""
    return {**COMMAND_GROUPS, "admin": ADMIN_COMMANDS} if admin else dict(COMMAND_GROUPS)


def commands_for(locale: str, *, admin: bool = False) -> list[BotCommand]:
    """The bot's commands with descriptions in `locale` (and the admins' ones)."""
    _ = translator(locale)
    names = COMMANDS + ADMIN_COMMANDS if admin else COMMANDS
    return [BotCommand(command=name, description=_.text(f"commands.{name}")) for name in names]


async def set_commands(bot: Bot) -> None:
    """Publish the commands: English for everyone, and each other language for its users."""
    scope = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands(commands_for("en"), scope=scope)
    for locale in LOCALES:
        await bot.set_my_commands(commands_for(locale), scope=scope, language_code=locale)


async def set_admin_commands(bot: Bot, admin_id: int) -> bool:
    """Show the admin commands in this admin's own chat menu (every language); False when
    Telegram refuses because the admin has not started the bot yet."""
    scope = BotCommandScopeChat(chat_id=admin_id)
    try:
        await bot.set_my_commands(commands_for("en", admin=True), scope=scope)
        for locale in LOCALES:
            commands = commands_for(locale, admin=True)
            await bot.set_my_commands(commands, scope=scope, language_code=locale)
    except (TelegramBadRequest, TelegramForbiddenError):
        return False
    return True


async def set_descriptions(bot: Bot) -> None:
    """What an empty chat with the bot says before Start (the description) and what its
    profile and shared links say (the short description): English for everyone, and each
    other language for its users."""
    for locale in LOCALES:
        _ = translator(locale)
        language = None if locale == "en" else locale
        await bot.set_my_description(_.text("bot.description"), language_code=language)
        await bot.set_my_short_description(_.text("bot.short_description"), language_code=language)


async def publish_menus(bot: Bot, admin_ids: list[int]) -> None:
    """Publish everyone's menu, each admin's, and the bot's descriptions. They are
    cosmetic: a failure (a 5xx, the network, a Bot API server without the method) is one
    warning, and the bot serves."""
    try:
        await set_commands(bot)
        for admin_id in admin_ids:  # those who never started the bot get it on /admin
            await set_admin_commands(bot, admin_id)
        await set_descriptions(bot)
    except (TelegramAPIError, ClientError, OSError, TimeoutError) as error:
        name = type(error).__name__  # enough for the log; the message may hold a URL
        log.warning("could not publish the command menus (%s); serving anyway", name)
