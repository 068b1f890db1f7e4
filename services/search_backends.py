"""What differs between the databases: how words are matched and where indexed words are
read. SQLite uses FTS5, PostgreSQL a tsvector with a GIN index (models.search_index)."""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    and_,
    bindparam,
    case,
    column,
    exists,
    func,
    intersect,
    literal_column,
    select,
    table,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from models import Offer
from services.search_query import RANKED_MATCHES

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

    def word_values(self, words: list[str]) -> dict[str, str]:
        """Any further parameters the words take (beside `:words`)."""
        ...

    def match(self, word_count: int, *, only_words: bool) -> Match:
        """Offers joined to the index, matching `:words` (`word_count` of them);
        `only_words` when no other filter applies (the newest matches may then be
        picked before the offers are read)."""
        ...

    def rating_order(self, rating: Any, review_count: Any) -> list[ColumnElement[Any]]:
        """Best rating first, unrated offers last."""
        ...

    def matching_ids(self, word_count: int) -> Select[Any]:
        """The ids of offers matching `:words`."""
        ...

    def holds_words(self, offer_id: ColumnElement[int], word_count: int) -> ColumnElement[bool]:
        """Whether the offer matches `:words` (to filter a search driven by place)."""
        ...

    def among_matches(self, offer_id: ColumnElement[int], word_count: int) -> ColumnElement[bool]:
        """Whether the offer matches `:words`, read so that the matches drive the search
        (they are few: see `count_matches`)."""
        ...

    def count_matches(self, word_count: int, cap: int) -> Select[Any]:
        """How many offers match `:words`, counting no further than `cap` (an upper
        bound when words are several)."""
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

    def word_values(self, words: list[str]) -> dict[str, str]:
        """None: `:words` is the whole FTS5 query."""
        return {}

    def match(self, word_count: int, *, only_words: bool) -> Match:
        """FTS5 MATCH; rank is bm25 with title words weighing four times."""
        joined = self._fts.join(offers_table, offers_table.c.id == self._fts.c.rowid)
        condition = literal_column("offer_search").op("MATCH")(P("words"))
        return joined, condition, self._fts.c.rank, self._fts.c.rowid

    def matching_ids(self, word_count: int) -> Select[Any]:
        """Rowids straight from the FTS5 index."""
        _, condition, _, rowid = self.match(word_count, only_words=True)
        return select(rowid).select_from(self._fts).where(condition)

    def holds_words(self, offer_id: ColumnElement[int], word_count: int) -> ColumnElement[bool]:
        """In the ids FTS5 finds (`id + 0` keeps SQLite from driving by the id list)."""
        return (offer_id + literal_column("0")).in_(self.matching_ids(word_count))

    def among_matches(self, offer_id: ColumnElement[int], word_count: int) -> ColumnElement[bool]:
        """In the ids FTS5 finds, which SQLite then looks up one by one."""
        return offer_id.in_(self.matching_ids(word_count))

    def count_matches(self, word_count: int, cap: int) -> Select[Any]:
        """FTS5's matches, read until `cap`."""
        capped = (
            self.matching_ids(word_count)
            .limit(literal_column(str(cap)))
            .offset(literal_column("0"))
            .subquery("capped")
        )
        return select(func.count()).select_from(capped)

    def rating_order(self, rating: Any, review_count: Any) -> list[ColumnElement[Any]]:
        """SQLite sorts NULLs last in descending order, which the browse index serves."""
        return [rating.desc(), review_count.desc()]

    async def words_starting(self, session: AsyncSession, prefix: str) -> list[str]:
        """From the FTS5 vocabulary (always exactly what is indexed)."""
        return await _words_in_range(session, "offer_search_vocab", "term", prefix)


class PostgresBackend:
    """PostgreSQL: words found in `offer_search_words` (a B-tree of (word, offer id)),
    ranked by their `offer_search.document` ('simple' + unaccent)."""

    _index = table("offer_search", column("offer_id"), column("document"))

    def match_text(self, words: list[str]) -> str:
        """A tsquery of every word as a prefix (one letter: the whole word)."""
        return " & ".join(f"{word}:*" if len(word) > 1 else word for word in words)

    def date_value(self, day: date) -> object:
        """asyncpg takes date objects."""
        return day

    def word_values(self, words: list[str]) -> dict[str, str]:
        """Each word on its own, for the range scans of `offer_search_words`."""
        return {f"word{n}": word for n, word in enumerate(words)}

    def match(self, word_count: int, *, only_words: bool) -> Match:
        """Offers matching the words (ids from `offer_search_words`, which holds
        published offers only), joined to their documents and ranked by ts_rank; the
        tsquery is built once per search in a one-row subquery (unaccent is STABLE, so
        in the SELECT list it would run per row).

        With only words, the newest `RANKED_MATCHES` ids are picked first, as an array
        computed once (each id then one primary-key probe); with other filters too, the
        filters apply first (the matches are a hashed set the offers are checked in).
        """
        tsquery = self._tsquery()
        joined = offers_table.join(self._index, self._index.c.offer_id == offers_table.c.id).join(
            tsquery, true()
        )
        if only_words:
            newest = self._newest_holding(word_count)
            condition = offers_table.c.id == func.any(func.array(newest.scalar_subquery()))
        else:
            condition = offers_table.c.id.in_(self.matching_ids(word_count))
        rank = -func.ts_rank(self._index.c.document, tsquery.c.query)
        return joined, condition, rank, offers_table.c.id

    def matching_ids(self, word_count: int) -> Select[Any]:
        """Offer ids holding every word (each a prefix; one letter: the whole word): an
        index-only range scan of `offer_search_words` per word, intersected."""
        scans = [self._holding(n) for n in range(word_count)]
        if len(scans) == 1:
            return scans[0].distinct()  # a prefix may match several words of one offer
        return select(intersect(*scans).subquery("holding").c.offer_id)

    def holds_words(self, offer_id: ColumnElement[int], word_count: int) -> ColumnElement[bool]:
        """A probe of (offer id, word) per word; PostgreSQL may instead hash the words'
        ids when they are fewer than the offers near the point (it estimates both)."""
        checks = []
        for n in range(word_count):
            postings, in_range = self._word_range(n)
            checks.append(exists().where(postings.c.offer_id == offer_id, in_range))
        return and_(*checks)

    def among_matches(self, offer_id: ColumnElement[int], word_count: int) -> ColumnElement[bool]:
        """One of the matching ids, computed once as an array (then a primary-key probe
        each, whatever plan a generic prepared statement would otherwise pick)."""
        return offer_id == func.any(func.array(self.matching_ids(word_count).scalar_subquery()))

    def count_matches(self, word_count: int, cap: int) -> Select[Any]:
        """The rarest word's postings, each word's range read until `cap` (an index-only
        scan: an intersection would read every word's range in full)."""
        counts = []
        for n in range(word_count):
            capped = (
                self._holding(n)
                .limit(literal_column(str(cap)))
                .offset(literal_column("0"))
                .subquery(f"capped{n}")
            )
            counts.append(select(func.count()).select_from(capped).scalar_subquery())
        return select(counts[0] if len(counts) == 1 else func.least(*counts))

    def _newest_holding(self, word_count: int) -> Select[Any]:
        """The newest `RANKED_MATCHES` ids of offers holding every word.

        One word: each word of the vocabulary in its range gives its own newest ids (a
        backward index-only scan of `offer_search_words` that stops at the limit), and
        the newest of those are the newest of all — an id among the newest of the whole
        range is among the newest of its own word. A common word's thousands of
        postings are then not all read and deduplicated ("tour" at 100,000 offers: 7,900
        postings, 3.8 ms; this way 0.4 ms). It reads at most the rows the range scan
        would, plus one index descent per vocabulary word in the range. The vocabulary
        (`search_words`) holds every word of every indexed offer, so no posting's word
        is missing from it. Several words: the intersection of every word's range,
        which needs each range whole.
        """
        limit: ColumnElement[Any] = literal_column(str(RANKED_MATCHES))
        if word_count > 1:
            held = self.matching_ids(word_count).subquery("held")
            return select(held.c.offer_id).order_by(held.c.offer_id.desc()).limit(limit)
        vocabulary = table("search_words", column("word")).alias("v0")
        postings = table("offer_search_words", column("word"), column("offer_id")).alias("w0")
        newest_of_word = (
            select(postings.c.offer_id)
            .where(postings.c.word == vocabulary.c.word)
            .order_by(postings.c.offer_id.desc())
            .limit(limit)
            .lateral("newest0")
        )
        return (
            select(newest_of_word.c.offer_id)
            .select_from(vocabulary.join(newest_of_word, true()))
            .where(self._in_range(vocabulary.c.word, 0))
            .distinct()
            .order_by(newest_of_word.c.offer_id.desc())
            .limit(limit)
        )

    @classmethod
    def _holding(cls, n: int) -> Select[Any]:
        """Ids of offers with a word in the range of word `n`."""
        postings, in_range = cls._word_range(n)
        return select(postings.c.offer_id).where(in_range)

    @staticmethod
    def _word_range(n: int) -> tuple[Any, ColumnElement[bool]]:
        """`offer_search_words` (aliased) and the range of word `n` (`_in_range`)."""
        postings = table("offer_search_words", column("word"), column("offer_id")).alias(f"w{n}")
        return postings, PostgresBackend._in_range(postings.c.word, n)

    @staticmethod
    def _in_range(words: ColumnElement[Any], n: int) -> ColumnElement[bool]:
        """`words` in the range of word `n`, in byte order: every word that starts with
        it; for one letter, that letter alone."""
        word: Any = P(f"word{n}")
        first = func.unaccent(word)
        beyond = case(
            (
                func.length(word) > literal_column("1"),
                first.op("||")(literal_column("chr(1114111)")),
            ),
            else_=first.op("||")(literal_column("chr(1)")),
        )
        return and_(words >= first, words < beyond)

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
