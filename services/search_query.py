"""What a search asks and what it finds: the query, its words, hits and pages."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

from services.errors import DomainError
from services.geo import GeoPoint
from services.offers import TRAVEL_LIMIT_KM

Sort = Literal["relevance", "distance", "price", "rating"]
SORTS: tuple[Sort, ...] = get_args(Sort)
MAX_WORDS = 8
MAX_WORD_LENGTH = 40
DEFAULT_TRAVEL_KM = 10  # how far a provider who comes to the customer travels, if unset
MAX_TRAVEL_KM = TRAVEL_LIMIT_KM  # the box for offers at the customer's place
RANKED_MATCHES = 300  # words matching more offers rank only the newest this many
FEW_MATCHES = 300  # words matching fewer offers drive a search near a point
DATE_SCAN_LIMIT = 400  # offers checked for a free slot on the chosen date, per page
FAR = 1e12  # the distance key of online offers: after every place
_WORD_RE = re.compile(r"[^\W_]+")


class SearchExpired(DomainError):
    """A button refines a search that is no longer there (the dialogue ended or expired)."""

    key = "search.expired"


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What the customer asks for; every part is optional."""

    text: str = ""
    category: str | None = None
    max_price_minor: int | None = None
    currency: str | None = None  # the currency of max_price_minor
    on_date: date | None = None  # in the customer's time zone below
    timezone: str = "UTC"
    near: GeoPoint | None = None
    radius_km: float = 10.0
    include_online: bool = False
    sort: str = "relevance"
    community_id: int | None = None  # only the offers a community lists (its catalogue)
    community_name: str = ""  # how the catalogue is named on the results screen


@dataclass(frozen=True, slots=True)
class Hit:
    """One offer found, with its exact distance when searching near a point."""

    offer_id: int
    distance_km: float | None = None
    comes_to_customer: bool = False


@dataclass(frozen=True, slots=True)
class SearchPage:
    """A page of hits, whether more follow, and a "did you mean" for an empty result."""

    hits: list[Hit]
    has_more: bool
    suggestion: str | None = None


def query_words(text_: str) -> list[str]:
    """The words of a query: letters and digits only, so no FTS or SQL syntax survives."""
    words = [word.casefold()[:MAX_WORD_LENGTH] for word in _WORD_RE.findall(text_)]
    return [word for word in words if fold(word)][:MAX_WORDS]


def fold(word: str) -> str:
    """Lower case without accents, as both indexes store words (ё → е, é → e)."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if c.isalnum())
