"""Update middlewares, outermost first: flood control, DB session, user, i18n; and the
message middleware that lets a /command leave any dialogue."""

from bot.middlewares.commands import CommandLeavesDialogue
from bot.middlewares.database import CommitBeforeSending, DatabaseMiddleware
from bot.middlewares.flood import FloodMiddleware, TokenBucket
from bot.middlewares.i18n import I18nMiddleware
from bot.middlewares.user import UserMiddleware

__all__ = [
    "CommandLeavesDialogue",
    "CommitBeforeSending",
    "DatabaseMiddleware",
    "FloodMiddleware",
    "I18nMiddleware",
    "TokenBucket",
    "UserMiddleware",
]
