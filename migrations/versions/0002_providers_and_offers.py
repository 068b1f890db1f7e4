"""providers and offers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('providers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('display_name', sa.String(length=64), nullable=False),
    sa.Column('bio', sa.String(length=500), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('place_kind', sa.String(length=16), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_providers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_providers')),
    sa.UniqueConstraint('user_id', name=op.f('uq_providers_user_id'))
    )
    op.create_table('offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('duration_min', sa.SmallInteger(), nullable=False),
    sa.Column('price_minor', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('capacity', sa.SmallInteger(), nullable=False),
    sa.Column('place_kind', sa.String(length=16), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('buffer_min', sa.SmallInteger(), nullable=False),
    sa.Column('min_notice_min', sa.Integer(), nullable=False),
    sa.Column('max_advance_days', sa.SmallInteger(), nullable=False),
    sa.Column('requires_approval', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.CheckConstraint('buffer_min BETWEEN 0 AND 480', name=op.f('ck_offers_buffer')),
    sa.CheckConstraint('capacity BETWEEN 1 AND 100', name=op.f('ck_offers_capacity')),
    sa.CheckConstraint('duration_min BETWEEN 5 AND 720', name=op.f('ck_offers_duration')),
    sa.CheckConstraint('max_advance_days BETWEEN 1 AND 365', name=op.f('ck_offers_advance')),
    sa.CheckConstraint('min_notice_min >= 0', name=op.f('ck_offers_notice')),
    sa.CheckConstraint('price_minor >= 0', name=op.f('ck_offers_price')),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_offers_provider_id_providers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offers'))
    )
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offers_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_offers_status'), ['status'], unique=False)

    op.create_table('offer_exceptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.Column('start_min', sa.SmallInteger(), nullable=True),
    sa.Column('end_min', sa.SmallInteger(), nullable=True),
    sa.CheckConstraint('(start_min IS NULL AND end_min IS NULL AND closed) OR (start_min >= 0 AND end_min <= 1440 AND start_min < end_min)', name=op.f('ck_offer_exceptions_range')),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_offer_exceptions_offer_id_offers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_exceptions'))
    )
    with op.batch_alter_table('offer_exceptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_exceptions_offer_id'), ['offer_id'], unique=False)

    op.create_table('offer_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.SmallInteger(), nullable=False),
    sa.Column('start_min', sa.SmallInteger(), nullable=False),
    sa.Column('end_min', sa.SmallInteger(), nullable=False),
    sa.CheckConstraint('start_min >= 0 AND end_min <= 1440 AND start_min < end_min', name=op.f('ck_offer_hours_range')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_offer_hours_weekday')),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_offer_hours_offer_id_offers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_hours'))
    )
    with op.batch_alter_table('offer_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_hours_offer_id'), ['offer_id'], unique=False)

    op.create_table('offer_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.String(length=255), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_offer_photos_offer_id_offers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_photos'))
    )
    with op.batch_alter_table('offer_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_photos_offer_id'), ['offer_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('offer_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_photos_offer_id'))

    op.drop_table('offer_photos')
    with op.batch_alter_table('offer_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_hours_offer_id'))

    op.drop_table('offer_hours')
    with op.batch_alter_table('offer_exceptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_exceptions_offer_id'))

    op.drop_table('offer_exceptions')
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offers_status'))
        batch_op.drop_index(batch_op.f('ix_offers_provider_id'))

    op.drop_table('offers')
    op.drop_table('providers')
