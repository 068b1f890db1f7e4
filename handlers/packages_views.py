"""Packages: callbacks and screens (the provider's packages of an offer, buying one,
the balance)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated
from zoneinfo import ZoneInfo

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, LabeledPrice
from babel.dates import format_date

from bot.callbacks import Callback, RowId, one_of
from bot.i18n import Translator
from handlers.my_offers_views import OfferRules
from handlers.offer_views import format_price
from models import Offer, Package, PackagePurchase
from services.packages import SESSION_CHOICES, VALIDITY_CHOICES, Balance

Sessions = Annotated[int, one_of(SESSION_CHOICES)]
ValidDays = Annotated[int, one_of(VALIDITY_CHOICES)]


class PackagesMenu(Callback, prefix="pk-menu"):
    """The provider's packages of an offer."""

    offer_id: RowId


class AddPackage(Callback, prefix="pk-add"):
    """A package of this many sessions: how long is it valid?"""

    offer_id: RowId
    sessions: Sessions


class AddPackageDays(Callback, prefix="pk-days"):
    """…valid this many days: type the price."""

    offer_id: RowId
    sessions: Sessions
    days: ValidDays


class WithdrawPackage(Callback, prefix="pk-off"):
    """Take a package off sale."""

    package_id: RowId


class BuyPackage(Callback, prefix="pk-buy"):
    """A customer buys a package (an invoice follows)."""

    package_id: RowId


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    """A button of this feature."""
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def packages_button(offer: Offer, _: Translator) -> InlineKeyboardButton:
    """The rules screen's button to the offer's packages."""
    return button(_.text("packages.rules_button"), PackagesMenu(offer_id=offer.id))


def package_label(package: Package, offer: Offer, _: Translator) -> str:
    """ "5 sessions · €180.00 · 90 days"."""
    return _.text(
        "packages.label",
        sessions=package.sessions,
        price=format_price(package.price_minor, offer.currency, _),
        days=package.valid_days,
    )


def menu_screen(
    offer: Offer, on_sale: Sequence[Package], _: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    """The offer's packages on sale (each can be withdrawn) and the sizes to add."""
    lines = [_("packages.menu", title=offer.title)]
    if not on_sale:
        lines.append(_("packages.none"))
    rows = [
        [button("✖ " + package_label(package, offer, _), WithdrawPackage(package_id=package.id))]
        for package in on_sale
    ]
    rows.append(
        [
            button(_.text("packages.add", sessions=n), AddPackage(offer_id=offer.id, sessions=n))
            for n in SESSION_CHOICES
        ]
    )
    rows.append([button(_.text("common.back"), OfferRules(offer_id=offer.id))])
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


def days_screen(offer: Offer, sessions: int, _: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """How long a package of `sessions` sessions is valid."""
    rows = [
        [
            button(
                _.text("packages.days", days=days),
                AddPackageDays(offer_id=offer.id, sessions=sessions, days=days),
            )
            for days in VALIDITY_CHOICES
        ],
        [button(_.text("common.back"), PackagesMenu(offer_id=offer.id))],
    ]
    text = _("packages.ask_days", sessions=sessions)
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def buy_rows(
    offer: Offer, on_sale: Sequence[Package], _: Translator
) -> list[list[InlineKeyboardButton]]:
    """The offer detail's buttons to buy its packages."""
    return [
        [button("🎟 " + package_label(package, offer, _), BuyPackage(package_id=package.id))]
        for package in on_sale
    ]


def invoice_texts(
    purchase: PackagePurchase, offer: Offer, _: Translator
) -> tuple[str, str, list[LabeledPrice]]:
    """A package invoice's title, description and price line (Telegram's limits)."""
    description = _.text("packages.invoice", sessions=purchase.sessions, title=offer.title)
    label = _.text("packages.invoice_label", sessions=purchase.sessions)
    return (
        offer.title[:32],
        description[:255],
        [LabeledPrice(label=label[:32], amount=purchase.price_minor)],
    )


def bought_text(purchase: PackagePurchase, title: str, reader: ZoneInfo, _: Translator) -> str:
    """A package paid for: how many sessions, of what, until when."""
    until = purchase.expires_at
    day = format_date(until.astimezone(reader), "d MMMM y", locale=_.locale) if until else ""
    return _("packages.bought", sessions=purchase.sessions, title=title, until=day)


def balances_text(found: Sequence[Balance], reader: ZoneInfo, _: Translator) -> str:
    """The customer's packages with sessions left, for My bookings."""
    lines = []
    for balance in found:
        purchase = balance.purchase
        until = purchase.expires_at
        day = format_date(until.astimezone(reader), "d MMM y", locale=_.locale) if until else ""
        lines.append(
            _(
                "packages.balance",
                title=balance.title,
                left=purchase.sessions_left,
                total=purchase.sessions,
                until=day,
            )
        )
    return "\n".join(lines)
