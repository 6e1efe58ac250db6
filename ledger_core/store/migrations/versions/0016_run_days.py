"""runs: how many each user started on each UTC day

The stats of a range of whole days count the runs that start in it: 300,000 for a
superuser's quarter at 10M actions, 20-40 ms on PostgreSQL off the start index.
`run_days` keeps the number per user and UTC day of a run's start, kept by ingest in the
same transaction (#8).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    from ledger_core.store.db import day_of
    from ledger_core.store.types import UTCDateTime

    op.create_table(
        'run_days',
        sa.Column('org_id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.String(length=64), nullable=False),
        sa.Column('day', sa.String(length=10), nullable=False),
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('org_id', 'user_id', 'day', name=op.f('pk_run_days')),
    )
    runs = sa.table('runs', sa.column('org_id'), sa.column('user_id'), sa.column('started_at', UTCDateTime()))
    days = sa.table('run_days', sa.column('org_id'), sa.column('user_id'), sa.column('day'), sa.column('n'))
    day = day_of(runs.c.started_at)
    op.get_bind().execute(days.insert().from_select(
        ['org_id', 'user_id', 'day', 'n'],
        sa.select(runs.c.org_id, runs.c.user_id, day, sa.func.count()).group_by(runs.c.org_id, runs.c.user_id, day)))


def downgrade() -> None:
    op.drop_table('run_days')
