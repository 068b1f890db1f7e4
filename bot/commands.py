"""The command list Telegram shows in the chat's menu, per language."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats

from bot.config import LOCALES
from bot.i18n import translator

COMMANDS = (
    "start",
    "menu",
    "find",
    "bookings",
    "offer",
    "my_offers",
    "agenda",
    "profile",
    "settings",
    "help",
    "export_my_data",
    "delete_my_data",
    "cancel",
)


def commands_for(locale: str) -> list[BotCommand]:
    """The bot's commands with descriptions in `locale`."""
    _ = translator(locale)
    return [BotCommand(command=name, description=_.text(f"commands.{name}")) for name in COMMANDS]


async def set_commands(bot: Bot) -> None:
    """Publish the commands: English for everyone, and each other language for its users."""
    scope = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands(commands_for("en"), scope=scope)
    for locale in LOCALES:
        await bot.set_my_commands(commands_for(locale), scope=scope, language_code=locale)
