"""The full-text search index: database objects kept in step with `offers` by triggers.

They are not ORM models: SQLite keeps an FTS5 table (and its shadow tables), PostgreSQL a
tsvector table with a GIN index and a vocabulary table for "did you mean". The
migrations create them from the statements here, so a later migration that rebuilds the
offers table on SQLite (batch mode drops triggers) can create them again.
"""

from __future__ import annotations

# Tables whose names start with these belong to the search index, and indexes named
# here are dialect-specific: schema comparisons against the models ignore them.
SEARCH_TABLE_PREFIXES = ("offer_search", "search_words")
UNMODELLED_INDEXES = frozenset(
    {
        "offers_browse_rated",
        "offer_search_document",
        "offer_search_words_offer",
        "offers_geo_covering",
    }
)


# FTS5's remove_diacritics folds Latin letters only; Russian readers type е for ё, so ё
# is folded here (PostgreSQL's unaccent does it on that side).
def _sqlite_fold(sql: str) -> str:
    return f"replace(replace({sql}, 'ё', 'е'), 'Ё', 'Е')"


_SQLITE_TITLE = _sqlite_fold("new.title")
_SQLITE_BODY = _sqlite_fold("coalesce(new.description, '') || ' ' || coalesce(new.area, '')")

SQLITE_CREATE = (
    # unicode61 with remove_diacritics 2 folds case and accents (é → e, ё → е);
    # prefix indexes make "gu*" and "gui*" lookups cheap.
    "CREATE VIRTUAL TABLE offer_search USING fts5(title, body, "
    "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')",
    # A title word weighs more than a word in the description or area.
    "INSERT INTO offer_search(offer_search, rank) VALUES ('rank', 'bm25(4.0, 1.0)')",
    "CREATE VIRTUAL TABLE offer_search_vocab USING fts5vocab(offer_search, row)",
    f"""CREATE TRIGGER offer_search_insert AFTER INSERT ON offers BEGIN
        INSERT INTO offer_search(rowid, title, body)
            VALUES (new.id, {_SQLITE_TITLE}, {_SQLITE_BODY});
    END""",
    f"""CREATE TRIGGER offer_search_update AFTER UPDATE OF title, description, area ON offers
    BEGIN
        DELETE FROM offer_search WHERE rowid = old.id;
        INSERT INTO offer_search(rowid, title, body)
            VALUES (new.id, {_SQLITE_TITLE}, {_SQLITE_BODY});
    END""",
    """CREATE TRIGGER offer_search_delete AFTER DELETE ON offers BEGIN
        DELETE FROM offer_search WHERE rowid = old.id;
    END""",
    "INSERT INTO offer_search(rowid, title, body) SELECT id, "
    + _sqlite_fold("title")
    + ", "
    + _sqlite_fold("coalesce(description, '') || ' ' || coalesce(area, '')")
    + " FROM offers",
)

SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS offer_search_delete",
    "DROP TRIGGER IF EXISTS offer_search_update",
    "DROP TRIGGER IF EXISTS offer_search_insert",
    "DROP TABLE IF EXISTS offer_search_vocab",
    "DROP TABLE IF EXISTS offer_search",
)

_PG_DOCUMENT = (
    "setweight(to_tsvector('simple', unaccent({row}.title)), 'A') || "
    "setweight(to_tsvector('simple', unaccent(coalesce({row}.description, '') || ' ' || "
    "coalesce({row}.area, ''))), 'B')"
)

POSTGRESQL_CREATE = (
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    # Browsing a category best rated first: PostgreSQL sorts NULLs first in descending
    # order, so the models' (rating, id) index cannot serve "rating DESC NULLS LAST".
    "CREATE INDEX offers_browse_rated ON offers "
    "(status, category, rating DESC NULLS LAST, review_count DESC, id DESC)",
    """CREATE TABLE offer_search (
        offer_id integer PRIMARY KEY REFERENCES offers (id) ON DELETE CASCADE,
        document tsvector NOT NULL
    )""",
    "CREATE INDEX offer_search_document ON offer_search USING gin (document)",
    # Every word ever indexed, for "did you mean"; byte order so a first-letter range
    # scan uses the primary key.
    'CREATE TABLE search_words (word text COLLATE "C" PRIMARY KEY)',
    f"""CREATE FUNCTION offer_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        doc tsvector := {_PG_DOCUMENT.format(row="NEW")};
    BEGIN
        INSERT INTO offer_search (offer_id, document) VALUES (NEW.id, doc)
            ON CONFLICT (offer_id) DO UPDATE SET document = EXCLUDED.document;
        INSERT INTO search_words (word) SELECT lexeme FROM unnest(doc)
            ON CONFLICT DO NOTHING;
        RETURN NULL;
    END
    $$""",
    """CREATE TRIGGER offer_search_sync AFTER INSERT OR UPDATE OF title, description, area
        ON offers FOR EACH ROW EXECUTE FUNCTION offer_search_sync()""",
    f"INSERT INTO offer_search (offer_id, document) SELECT o.id, {_PG_DOCUMENT.format(row='o')} "
    "FROM offers o",
    "INSERT INTO search_words (word) SELECT DISTINCT lexeme "
    "FROM offer_search, unnest(document) ON CONFLICT DO NOTHING",
)

# PostgreSQL: which published offers hold each word, as a B-tree (word, offer_id) beside
# the GIN index (migration 0008). A word, or a prefix, is then one index-only range scan
# that yields offer ids without visiting the table — the GIN index must read the row of
# every match (3 ms for the 1,800 offers of "plumb" in 100,000) — and the newest
# published matches are simply the highest ids. The sync function and trigger below
# replace 0003's: they also follow the offer's status.
_PG_SYNC = """CREATE OR REPLACE FUNCTION offer_search_sync() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        doc tsvector := {document};
    BEGIN
        INSERT INTO offer_search (offer_id, document) VALUES (NEW.id, doc)
            ON CONFLICT (offer_id) DO UPDATE SET document = EXCLUDED.document;
        INSERT INTO search_words (word) SELECT lexeme FROM unnest(doc)
            ON CONFLICT DO NOTHING;{words}
        RETURN NULL;
    END
    $$"""
_PG_SYNC_WORDS = """
        IF TG_OP = 'UPDATE' THEN
            DELETE FROM offer_search_words WHERE offer_id = NEW.id;
        END IF;
        IF NEW.status = 'published' THEN
            INSERT INTO offer_search_words (word, offer_id)
                SELECT lexeme, NEW.id FROM unnest(doc);
        END IF;"""
_PG_SYNC_WITH_WORDS = _PG_SYNC.format(document=_PG_DOCUMENT.format(row="NEW"), words=_PG_SYNC_WORDS)
_PG_SYNC_WITHOUT_WORDS = _PG_SYNC.format(document=_PG_DOCUMENT.format(row="NEW"), words="")
_PG_TRIGGER = """CREATE TRIGGER offer_search_sync AFTER INSERT OR UPDATE OF {columns}
    ON offers FOR EACH ROW EXECUTE FUNCTION offer_search_sync()"""
POSTGRESQL_WORDS_CREATE = (
    """CREATE TABLE offer_search_words (
        word text COLLATE "C" NOT NULL,
        offer_id integer NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
        PRIMARY KEY (word, offer_id)
    )""",
    # An offer's words: for the foreign key's cascade, and to check the few offers near
    # a point for the words (the place drives, each offer one probe per word).
    "CREATE INDEX offer_search_words_offer ON offer_search_words (offer_id, word)",
    "INSERT INTO offer_search_words (word, offer_id) "
    "SELECT lexeme, offer_id FROM offer_search JOIN offers ON offers.id = offer_id, "
    "unnest(document) WHERE offers.status = 'published'",
    _PG_SYNC_WITH_WORDS,
    "DROP TRIGGER offer_search_sync ON offers",
    _PG_TRIGGER.format(columns="title, description, area, status"),
)
POSTGRESQL_WORDS_DROP = (
    "DROP TRIGGER offer_search_sync ON offers",
    _PG_TRIGGER.format(columns="title, description, area"),
    _PG_SYNC_WITHOUT_WORDS,
    "DROP TABLE IF EXISTS offer_search_words",
)

# PostgreSQL: the near-a-point box as an index-only scan (migration 0009). SQLite's
# `ix_offers_geo` covers the search's columns because SQLite indexes carry the rowid;
# a PostgreSQL index carries no id, so every offer in the box cost a visit to the table
# (21 ms for the 3,000 offers of a city's box at 1,000,000 offers; 3.5 ms index-only).
POSTGRESQL_GEO_CREATE = (
    "CREATE INDEX offers_geo_covering ON offers (status, place_kind, latitude, longitude) "
    "INCLUDE (radius_km, provider_id, currency, price_minor, category, id, rating, review_count)",
)
POSTGRESQL_GEO_DROP = ("DROP INDEX IF EXISTS offers_geo_covering",)

# After an erasure: nothing of the erased texts may stay readable in the index. FTS5 only
# marks deleted rows, and their words stay in the segments until a merge; "optimize" merges
# every segment into one, without them. PostgreSQL's vocabulary keeps every word ever
# indexed; words no live document holds any more go.
SQLITE_PURGE = ("INSERT INTO offer_search(offer_search) VALUES ('optimize')",)
POSTGRESQL_PURGE = (
    "DELETE FROM search_words WHERE word NOT IN "
    "(SELECT DISTINCT lexeme FROM offer_search, unnest(document))",
)

POSTGRESQL_DROP = (
    "DROP INDEX IF EXISTS offers_browse_rated",
    "DROP TRIGGER IF EXISTS offer_search_sync ON offers",
    "DROP FUNCTION IF EXISTS offer_search_sync()",
    "DROP TABLE IF EXISTS search_words",
    "DROP TABLE IF EXISTS offer_search",
)


def is_search_table(name: str | None) -> bool:
    """Whether a table belongs to the search index rather than to the models."""
    return bool(name) and str(name).startswith(SEARCH_TABLE_PREFIXES)


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic `include_name` hook: schema comparisons skip the search index objects."""
    if type_ == "index":
        return name not in UNMODELLED_INDEXES
    return not (type_ == "table" and is_search_table(name))
