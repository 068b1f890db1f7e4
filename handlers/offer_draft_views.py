"""The offer dialogue's callbacks and screens: questions, preview, field menu."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)
from pydantic import Field

from bot.callbacks import Callback
from bot.i18n import Translator
from handlers.my_offers_views import OffersList, OpenOffer, button
from handlers.offer_views import render_card
from services.offer_parser import CATEGORIES, OfferDraft

GUIDED_ORDER = ("title", "category", "duration", "price", "hours", "capacity", "place")


# The fields the preview's "Edit field" offers: the questions, and the hours' time zone.
PreviewField = Literal[
    "title", "category", "duration", "price", "hours", "capacity", "place", "timezone"
]


PREVIEW_FIELDS: tuple[PreviewField, ...] = get_args(PreviewField)


DURATION_PRESETS = (30, 45, 60, 90, 120)


CAPACITY_PRESETS = (1, 2, 4, 6, 10)


PLACES = ("area", "customer", "online")


# One typed callback per action; a value no button of ours carries fails unpacking.
class Choose(Callback, prefix="od"):
    """A choice for the open question (checked against that question's choices)."""

    value: Annotated[str, Field(min_length=1, max_length=40)]


class StepByStep(Callback, prefix="od-guided"):
    """Every field asked in order, instead of one message."""


class Back(Callback, prefix="od-back"):
    """Forget the last answer and ask it again."""


class Discard(Callback, prefix="od-x"):
    """Cancel or Discard: nothing is kept."""


class Publish(Callback, prefix="od-ok"):
    """Publish the previewed offer."""


class FieldMenu(Callback, prefix="od-fields"):
    """Edit field: which one?"""


class ShowPreview(Callback, prefix="od-preview"):
    """Back to the preview."""


class EditField(Callback, prefix="od-edit"):
    """Ask one field again, then come back to the preview."""

    field: PreviewField


DRAFT_PREFIXES = frozenset(
    cls.__prefix__
    for cls in (Choose, StepByStep, Back, Discard, Publish, FieldMenu, ShowPreview, EditField)
)


def render_question(
    name: str, can_go_back: bool, _: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    """A question about one field, with its choices and Back / Cancel."""
    rows: list[list[InlineKeyboardButton]] = []
    if name == "category":
        buttons = [button(_.text(f"category.{c}"), Choose(value=c)) for c in CATEGORIES]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    elif name == "duration":
        rows = [
            [
                button(_.text("offer.minutes", minutes=m), Choose(value=str(m)))
                for m in DURATION_PRESETS
            ]
        ]
    elif name == "capacity":
        rows = [
            [
                button(_.text("offer.private") if n == 1 else str(n), Choose(value=str(n)))
                for n in CAPACITY_PRESETS
            ]
        ]
    elif name == "place":
        rows = [[button(_.text(f"place.choose.{kind}"), Choose(value=kind))] for kind in PLACES]
    controls = [button(_.text("common.back"), Back())] if can_go_back else []
    controls.append(button(_.text("common.cancel"), Discard()))
    return _(f"offer.ask.{name}"), InlineKeyboardMarkup(inline_keyboard=[*rows, controls])


def render_preview(draft: OfferDraft, _: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """The preview card, with the zone its hours are in, and Publish / Edit field / Discard."""
    text = _("offer.preview_title") + "\n\n" + render_card(draft, _)
    if draft.timezone:
        text += "\n" + _("offer.preview_timezone", timezone=draft.timezone)
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [button(_.text("offer.publish"), Publish())],
            [
                button(_.text("offer.edit_field"), FieldMenu()),
                button(_.text("offer.discard"), Discard()),
            ],
        ]
    )
    return text, markup


def render_field_menu(_: Translator) -> InlineKeyboardMarkup:
    """Which field to change."""
    buttons = [
        button(_.text(f"offer.field.{name}"), EditField(field=name)) for name in PREVIEW_FIELDS
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([button(_.text("common.back"), ShowPreview())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def describe_keyboard(_: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(_.text("offer.step_by_step"), StepByStep())],
            [button(_.text("common.cancel"), Discard())],
        ]
    )


def published_keyboard(offer_id: int, _: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button(_.text("offer.view"), OpenOffer(offer_id=offer_id)),
                button(_.text("offers.title"), OffersList()),
            ]
        ]
    )
