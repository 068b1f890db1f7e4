"""Packages: a provider sells N sessions of an offer (a price, a validity period); the
customer pays through Telegram Payments (see services.payments for the checks), and
then bookings of that offer draw from the package instead of being paid one by one.

- The balance shows on *My bookings*.
- A booking paid from a package that ends in time gives its session back
  (services.package_ledger, applied by every status change).
- Drawing is one conditional UPDATE: concurrent bookings never take it below zero.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Offer, Package, PackagePurchase, PurchaseStatus, User
from services import bookings, offers
from services.errors import DomainError
from services.offer_parser import NO_CURRENCY
from services.payment_ledger import Charge, record_charge

SESSION_CHOICES = (5, 10, 20)
VALIDITY_CHOICES = (30, 90, 365)  # days
ACTIVE_LIMIT = 5  # packages on sale per offer
_PAYLOAD = re.compile(r"^gigbot:p([1-9][0-9]{0,9})$")


class PackageError(DomainError):
    """A package rule refused; `key` names the translated reply."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


async def for_sale(session: AsyncSession, offer_id: int) -> list[Package]:
    """The offer's packages on sale, fewest sessions first."""
    return list(
        await session.scalars(
            select(Package)
            .where(Package.offer_id == offer_id, Package.active.is_(True))
            .order_by(Package.sessions, Package.id)
        )
    )


async def add_package(
    session: AsyncSession,
    user: User,
    offer_id: int,
    *,
    sessions: int,
    valid_days: int,
    price_minor: int,
) -> Package:
    """Put a package of the user's own offer on sale: one of SESSION_CHOICES and
    VALIDITY_CHOICES, for a price above zero and below the sessions bought one by one."""
    offer = await offers.owned_offer(session, user, offer_id)
    if sessions not in SESSION_CHOICES or valid_days not in VALIDITY_CHOICES:
        raise PackageError("common.expired_button")
    if offer.currency == NO_CURRENCY or offer.price_minor <= 0:
        raise PackageError("packages.error.free_offer")
    if not 0 < price_minor <= offer.price_minor * sessions:
        raise PackageError("packages.error.price")
    if len(await for_sale(session, offer.id)) >= ACTIVE_LIMIT:
        raise PackageError("packages.error.too_many")
    package = Package(
        offer_id=offer.id, sessions=sessions, valid_days=valid_days, price_minor=price_minor
    )
    session.add(package)
    await session.flush()
    return package


async def withdraw(session: AsyncSession, user: User, package_id: int) -> Offer:
    """Take a package of the user's own offer off sale (bought ones stay usable)."""
    package = await session.get(Package, package_id)
    if package is None:
        raise offers.OfferNotFound(package_id)
    offer = await offers.owned_offer(session, user, package.offer_id)
    package.active = False
    await session.flush()
    return offer


@dataclass(frozen=True, slots=True)
class PackageInvoice:
    """What the invoice of a package purchase asks for."""

    purchase: PackagePurchase
    offer: Offer
    payload: str


async def start_purchase(
    session: AsyncSession, customer: User, package_id: int, *, enabled: bool
) -> PackageInvoice:
    """A purchase of a package on sale, waiting for its payment: the offer must be
    bookable by the customer (not their own, no block). Needs payments `enabled`."""
    if not enabled:
        raise PackageError("packages.error.no_payments")
    package = await session.get(Package, package_id)
    if package is None or not package.active:
        raise PackageError("packages.error.gone")
    offer = await bookings.offer_to_book(session, package.offer_id, customer)
    purchase = PackagePurchase(
        package_id=package.id,
        offer_id=offer.id,
        customer_id=customer.id,
        sessions=package.sessions,
        sessions_left=package.sessions,
        currency=offer.currency,
        price_minor=package.price_minor,
        status=PurchaseStatus.PENDING,
    )
    session.add(purchase)
    await session.flush()
    return PackageInvoice(purchase, offer, f"gigbot:p{purchase.id}")


def purchase_id_of(payload: str) -> int | None:
    """The purchase a package invoice's payload names, or None."""
    found = _PAYLOAD.fullmatch(payload or "")
    return int(found.group(1)) if found else None


async def check_checkout(
    session: AsyncSession, user_id: int, payload: str, currency: str, total: int
) -> str | None:
    """None when the purchase may be paid; else the refusal's translation key."""
    purchase_id = purchase_id_of(payload)
    purchase = await session.get(PackagePurchase, purchase_id) if purchase_id else None
    if purchase is None or purchase.customer_id != user_id:
        return "payments.refused.unknown"
    package = await session.get(Package, purchase.package_id)
    if purchase.status != PurchaseStatus.PENDING or package is None or not package.active:
        return "packages.refused.gone"
    if (purchase.currency, purchase.price_minor) != (currency, total):
        return "payments.refused.changed"
    return None


async def record_payment(
    session: AsyncSession, user: User, charge: Charge, *, now: datetime
) -> PackagePurchase | None:
    """Record the charge once (by its Telegram charge id) and make the purchase usable
    from now for the package's validity; None for a charge recorded before, or for no
    purchase of this user."""
    purchase_id = purchase_id_of(charge.payload)
    purchase = await session.get(PackagePurchase, purchase_id) if purchase_id else None
    if purchase is None or purchase.customer_id != user.id or not charge.telegram_charge_id:
        return None
    offer = await session.get(Offer, purchase.offer_id)
    package = await session.get(Package, purchase.package_id)
    if offer is None or package is None:
        return None
    recorded = await record_charge(
        session,
        charge,
        customer_id=user.id,
        provider_id=offer.provider_id,
        purchase_id=purchase.id,
        now=now,
    )
    if recorded is None:
        return None
    await session.execute(
        update(PackagePurchase)
        .where(PackagePurchase.id == purchase.id, PackagePurchase.status == PurchaseStatus.PENDING)
        .values(status=PurchaseStatus.ACTIVE, expires_at=now + timedelta(days=package.valid_days))
        .execution_options(synchronize_session=False)
    )
    await session.refresh(purchase)
    return purchase


@dataclass(frozen=True, slots=True)
class Balance:
    """A customer's usable package: the offer's title, sessions left of all, until when."""

    purchase: PackagePurchase
    title: str


async def balances(session: AsyncSession, customer: User, *, now: datetime) -> list[Balance]:
    """The customer's packages with sessions left and not expired, soonest to expire
    first."""
    rows = await session.execute(
        select(PackagePurchase, Offer.title)
        .join(Offer, Offer.id == PackagePurchase.offer_id)
        .where(
            PackagePurchase.customer_id == customer.id,
            PackagePurchase.status == PurchaseStatus.ACTIVE,
            PackagePurchase.sessions_left > 0,
            PackagePurchase.expires_at > now,
        )
        .order_by(PackagePurchase.expires_at)
        .limit(10)
    )
    return [Balance(purchase, title) for purchase, title in rows]
