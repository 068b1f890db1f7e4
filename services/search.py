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
from collections import Counter
from dataclasses import replace
from datetime import datetime
from typing import Any

from cachetools import TTLCache
from sqlalchemy import URL, TextClause
from sqlalchemy.ext.asyncio import AsyncSession

from services.geo import GeoPoint, distance_km
from services.search_backends import Backend, backend_for
from services.search_query import (
    DATE_SCAN_LIMIT,
    FEW_MATCHES,
    SORTS,
    Hit,
    SearchPage,
    SearchQuery,
    Sort,
    fold,
    query_words,
)
from services.search_sql import Shape, count_statement, parameters, shape_of, statement_for
from services.slots import offers_with_rules, slots_on_date

__all__ = [
    "FEW_MATCHES",
    "SORTS",
    "Hit",
    "SearchPage",
    "SearchQuery",
    "Sort",
    "price_steps",
    "search",
    "suggest",
]


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
    shape = shape_of(query, dialect.name)
    values = parameters(query, backend)
    if shape.words and shape.near:
        rare = await _words_are_rare(session, shape, values, backend)
        shape = replace(shape, words_first=rare)
    statement = statement_for(shape, backend, dialect)
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


# Whether words are rare, per database and words, kept ten minutes: a word's frequency
# changes slowly, and the answer decides only the plan, never the results (the next page
# of a search reuses it).
_RARE_WORDS: TTLCache[tuple[URL, str, int], bool] = TTLCache(maxsize=4096, ttl=600)


async def _words_are_rare(
    session: AsyncSession, shape: Shape, values: dict[str, Any], backend: Backend
) -> bool:
    """Whether fewer than FEW_MATCHES offers hold the words: then looking up each match
    costs less than checking the words for every offer near the point (a city's box may
    hold thousands), and the plan is chosen by that, not by the database's estimates."""
    bind = session.get_bind()
    dialect = bind.dialect
    key = (bind.engine.url, str(values["words"]), FEW_MATCHES)
    rare = _RARE_WORDS.get(key)
    if rare is None:
        statement = count_statement(shape, backend, dialect, FEW_MATCHES)
        count = (await session.execute(statement, values)).scalar_one()
        rare = _RARE_WORDS[key] = int(count) < FEW_MATCHES
    return rare


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
    # Most offers open that weekday have a free slot: check a little more than needed.
    scanned, chunk = 0, min(50, max(2 * wanted, 10))
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
