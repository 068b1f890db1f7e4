"""Finding offers by words, category, price, date and place; one interface, two backends.

Words go to the database's own full-text index (SQLite FTS5, PostgreSQL tsvector; see
models.search_index), never to a `LIKE '%…%'` scan. Both fold case and accents and
match every word as a prefix ("guit" finds "guitarra"). Only published offers of
providers who are not banned are found.

Near a point, a bounding box on the indexed latitude/longitude columns is the pre-filter;
inside it, distances are compared with the local flat-earth formula (under 1% from the
great-circle distance within 100 km), and the distances shown are exact (haversine).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    and_,
    column,
    exists,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from models import Offer, OfferException, OfferHours, Provider
from services.geo import (
    KM_PER_DEGREE_LATITUDE,
    GeoPoint,
    bounding_box,
    distance_km,
    km_per_degree_longitude,
)
from services.slots import offers_with_rules, slots_on_date

SORTS = ("relevance", "distance", "price", "rating")
MAX_WORDS = 8
MAX_WORD_LENGTH = 40
DEFAULT_TRAVEL_KM = 10  # how far a provider who comes to the customer travels, if unset
MAX_TRAVEL_KM = 50  # the box for such offers; larger radii count as this
DATE_SCAN_LIMIT = 400  # offers checked for a free slot on the chosen date, per page
_FAR = 1e12  # the distance key of online offers: after every place
_WORD_RE = re.compile(r"[^\W_]+")

offers_table = Offer.__table__
providers_table = Provider.__table__


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


# --- backends ------------------------------------------------------------------------------

# (FROM clause joining offers to the index, match condition, relevance key: lower = better)
Match = tuple[FromClause, Any, ColumnElement[Any]]


class Backend(Protocol):
    """What differs between the databases: matching words, and reading the vocabulary."""

    def match(self, words: list[str]) -> Match:
        """The FROM clause joining offers to the index, the match condition, and the
        relevance key (ascending = best first)."""
        ...

    def rating_order(self, rating: Any, review_count: Any) -> list[ColumnElement[Any]]:
        """Best rating first, unrated offers last."""
        ...

    async def words_starting(self, session: AsyncSession, prefix: str) -> list[str]:
        """Indexed words beginning with `prefix`."""
        ...


class SqliteBackend:
    """SQLite FTS5 (`offer_search`, rowid = offer id; bm25 with titles weighted)."""

    _fts = table("offer_search", column("rowid"), column("rank"))

    def match(self, words: list[str]) -> Match:
        """FTS5 query of quoted words, each a prefix (one letter: the whole word)."""
        query = " ".join(f'"{word}"*' if len(word) > 1 else f'"{word}"' for word in words)
        joined = self._fts.join(offers_table, offers_table.c.id == self._fts.c.rowid)
        condition = text("offer_search MATCH :fts_query").bindparams(fts_query=query)
        return joined, condition, self._fts.c.rank

    def rating_order(self, rating: Any, review_count: Any) -> list[ColumnElement[Any]]:
        """SQLite sorts NULLs last in descending order, which the browse index serves."""
        return [rating.desc(), review_count.desc()]

    async def words_starting(self, session: AsyncSession, prefix: str) -> list[str]:
        """From the FTS5 vocabulary (always exactly what is indexed)."""
        result = await session.scalars(
            text(
                "SELECT term FROM offer_search_vocab WHERE term >= :low AND term < :high LIMIT 5000"
            ).bindparams(low=prefix, high=prefix + "\U0010ffff")
        )
        return list(result)


class PostgresBackend:
    """PostgreSQL full-text search (`offer_search.document`, GIN; 'simple' + unaccent)."""

    _index = table("offer_search", column("offer_id"), column("document"))

    def match(self, words: list[str]) -> Match:
        """A tsquery of every word as a prefix (one letter: the whole word)."""
        query = " & ".join(f"{word}:*" if len(word) > 1 else word for word in words)
        tsquery = func.to_tsquery(literal_column("'simple'::regconfig"), func.unaccent(query))
        joined = self._index.join(offers_table, offers_table.c.id == self._index.c.offer_id)
        condition = self._index.c.document.op("@@")(tsquery)
        return joined, condition, -func.ts_rank(self._index.c.document, tsquery)

    def rating_order(self, rating: Any, review_count: Any) -> list[ColumnElement[Any]]:
        """PostgreSQL sorts NULLs first in descending order unless told otherwise."""
        return [rating.desc().nulls_last(), review_count.desc()]

    async def words_starting(self, session: AsyncSession, prefix: str) -> list[str]:
        """From `search_words` (byte-ordered primary key, so the range uses it)."""
        result = await session.scalars(
            text(
                "SELECT word FROM search_words WHERE word >= :low AND word < :high LIMIT 5000"
            ).bindparams(low=prefix, high=prefix + "\U0010ffff")
        )
        return list(result)


def backend_for(session: AsyncSession) -> Backend:
    """The backend of the session's database."""
    bind = session.get_bind()
    return SqliteBackend() if bind.dialect.name == "sqlite" else PostgresBackend()


# --- building the query ------------------------------------------------------------------


def _filters(query: SearchQuery) -> list[ColumnElement[bool]]:
    o = offers_table
    conditions: list[ColumnElement[bool]] = [
        o.c.status == "published",
        providers_table.c.banned == false(),
    ]
    if query.category:
        conditions.append(o.c.category == query.category)
    if query.max_price_minor is not None and query.currency:
        conditions.append(
            or_(
                o.c.price_minor == 0,
                and_(o.c.currency == query.currency, o.c.price_minor <= query.max_price_minor),
            )
        )
    if query.on_date is not None:
        # Cheap pre-filter: open on a weekday that can touch the date in any zone (or
        # with extra hours near it); the availability function has the last word.
        weekdays = {(query.on_date.weekday() + shift) % 7 for shift in (-1, 0, 1)}
        day = query.on_date.toordinal()
        conditions.append(
            or_(
                exists().where(
                    OfferHours.offer_id == o.c.id, OfferHours.weekday.in_(sorted(weekdays))
                ),
                exists().where(
                    OfferException.offer_id == o.c.id,
                    OfferException.closed == false(),
                    OfferException.day.between(
                        date.fromordinal(day - 1), date.fromordinal(day + 1)
                    ),
                ),
            )
        )
    return conditions


def _distance_key(point: GeoPoint) -> ColumnElement[float]:
    """Squared local flat-earth distance in km² (arithmetic only: fast on both databases)."""
    o = offers_table
    north = (o.c.latitude - point.latitude) * KM_PER_DEGREE_LATITUDE
    east = (o.c.longitude - point.longitude) * km_per_degree_longitude(point.latitude)
    return north * north + east * east


def _in_box(point: GeoPoint, radius_km: float) -> ColumnElement[bool]:
    box = bounding_box(point, radius_km)
    o = offers_table
    return and_(
        o.c.latitude.between(box.south, box.north), o.c.longitude.between(box.west, box.east)
    )


def _place_parts(query: SearchQuery) -> list[tuple[ColumnElement[bool], ColumnElement[Any]]]:
    """(condition, distance key) per kind of place; one part when not searching near."""
    o = offers_table
    if query.near is None:
        return [(true(), literal(_FAR))]
    point, radius = query.near, query.radius_km
    key = _distance_key(point)
    travel = func.coalesce(o.c.radius_km, DEFAULT_TRAVEL_KM)
    parts: list[tuple[ColumnElement[bool], ColumnElement[Any]]] = [
        (  # a fixed place within the radius
            and_(
                o.c.place_kind.in_(("location", "area")), _in_box(point, radius), key <= radius**2
            ),
            key,
        ),
        (  # the provider comes to the customer, who is inside their service radius
            and_(
                o.c.place_kind == "customer",
                _in_box(point, MAX_TRAVEL_KM),
                key <= travel * travel,
            ),
            key,
        ),
    ]
    if query.include_online:
        parts.append((o.c.place_kind == "online", literal(_FAR)))
    return parts


def build_statement(query: SearchQuery, backend: Backend) -> Select[Any]:
    """The ordered SELECT of (id, distance key, …) for `query`, without offset/limit."""
    o = offers_table
    words = query_words(query.text)
    base: FromClause = o
    relevance: ColumnElement[Any] = literal(0)
    conditions = _filters(query)
    if words:
        base, matched, relevance = backend.match(words)
        conditions.append(matched)
    base = base.join(providers_table, providers_table.c.id == o.c.provider_id)
    columns = (
        o.c.id,
        o.c.price_minor,
        o.c.rating,
        o.c.review_count,
        o.c.latitude,
        o.c.longitude,
        o.c.place_kind,
    )
    parts = [
        select(*columns, key.label("distance_key"), relevance.label("relevance"))
        .select_from(base)
        .where(*conditions, place)
        for place, key in _place_parts(query)
    ]
    sort = query.sort if query.sort in SORTS else "relevance"
    if sort == "distance" and query.near is None:
        sort = "relevance"
    if len(parts) == 1:
        statement = parts[0]
        found: Any = o.c
        distance, relevance_key = (
            statement.selected_columns.distance_key,
            statement.selected_columns.relevance,
        )
    else:
        union = union_all(*parts).subquery("found")
        statement = select(union)
        found = union.c
        distance, relevance_key = union.c.distance_key, union.c.relevance
    rating = backend.rating_order(found.rating, found.review_count)
    ids, price = found.id, found.price_minor
    order: list[Any]
    if sort == "price":
        order = [price.asc(), ids.asc()]
    elif sort == "rating":
        order = [*rating, ids.desc()]
    elif sort == "distance" or (query.near is not None and not words):
        order = [distance.asc(), ids.asc()]
    elif words:
        order = [relevance_key.asc(), ids.asc()]
    else:  # browsing without words or a place: best rated first, then newest
        order = [*rating, ids.desc()]
    return statement.order_by(*order)


# --- running it ---------------------------------------------------------------------------


async def search(
    session: AsyncSession, query: SearchQuery, *, now: datetime, offset: int = 0, limit: int = 5
) -> SearchPage:
    """One page of offers matching `query`, best first.

    Text that holds no word (only emoji or punctuation) finds nothing. An empty result
    for words that the index does not know carries a "did you mean" suggestion.
    """
    words = query_words(query.text)
    if query.text.strip() and not words:
        return SearchPage(hits=[], has_more=False)
    backend = backend_for(session)
    statement = build_statement(query, backend)
    if query.on_date is None:
        rows = list((await session.execute(statement.offset(offset).limit(limit + 1))).all())
    else:
        rows = (await _free_on_date(session, statement, query, offset + limit + 1, now))[offset:]
    hits = [_hit(row, query.near) for row in rows[:limit]]
    suggestion = None
    if not rows and offset == 0 and words:
        suggestion = await suggest(session, query, now=now)
    return SearchPage(hits=hits, has_more=len(rows) > limit, suggestion=suggestion)


async def _free_on_date(
    session: AsyncSession, statement: Select[Any], query: SearchQuery, wanted: int, now: datetime
) -> list[Any]:
    """Rows of offers with a free slot on the query's date, in order, up to `wanted`."""
    assert query.on_date is not None
    found: list[Any] = []
    scanned, chunk = 0, 50
    while len(found) < wanted and scanned < DATE_SCAN_LIMIT:
        rows = list((await session.execute(statement.offset(scanned).limit(chunk))).all())
        scanned += len(rows)
        offers = await offers_with_rules(session, (row.id for row in rows))
        free = await slots_on_date(session, offers, query.on_date, query.timezone, now=now)
        found.extend(row for row in rows if free.get(row.id))
        if len(rows) < chunk:
            break
    return found[:wanted]


def _hit(row: Any, near: GeoPoint | None) -> Hit:
    distance = None
    if near is not None and row.latitude is not None and row.longitude is not None:
        distance = distance_km(near, GeoPoint(row.latitude, row.longitude))
    return Hit(
        offer_id=row.id,
        distance_km=distance if row.place_kind != "online" else None,
        comes_to_customer=row.place_kind == "customer",
    )


async def suggest(session: AsyncSession, query: SearchQuery, *, now: datetime) -> str | None:
    """ "Did you mean": the query with each unknown word replaced by the closest indexed
    word with the same first letter — offered only if it finds something."""
    backend = backend_for(session)
    words = [fold(word) for word in query_words(query.text)]
    corrected, changed = [], False
    for word in words:
        if await backend.words_starting(session, word):
            corrected.append(word)  # known (as a prefix): keep it
            continue
        candidates = [
            term
            for term in await backend.words_starting(session, word[0])
            if abs(len(term) - len(word)) <= 3
        ]
        close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.7)
        if not close:
            return None
        corrected.append(close[0])
        changed = True
    if not changed:
        return None
    suggestion = " ".join(corrected)
    page = await search(session, replace(query, text=suggestion), now=now, limit=1)
    return suggestion if page.hits else None
