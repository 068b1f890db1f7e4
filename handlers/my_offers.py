"""My offers: the provider's list, each offer's card and its actions.

Offer ids in callback data are untrusted: every action goes through services.offers,
which answers someone else's offer exactly like a missing one.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Self

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from pydantic import model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from bot.callbacks import NO_VALUE, PAGE, SETTING, WORD, OptionalRowId, ValueShapes
from bot.filters import PrivateChat
from bot.i18n import Translator
from bot.replies import show
from handlers.offer_cards import render_card
from handlers.offer_draft import GUIDED_ORDER, DraftStates, render_question
from models import Offer, User
from services import offers
from services.deeplinks import OfferLink, start_link
from services.input_values import whole_number
from services.offer_parser import OfferDraft

STATUS_ICONS = {"published": "🟢", "paused": "⏸", "hidden": "🚫"}
# The fields of a stored offer that the creation dialogue also edits.
DRAFT_FIELDS = (
    "title",
    "category",
    "duration_min",
    "price_minor",
    "currency",
    "weekly",
    "capacity",
    "place_kind",
    "area",
)


MY_OFFER_SHAPES = ValueShapes(
    {
        **dict.fromkeys(
            (
                "open",
                "pause",
                "resume",
                "delete",
                "delete_confirmed",
                "share",
                "edit",
                "photos",
                "clearphotos",
                "photosdone",
                "rules",
                "approval",
                "dayoff",
                "extra",
                "cleardates",
            ),
            NO_VALUE,
        ),
        "list": PAGE,
        "field": WORD,
        "rule": WORD,
        "setrule": SETTING,
    }
)


class MyOfferCallback(CallbackData, prefix="mo"):
    """An action on one of the provider's offers (offer_id 0: the list)."""

    action: str
    offer_id: OptionalRowId
    value: str = ""

    @model_validator(mode="after")
    def known_value(self) -> Self:
        """Refuses actions and values that no button of ours carries."""
        MY_OFFER_SHAPES.check(self.action, self.value)
        return self


def offer_button(text: str, action: str, offer_id: int, value: str = "") -> InlineKeyboardButton:
    data = MyOfferCallback(action=action, offer_id=offer_id, value=value).pack()
    return InlineKeyboardButton(text=text, callback_data=data)


def offer_card(offer: Offer, _: Translator) -> str:
    """The card of a stored offer, as customers see it."""
    return render_card(offers.offer_data(offer), _)


LIST_PAGE = 20  # offers a page of My offers shows


def render_list(
    items: list[Offer], _: Translator, page: int = 0
) -> tuple[str, InlineKeyboardMarkup]:
    """The provider's offers with their status, one button each, LIST_PAGE a page."""
    if not items:
        return _("offers.none"), InlineKeyboardMarkup(inline_keyboard=[])
    pages = (len(items) + LIST_PAGE - 1) // LIST_PAGE
    page = min(page, pages - 1)
    shown = items[page * LIST_PAGE : (page + 1) * LIST_PAGE]
    rows = [
        [offer_button(f"{STATUS_ICONS.get(o.status, '')} {o.title}"[:64], "open", o.id)]
        for o in shown
    ]
    navigation = []
    if page > 0:
        navigation.append(offer_button(_.text("search.previous"), "list", 0, str(page - 1)))
    if page < pages - 1:
        navigation.append(offer_button(_.text("search.next"), "list", 0, str(page + 1)))
    if navigation:
        rows.append(navigation)
    title = _("offers.title_count", count=len(items))
    if pages > 1:
        title += "\n" + _("offers.page", page=page + 1, pages=pages)
    return title, InlineKeyboardMarkup(inline_keyboard=rows)


def render_manage(offer: Offer, _: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """One offer with its status and the owner's actions."""
    status = _.text(f"offers.status.{offer.status}")
    text = f"{_('offers.status_line', status=status)}\n\n{offer_card(offer, _)}"
    pause = ("resume", "offers.resume") if offer.status == "paused" else ("pause", "offers.pause")
    rows = [
        [
            offer_button(_.text("offers.edit"), "edit", offer.id),
            offer_button(_.text(pause[1]), pause[0], offer.id),
        ],
        [
            offer_button(_.text("offers.rules"), "rules", offer.id),
            offer_button(_.text("offers.photos", count=len(offer.photos)), "photos", offer.id),
        ],
        [
            offer_button(_.text("offers.share"), "share", offer.id),
            offer_button(_.text("offers.delete"), "delete", offer.id),
        ],
        [offer_button(_.text("offers.back_to_list"), "list", 0)],
    ]
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


async def on_list_command(
    message: Message, session: AsyncSession, user: User, _: Translator
) -> None:
    """/my_offers."""
    text, markup = render_list(await offers.my_offers(session, user), _)
    await message.answer(text, reply_markup=markup)


async def on_list(
    query: CallbackQuery,
    callback_data: MyOfferCallback,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """Back to the list, or another page of it."""
    page = whole_number(callback_data.value, 0, 9999) or 0
    text, markup = render_list(await offers.my_offers(session, user), _, page)
    await show(query, text, markup)


async def on_action(
    query: CallbackQuery,
    callback_data: MyOfferCallback,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """Open, pause, resume, share, delete (asks first), or edit one of the user's offers."""
    action, offer_id = callback_data.action, callback_data.offer_id
    if action in ("pause", "resume"):
        offer = await offers.set_paused(session, user, offer_id, paused=action == "pause")
        callback_answer.text = _.text("offers.paused" if action == "pause" else "offers.resumed")
    elif action == "delete_confirmed":
        await offers.delete_offer(session, user, offer_id)
        callback_answer.text = _.text("offers.deleted")
        text, markup = render_list(await offers.my_offers(session, user), _)
        await show(query, text, markup)
        return
    else:
        offer = await offers.owned_offer(session, user, offer_id)
    if action == "delete":
        await show(
            query,
            _("offers.confirm_delete", title=offer.title),
            InlineKeyboardMarkup(
                inline_keyboard=[
                    [
                        offer_button(_.text("offers.delete_yes"), "delete_confirmed", offer.id),
                        offer_button(_.text("common.cancel"), "open", offer.id),
                    ]
                ]
            ),
        )
        return
    if action == "share":
        me = await query.bot.me() if query.bot else None
        link = start_link(me.username or "", OfferLink(offer.id)) if me else ""
        await show(
            query,
            _("offers.share_text", title=offer.title, link=link),
            InlineKeyboardMarkup(
                inline_keyboard=[[offer_button(_.text("common.back"), "open", offer.id)]]
            ),
        )
        return
    if action == "edit":
        buttons = [
            offer_button(_.text(f"offer.field.{name}"), "field", offer.id, name)
            for name in GUIDED_ORDER
        ]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
        rows.append([offer_button(_.text("common.back"), "open", offer.id)])
        await show(query, _("offer.which_field"), InlineKeyboardMarkup(inline_keyboard=rows))
        return
    if action == "field" and callback_data.value in GUIDED_ORDER:
        data = offers.offer_data(offer)
        draft = OfferDraft(**{name: getattr(data, name) for name in DRAFT_FIELDS})
        await state.set_state(DraftStates.answering)
        await state.set_data(
            {
                "draft": asdict(draft),
                "asking": callback_data.value,
                "editing": True,
                "offer_id": offer.id,
            }
        )
        screen, markup = render_question(callback_data.value, False, _)
        await show(query, screen, markup)
        return
    text, markup = render_manage(offer, _)
    await show(query, text, markup)


def build_router() -> Router:
    """My offers, in private chats."""
    router = Router(name="my_offers")
    router.message.filter(PrivateChat())
    router.callback_query.filter(PrivateChat())
    router.message.register(on_list_command, Command("my_offers"))
    router.callback_query.register(on_list, MyOfferCallback.filter(F.action == "list"))
    router.callback_query.register(on_action, MyOfferCallback.filter())
    return router
