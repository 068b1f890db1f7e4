"""Deep links: `t.me/<bot>?start=<payload>` payloads as typed values."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PAYLOAD_RE = re.compile(r"^(offer|provider)_([1-9][0-9]{0,17})$")


@dataclass(frozen=True, slots=True)
class OfferLink:
    """A link to one offer."""

    offer_id: int


@dataclass(frozen=True, slots=True)
class ProviderLink:
    """A link to a provider's profile."""

    provider_id: int


DeepLink = OfferLink | ProviderLink


def parse_start_payload(payload: str | None) -> DeepLink | None:
    """The deep link in a /start payload, or None when there is none or it is malformed."""
    if not payload:
        return None
    match = _PAYLOAD_RE.match(payload.strip())
    if match is None:
        return None
    kind, number = match.groups()
    return OfferLink(int(number)) if kind == "offer" else ProviderLink(int(number))


def start_link(bot_username: str, link: DeepLink) -> str:
    """The shareable t.me URL that opens `link` in the bot."""
    payload = (
        f"offer_{link.offer_id}" if isinstance(link, OfferLink) else f"provider_{link.provider_id}"
    )
    return f"https://t.me/{bot_username}?start={payload}"
