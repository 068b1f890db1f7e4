"""Photos of an offer: up to five, sent as ordinary Telegram photos."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters import PrivateChat
from bot.i18n import Translator
from bot.replies import show
from handlers.my_offers_views import ClearPhotos, OfferPhotos, PhotosDone, render_manage
from handlers.offer_photos_views import done_keyboard
from models import User
from services import offers
from services.input_values import row_id
from services.offers import MAX_PHOTOS, OfferNotFound


class PhotoStates(StatesGroup):
    """Waiting for photos of one offer."""

    waiting = State()


async def on_photos(
    query: CallbackQuery,
    callback_data: OfferPhotos,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """Start adding photos."""
    offer = await offers.owned_offer(session, user, callback_data.offer_id)
    await state.set_state(PhotoStates.waiting)
    await state.set_data({"offer_id": offer.id})
    await show(
        query,
        _("photos.ask", count=len(offer.photos), limit=MAX_PHOTOS),
        done_keyboard(offer.id, _),
    )


async def on_clear(
    query: CallbackQuery,
    callback_data: ClearPhotos,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """Remove every photo; back to the offer."""
    offer = await offers.clear_photos(session, user, callback_data.offer_id)
    callback_answer.text = _.text("photos.cleared")
    await state.clear()
    await show(query, *render_manage(offer, _))


async def on_done(
    query: CallbackQuery,
    callback_data: PhotosDone,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """Done adding photos; back to the offer."""
    offer = await offers.owned_offer(session, user, callback_data.offer_id)
    await state.clear()
    await show(query, *render_manage(offer, _))


async def on_photo(
    message: Message, state: FSMContext, session: AsyncSession, user: User, _: Translator
) -> None:
    """A photo for the offer (the largest size is kept)."""
    offer_id = row_id(str((await state.get_data()).get("offer_id", "")))
    if offer_id is None:  # an old or forged state
        raise OfferNotFound()
    if not message.photo:
        await message.answer(_("photos.only_photos"), reply_markup=done_keyboard(offer_id, _))
        return
    count = await offers.add_photo(session, user, offer_id, message.photo[-1].file_id)
    await message.answer(
        _("photos.added", count=count, limit=MAX_PHOTOS), reply_markup=done_keyboard(offer_id, _)
    )


def build_router() -> Router:
    """Offer photos, in private chats."""
    router = Router(name="offer_photos")
    router.message.filter(PrivateChat())
    router.callback_query.filter(PrivateChat())
    router.callback_query.register(on_photos, OfferPhotos.filter())
    router.callback_query.register(on_clear, ClearPhotos.filter())
    router.callback_query.register(on_done, PhotosDone.filter())
    router.message.register(on_photo, StateFilter(PhotoStates.waiting))
    return router
