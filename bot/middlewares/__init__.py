"""Update middlewares, outermost first: metrics and the log event, each update once,
dialogue writes held until handled (bot.deferred_state), sender check, flood control,
admission, DB session, user, i18n; the note of which handler took an update; the message
middleware that lets a /command leave any dialogue; callback answers; and the Bot API
request middlewares (commit before sending, step out of admission while sending, keep
response models)."""

from bot.middlewares.admission import Admission, Gate, StepOutWhileSending
from bot.middlewares.callback_answer import CallbackAnswers
from bot.middlewares.commands import CommandLeavesDialogue
from bot.middlewares.database import CommitBeforeSending, DatabaseMiddleware
from bot.middlewares.flood import FloodMiddleware, TokenBucket
from bot.middlewares.i18n import I18nMiddleware
from bot.middlewares.measured import Measured, user_hasher
from bot.middlewares.note import NoteHandler
from bot.middlewares.once import IN_FLIGHT, HandledOnce
from bot.middlewares.response_models import KeepResponseModels
from bot.middlewares.sender import SenderCheck
from bot.middlewares.user import UserMiddleware

__all__ = [
    "IN_FLIGHT",
    "Admission",
    "CallbackAnswers",
    "CommandLeavesDialogue",
    "CommitBeforeSending",
    "DatabaseMiddleware",
    "FloodMiddleware",
    "Gate",
    "HandledOnce",
    "I18nMiddleware",
    "KeepResponseModels",
    "Measured",
    "NoteHandler",
    "SenderCheck",
    "StepOutWhileSending",
    "TokenBucket",
    "UserMiddleware",
    "user_hasher",
]
