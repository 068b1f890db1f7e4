"""What differs between the databases: how words are matched and where indexed words are
read. SQLite uses FTS5, PostgreSQL a tsvector with a GIN index (models.search_index)."""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from models import Offer

P = bindparam  # every value is a named parameter: one SQL text per query shape
offers_table = Offer.__table__

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
        """Quoted words, each a prefix (one letter: the whole word); ё as е, as indexed."""
        words = [word.replace("ё", "е") for word in words]
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
        return await _words_in_range(session, "offer_search_vocab", "term", prefix)


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
        """`document @@ query`, ranked by ts_rank; the tsquery is built once per search in
        a one-row subquery (unaccent is STABLE, so in the SELECT list it would run per row)."""
        tsquery = self._tsquery()
        joined = self._index.join(offers_table, offers_table.c.id == self._index.c.offer_id)
        joined = joined.join(tsquery, true())
        condition = self._index.c.document.op("@@")(tsquery.c.query)
        rank = -func.ts_rank(self._index.c.document, tsquery.c.query)
        return joined, condition, rank, self._index.c.offer_id

    def matching_ids(self) -> Select[Any]:
        """Offer ids from the GIN index."""
        tsquery = self._tsquery()
        condition = self._index.c.document.op("@@")(tsquery.c.query)
        return (
            select(self._index.c.offer_id)
            .select_from(self._index.join(tsquery, true()))
            .where(condition)
        )

    @staticmethod
    def _tsquery() -> Any:
        words = func.to_tsquery(literal_column("'simple'::regconfig"), func.unaccent(P("words")))
        return select(words.label("query")).subquery("tsquery")

    def rating_order(self, rating: Any, review_count: Any) -> list[ColumnElement[Any]]:
        """PostgreSQL sorts NULLs first in descending order unless told otherwise."""
        return [rating.desc().nulls_last(), review_count.desc()]

    async def words_starting(self, session: AsyncSession, prefix: str) -> list[str]:
        """From `search_words` (byte-ordered primary key, so the range uses it)."""
        return await _words_in_range(session, "search_words", "word", prefix)


async def _words_in_range(
    session: AsyncSession, table_name: str, column_name: str, prefix: str
) -> list[str]:
    """Words of a vocabulary table that start with `prefix` (a range scan, at most 5000)."""
    words = table(table_name, column(column_name))
    word = words.c[column_name]
    result = await session.scalars(
        select(word).where(word >= prefix, word < prefix + "\U0010ffff").limit(5000)
    )
    return list(result)


def backend_for(session: AsyncSession) -> Backend:
    """The backend of the session's database."""
    bind = session.get_bind()
    return SqliteBackend() if bind.dialect.name == "sqlite" else PostgresBackend()
