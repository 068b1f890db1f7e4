"""Packages: the provider puts packages of an offer on sale (from its rules) or takes
them off; a customer buys one from the offer's detail (an invoice). Paying for it is
handled with the other payments (handlers.payments). See services.packages."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.filters import HasText, PrivateChat
from bot.i18n import Translator
from bot.replies import show
from handlers.offer_views import format_price
from handlers.packages_views import (
    AddPackage,
    AddPackageDays,
    BuyPackage,
    PackagesMenu,
    WithdrawPackage,
    days_screen,
    invoice_texts,
    menu_screen,
)
from models import User
from services import offers, packages, payments


class PackageStates(StatesGroup):
    """Waiting for a new package's price."""

    price = State()


async def on_menu(
    query: CallbackQuery,
    callback_data: PackagesMenu,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """The offer's packages on sale, and the sizes to add."""
    offer = await offers.owned_offer(session, user, callback_data.offer_id)
    await show(query, *menu_screen(offer, await packages.for_sale(session, offer.id), _))


async def on_add(
    query: CallbackQuery,
    callback_data: AddPackage,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """A package of N sessions: how long is it valid?"""
    offer = await offers.owned_offer(session, user, callback_data.offer_id)
    await show(query, *days_screen(offer, callback_data.sessions, _))


async def on_days(
    query: CallbackQuery,
    callback_data: AddPackageDays,
    state: FSMContext,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """…valid so many days: now the price."""
    offer = await offers.owned_offer(session, user, callback_data.offer_id)
    await state.set_state(PackageStates.price)
    await state.set_data(
        {"offer_id": offer.id, "sessions": callback_data.sessions, "days": callback_data.days}
    )
    single = format_price(offer.price_minor * callback_data.sessions, offer.currency, _)
    await show(query, _("packages.ask_price", sessions=callback_data.sessions, single=single))


async def on_price(
    message: Message, state: FSMContext, session: AsyncSession, user: User, _: Translator
) -> None:
    """The typed price: the package goes on sale, or the price is asked again."""
    data = await state.get_data()
    offer = await offers.owned_offer(session, user, int(data.get("offer_id") or 0))
    price = payments.amount_from_text(message.text or "", offer)
    if price is None:
        await message.answer(_("packages.error.price"))
        return
    await packages.add_package(
        session,
        user,
        offer.id,
        sessions=int(data.get("sessions") or 0),
        valid_days=int(data.get("days") or 0),
        price_minor=price,
    )
    await state.clear()
    text, markup = menu_screen(offer, await packages.for_sale(session, offer.id), _)
    await message.answer(text, reply_markup=markup)


async def on_withdraw(
    query: CallbackQuery,
    callback_data: WithdrawPackage,
    session: AsyncSession,
    user: User,
    _: Translator,
) -> None:
    """Take a package off sale (what was bought stays usable)."""
    offer = await packages.withdraw(session, user, callback_data.package_id)
    await show(query, *menu_screen(offer, await packages.for_sale(session, offer.id), _))


async def on_buy(
    query: CallbackQuery,
    callback_data: BuyPackage,
    session: AsyncSession,
    user: User,
    settings: Settings,
    _: Translator,
) -> None:
    """Buy a package: its invoice."""
    token = settings.payment_provider_token
    invoice = await packages.start_purchase(
        session, user, callback_data.package_id, enabled=settings.payments_enabled
    )
    if token is None or query.bot is None:
        return
    title, description, prices = invoice_texts(invoice.purchase, invoice.offer, _)
    await query.bot.send_invoice(
        chat_id=query.from_user.id,
        title=title,
        description=description,
        payload=invoice.payload,
        provider_token=token.get_secret_value(),
        currency=invoice.purchase.currency,
        prices=prices,
    )


def build_router() -> Router:
    """Packages, in private chats."""
    router = Router(name="packages")
    router.callback_query.filter(PrivateChat())
    router.callback_query.register(on_menu, PackagesMenu.filter())
    router.callback_query.register(on_add, AddPackage.filter())
    router.callback_query.register(on_days, AddPackageDays.filter())
    router.callback_query.register(on_withdraw, WithdrawPackage.filter())
    router.callback_query.register(on_buy, BuyPackage.filter())
    router.message.register(on_price, PrivateChat(), StateFilter(PackageStates.price), HasText())
    return router
