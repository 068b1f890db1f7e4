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
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    Dialect,
    FromClause,
    Select,
    TextClause,
    and_,
    bindparam,
    case,
    column,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.dialects.sqlite.base import SQLiteDialect
from sqlalchemy.ext.asyncio import AsyncSession

from models import Offer, OfferException, OfferHours, Provider
from services.geo import (
    KM_PER_DEGREE_LATITUDE,
    GeoPoint,
    bounding_box,
    distance_km,
    km_per_degree_longitude,
)
from services.offers import TRAVEL_LIMIT_KM
from services.slots import offers_with_rules, slots_on_date

SORTS = ("relevance", "distance", "price", "rating")
MAX_WORDS = 8
MAX_WORD_LENGTH = 40
DEFAULT_TRAVEL_KM = 10  # how far a provider who comes to the customer travels, if unset
MAX_TRAVEL_KM = TRAVEL_LIMIT_KM  # the box for offers at the customer's place
RANKED_MATCHES = 300  # words matching more offers rank only the newest this many
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

# (FROM clause joining offers to the index, match condition, relevance key: lower = better,
# the index's own order of offer ids)
Match = tuple[FromClause, Any, ColumnElement[Any], ColumnElement[Any]]


class Backend(Protocol):
    """What differs between the databases: matching words, and reading the vocabulary."""

    def match_text(self, words: list[str]) -> str:
        """The words as the index's query language (the `:words` parameter)."""
        ...

    def date_value(self, day: date) -> object:
        """A date as the driver takes it."""
        ...

    def match(self) -> Match:
        """Offers joined to the index, matching `:words`."""
        ...

    def rating_order(self, rating: Any, review_count: Any) -> list[ColumnElement[Any]]:
        """Best rating first, unrated offers last."""
        ...

    def matching_ids(self) -> Select[Any]:
        """The ids of offers matching `:words` (to filter a search driven by place)."""
        ...

    async def words_starting(self, session: AsyncSession, prefix: str) -> list[str]:
        """Indexed words beginning with `prefix`."""
        ...


class SqliteBackend:
    """SQLite FTS5 (`offer_search`, rowid = offer id; bm25 with titles weighted)."""

    _fts = table("offer_search", column("rowid"), column("rank"))

    def match_text(self, words: list[str]) -> str:
        """Quoted words, each a prefix (one letter: the whole word)."""
        return " ".join(f'"{word}"*' if len(word) > 1 else f'"{word}"' for word in words)

    def date_value(self, day: date) -> object:
        """SQLAlchemy stores dates in SQLite as ISO text."""
        return day.isoformat()

    def match(self) -> Match:
        """FTS5 MATCH; rank is bm25 with title words weighing four times."""
        joined = self._fts.join(offers_table, offers_table.c.id == self._fts.c.rowid)
        condition = literal_column("offer_search").op("MATCH")(P("words"))
        return joined, condition, self._fts.c.rank, self._fts.c.rowid

    def matching_ids(self) -> Select[Any]:
        """Rowids straight from the FTS5 index."""
        _, condition, _, rowid = self.match()
        return select(rowid).select_from(self._fts).where(condition)

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

    def match_text(self, words: list[str]) -> str:
        """A tsquery of every word as a prefix (one letter: the whole word)."""
        return " & ".join(f"{word}:*" if len(word) > 1 else word for word in words)

    def date_value(self, day: date) -> object:
        """asyncpg takes date objects."""
        return day

    def match(self) -> Match:
        """`document @@ to_tsquery(unaccent(:words))`, ranked by ts_rank."""
        tsquery = func.to_tsquery(literal_column("'simple'::regconfig"), func.unaccent(P("words")))
        joined = self._index.join(offers_table, offers_table.c.id == self._index.c.offer_id)
        condition = self._index.c.document.op("@@")(tsquery)
        rank = -func.ts_rank(self._index.c.document, tsquery)
        return joined, condition, rank, self._index.c.offer_id

    def matching_ids(self) -> Select[Any]:
        """Offer ids from the GIN index."""
        _, condition, _, offer_id = self.match()
        return select(offer_id).select_from(self._index).where(condition)

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


P = bindparam  # every value is a named parameter: one SQL text per query shape


def sql_constant(value: str | float) -> ColumnElement[Any]:
    """A constant written into the SQL (plain Python values would become parameters)."""
    return literal_column(f"'{value}'" if isinstance(value, str) else repr(value))


@dataclass(frozen=True, slots=True)
class Shape:
    """What decides the SQL of a search (not the values): one cached statement each."""

    dialect: str
    words: bool
    category: bool
    price: bool
    on_date: bool
    near: bool
    include_online: bool
    sort: str


def shape_of(query: SearchQuery, dialect: str) -> Shape:
    """The shape of `query` on `dialect`."""
    words = query_words(query.text)
    return Shape(
        dialect=dialect,
        words=bool(words),
        category=bool(query.category),
        price=query.max_price_minor is not None and bool(query.currency),
        on_date=query.on_date is not None,
        near=query.near is not None,
        include_online=query.near is not None and query.include_online,
        sort=_sort(query, words),
    )


def parameters(query: SearchQuery, backend: Backend) -> dict[str, Any]:
    """The values for the statement of `query`'s shape."""
    values: dict[str, Any] = {"words": backend.match_text(query_words(query.text))}
    values.update(category=query.category, max_price=query.max_price_minor)
    values["currency"] = query.currency
    if query.on_date is not None:
        day = query.on_date
        values.update(
            {f"weekday{n}": (day.weekday() + shift) % 7 for n, shift in enumerate((-1, 0, 1))}
        )
        values["day_from"] = backend.date_value(date.fromordinal(day.toordinal() - 1))
        values["day_to"] = backend.date_value(date.fromordinal(day.toordinal() + 1))
    if query.near is not None:
        point = query.near
        box = bounding_box(point, query.radius_km)
        travel = bounding_box(point, MAX_TRAVEL_KM)  # holds every provider who could come
        values.update(
            latitude=point.latitude,
            longitude=point.longitude,
            km_lon=km_per_degree_longitude(point.latitude),
            radius2=query.radius_km**2,
            south=box.south,
            north=box.north,
            west=box.west,
            east=box.east,
            travel_south=travel.south,
            travel_north=travel.north,
            travel_west=travel.west,
            travel_east=travel.east,
        )
    return values


def _filters(shape: Shape) -> list[ColumnElement[bool]]:
    o = offers_table
    conditions: list[ColumnElement[bool]] = [
        o.c.status == sql_constant("published"),
        # Few providers are ever banned: a small set, checked without a join per row.
        o.c.provider_id.not_in(
            select(providers_table.c.id).where(providers_table.c.banned == true())
        ),
    ]
    if shape.category:
        conditions.append(o.c.category == P("category"))
    if shape.price:
        conditions.append(
            or_(
                o.c.price_minor == sql_constant(0),
                and_(o.c.currency == P("currency"), o.c.price_minor <= P("max_price")),
            )
        )
    if shape.on_date:
        # Cheap pre-filter: open on a weekday that can touch the date in any zone (or
        # with extra hours near it); the availability function has the last word.
        weekdays: list[Any] = [P(f"weekday{n}") for n in range(3)]
        conditions.append(
            or_(
                exists().where(OfferHours.offer_id == o.c.id, OfferHours.weekday.in_(weekdays)),
                exists().where(
                    OfferException.offer_id == o.c.id,
                    OfferException.closed == false(),
                    OfferException.day.between(P("day_from"), P("day_to")),
                ),
            )
        )
    return conditions


def _distance_key() -> ColumnElement[float]:
    """Squared local flat-earth distance in km² (arithmetic only: fast on both databases)."""
    o = offers_table
    north = (o.c.latitude - P("latitude")) * sql_constant(KM_PER_DEGREE_LATITUDE)
    east = (o.c.longitude - P("longitude")) * P("km_lon")
    return north * north + east * east


def _in_box(prefix: str) -> ColumnElement[bool]:
    o = offers_table
    return and_(
        o.c.latitude.between(P(f"{prefix}south"), P(f"{prefix}north")),
        o.c.longitude.between(P(f"{prefix}west"), P(f"{prefix}east")),
    )


def _place_conditions(shape: Shape) -> list[ColumnElement[bool]]:
    """Conditions of which one must hold; [true()] when not searching near a point.

    Near a point, each is one range of the covering geo index (status, place_kind,
    latitude, …): places within the radius; providers who come to the customer and whose
    own radius reaches the point; online offers on request.
    """
    o = offers_table
    if not shape.near:
        return [true()]
    key = _distance_key()
    travel = func.coalesce(o.c.radius_km, sql_constant(DEFAULT_TRAVEL_KM))
    fixed = o.c.place_kind.in_([sql_constant("location"), sql_constant("area")])
    conditions = [
        and_(fixed, _in_box(""), key <= P("radius2")),
        and_(
            o.c.place_kind == sql_constant("customer"), _in_box("travel_"), key <= travel * travel
        ),
    ]
    if shape.include_online:
        conditions.append(o.c.place_kind == sql_constant("online"))
    return conditions


def _sort(query: SearchQuery, words: list[str]) -> str:
    """What orders the results: words (relevance), distance, price or rating."""
    sort = query.sort if query.sort in SORTS else "relevance"
    if sort == "distance" and query.near is None:
        sort = "relevance"
    if sort == "relevance":
        # Near a point, the nearest first; else the words' rank; else the best rated.
        return "distance" if query.near is not None else "words" if words else "rating"
    return sort


def build_statement(shape: Shape, backend: Backend) -> Select[Any]:
    """The ordered SELECT of (id, distance key, …) for a query shape, with named
    parameters (see `parameters`) and `:limit` / `:offset`."""
    o = offers_table
    base: FromClause = o
    relevance: ColumnElement[Any] = literal_column("0")
    conditions = _filters(shape)
    if shape.words and shape.near:
        # The place's box is narrower than most words: it drives, the words filter
        # (`id + 0` keeps SQLite from driving by the id list instead).
        conditions.append((o.c.id + sql_constant(0)).in_(backend.matching_ids()))
    elif shape.words:
        base, matched, relevance, match_order = backend.match()
        conditions.append(matched)
    distance: ColumnElement[Any] = sql_constant(_FAR)
    if shape.near:
        online = o.c.place_kind == sql_constant("online")
        distance = case((online, sql_constant(_FAR)), else_=_distance_key())
    columns = (
        o.c.id,
        o.c.price_minor,
        o.c.currency,
        o.c.rating,
        o.c.review_count,
        o.c.latitude,
        o.c.longitude,
        o.c.place_kind,
        distance.label("distance_key"),
        (relevance if shape.sort == "words" else literal_column("0")).label("relevance"),
    )
    places = _place_conditions(shape)
    found: Any
    if shape.near:
        # One scan of the covering geo index per kind of place: longitude and distance
        # are checked in the index, so only matches cost a table lookup.
        union = union_all(*(select(*columns).where(*conditions, place) for place in places))
        statement = select(union.subquery("found"))
    else:
        statement = select(*columns).select_from(base).where(*conditions, or_(*places))
    if shape.sort == "words":
        # Ranking costs a few microseconds per match: rank only the newest RANKED_MATCHES.
        capped = (
            statement.order_by(match_order.desc())
            .limit(literal_column(str(RANKED_MATCHES)))
            .offset(literal_column("0"))
            .subquery("matches")
        )
        ranked = select(capped).order_by(capped.c.relevance.asc(), capped.c.id.asc())
        return ranked.limit(P("limit")).offset(P("offset"))
    found = statement.selected_columns
    order: list[Any]
    if shape.sort == "price":
        order = [found.price_minor.asc(), found.id.asc()]
    elif shape.sort == "distance":
        order = [found.distance_key.asc(), found.id.asc()]
    else:  # rating; also browsing without words or a place: best rated, then newest
        order = [*backend.rating_order(found.rating, found.review_count), found.id.desc()]
    return statement.order_by(*order).limit(P("limit")).offset(P("offset"))


_STATEMENTS: dict[Shape, TextClause] = {}


def statement_for(shape: Shape, backend: Backend, dialect: Dialect) -> TextClause:
    """The SQL of a shape, built and compiled once per process (building a statement of
    this size costs more than running it)."""
    cached = _STATEMENTS.get(shape)
    if cached is None:
        # `:name` parameters for text(), and no driver-specific casts on them.
        base = SQLiteDialect if dialect.name == "sqlite" else PGDialect
        named = base(paramstyle="named")
        sql = str(build_statement(shape, backend).compile(dialect=named))
        cached = _STATEMENTS[shape] = text(sql)
    return cached


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
    dialect = session.get_bind().dialect
    statement = statement_for(shape_of(query, dialect.name), backend, dialect)
    values = parameters(query, backend)
    if query.on_date is None:
        result = await session.execute(statement, {**values, "limit": limit + 1, "offset": offset})
        rows = list(result.all())
    else:
        rows = await _free_on_date(session, statement, values, query, offset + limit + 1, now)
        rows = rows[offset:]
    hits = [_hit(row, query.near) for row in rows[:limit]]
    suggestion = None
    if not rows and offset == 0 and words:
        suggestion = await suggest(session, query, now=now)
    return SearchPage(hits=hits, has_more=len(rows) > limit, suggestion=suggestion)


async def _free_on_date(
    session: AsyncSession,
    statement: TextClause,
    values: dict[str, Any],
    query: SearchQuery,
    wanted: int,
    now: datetime,
) -> list[Any]:
    """Rows of offers with a free slot on the query's date, in order, up to `wanted`."""
    assert query.on_date is not None
    found: list[Any] = []
    scanned, chunk = 0, 50
    while len(found) < wanted and scanned < DATE_SCAN_LIMIT:
        page = {**values, "limit": chunk, "offset": scanned}
        rows = list((await session.execute(statement, page)).all())
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


async def price_steps(
    session: AsyncSession, query: SearchQuery, *, now: datetime
) -> tuple[str, list[int]] | None:
    """Price limits worth offering for `query`: the most common currency among its
    offers (ignoring any price limit) and up to four round limits from their prices,
    in minor units; None when nothing with a price matches."""
    backend = backend_for(session)
    dialect = session.get_bind().dialect
    open_query = replace(query, max_price_minor=None, currency=None, on_date=None)
    statement = statement_for(shape_of(open_query, dialect.name), backend, dialect)
    values = {**parameters(open_query, backend), "limit": 300, "offset": 0}
    rows = [row for row in (await session.execute(statement, values)).all() if row.price_minor]
    if not rows:
        return None
    currencies = Counter(row.currency for row in rows)
    currency = currencies.most_common(1)[0][0]
    prices = sorted(row.price_minor for row in rows if row.currency == currency)
    cuts = [prices[int(len(prices) * share)] for share in (0.25, 0.5, 0.75)] + [prices[-1]]
    return currency, sorted({_round_up(cut) for cut in cuts})


def _round_up(minor: int) -> int:
    """The next "round" amount at or above `minor`: 1, 2 or 5 times a power of ten."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= minor:
                return step * factor
        step *= 10
