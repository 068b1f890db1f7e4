"""The SQL of a search: built once per query shape with named parameters, then kept as
text (building a statement of this size costs more than running it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Dialect,
    FromClause,
    Select,
    TextClause,
    and_,
    case,
    false,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.dialects.sqlite.base import SQLiteDialect

from models import (
    CommunityListing,
    ListingStatus,
    Offer,
    OfferException,
    OfferHours,
    OfferStatus,
    Provider,
)
from services.geo import KM_PER_DEGREE_LATITUDE, bounding_box, km_per_degree_longitude
from services.search_backends import Backend, P
from services.search_query import (
    DEFAULT_TRAVEL_KM,
    FAR,
    MAX_TRAVEL_KM,
    RANKED_MATCHES,
    SORTS,
    SearchQuery,
    query_words,
)

offers_table = Offer.__table__
providers_table = Provider.__table__


def sql_constant(value: str | float) -> ColumnElement[Any]:
    """A constant written into the SQL (plain Python values would become parameters)."""
    return literal_column(f"'{value}'" if isinstance(value, str) else repr(value))


@dataclass(frozen=True, slots=True)
class Shape:
    """What decides the SQL of a search (not the values): one cached statement each."""

    dialect: str
    words: bool
    word_count: int
    category: bool
    price: bool
    on_date: bool
    near: bool
    include_online: bool
    sort: str
    community: bool = False
    words_first: bool = False  # near a point: the words are rare, they drive (not the place)


def shape_of(query: SearchQuery, dialect: str) -> Shape:
    """The shape of `query` on `dialect`."""
    words = query_words(query.text)
    return Shape(
        dialect=dialect,
        words=bool(words),
        word_count=len(words),
        category=bool(query.category),
        price=query.max_price_minor is not None and bool(query.currency),
        on_date=query.on_date is not None,
        near=query.near is not None,
        include_online=query.near is not None and query.include_online,
        sort=_sort(query, words),
        community=query.community_id is not None,
    )


def parameters(query: SearchQuery, backend: Backend) -> dict[str, Any]:
    """The values for the statement of `query`'s shape."""
    words = query_words(query.text)
    values: dict[str, Any] = {"words": backend.match_text(words), **backend.word_values(words)}
    values.update(category=query.category, max_price=query.max_price_minor)
    values["currency"] = query.currency
    values["community"] = query.community_id
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
        o.c.status == sql_constant(OfferStatus.PUBLISHED),
        # Few providers are ever banned: a small set, checked without a join per row.
        o.c.provider_id.not_in(
            select(providers_table.c.id).where(providers_table.c.banned == true())
        ),
    ]
    if shape.category:
        conditions.append(o.c.category == P("category"))
    if shape.community:
        # A community lists few offers: the planner starts from its listings.
        listed = select(CommunityListing.offer_id).where(
            CommunityListing.community_id == P("community"),
            CommunityListing.status == sql_constant(ListingStatus.APPROVED),
        )
        conditions.append(o.c.id.in_(listed))
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
                _probe(
                    shape,
                    OfferHours.offer_id == o.c.id,
                    OfferHours.weekday.in_(weekdays),
                ),
                _probe(
                    shape,
                    OfferException.offer_id == o.c.id,
                    OfferException.closed == false(),
                    OfferException.day.between(P("day_from"), P("day_to")),
                ),
            )
        )
    return conditions


def _probe(shape: Shape, *conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """EXISTS a row of an offer's hours or dates, checked per offer as the browse order
    reaches it. On PostgreSQL `OFFSET 0` keeps the planner from turning it into a hash
    of the whole table (built before the first row: 33 ms of offer_hours at 100,000
    offers, when a page needs a dozen probes of 10 µs)."""
    probe: Select[Any] = select(literal_column("1")).where(*conditions)
    if shape.dialect != "sqlite":
        probe = probe.offset(literal_column("0"))
    return probe.exists()


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
    if shape.words and shape.near and shape.words_first:
        # Rare words: their few matches are looked up and checked for the place.
        conditions.append(backend.among_matches(o.c.id, shape.word_count))
    elif shape.words and shape.near:
        # The place's box is narrower than most words: it drives, the words filter.
        conditions.append(backend.holds_words(o.c.id, shape.word_count))
    elif shape.words:
        only_words = not (shape.category or shape.price or shape.on_date or shape.community)
        base, matched, relevance, match_order = backend.match(
            shape.word_count, only_words=only_words
        )
        conditions.append(matched)
    distance: ColumnElement[Any] = sql_constant(FAR)
    if shape.near:
        online = o.c.place_kind == sql_constant("online")
        distance = case((online, sql_constant(FAR)), else_=_distance_key())
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
    if shape.near and not shape.words_first:
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
        cached = _STATEMENTS[shape] = _as_text(build_statement(shape, backend), dialect)
    return cached


def _as_text(statement: Select[Any], dialect: Dialect) -> TextClause:
    """The statement's SQL with `:name` parameters for text(), and no driver-specific
    casts on them."""
    base = SQLiteDialect if dialect.name == "sqlite" else PGDialect
    return text(str(statement.compile(dialect=base(paramstyle="named"))))


_COUNTS: dict[tuple[str, int, int], TextClause] = {}


def count_statement(shape: Shape, backend: Backend, dialect: Dialect, cap: int) -> TextClause:
    """The capped count of the offers matching a shape's words (built once per process)."""
    key = (dialect.name, shape.word_count, cap)
    cached = _COUNTS.get(key)
    if cached is None:
        cached = _COUNTS[key] = _as_text(backend.count_matches(shape.word_count, cap), dialect)
    return cached
