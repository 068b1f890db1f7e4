"""My offers' callbacks and screens: the list, each offer's card with the owner's
actions; the callbacks of its photo and rules screens live here too, so that the card
can offer them and no feature module imports another."""

from __future__ import annotations

from typing import Annotated, Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from pydantic import Field

from bot.callbacks import Callback, RowId
from bot.i18n import Translator
from handlers.community_views import OfferCommunities
from handlers.offer_card_views import CardText
from handlers.offer_views import format_duration, format_place, format_price, render_card
from handlers.review_views import format_score
from models import Offer, OfferStatus
from services import offers
from services.deeplinks import INLINE_CARD_PREFIX

STATUS_ICONS: dict[str, str] = {
    OfferStatus.PUBLISHED: "🟢",
    OfferStatus.PAUSED: "⏸",
    OfferStatus.HIDDEN: "🚫",
}
# The questions of the offer dialogue, which also edit a stored offer's fields.
OfferField = Literal["title", "category", "duration", "price", "hours", "capacity", "place"]
# The booking rules with preset choices.
RuleName = Literal["buffer_min", "min_notice_min", "max_advance_days", "free_cancel_hours"]


# One typed callback per action; a value no button of ours carries fails unpacking. Offer
# ids are still untrusted: every action goes through services.offers, which answers
# someone else's offer exactly like a missing one.
class OffersList(Callback, prefix="mo-list"):
    """My offers, one page of it."""

    page: Annotated[int, Field(ge=0, le=9999)] = 0


class OpenOffer(Callback, prefix="mo"):
    """One offer's card with the owner's actions."""

    offer_id: RowId


class PauseOffer(Callback, prefix="mo-pause"):
    """Pause (hide from customers) or resume."""

    offer_id: RowId
    paused: bool


class AskDelete(Callback, prefix="mo-del"):
    """Delete: asks first."""

    offer_id: RowId


class DeleteOffer(Callback, prefix="mo-del-ok"):
    """Delete, confirmed."""

    offer_id: RowId


class ShareOffer(Callback, prefix="mo-share"):
    """The share link."""

    offer_id: RowId


class OfferCardPicture(Callback, prefix="mo-card"):
    """The printable card with a QR code."""

    offer_id: RowId


class EditOffer(Callback, prefix="mo-edit"):
    """Which field to edit."""

    offer_id: RowId


class EditOfferField(Callback, prefix="mo-field"):
    """Edit one field, with the offer dialogue's question."""

    offer_id: RowId
    field: OfferField


class OfferPhotos(Callback, prefix="mo-photos"):
    """Add photos."""

    offer_id: RowId


class ClearPhotos(Callback, prefix="mo-photos-rm"):
    """Remove all photos."""

    offer_id: RowId


class PhotosDone(Callback, prefix="mo-photos-ok"):
    """Done adding photos."""

    offer_id: RowId


class OfferRules(Callback, prefix="mo-rules"):
    """The booking rules and special dates."""

    offer_id: RowId


class AskRule(Callback, prefix="mo-rule"):
    """The preset choices of one rule."""

    offer_id: RowId
    name: RuleName


class SetRule(Callback, prefix="mo-rule-ok"):
    """One preset of one rule (checked against the presets when pressed)."""

    offer_id: RowId
    name: RuleName
    value: Annotated[int, Field(ge=0, le=100_000)]


class ToggleApproval(Callback, prefix="mo-approval"):
    """Instant confirmation, or approval of each request."""

    offer_id: RowId


class AskDate(Callback, prefix="mo-date"):
    """A day off, or extra hours on a date: type the date."""

    offer_id: RowId
    kind: Literal["dayoff", "extra"]


class ClearDates(Callback, prefix="mo-dates-rm"):
    """Forget the special dates."""

    offer_id: RowId


def share_screen(offer: Offer, link: str, _: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """The link to share, the printable card, and Telegram's chat picker with the card
    (an inline query of `offer_<id>`, answered by handlers/inline.py)."""
    rows = [
        [button(_.text("cards.button"), OfferCardPicture(offer_id=offer.id))],
        [share_in_chat_button(offer.id, _)],
        [button(_.text("common.back"), OpenOffer(offer_id=offer.id))],
    ]
    text = _("offers.share_text", title=offer.title, link=link)
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def share_in_chat_button(offer_id: int, _: Translator) -> InlineKeyboardButton:
    """Opens Telegram's chat picker; the chosen chat gets the offer's card."""
    return InlineKeyboardButton(
        text=_.text("cards.share"), switch_inline_query=f"{INLINE_CARD_PREFIX}{offer_id}"
    )


def card_text(offer: Offer, link: str, _: Translator) -> CardText:
    """What the printable card says, in the reader's language."""
    price = format_price(offer.price_minor, offer.currency, _)
    duration = format_duration(offer.duration_min, _)
    return CardText(
        title=offer.title,
        price=f"{price} · {duration}",
        rating=format_score(offer.rating, offer.review_count, _),
        place=format_place(offer.place_kind, offer.area, _),
        scan=_.text("cards.scan"),
        link=link,
    )


def button(text: str, callback_data: CallbackData) -> InlineKeyboardButton:
    """A button of the offer-management screens."""
    return InlineKeyboardButton(text=text, callback_data=callback_data.pack())


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
        [button(f"{STATUS_ICONS.get(o.status, '')} {o.title}"[:64], OpenOffer(offer_id=o.id))]
        for o in shown
    ]
    navigation = []
    if page > 0:
        navigation.append(button(_.text("search.previous"), OffersList(page=page - 1)))
    if page < pages - 1:
        navigation.append(button(_.text("search.next"), OffersList(page=page + 1)))
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
    paused = offer.status == OfferStatus.PAUSED
    pause = PauseOffer(offer_id=offer.id, paused=not paused)
    rows = [
        [
            button(_.text("offers.edit"), EditOffer(offer_id=offer.id)),
            button(_.text("offers.resume" if paused else "offers.pause"), pause),
        ],
        [
            button(_.text("offers.rules"), OfferRules(offer_id=offer.id)),
            button(
                _.text("offers.photos", count=len(offer.photos)), OfferPhotos(offer_id=offer.id)
            ),
        ],
        [
            button(_.text("offers.share"), ShareOffer(offer_id=offer.id)),
            button(_.text("offers.communities"), OfferCommunities(offer_id=offer.id)),
        ],
        [button(_.text("offers.delete"), AskDelete(offer_id=offer.id))],
        [button(_.text("offers.back_to_list"), OffersList())],
    ]
    return text, InlineKeyboardMarkup(inline_keyboard=rows)
