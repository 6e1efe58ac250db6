"""runs: how many each user has

The stats of a scope's whole history count its runs: all 1.09M of them for a superuser at
10M actions (41 ms on PostgreSQL), an organization's 440,000 for an org admin (27 ms).
`run_counts` keeps the number per user, added to by ingest as it creates runs, in the
same transaction (#8).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
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


def downgrade() -> None:
    op.drop_table('run_counts')
