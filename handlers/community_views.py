"""Screens of communities: the admins' set-up and queue, the provider's submissions, and
the card the bot posts to a community's chat."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from typing import Annotated, Literal

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    KeyboardButtonRequestChat,
    ReplyKeyboardMarkup,
)
from babel.dates import format_date, get_day_names
from pydantic import Field

from bot.callbacks import Callback, RowId
from bot.community_publisher import Card
from bot.i18n import Html, Translator, translator
from handlers.offer_views import format_duration, format_place, format_price
from handlers.search_views import format_rating
from models import ChatKind, Community, CommunityListing, Moderation, Offer, Posting
from services.communities import LANGUAGES, RADII_KM, Overview, Submission
from services.community_posts import DigestJob, PostJob
from services.community_stats import WeekStats
from services.deeplinks import CatalogueLink, CommunityAdminLink, OfferLink, start_link
from services.offer_parser import CATEGORIES

# The rights the bot asks for when added through the menu's links (`admin=` parameter).
GROUP_RIGHTS = "pin_messages+delete_messages"
CHANNEL_RIGHTS = "post_messages+edit_messages+delete_messages"
REQUEST_GROUP, REQUEST_CHANNEL = 1, 2  # request ids of the chat picker's two buttons

Page = Annotated[int, Field(ge=0, le=10_000)]


class CommunitiesList(Callback, prefix="cm-list"):
    """The communities this person administers."""


class OpenCommunity(Callback, prefix="cm-open"):
    """A community's set-up screen."""

    community_id: RowId


Menu = Literal["moderation", "posting", "language", "category", "digest", "radius"]
Setting = Literal[
    "members_only",
    "radius",
    "moderation",
    "posting",
    "language",
    "category",
    "digest_every",
    "digest_weekday",
    "digest_hour",
]


class ChoiceMenu(Callback, prefix="cm-menu"):
    """The choices of one setting (the digest's: three settings on one screen)."""

    community_id: RowId
    setting: Menu


class SetChoice(Callback, prefix="cm-set"):
    """Choose a value of a setting (a category: toggle it)."""

    community_id: RowId
    setting: Setting
    value: Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[a-z0-9_]+$")]


class AskPoint(Callback, prefix="cm-point"):
    """Share the centre of the community's area."""

    community_id: RowId


class OfferHere(Callback, prefix="cm-here"):
    """A provider's offers, to submit to a community whose catalogue they opened."""

    community_id: RowId
    page: Page = 0


class EditText(Callback, prefix="cm-edit"):
    """Type a new name, description or area."""

    community_id: RowId
    field: Literal["name", "description", "area"]


class Queue(Callback, prefix="cm-queue"):
    """The waiting submissions, one per screen."""

    community_id: RowId
    page: Page = 0


class Decide(Callback, prefix="cm-dec"):
    """An admin's decision on a submission."""

    community_id: RowId
    listing_id: RowId
    action: Literal["approve", "reject", "ban"]


class Listed(Callback, prefix="cm-listed"):
    """The offers a community lists, one per screen."""

    community_id: RowId
    page: Page = 0


class CommunityStats(Callback, prefix="cm-stats"):
    """A community's last weeks in numbers."""

    community_id: RowId


class RemoveListing(Callback, prefix="cm-rm"):
    """Take a listed offer out of the community."""

    community_id: RowId
    listing_id: RowId


class OfferCommunities(Callback, prefix="cm-offer"):
    """The communities an offer can be submitted to (from My offers)."""

    offer_id: RowId
    page: Page = 0


class Submit(Callback, prefix="cm-submit"):
    """Submit an offer to a community."""

    offer_id: RowId
    community_id: RowId


def _button(text: str, data: Callback) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def add_links(bot_username: str, _: Translator) -> list[list[InlineKeyboardButton]]:
    """ "Add to a group" / "Add to a channel": Telegram's pickers, asking for the rights
    the bot needs."""
    base = f"https://t.me/{bot_username}"
    return [
        [
            InlineKeyboardButton(
                text=_.text("community.add_group"),
                url=f"{base}?startgroup=gigbot&admin={GROUP_RIGHTS}",
            ),
            InlineKeyboardButton(
                text=_.text("community.add_channel"),
                url=f"{base}?startchannel=gigbot&admin={CHANNEL_RIGHTS}",
            ),
        ]
    ]


def chat_picker(_: Translator) -> ReplyKeyboardMarkup:
    """The reply keyboard with Telegram's chat picker: a group or a channel the person
    administers and the bot is in."""
    return ReplyKeyboardMarkup(
        keyboard=[
            [
                KeyboardButton(
                    text=_.text("community.pick_group"),
                    request_chat=KeyboardButtonRequestChat(
                        request_id=REQUEST_GROUP,
                        chat_is_channel=False,
                        user_administrator_rights=None,
                        bot_is_member=True,
                        request_title=True,
                    ),
                ),
                KeyboardButton(
                    text=_.text("community.pick_channel"),
                    request_chat=KeyboardButtonRequestChat(
                        request_id=REQUEST_CHANNEL,
                        chat_is_channel=True,
                        bot_is_member=True,
                        request_title=True,
                    ),
                ),
            ]
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def catalogue_button(url: str, _: Translator) -> InlineKeyboardMarkup:
    """The one button of /find in a group: the catalogue, in private."""
    button = InlineKeyboardButton(text=_.text("community.open_catalogue"), url=url)
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


def list_screen(
    items: Sequence[Community], bot_username: str, _: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    """The person's communities (one button each) and the ways to add one."""
    rows = [[_button(c.name[:60], OpenCommunity(community_id=c.id))] for c in items[:40]]
    rows += add_links(bot_username, _)
    key = "community.list" if items else "community.list_empty"
    return _(key, count=len(items)), InlineKeyboardMarkup(inline_keyboard=rows)


def welcome_screen(
    community: Community, bot_username: str, _: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    """What the bot posts in a group it was added to: one button to finish in private."""
    url = start_link(bot_username, CommunityAdminLink(community.id))
    rows = [[InlineKeyboardButton(text=_.text("community.set_up"), url=url)]]
    return _("community.welcome", title=community.title), InlineKeyboardMarkup(inline_keyboard=rows)


def digest_when(community: Community, _: Translator) -> str:
    """ "weekly · Fri · 18:00 (Europe/Berlin)", or "—" when the community posts no digest."""
    if community.posting == Posting.EACH:
        return "—"
    hour = f"{community.digest_at_min // 60:02d}:{community.digest_at_min % 60:02d}"
    parts = [_.text(f"community.digest.{community.digest_every}")]
    if community.digest_every == "weekly":
        parts.append(str(get_day_names("abbreviated", locale=_.locale)[community.digest_weekday]))
    parts.append(f"{hour} ({community.timezone})")
    return " · ".join(parts)


def community_screen(
    view: Overview, bot_username: str, _: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    """A community's profile and settings, for its admins, with the catalogue's link."""
    community = view.community
    categories = (
        ", ".join(_.text(f"category.{c}") for c in view.categories)
        if view.categories
        else _.text("community.all_categories")
    )
    text = _(
        "community.screen",
        name=community.name,
        kind=_.text(f"community.kind.{community.kind}"),
        status=_.text(f"community.status.{community.status}"),
        description=community.description or "—",
        area=area_text(community, _),
        language=_.text(f"community.language.{community.language or 'any'}"),
        categories=categories,
        moderation=_.text(f"community.moderation.{community.moderation}"),
        posting=_.text(f"community.posting.{community.posting}"),
        digest=digest_when(community, _),
        waiting=view.waiting,
        listed=view.listed,
        link=start_link(bot_username, CatalogueLink(community.slug)),
    )
    cid = community.id
    rows = [
        [
            _button(_.text("community.edit.name"), EditText(community_id=cid, field="name")),
            _button(
                _.text("community.edit.description"),
                EditText(community_id=cid, field="description"),
            ),
            _button(_.text("community.edit.area"), EditText(community_id=cid, field="area")),
        ],
        [
            _button(
                _.text(f"community.members_only.{'on' if community.members_only else 'off'}"),
                SetChoice(
                    community_id=cid,
                    setting="members_only",
                    value="off" if community.members_only else "on",
                ),
            )
        ],
        [
            _button(_.text("community.point"), AskPoint(community_id=cid)),
            _button(
                _.text("community.menu.radius"), ChoiceMenu(community_id=cid, setting="radius")
            ),
        ],
        [
            _button(
                _.text("community.menu.moderation"),
                ChoiceMenu(community_id=cid, setting="moderation"),
            ),
            _button(
                _.text("community.menu.posting"), ChoiceMenu(community_id=cid, setting="posting")
            ),
        ],
        [
            _button(
                _.text("community.menu.language"), ChoiceMenu(community_id=cid, setting="language")
            ),
            _button(
                _.text("community.menu.category"), ChoiceMenu(community_id=cid, setting="category")
            ),
        ],
        [
            _button(
                _.text("community.menu.digest"), ChoiceMenu(community_id=cid, setting="digest")
            ),
            _button(_.text("community.stats"), CommunityStats(community_id=cid)),
        ],
        [
            _button(_.text("community.queue", count=view.waiting), Queue(community_id=cid)),
            _button(_.text("community.listed", count=view.listed), Listed(community_id=cid)),
        ],
        [_button(_.text("community.back_to_list"), CommunitiesList())],
    ]
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def digest_screen(community: Community, _: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """When the digest goes out: daily or weekly, the weekday, the hour (local time)."""
    cid = community.id

    def pick(setting: Setting, value: str, label: str, chosen: bool) -> InlineKeyboardButton:
        text = ("✅ " if chosen else "") + label
        return _button(text, SetChoice(community_id=cid, setting=setting, value=value))

    every = [
        pick(
            "digest_every",
            value,
            _.text(f"community.digest.{value}"),
            community.digest_every == value,
        )
        for value in ("daily", "weekly")
    ]
    names = get_day_names("abbreviated", locale=_.locale)
    days = [
        pick("digest_weekday", str(day), str(names[day]), community.digest_weekday == day)
        for day in range(7)
    ]
    hour_now = community.digest_at_min // 60
    hours = [
        pick("digest_hour", str(hour), f"{hour:02d}:00", hour == hour_now) for hour in range(24)
    ]
    rows = [every, days[:4], days[4:]]
    rows += [hours[i : i + 6] for i in range(0, 24, 6)]
    rows.append([_button(_.text("common.back"), OpenCommunity(community_id=cid))])
    text = _("community.choose.digest", zone=community.timezone)
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def radius_screen(community: Community, _: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """How far around its point the community reaches (or no point at all)."""
    current = int(community.radius_km or 0) if community.latitude is not None else 0
    buttons = [
        _button(
            ("✅ " if km == current else "") + (f"{km} km" if km else _.text("community.no_point")),
            SetChoice(community_id=community.id, setting="radius", value=str(km)),
        )
        for km in (*RADII_KM, 0)
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append([_button(_.text("common.back"), OpenCommunity(community_id=community.id))])
    return _("community.choose.radius"), InlineKeyboardMarkup(inline_keyboard=rows)


def area_text(community: Community, _: Translator) -> str:
    """The area as the admins wrote it, and the circle on the map, if any."""
    parts = [community.area] if community.area else []
    if community.latitude is not None and community.radius_km:
        parts.append(_.text("community.within", km=int(community.radius_km)))
    return " · ".join(parts) or "—"


def offer_here_screen(
    community: Community,
    items: Sequence[Offer],
    listings: dict[int, CommunityListing],
    page: int,
    _: Translator,
) -> tuple[str, InlineKeyboardMarkup]:
    """A provider's offers, each a button submitting it to `community` (with where it
    stands there), eight a page."""
    size = 8
    rows = []
    for offer in items[page * size : (page + 1) * size]:
        listing = listings.get(offer.id)
        status = _.text(f"community.listing.{listing.status}") if listing is not None else ""
        label = offer.title[:40] + (f" · {status}" if status else "")
        rows.append([_button(label, Submit(offer_id=offer.id, community_id=community.id))])
    nav = []
    if page > 0:
        nav.append(_button("‹", OfferHere(community_id=community.id, page=page - 1)))
    if (page + 1) * size < len(items):
        nav.append(_button("›", OfferHere(community_id=community.id, page=page + 1)))
    if nav:
        rows.append(nav)
    return _("community.offer_here", name=community.name), InlineKeyboardMarkup(
        inline_keyboard=rows
    )


def point_keyboard(_: Translator) -> ReplyKeyboardMarkup:
    """Share a location (the centre of the community's area)."""
    button = KeyboardButton(text=_.text("community.share_point"), request_location=True)
    return ReplyKeyboardMarkup(keyboard=[[button]], resize_keyboard=True, one_time_keyboard=True)


def offer_here_button(community: Community, _: Translator) -> InlineKeyboardMarkup:
    """Under a catalogue, for providers: submit an offer to this community."""
    button = _button(_.text("community.offer_yours"), OfferHere(community_id=community.id))
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


def choice_screen(
    community: Community, setting: str, chosen: Sequence[str], _: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    """The values of one setting, the current one(s) ticked."""
    if setting == "digest":
        return digest_screen(community, _)
    if setting == "radius":
        return radius_screen(community, _)
    values: Sequence[str] = {
        "moderation": tuple(Moderation),
        "posting": tuple(Posting),
        "language": (*LANGUAGES, "any"),
        "category": CATEGORIES,
    }[setting]
    label_key = {
        "moderation": "community.moderation",
        "posting": "community.posting",
        "language": "community.language",
        "category": "category",
    }[setting]
    buttons = [
        _button(
            ("✅ " if value in chosen else "") + _.text(f"{label_key}.{value}"),
            SetChoice(community_id=community.id, setting=setting, value=value),
        )
        for value in values
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([_button(_.text("common.back"), OpenCommunity(community_id=community.id))])
    return _(f"community.choose.{setting}"), InlineKeyboardMarkup(inline_keyboard=rows)


def chosen_values(community: Community, setting: str, categories: Sequence[str]) -> list[str]:
    """The current value(s) of a setting, as `choice_screen` ticks them."""
    if setting == "category":
        return list(categories)
    if setting == "language":
        return [community.language or "any"]
    return [str(getattr(community, setting))]


def submission_text(found: Submission, _: Translator) -> str:
    """A submission as its community's admins read it."""
    offer = found.offer
    return _(
        "community.submission",
        community=found.community.name,
        title=offer.title,
        provider=found.provider.display_name,
        price=format_price(offer.price_minor, offer.currency, _),
        duration=format_duration(offer.duration_min, _),
        place=format_place(offer.place_kind, offer.area, _),
        category=_.text(f"category.{offer.category}"),
        rating=format_rating(offer, _),
        description=offer.description or "—",
    )


def decision_rows(found: Submission, _: Translator) -> list[list[InlineKeyboardButton]]:
    """Approve / Reject / Ban from this community."""
    cid, lid = found.community.id, found.listing.id
    return [
        [
            _button(
                _.text("community.approve"),
                Decide(community_id=cid, listing_id=lid, action="approve"),
            ),
            _button(
                _.text("community.reject"),
                Decide(community_id=cid, listing_id=lid, action="reject"),
            ),
        ],
        [_button(_.text("community.ban"), Decide(community_id=cid, listing_id=lid, action="ban"))],
    ]


def submission_screen(found: Submission, _: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """A submission with the admins' decisions (sent to each admin, and in the queue)."""
    return submission_text(found, _), InlineKeyboardMarkup(inline_keyboard=decision_rows(found, _))


def queue_screen(
    community: Community, items: Sequence[Submission], total: int, page: int, _: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    """One waiting submission per screen, with its decisions and ‹ › through the rest."""
    if not items:
        return _("community.queue_empty"), _back_only(community, _)
    text = _("community.queue_position", number=page + 1, total=total)
    rows = decision_rows(items[0], _)

    def page_of(number: int) -> Callback:
        return Queue(community_id=community.id, page=number)

    return _one_per_screen(community, items[0], text, rows, total, page, page_of, _)


def _back_only(community: Community, _: Translator) -> InlineKeyboardMarkup:
    back = [_button(_.text("common.back"), OpenCommunity(community_id=community.id))]
    return InlineKeyboardMarkup(inline_keyboard=[back])


def _one_per_screen(
    community: Community,
    found: Submission,
    heading: str,
    rows: list[list[InlineKeyboardButton]],
    total: int,
    page: int,
    page_of: Callable[[int], Callback],
    _: Translator,
) -> tuple[str, InlineKeyboardMarkup]:
    """A listing under its heading, its buttons, ‹ › to the neighbours, and Back."""
    nav = []
    if page > 0:
        nav.append(_button("‹", page_of(page - 1)))
    if page + 1 < total:
        nav.append(_button("›", page_of(page + 1)))
    if nav:
        rows.append(nav)
    rows.append([_button(_.text("common.back"), OpenCommunity(community_id=community.id))])
    text = heading + "\n\n" + submission_text(found, _)
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


def listed_rows(found: Submission, _: Translator) -> list[list[InlineKeyboardButton]]:
    """Remove from this community / Ban from this community."""
    cid, lid = found.community.id, found.listing.id
    return [
        [_button(_.text("community.remove"), RemoveListing(community_id=cid, listing_id=lid))],
        [_button(_.text("community.ban"), Decide(community_id=cid, listing_id=lid, action="ban"))],
    ]


def listed_screen(
    community: Community, items: Sequence[Submission], total: int, page: int, _: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    """One listed offer per screen, with Remove / Ban and ‹ › through the rest."""
    if not items:
        return _("community.listed_empty"), _back_only(community, _)
    text = _("community.listed_position", number=page + 1, total=total)
    rows = listed_rows(items[0], _)

    def page_of(number: int) -> Callback:
        return Listed(community_id=community.id, page=number)

    return _one_per_screen(community, items[0], text, rows, total, page, page_of, _)


def community_report_screen(
    found: Submission, reason: str, _: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    """A report about an offer the community lists, for its admins."""
    text = _("community.report", reason=reason) + "\n\n" + submission_text(found, _)
    return text, InlineKeyboardMarkup(inline_keyboard=listed_rows(found, _))


def stats_screen(
    community: Community, weeks: Sequence[WeekStats], _: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    """The last weeks, this one first: listed, posted, catalogue opens, bookings."""
    lines = [
        _(
            "community.stats_week",
            week=format_date(week.week, "d MMM", locale=_.locale),
            listed=week.listed,
            posts=week.posts,
            opens=week.opens,
            bookings=week.bookings,
        )
        for week in weeks
    ]
    text = _("community.stats_title", name=community.name) + "\n\n" + "\n".join(lines)
    back = [[_button(_.text("common.back"), OpenCommunity(community_id=community.id))]]
    return text, InlineKeyboardMarkup(inline_keyboard=back)


def decided_text(found: Submission, _: Translator) -> str:
    """To the provider: what the community's admins decided."""
    listing = found.listing
    return _(
        f"community.decided.{listing.status}",
        title=found.offer.title,
        community=found.community.name,
        reason=listing.reason or "",
    )


def offer_communities_screen(
    offer: Offer,
    items: Sequence[Community],
    listings: dict[int, CommunityListing],
    page: int,
    _: Translator,
    *,
    back: Callback,
) -> tuple[str, InlineKeyboardMarkup]:
    """The communities an offer may be submitted to, with where it stands in each."""
    size = 8
    shown = items[page * size : (page + 1) * size]
    rows = []
    for community in shown:
        listing = listings.get(community.id)
        status = _.text(f"community.listing.{listing.status}") if listing is not None else ""
        label = f"{community.name[:40]}" + (f" · {status}" if status else "")
        rows.append([_button(label, Submit(offer_id=offer.id, community_id=community.id))])
    nav = []
    if page > 0:
        nav.append(_button("‹", OfferCommunities(offer_id=offer.id, page=page - 1)))
    if (page + 1) * size < len(items):
        nav.append(_button("›", OfferCommunities(offer_id=offer.id, page=page + 1)))
    if nav:
        rows.append(nav)
    rows.append([_button(_.text("common.back"), back)])
    key = "community.offer_communities" if items else "community.offer_no_communities"
    return _(key, title=offer.title), InlineKeyboardMarkup(inline_keyboard=rows)


def post_card(
    offer: Offer, community: Community, photo: str | None, bot_username: str, _: Translator
) -> Card:
    """The offer's card in the community's chat, with a Book button that opens the
    booking in private, credited to the community."""
    text = _(
        "community.post",
        title=offer.title,
        price=format_price(offer.price_minor, offer.currency, _),
        duration=format_duration(offer.duration_min, _),
        place=format_place(offer.place_kind, offer.area, _),
        rating=format_rating(offer, _),
        provider=offer.provider.display_name,
        description=(offer.description or "")[:300],
    )
    url = start_link(bot_username, OfferLink(offer.id, community.id))
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=_.text("community.book"), url=url)]]
    )
    return Card(text, photo, markup)  # bounded fields: well within a caption's 1,024


def is_channel(community: Community) -> bool:
    """Whether the community is a channel (no welcome message is posted there)."""
    return community.kind == ChatKind.CHANNEL


def render_post(job: PostJob, bot_username: str) -> Card:
    """A claimed card in the community's language (its first photo, if any)."""
    offer, community = job.offer, job.community
    photos = sorted(offer.photos, key=lambda photo: photo.position)
    photo = photos[0].file_id if photos else None
    return post_card(offer, community, photo, bot_username, translator(community.language or "en"))


def render_digest(job: DigestJob, bot_username: str) -> Card:
    """A digest in the community's language: each new offer linked to its booking (credited
    to the community), and the catalogue."""
    _ = translator(job.community.language or "en")
    community = job.community
    lines = []
    for offer in job.offers:
        url = start_link(bot_username, OfferLink(offer.id, community.id))
        price = format_price(offer.price_minor, offer.currency, _)
        lines.append(f'• <a href="{url}">{escape(offer.title)}</a> · {price}')
    if job.more:
        lines.append(_("community.digest_more", count=job.more))
    text = _("community.digest_post", name=community.name, items=Html("\n".join(lines)))
    url = start_link(bot_username, CatalogueLink(community.slug))
    return Card(text, None, catalogue_button(url, _))
