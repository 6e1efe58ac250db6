"""rollups: the stats of a risk or compliance filter, backfilled

The stats and the Stats page's duration chart with a risk or compliance filter read every
matching entry (2-5 s at 1M actions on SQLite, at 10M on PostgreSQL). `rollup_compliance`
now keeps the measures of `rollup_outcomes` (exact cost, duration sum, first and last
instant) next to its count per risk level and compliance profile; `rollup_compliance_runs`
keeps the runs (day rows only: a run acts within a day or two) and
`rollup_compliance_durations` the duration buckets, both per risk level and profile (#8).

`rollup_compliance` is rebuilt, and two of its indexes hold the measures the stats add
up (index-only reads); the three tables are filled from the entries
(`rollups.maintain.backfill`).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

import ledger_core.store.types

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def _name():
    return sa.String(length=200).with_variant(sa.String(length=200, collation='C'), 'postgresql')


_BY_PROFILE = ('grain', 'risk_level', 'profile', 'org_id', 'user_id', 'period', 'agent_id')


def _scope():
    return [sa.Column('grain', sa.String(length=5), nullable=False),
            sa.Column('org_id', sa.String(length=64), nullable=False),
            sa.Column('user_id', sa.String(length=64), nullable=False),
            sa.Column('period', sa.String(length=10), nullable=False)]


def _compliance(measures: bool) -> None:
    extra = [sa.Column('cost_whole', sa.BigInteger(), nullable=False),
             sa.Column('cost_frac', sa.BigInteger(), nullable=False),
             sa.Column('duration_ms', sa.BigInteger(), nullable=False),
             sa.Column('first_at', ledger_core.store.types.UTCDateTime(timezone=True), nullable=False),
             sa.Column('last_at', ledger_core.store.types.UTCDateTime(timezone=True), nullable=False)]
    op.create_table('rollup_compliance', *_scope(),
                    sa.Column('agent_id', _name(), nullable=False),
                    sa.Column('action_name', _name(), nullable=False),
                    sa.Column('outcome', sa.String(length=16), nullable=False),
                    sa.Column('risk_level', sa.String(length=16), nullable=False),
                    sa.Column('profile', sa.String(length=32), nullable=False),
                    sa.Column('n', sa.BigInteger(), nullable=False),
                    *(extra if measures else []),
                    sa.PrimaryKeyConstraint('grain', 'org_id', 'user_id', 'period', 'agent_id', 'action_name',
                                            'outcome', 'risk_level', 'profile', name=op.f('pk_rollup_compliance')))


_COMPLIANCE_INDEXES = {
    'ix_rollup_compliance_groups': ['grain', 'agent_id', 'action_name', 'risk_level', 'profile', 'period', 'org_id',
                                    'user_id', 'n'],
    'ix_rollup_compliance_period': ['grain', 'period', 'agent_id', 'action_name', 'risk_level', 'profile', 'org_id',
                                    'user_id', 'n'],
    'ix_rollup_compliance_profile': ['grain', 'profile', 'org_id', 'user_id', 'period', 'n'],
}
_MEASURED = {  # index-only reads of the stats' sums per group and per day
    'ix_rollup_compliance_groups': ['outcome', 'cost_whole', 'cost_frac', 'duration_ms'],
    'ix_rollup_compliance_period': ['outcome', 'cost_whole', 'cost_frac', 'first_at', 'last_at'],
}


def _rebuild_compliance(measures: bool) -> None:
    for name in _COMPLIANCE_INDEXES:
        op.drop_index(name, table_name='rollup_compliance')
    op.drop_table('rollup_compliance')
    _compliance(measures)


def _index_compliance(measures: bool) -> None:
    for name, columns in _COMPLIANCE_INDEXES.items():
        op.create_index(name, 'rollup_compliance', columns + (_MEASURED.get(name, []) if measures else []),
                        unique=False)


def upgrade() -> None:
    _rebuild_compliance(measures=True)
    for name, last in (('rollup_compliance_runs', sa.Column('run_id', sa.Uuid(), nullable=False)),
                       ('rollup_compliance_durations', sa.Column('bucket', sa.BigInteger(), nullable=False))):
        op.create_table(name, *_scope(),
                        sa.Column('agent_id', _name(), nullable=False),
                        sa.Column('risk_level', sa.String(length=16), nullable=False),
                        sa.Column('profile', sa.String(length=32), nullable=False),
                        last,
                        sa.Column('n', sa.BigInteger(), nullable=False),
                        sa.PrimaryKeyConstraint(*_BY_PROFILE, last.name, name=op.f(f'pk_{name}')))
    from ledger_core.rollups.maintain import backfill
    from ledger_core.store.schema import rollup_compliance, rollup_compliance_durations, rollup_compliance_runs

    backfill(op.get_bind(), [rollup_compliance, rollup_compliance_runs, rollup_compliance_durations])
    _index_compliance(measures=True)
    op.create_index('ix_rollup_compliance_durations_counts', 'rollup_compliance_durations',
                    [*_BY_PROFILE, 'bucket', 'n'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_rollup_compliance_durations_counts', table_name='rollup_compliance_durations')
    op.drop_table('rollup_compliance_durations')
    op.drop_table('rollup_compliance_runs')
    _rebuild_compliance(measures=False)
    from ledger_core.rollups.maintain import backfill_compliance

    backfill_compliance(op.get_bind())
    _index_compliance(measures=False)
