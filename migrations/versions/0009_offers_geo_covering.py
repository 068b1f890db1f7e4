"""search: on PostgreSQL, the near-a-point box as an index-only scan

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from models.search_index import POSTGRESQL_GEO_CREATE, POSTGRESQL_GEO_DROP

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":  # SQLite's ix_offers_geo covers it already
        for statement in POSTGRESQL_GEO_CREATE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        for statement in POSTGRESQL_GEO_DROP:
            op.execute(statement)
