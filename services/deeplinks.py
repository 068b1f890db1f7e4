"""Deep links: `t.me/<bot>?start=<payload>` payloads as typed values."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PAYLOAD_RE = re.compile(r"^(offer|provider)_([1-9][0-9]{0,17})(?:_c([1-9][0-9]{0,17}))?$")
_COMMUNITY_RE = re.compile(r"^cm_([1-9][0-9]{0,17})$")
_CATALOGUE_RE = re.compile(r"^c_([a-z0-9][a-z0-9-]{0,31})$")
INLINE_CARD_PREFIX = "card_"  # an inline query `card_<offer id>` shares that offer's card
_INLINE_CARD_RE = re.compile(r"^card_([1-9][0-9]{0,17})$")


@dataclass(frozen=True, slots=True)
class OfferLink:
    """A link to one offer (from a community's post: `community_id` gets the credit)."""

    offer_id: int
    community_id: int | None = None


@dataclass(frozen=True, slots=True)
class CommunityAdminLink:
    """The set-up of a community, for its admins (the button the bot posts in a group)."""

    community_id: int


@dataclass(frozen=True, slots=True)
class ProviderLink:
    """A link to a provider's profile."""

    provider_id: int


@dataclass(frozen=True, slots=True)
class CatalogueLink:
    """A community's catalogue: the search limited to the offers it lists."""

    slug: str


DeepLink = OfferLink | ProviderLink | CommunityAdminLink | CatalogueLink


def parse_start_payload(payload: str | None) -> DeepLink | None:
    """The deep link in a /start payload, or None when there is none or it is malformed."""
    if not payload:
        return None
    catalogue = _CATALOGUE_RE.match(payload.strip())
    if catalogue is not None:
        return CatalogueLink(catalogue.group(1))
    community = _COMMUNITY_RE.match(payload.strip())
    if community is not None:
        return CommunityAdminLink(int(community.group(1)))
    match = _PAYLOAD_RE.match(payload.strip())
    if match is None:
        return None
    kind, number, via = match.groups()
    if kind == "offer":
        return OfferLink(int(number), int(via) if via else None)
    return None if via else ProviderLink(int(number))


def start_link(bot_username: str, link: DeepLink) -> str:
    """The shareable t.me URL that opens `link` in the bot."""
    if isinstance(link, OfferLink):
        payload = f"offer_{link.offer_id}"
        if link.community_id is not None:
            payload += f"_c{link.community_id}"
    elif isinstance(link, ProviderLink):
        payload = f"provider_{link.provider_id}"
    elif isinstance(link, CatalogueLink):
        payload = f"c_{link.slug}"
    else:
        payload = f"cm_{link.community_id}"
    return f"https://t.me/{bot_username}?start={payload}"


def parse_inline_card(query: str) -> int | None:
    """The offer id of an inline query that shares one offer's card, else None."""
    match = _INLINE_CARD_RE.match(query.strip())
    return int(match.group(1)) if match else None
