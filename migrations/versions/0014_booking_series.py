"""booking series

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('booking_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.BigInteger(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('every_weeks', sa.SmallInteger(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['users.id'], name=op.f('fk_booking_series_customer_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_booking_series_offer_id_offers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_series'))
    )
    with op.batch_alter_table('booking_series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_series_customer_id'), ['customer_id'], unique=False)

    # No foreign key (see models.booking): SQLite adds a plain column in place, where a
    # foreign key would rebuild `bookings` under the tables that refer to it.
    op.add_column('bookings', sa.Column('series_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_bookings_series_id'), 'bookings', ['series_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_bookings_series_id'), table_name='bookings')
    op.drop_column('bookings', 'series_id')
    with op.batch_alter_table('booking_series', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_series_customer_id'))

    op.drop_table('booking_series')
