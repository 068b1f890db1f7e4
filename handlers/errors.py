"""Errors: the one map from domain errors to replies, and the handler of the unexpected.

A service refuses with a `DomainError`; `DomainErrorReplies` (an inner middleware of every
message and callback handler) turns it into the translated reply — a toast or alert for a
button, a message for typed text — so handlers keep no `except` for domain errors unless
the conversation goes on differently (a time just taken shows fresh times). It is a
middleware rather than an error router because by the time error routers run, the
callback query has been answered already, without the reason.
Anything else is a bug: `on_error` logs it without secrets and apologises.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ErrorEvent, Message, TelegramObject
from aiogram.utils.callback_answer import CallbackAnswer

from bot.i18n import Translator, translator
from services.booking_guard import NotAccepted, TooManyRequests, TooManyThatDay
from services.bookings import OfferUnavailable, OwnOffer, Suspended
from services.errors import DomainError, UnknownLanguage, UnknownTimezone
from services.locations import LocationNotFound
from services.moderation import BadReason, ModerationError
from services.offers import (
    MAX_PHOTOS,
    BadAnswer,
    InvalidOffer,
    OfferHasFutureBookings,
    OfferHiddenByModeration,
    OfferNotFound,
    StaleChoice,
    TooManyPhotos,
)
from services.providers import NotOwnContact
from services.reviews import BadReview, ReviewError
from services.search_query import SearchExpired

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reply:
    """How one kind of refusal is told: its message, as an alert or not, and whether a
    dialogue waiting for typed text about the thing is over (the thing is gone)."""

    key: Callable[[DomainError], str]
    alert: bool = False
    ends_dialogue: bool = False
    params: Callable[[DomainError], Mapping[str, object]] = lambda _e: {}


def _own_key(error: DomainError) -> str:
    return str(getattr(error, "key", "common.expired_button"))


def _limit(error: DomainError) -> int:
    return int(getattr(error, "limit", 0))


REPLIES: dict[type[DomainError], Reply] = {
    OfferNotFound: Reply(lambda _e: "offers.not_found", alert=True, ends_dialogue=True),
    InvalidOffer: Reply(lambda e: f"offer.invalid.{_own_key(e)}", alert=True),
    OfferHasFutureBookings: Reply(lambda _e: "offers.has_bookings", alert=True),
    OfferHiddenByModeration: Reply(lambda _e: "offers.hidden_by_moderation", alert=True),
    NotOwnContact: Reply(lambda _e: "profile.error.not_own_contact"),
    UnknownTimezone: Reply(lambda _e: "common.expired_button"),
    UnknownLanguage: Reply(lambda _e: "common.expired_button"),
    Suspended: Reply(_own_key, alert=True),
    OwnOffer: Reply(_own_key, alert=True),
    # An offer gone while its booking dialogue waits for a note ends the dialogue.
    OfferUnavailable: Reply(_own_key, ends_dialogue=True),
    # Spam-booker rules: a block is told as an offer that cannot be booked, no more.
    NotAccepted: Reply(_own_key, alert=True, ends_dialogue=True),
    TooManyRequests: Reply(_own_key, alert=True, params=lambda e: {"limit": _limit(e)}),
    TooManyThatDay: Reply(_own_key, alert=True, params=lambda e: {"limit": _limit(e)}),
    SearchExpired: Reply(_own_key, alert=True),
    LocationNotFound: Reply(lambda _e: "search.bad_location"),
    TooManyPhotos: Reply(lambda _e: "photos.full", params=lambda _e: {"limit": MAX_PHOTOS}),
    # A typed answer is explained and asked again; an old button is only an old button.
    BadAnswer: Reply(_own_key, alert=True),
    StaleChoice: Reply(_own_key),
    # A report that cannot be filed ends its dialogue; a reason too short or long is
    # asked again.
    ModerationError: Reply(_own_key, ends_dialogue=True),
    BadReason: Reply(_own_key),
    # A review or reply that cannot be written ends its dialogue; a bad value is asked again.
    ReviewError: Reply(_own_key, ends_dialogue=True),
    BadReview: Reply(_own_key),
    DomainError: Reply(_own_key),  # errors that name their own reply (`key`)
}


def reply_for(error: DomainError) -> Reply:
    """The map's entry for `error`: its own class's, else the nearest base class's."""
    return next(REPLIES[cls] for cls in type(error).__mro__ if cls in REPLIES)


class DomainErrorReplies(BaseMiddleware):
    """Inner middleware: a DomainError from a handler becomes its reply (see REPLIES)."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        try:
            return await handler(event, data)
        except DomainError as error:
            reply = reply_for(error)
            _: Translator = data.get("_") or translator("en")
            log.debug("refused: %s", type(error).__name__)
            state: FSMContext | None = data.get("state")
            if reply.ends_dialogue and isinstance(event, Message) and state is not None:
                await state.clear()
            answer: CallbackAnswer | None = data.get("callback_answer")
            if isinstance(event, CallbackQuery) and answer is not None:
                answer.text = _.text(reply.key(error), **reply.params(error))
                answer.show_alert = reply.alert
            elif isinstance(event, Message):
                await event.answer(_(reply.key(error), **reply.params(error)))
            return None


async def on_error(event: ErrorEvent, _: Translator | None = None) -> None:
    """Log the failure (the log filter hides the token) and answer the user briefly."""
    log.error(
        "update %s failed: %s",
        event.update.update_id,
        type(event.exception).__name__,
        exc_info=event.exception,
    )
    _ = _ or translator("en")
    update = event.update
    with suppress(TelegramAPIError):
        if update.callback_query is not None:
            query = update.callback_query
            if query.bot is not None:
                await query.bot.send_message(query.from_user.id, _("common.error"))
        elif update.message is not None and update.message.chat.type == "private":
            await update.message.answer(_("common.error"))


def build_router() -> Router:
    """The error handler for every update."""
    router = Router(name="errors")
    router.errors.register(on_error)
    return router
