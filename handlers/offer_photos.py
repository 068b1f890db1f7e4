"""Photos of an offer: up to five, sent as ordinary Telegram photos."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters import PrivateChat
from bot.i18n import Translator
from bot.replies import show
from handlers.my_offers import MyOfferCallback, offer_button, render_manage
from models import User
from services import offers
from services.offers import MAX_PHOTOS, TooManyPhotos

PHOTO_ACTIONS = frozenset({"photos", "clearphotos", "photosdone"})


class PhotoStates(StatesGroup):
    """Waiting for photos of one offer."""

    waiting = State()


def _done_keyboard(offer_id: int, _: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                offer_button(_.text("photos.done"), "photosdone", offer_id),
                offer_button(_.text("photos.clear"), "clearphotos", offer_id),
            ]
        ]
    )


async def on_photo_action(
    query: CallbackQuery,
    callback_data: MyOfferCallback,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """Start adding photos, remove them all, or finish."""
    offer = await offers.owned_offer(session, user, callback_data.offer_id)
    if callback_data.action == "clearphotos":
        offer = await offers.clear_photos(session, user, offer.id)
        callback_answer.text = _.text("photos.cleared")
    if callback_data.action == "photos":
        await state.set_state(PhotoStates.waiting)
        await state.set_data({"offer_id": offer.id})
        await show(
            query,
            _("photos.ask", count=len(offer.photos), limit=MAX_PHOTOS),
            _done_keyboard(offer.id, _),
        )
        return
    await state.clear()
    text, markup = render_manage(offer, _)
    await show(query, text, markup)


async def on_photo(
    message: Message, state: FSMContext, session: AsyncSession, user: User, _: Translator
) -> None:
    """A photo for the offer (the largest size is kept)."""
    offer_id = int((await state.get_data()).get("offer_id", 0))  # 0: none, so not found
    if not message.photo:
        await message.answer(_("photos.only_photos"), reply_markup=_done_keyboard(offer_id, _))
        return
    try:
        count = await offers.add_photo(session, user, offer_id, message.photo[-1].file_id)
    except TooManyPhotos:  # the dialogue goes on: offer Done
        await message.answer(
            _("photos.full", limit=MAX_PHOTOS), reply_markup=_done_keyboard(offer_id, _)
        )
        return
    await message.answer(
        _("photos.added", count=count, limit=MAX_PHOTOS), reply_markup=_done_keyboard(offer_id, _)
    )


def build_router() -> Router:
    """Offer photos, in private chats."""
    router = Router(name="offer_photos")
    router.message.filter(PrivateChat())
    router.callback_query.filter(PrivateChat())
    router.callback_query.register(
        on_photo_action, MyOfferCallback.filter(F.action.in_(PHOTO_ACTIONS))
    )
    router.message.register(on_photo, StateFilter(PhotoStates.waiting))
    return router
