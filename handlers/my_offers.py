"""My offers: the provider's list, each offer's card and its actions (screens and
callbacks in handlers/my_offers_views.py)."""

from __future__ import annotations

import asyncio
from dataclasses import astuple

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.filters import PrivateChat
from bot.i18n import Translator
from bot.replies import show
from handlers.my_offers_views import (
    AskDelete,
    DeleteOffer,
    EditOffer,
    EditOfferField,
    OfferCardPicture,
    OffersList,
    OpenOffer,
    PauseOffer,
    ShareOffer,
    button,
    card_text,
    render_list,
    render_manage,
    share_in_chat_button,
    share_screen,
)
from handlers.offer_card_views import offer_card_png
from handlers.offer_draft import ask_offer_field
from handlers.offer_draft_views import GUIDED_ORDER
from models import User, utcnow
from services import offer_cards, offers
from services.deeplinks import OfferLink, start_link


async def on_list_command(
    message: Message, session: AsyncSession, user: User, _: Translator
) -> None:
    """/my_offers."""
    text, markup = render_list(await offers.my_offers(session, user), _)
    await message.answer(text, reply_markup=markup)


async def on_list(
    query: CallbackQuery,
    callback_data: OffersList,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """Back to the list, or another page of it."""
    items = await offers.my_offers(session, user)
    await show(query, *render_list(items, _, callback_data.page))


async def on_open(
    query: CallbackQuery, callback_data: OpenOffer, session: AsyncSession, user: User, _: Translator
) -> None:
    """One offer's card with the owner's actions."""
    offer = await offers.owned_offer(session, user, callback_data.offer_id)
    await show(query, *render_manage(offer, _))


async def on_pause(
    query: CallbackQuery,
    callback_data: PauseOffer,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """Pause (hidden from customers) or resume."""
    offer = await offers.set_paused(
        session, user, callback_data.offer_id, paused=callback_data.paused
    )
    callback_answer.text = _.text("offers.paused" if callback_data.paused else "offers.resumed")
    await show(query, *render_manage(offer, _))


async def on_ask_delete(
    query: CallbackQuery, callback_data: AskDelete, session: AsyncSession, user: User, _: Translator
) -> None:
    """Delete: asks first."""
    offer = await offers.owned_offer(session, user, callback_data.offer_id)
    keyboard = [
        [
            button(_.text("offers.delete_yes"), DeleteOffer(offer_id=offer.id)),
            button(_.text("common.cancel"), OpenOffer(offer_id=offer.id)),
        ]
    ]
    await show(
        query,
        _("offers.confirm_delete", title=offer.title),
        InlineKeyboardMarkup(inline_keyboard=keyboard),
    )


async def on_delete(
    query: CallbackQuery,
    callback_data: DeleteOffer,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """Delete, confirmed (refused while bookings are to come)."""
    await offers.delete_offer(session, user, callback_data.offer_id)
    callback_answer.text = _.text("offers.deleted")
    await show(query, *render_list(await offers.my_offers(session, user), _))


async def on_share(
    query: CallbackQuery,
    callback_data: ShareOffer,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """The link that opens the offer in gigbot, the printable card, and sharing the card
    in a chat."""
    offer = await offers.owned_offer(session, user, callback_data.offer_id)
    await show(query, *share_screen(offer, await _offer_link(query, offer.id), _))


async def on_card(
    query: CallbackQuery,
    callback_data: OfferCardPicture,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """The printable card with its QR code, as a photo (drawn again only when what it
    says changed), with a button to share it in a chat."""
    offer = await offers.owned_offer(session, user, callback_data.offer_id)
    if query.bot is None:
        return
    text = card_text(offer, await _offer_link(query, offer.id), _)
    card_digest = offer_cards.digest(*astuple(text))
    caption = _("cards.caption", title=offer.title)
    markup = InlineKeyboardMarkup(inline_keyboard=[[share_in_chat_button(offer.id, _)]])
    known = await offer_cards.stored_card(session, offer.id, card_digest)
    if known is not None:
        await query.bot.send_photo(query.from_user.id, known, caption=caption, reply_markup=markup)
        return
    picture = await asyncio.to_thread(offer_card_png, text)  # ≈ 0.1 s of drawing
    sent = await query.bot.send_photo(
        query.from_user.id,
        BufferedInputFile(picture, filename=f"gigbot-offer-{offer.id}.png"),
        caption=caption,
        reply_markup=markup,
    )
    if sent.photo:
        file_id = sent.photo[-1].file_id
        await offer_cards.remember_card(session, offer.id, card_digest, file_id, now=utcnow())


async def _offer_link(query: CallbackQuery, offer_id: int) -> str:
    """The t.me link that opens the offer in this bot."""
    me = await query.bot.me() if query.bot else None
    return start_link(me.username or "", OfferLink(offer_id)) if me else ""


async def on_edit(
    query: CallbackQuery, callback_data: EditOffer, session: AsyncSession, user: User, _: Translator
) -> None:
    """Which field to edit."""
    offer = await offers.owned_offer(session, user, callback_data.offer_id)
    buttons = [
        button(_.text(f"offer.field.{name}"), EditOfferField(offer_id=offer.id, field=name))
        for name in GUIDED_ORDER
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([button(_.text("common.back"), OpenOffer(offer_id=offer.id))])
    await show(query, _("offer.which_field"), InlineKeyboardMarkup(inline_keyboard=rows))


async def on_edit_field(
    query: CallbackQuery,
    callback_data: EditOfferField,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """One field, asked by the offer dialogue (which owns its state)."""
    offer = await offers.owned_offer(session, user, callback_data.offer_id)
    await show(query, *await ask_offer_field(state, offer, callback_data.field, _))


def build_router() -> Router:
    """My offers, in private chats."""
    router = Router(name="my_offers")
    router.message.filter(PrivateChat())
    router.callback_query.filter(PrivateChat())
    router.message.register(on_list_command, Command("my_offers"))
    router.callback_query.register(on_list, OffersList.filter())
    router.callback_query.register(on_open, OpenOffer.filter())
    router.callback_query.register(on_pause, PauseOffer.filter())
    router.callback_query.register(on_ask_delete, AskDelete.filter())
    router.callback_query.register(on_delete, DeleteOffer.filter())
    router.callback_query.register(on_share, ShareOffer.filter())
    router.callback_query.register(on_card, OfferCardPicture.filter())
    router.callback_query.register(on_edit, EditOffer.filter())
    router.callback_query.register(on_edit_field, EditOfferField.filter())
    return router
