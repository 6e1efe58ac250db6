"""runs: the risk levels of each run's actions; run_risk_days

The stats of a risk filter (min_risk high, risk_level medium) count the distinct runs
holding a matching action: they were counted among the run ids of
`rollup_compliance_runs`, one row per run, risk level and compliance profile (a
superuser's min_risk high over the 1M-action ledger on SQLite: 50 ms of the stats;
risk_level medium 129 ms). `runs.risks` keeps the risk levels of a run's actions as a
mask (`rollups.run_risks`) and `run_risk_days` the runs per user, UTC day of their start
and mask, both kept by ingest: a run of one day holds a matching action on it when its
mask holds one of the filter's levels, so whole days add up; the few runs spanning
several days are looked up (`rollups.read.runs_at_risk`) (#8).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    from ledger_core.rollups.run_risks import BIT
    from ledger_core.store.db import day_of
    from ledger_core.store.types import UTCDateTime

    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('risks', sa.SmallInteger(), server_default=sa.text('0'), nullable=False))
    op.create_table(
        'run_risk_days',
        sa.Column('org_id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.String(length=64), nullable=False),
        sa.Column('day', sa.String(length=10), nullable=False),
        sa.Column('risks', sa.SmallInteger(), nullable=False),
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('org_id', 'user_id', 'day', 'risks', name=op.f('pk_run_risk_days')),
        sqlite_with_rowid=False,
    )
    runs = sa.table('runs', sa.column('org_id'), sa.column('id'), sa.column('user_id'),
                    sa.column('started_at', UTCDateTime()), sa.column('risks'))
    entries = sa.table('ledger_entries', sa.column('org_id'), sa.column('run_id'), sa.column('risk_level'))
    # The sum of the distinct bits of a run's levels is their mask.
    bit = sa.case(*[(entries.c.risk_level == level, value) for level, value in BIT.items()], else_=0)
    mask = (sa.select(sa.func.coalesce(sa.func.sum(bit.distinct()), 0))
            .where(entries.c.run_id == runs.c.id, entries.c.org_id == runs.c.org_id).scalar_subquery())
    bind = op.get_bind()
    bind.execute(sa.update(runs).values(risks=mask))
    days = sa.table('run_risk_days', sa.column('org_id'), sa.column('user_id'), sa.column('day'),
                    sa.column('risks'), sa.column('n'))
    day = day_of(runs.c.started_at)
    bind.execute(days.insert().from_select(
        ['org_id', 'user_id', 'day', 'risks', 'n'],
        sa.select(runs.c.org_id, runs.c.user_id, day, runs.c.risks, sa.func.count())
        .group_by(runs.c.org_id, runs.c.user_id, day, runs.c.risks)))


def downgrade() -> None:
    op.drop_table('run_risk_days')
    # SQLite rebuilds the table to drop a column, and would rebuild this index whole.
    op.drop_index('ix_runs_multi_day', table_name='runs')
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_column('risks')
    op.create_index('ix_runs_multi_day', 'runs', ['ended_at'], unique=False,
                    sqlite_where=sa.text('multi_day = 1'), postgresql_where=sa.text('multi_day = true'))
