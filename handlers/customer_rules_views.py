"""The provider's say over who books them: callbacks and screens (blocked customers,
approval of newcomers)."""

from __future__ import annotations

from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from pydantic import Field

from bot.callbacks import Callback, RowId, UserId
from bot.i18n import Translator
from handlers.profile_views import ShowProfile
from models import Provider
from services.customer_blocks import BlockedPage

PageNumber = Annotated[int, Field(ge=0, le=100_000)]


class BlockCustomer(Callback, prefix="cr-block"):
    """From a booking card: stop this booking's customer from booking me (or, with
    `blocked` false, let them again)."""

    booking_id: RowId
    blocked: bool


class BlockedList(Callback, prefix="cr-list"):
    """A page of my blocked customers."""

    page: PageNumber = 0


class UnblockListed(Callback, prefix="cr-rm"):
    """From the list: unblock one customer, then show the same page."""

    customer_id: UserId
    page: PageNumber = 0


class ApproveNewcomers(Callback, prefix="cr-new"):
    """Turn approval of customers new to me on or off."""

    on: bool


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    """A button of this feature."""
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def profile_rows(provider: Provider, _: Translator) -> list[list[InlineKeyboardButton]]:
    """The profile card's buttons of this feature."""
    approve_new_customers = provider.approve_new_customers
    toggle = "customers.approve_new_on" if approve_new_customers else "customers.approve_new_off"
    return [
        [button(_.text(toggle), ApproveNewcomers(on=not approve_new_customers))],
        [button(_.text("customers.blocked_button"), BlockedList())],
    ]


def blocked_screen(found: BlockedPage, _: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """One page of blocked customers, with an Unblock button each and the pages."""
    lines = [_("customers.blocked_title", count=found.total)]
    rows: list[list[InlineKeyboardButton]] = []
    if not found.customers:
        lines.append(_("customers.blocked_empty"))
    for customer in found.customers:
        handle = f"@{customer.username}" if customer.username else ""
        lines.append(_("customers.blocked_line", name=customer.full_name, handle=handle))
        rows.append(
            [
                button(
                    _.text("customers.unblock_named", name=customer.full_name)[:60],
                    UnblockListed(customer_id=customer.id, page=found.page),
                )
            ]
        )
    navigation = []
    if found.page > 0:
        navigation.append(button(_.text("search.previous"), BlockedList(page=found.page - 1)))
    if found.page + 1 < found.pages:
        navigation.append(button(_.text("search.next"), BlockedList(page=found.page + 1)))
    if navigation:
        rows.append(navigation)
    rows.append([button(_.text("customers.back_to_profile"), ShowProfile())])
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)
