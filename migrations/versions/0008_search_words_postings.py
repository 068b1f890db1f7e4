"""search: on PostgreSQL, which offers hold each word, as a B-tree beside the GIN index

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from models.search_index import POSTGRESQL_WORDS_CREATE, POSTGRESQL_WORDS_DROP

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":  # SQLite's FTS5 answers words fast itself
        for statement in POSTGRESQL_WORDS_CREATE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        for statement in POSTGRESQL_WORDS_DROP:
            op.execute(statement)
