"""Deposits and prepayment: the invoice of a held time, the pre-checkout re-check, the
payment that confirms the booking once, giving a held time up, an offer's prepayment
choices, and the admins' "refunded" mark. See services.payments."""

from __future__ import annotations

import logging
import math
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, PreCheckoutQuery
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.filters import HasText, PaidMessage, PrivateChat
from bot.i18n import Translator
from bot.replies import show
from handlers.admin import IsAdmin
from handlers.booking import card_for, notify_other_side
from handlers.offer_views import format_price
from handlers.packages_views import bought_text
from handlers.payments_views import (
    AskDeposit,
    MarkRefunded,
    PrepaymentMenu,
    ReleaseHold,
    SetPrepayment,
    held_screen,
    invoice_texts,
    prepayment_screen,
)
from models import Booking, Offer, User, utcnow
from services import bookings, offers, packages, payments
from services.payment_ledger import Charge

log = logging.getLogger(__name__)


class PaymentStates(StatesGroup):
    """Waiting for a typed fixed deposit."""

    deposit = State()


async def start_payment(
    query: CallbackQuery,
    booking: Booking,
    session: AsyncSession,
    settings: Settings,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """The held time in place of the summary, and the invoice below it. An invoice
    Telegram refuses (an amount below its minimum, say) gives the time up at once."""
    invoice = payments.invoice_for(booking, enabled=settings.payments_enabled)
    token = settings.payment_provider_token
    if invoice is None or token is None or query.bot is None:
        return
    left = (booking.pay_by or utcnow()) - utcnow()
    minutes = max(1, math.ceil(left.total_seconds() / 60))
    await show(query, *held_screen(invoice, minutes, tz, _))
    title, description, prices = invoice_texts(invoice, tz, _)
    try:
        await query.bot.send_invoice(
            chat_id=query.from_user.id,
            title=title,
            description=description,
            payload=invoice.payload,
            provider_token=token.get_secret_value(),
            currency=invoice.currency,
            prices=prices,
        )
    except TelegramBadRequest as error:
        log.warning("an invoice was refused by the Bot API: %s", error.message)
        await bookings.change(
            session, None, booking.id, bookings.Transition.EXPIRE_HOLD, now=utcnow()
        )
        await query.bot.send_message(query.from_user.id, _("payments.invoice_failed"))


async def on_pre_checkout(
    query: PreCheckoutQuery, session: AsyncSession, settings: Settings, _: Translator
) -> None:
    """Telegram asks before charging: is the hold (or the package) still there, and the
    amount right?"""
    if packages.purchase_id_of(query.invoice_payload) is not None:
        key = await packages.check_checkout(
            session, query.from_user.id, query.invoice_payload, query.currency, query.total_amount
        )
        if key is None:
            await query.answer(ok=True)
        else:
            await query.answer(ok=False, error_message=_.text(key))
        return
    refusal = await payments.check_checkout(
        session,
        query.from_user.id,
        query.invoice_payload,
        query.currency,
        query.total_amount,
        enabled=settings.payments_enabled,
        now=utcnow(),
    )
    if refusal is None:
        await query.answer(ok=True)
    else:
        await query.answer(ok=False, error_message=_.text(refusal.value))


async def on_paid(
    message: Message,
    session: AsyncSession,
    user: User,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """The payment went through: the booking stands (once, whatever is redelivered)."""
    paid = message.successful_payment
    if paid is None:
        return
    charge = Charge(
        payload=paid.invoice_payload,
        currency=paid.currency,
        total_amount=paid.total_amount,
        telegram_charge_id=paid.telegram_payment_charge_id,
        provider_charge_id=paid.provider_payment_charge_id,
    )
    now = utcnow()
    if packages.purchase_id_of(charge.payload) is not None:
        await _package_paid(message, session, user, charge, tz, _)
        return
    outcome = await payments.record_payment(session, user, charge, now=now)
    booking = outcome.booking
    amount = format_price(paid.total_amount, paid.currency, _)
    if outcome.outcome == payments.Outcome.LOST and booking is not None:
        await message.answer(_("payments.lost", amount=amount, title=booking.offer.title))
    if outcome.outcome != payments.Outcome.BOOKED or booking is None:
        return
    card, markup = await card_for(session, booking, user, tz, _, now)
    head = _("payments.paid", amount=amount) + "\n" + _(f"booking.done_{booking.status}")
    await message.answer(head + "\n\n" + card, reply_markup=markup)
    if message.bot is not None:
        await notify_other_side(message.bot, session, booking, user, booking.status, now)


async def _package_paid(
    message: Message,
    session: AsyncSession,
    user: User,
    charge: Charge,
    tz: ZoneInfo,
    _: Translator,
) -> None:
    """A package paid for: usable from now (a redelivered payment changes nothing)."""
    purchase = await packages.record_payment(session, user, charge, now=utcnow())
    if purchase is None:
        return
    offer = await session.get(Offer, purchase.offer_id)
    await message.answer(bought_text(purchase, offer.title if offer else "", tz, _))


async def on_release(
    query: CallbackQuery,
    callback_data: ReleaseHold,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """Give the held time up: its seats are free again, and the invoice no longer pays."""
    await payments.release_hold(session, user, callback_data.booking_id, now=utcnow())
    await show(query, _("payments.released"))


async def on_prepayment_menu(
    query: CallbackQuery,
    callback_data: PrepaymentMenu,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """An offer's prepayment choices."""
    offer = await offers.owned_offer(session, user, callback_data.offer_id)
    await show(query, *prepayment_screen(offer, _))


async def on_set_prepayment(
    query: CallbackQuery,
    callback_data: SetPrepayment,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """None, the full price, or a share of it as a deposit."""
    percent = callback_data.percent if callback_data.kind == "deposit" else None
    offer = await payments.set_prepayment(
        session, user, callback_data.offer_id, callback_data.kind, deposit_percent=percent
    )
    callback_answer.text = _.text("payments.saved")
    await show(query, *prepayment_screen(offer, _))


async def on_ask_deposit(
    query: CallbackQuery,
    callback_data: AskDeposit,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """Ask for a fixed deposit per place."""
    offer = await offers.owned_offer(session, user, callback_data.offer_id)
    await state.set_state(PaymentStates.deposit)
    await state.set_data({"offer_id": offer.id})
    price = format_price(offer.price_minor, offer.currency, _)
    await show(query, _("payments.ask_deposit", price=price))


async def on_deposit_text(
    message: Message, state: FSMContext, session: AsyncSession, user: User, _: Translator
) -> None:
    """The typed deposit: saved when it is an amount below the price, else asked again."""
    offer_id = int((await state.get_data()).get("offer_id") or 0)
    offer = await offers.owned_offer(session, user, offer_id)
    amount = payments.amount_from_text(message.text or "", offer)
    if amount is None:
        await message.answer(_("payments.error.deposit_amount"))
        return
    offer = await payments.set_prepayment(session, user, offer.id, "deposit", deposit_minor=amount)
    await state.clear()
    text, markup = prepayment_screen(offer, _)
    await message.answer(text, reply_markup=markup)


async def on_mark_refunded(
    query: CallbackQuery,
    callback_data: MarkRefunded,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    _: Translator,
) -> None:
    """An admin refunded the charge: it is no longer due (pressed twice: nothing)."""
    done = await payments.mark_refunded(session, callback_data.payment_id)
    callback_answer.text = _.text("payments.refunded" if done else "payments.not_due")
    if isinstance(query.message, Message) and done is not None:
        await show(query, (query.message.html_text or "") + "\n\n" + _("payments.refunded"))


def build_router() -> Router:
    """Payments in private chats; the pre-checkout query, which has no chat."""
    router = Router(name="payments")
    router.pre_checkout_query.register(on_pre_checkout)
    # A payment arrives whatever dialogue the payer is in, and never counts as an answer.
    router.message.register(on_paid, PrivateChat(), StateFilter("*"), PaidMessage())
    router.callback_query.filter(PrivateChat())
    router.callback_query.register(on_release, ReleaseHold.filter())
    router.callback_query.register(on_prepayment_menu, PrepaymentMenu.filter())
    router.callback_query.register(on_set_prepayment, SetPrepayment.filter())
    router.callback_query.register(on_ask_deposit, AskDeposit.filter())
    router.callback_query.register(on_mark_refunded, MarkRefunded.filter(), IsAdmin())
    router.message.register(
        on_deposit_text, PrivateChat(), StateFilter(PaymentStates.deposit), HasText()
    )
    return router
