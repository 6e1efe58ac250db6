"""runs: which runs span several UTC days; runs by start time

The stats of a range of days count its distinct runs. They were counted among the run rows
of `rollup_runs` in the range's periods: about 290,000 rows for 90 days of the 10M-action
demo ledger, 125-140 ms of a superuser's or an org admin's stats. A run acts in a range of
whole days when it starts in it, or when it started before and acts in it; a run of the
second kind spans several UTC days, which are few. `multi_day` marks those runs (kept by
ingest), `ix_runs_multi_day` (partial: those runs alone) finds those still running at
the range's start, and `ix_runs_started` counts a superuser's runs started in a range
(#8).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

from ledger_core.store.db import day_of

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('multi_day', sa.Boolean(), server_default=sa.false(), nullable=False))
    runs = sa.table('runs', sa.column('started_at'), sa.column('ended_at'), sa.column('multi_day'))
    op.get_bind().execute(sa.update(runs).where(day_of(runs.c.started_at) != day_of(runs.c.ended_at))
                          .values(multi_day=True))
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.create_index('ix_runs_started', ['started_at'], unique=False)
    op.create_index('ix_runs_multi_day', 'runs', ['ended_at'], unique=False,
                    sqlite_where=sa.text('multi_day = 1'), postgresql_where=sa.text('multi_day = true'))
    op.execute('ANALYZE runs')


def downgrade() -> None:
    op.drop_index('ix_runs_multi_day', table_name='runs')
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_index('ix_runs_started')
        batch_op.drop_column('multi_day')
