"""runs: drop run_counts, which run_days holds

`run_counts` (0015) kept the runs per user; `run_days` (0016) keeps them per user and UTC
day of their start, so a scope's whole history is the sum of its `run_days` rows (9,858
at 10M actions) and ingest need not keep both (#8).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table('run_counts')


def downgrade() -> None:
    op.create_table(
        'run_counts',
        sa.Column('org_id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.String(length=64), nullable=False),
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('org_id', 'user_id', name=op.f('pk_run_counts')),
    )
    runs = sa.table('runs', sa.column('org_id'), sa.column('user_id'))
    counts = sa.table('run_counts', sa.column('org_id'), sa.column('user_id'), sa.column('n'))
    op.get_bind().execute(counts.insert().from_select(
        ['org_id', 'user_id', 'n'],
        sa.select(runs.c.org_id, runs.c.user_id, sa.func.count()).group_by(runs.c.org_id, runs.c.user_id)))
