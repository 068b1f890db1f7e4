"""Deposits and prepayment: callbacks and screens (the held time with its invoice, an
offer's prepayment choices, the admins' refund notice)."""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, LabeledPrice
from pydantic import Field

from bot.callbacks import Callback, RowId
from bot.i18n import Translator
from handlers.booking_views import when_both
from handlers.my_offers_views import OfferRules
from handlers.offer_views import format_price
from models import Offer, Payment, Prepayment, User
from services.payments import DEPOSIT_PERCENTS, Invoice

TITLE_LIMIT = 32  # Telegram's limits on an invoice's title and description
DESCRIPTION_LIMIT = 255


class ReleaseHold(Callback, prefix="pay-release"):
    """Give a held time up instead of paying."""

    booking_id: RowId


class PrepaymentMenu(Callback, prefix="pay-menu"):
    """An offer's prepayment choices."""

    offer_id: RowId


class SetPrepayment(Callback, prefix="pay-set"):
    """No prepayment, the full price, or a deposit of a share of the price."""

    offer_id: RowId
    kind: Literal["none", "deposit", "full"]
    percent: Annotated[int, Field(ge=0, le=100)] = 0


class AskDeposit(Callback, prefix="pay-amount"):
    """Type a fixed deposit."""

    offer_id: RowId


class MarkRefunded(Callback, prefix="pay-refunded"):
    """An admin refunded the charge in the payment provider's dashboard."""

    payment_id: RowId


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    """A button of this feature."""
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def prepayment_text(offer: Offer, _: Translator) -> str:
    """ "none" / "the full price" / "a deposit of 20 %" / "a deposit of €10.00"."""
    if offer.prepayment == Prepayment.FULL:
        return _.text("payments.kind.full")
    if offer.prepayment == Prepayment.DEPOSIT and offer.deposit_percent is not None:
        return _.text("payments.kind.percent", percent=offer.deposit_percent)
    if offer.prepayment == Prepayment.DEPOSIT and offer.deposit_minor is not None:
        amount = format_price(offer.deposit_minor, offer.currency, _)
        return _.text("payments.kind.fixed", amount=amount)
    return _.text("payments.kind.none")


def prepayment_screen(offer: Offer, _: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """The offer's prepayment now, and the choices."""
    oid = offer.id
    text = _("payments.menu", title=offer.title, now=prepayment_text(offer, _))
    percents = [
        button(f"{percent} %", SetPrepayment(offer_id=oid, kind="deposit", percent=percent))
        for percent in DEPOSIT_PERCENTS
    ]
    rows = [
        [
            button(_.text("payments.choose.none"), SetPrepayment(offer_id=oid, kind="none")),
            button(_.text("payments.choose.full"), SetPrepayment(offer_id=oid, kind="full")),
        ],
        percents,
        [button(_.text("payments.choose.fixed"), AskDeposit(offer_id=oid))],
        [button(_.text("common.back"), OfferRules(offer_id=oid))],
    ]
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def prepayment_button(offer: Offer, _: Translator) -> InlineKeyboardButton:
    """The rules screen's button to the prepayment choices."""
    return button(_.text("payments.rules_button"), PrepaymentMenu(offer_id=offer.id))


def held_screen(
    invoice: Invoice, minutes: int, reader: ZoneInfo, _: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    """The summary turned into the held time: pay below, or give it up."""
    booking = invoice.booking
    offer = booking.offer
    text = _(
        "payments.held",
        title=offer.title,
        when=when_both(booking.starts_at, reader, ZoneInfo(offer.provider.timezone), _),
        minutes=minutes,
        what=_.text("payments.what.full" if invoice.full_price else "payments.what.deposit"),
        amount=format_price(invoice.amount_minor, invoice.currency, _),
    )
    release = button(_.text("payments.release"), ReleaseHold(booking_id=booking.id))
    return text, InlineKeyboardMarkup(inline_keyboard=[[release]])


def invoice_texts(
    invoice: Invoice, reader: ZoneInfo, _: Translator
) -> tuple[str, str, list[LabeledPrice]]:
    """The invoice's title, description and price line, within Telegram's limits."""
    booking = invoice.booking
    offer = booking.offer
    when = when_both(booking.starts_at, reader, ZoneInfo(offer.provider.timezone), _)
    what = _.text("payments.what.full" if invoice.full_price else "payments.what.deposit")
    description = _.text("payments.invoice_description", what=what, title=offer.title, when=when)
    label = _.text("payments.invoice_label", what=what, seats=booking.seats)
    return (
        offer.title[:TITLE_LIMIT],
        description[:DESCRIPTION_LIMIT],
        [LabeledPrice(label=label[:TITLE_LIMIT], amount=invoice.amount_minor)],
    )


def refund_notice(
    payment: Payment, customer: User | None, offer: Offer | None, _: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    """For an admin: a charge owed back, with what they need to refund it."""
    text = _(
        "payments.refund_due",
        amount=format_price(payment.amount_minor, payment.currency, _),
        customer=customer.full_name if customer else "—",
        customer_id=payment.customer_id,
        title=offer.title if offer else "—",
        charge=payment.telegram_charge_id,
        provider_charge=payment.provider_charge_id or "—",
    )
    done = button(_.text("payments.mark_refunded"), MarkRefunded(payment_id=payment.id))
    return text, InlineKeyboardMarkup(inline_keyboard=[[done]])
