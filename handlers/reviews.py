"""Reviews in conversation: the customer's stars and comment, the provider's stars for the
customer, and the provider's one reply. Ids from buttons are untrusted: the service
answers "not reviewable" for anyone who is not the right party of a completed booking.
"""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters import HasText, PrivateChat
from bot.i18n import Translator
from bot.replies import show
from handlers.review_views import (
    AskStars,
    DoneReviewing,
    GiveStars,
    ReplyToReview,
    comment_keyboard,
    review_html,
    stars_keyboard,
    stars_text,
)
from models import Role, User, utcnow
from services import reviews


class ReviewStates(StatesGroup):
    """Where the review dialogue waits for typed text."""

    comment = State()  # an optional comment after the stars
    reply = State()  # the provider's reply to a review


async def _save(
    session: AsyncSession,
    user: User,
    side: str,
    booking_id: int,
    stars: int,
    comment: str | None,
    *,
    keep_comment: bool,
) -> str | None:
    """Store the customer's review or the provider's rating of the customer; returns
    the comment that now stands."""
    now = utcnow()
    if side == Role.CUSTOMER:
        review = await reviews.review_booking(
            session,
            user,
            booking_id,
            stars=stars,
            comment=comment,
            now=now,
            keep_comment=keep_comment,
        )
        return review.comment
    rating = await reviews.rate_customer(
        session, user, booking_id, stars=stars, comment=comment, now=now, keep_comment=keep_comment
    )
    return rating.comment


async def on_ask(
    query: CallbackQuery,
    callback_data: AskStars,
    _: Translator,
) -> None:
    """Review (customer) or Rate the customer (provider) from a booking card: the stars."""
    key = "review.ask_stars" if callback_data.side == Role.CUSTOMER else "review.ask_customer_stars"
    await show(query, _(key), stars_keyboard(callback_data.side, callback_data.booking_id))


async def on_stars(
    query: CallbackQuery,
    callback_data: GiveStars,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """Stars chosen: stored at once (a comment may follow), then the comment is invited."""
    side, booking_id = callback_data.side, callback_data.booking_id
    await _save(session, user, side, booking_id, callback_data.stars, None, keep_comment=True)
    await state.set_state(ReviewStates.comment)
    await state.set_data(
        {"review": {"side": side, "booking": booking_id, "stars": callback_data.stars}}
    )
    key = "review.thanks" if side == Role.CUSTOMER else "review.customer_thanks"
    text = _(key, stars=stars_text(callback_data.stars)) + "\n\n" + _("review.ask_comment")
    await show(query, text, comment_keyboard(_))


async def on_comment(
    message: Message, state: FSMContext, session: AsyncSession, user: User, _: Translator
) -> None:
    """The comment typed after the stars (shown to everyone literally, HTML included)."""
    pending: dict[str, Any] = (await state.get_data()).get("review") or {}
    try:
        comment = await _save(
            session,
            user,
            str(pending["side"]),
            int(pending["booking"]),
            int(pending["stars"]),
            (message.text or "").strip(),
            keep_comment=False,
        )
    except (KeyError, ValueError):  # no review pending (an old or forged state)
        await state.clear()
        await message.answer(_("common.expired_button"))
        return
    await state.clear()
    await message.answer(
        _("review.saved", stars=stars_text(int(pending["stars"])))
        + ("\n" + _("review.comment", text=comment) if comment else "")
    )


async def on_done(
    query: CallbackQuery, callback_answer: CallbackAnswer, state: FSMContext, _: Translator
) -> None:
    """No comment: the stars alone stand."""
    pending: dict[str, Any] = (await state.get_data()).get("review") or {}
    await state.clear()
    if not pending:
        callback_answer.text = _.text("common.expired_button")
        return
    await show(query, _("review.saved", stars=stars_text(int(pending["stars"]))))


async def on_reply_start(
    query: CallbackQuery,
    callback_data: ReplyToReview,
    state: FSMContext,
    _: Translator,
) -> None:
    """Reply to a review: ask for the text (whose review it is is checked on saving)."""
    if query.bot is None:
        return
    await state.set_state(ReviewStates.reply)
    await state.set_data({"reply": callback_data.review_id})
    await query.bot.send_message(query.from_user.id, _("review.ask_reply"))


async def on_reply(
    message: Message, state: FSMContext, session: AsyncSession, user: User, _: Translator
) -> None:
    """The provider's reply, published under the review."""
    review_id = (await state.get_data()).get("reply")
    review = await reviews.reply_to_review(
        session, user, int(review_id or 0), (message.text or "").strip()
    )
    await state.clear()
    await message.answer(_("review.reply_saved") + "\n\n" + review_html(review, _))


def build_router() -> Router:
    """Reviews in private chats."""
    router = Router(name="reviews")
    router.message.filter(PrivateChat())
    router.callback_query.filter(PrivateChat())
    router.callback_query.register(on_ask, AskStars.filter())
    router.callback_query.register(on_stars, GiveStars.filter())
    router.callback_query.register(on_done, DoneReviewing.filter())
    router.callback_query.register(on_reply_start, ReplyToReview.filter())
    router.message.register(on_comment, StateFilter(ReviewStates.comment), HasText())
    router.message.register(on_reply, StateFilter(ReviewStates.reply), HasText())
    return router
