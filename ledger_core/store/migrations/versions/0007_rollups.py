"""rollups: per-day and per-month aggregates of the entries, backfilled

Creates rollup_outcomes, rollup_actions, rollup_runs and rollup_durations (see
`ledger_core.rollups`) and fills them from the entries already stored, in keyset batches
(a few minutes per million entries). From here on ingest keeps them in its transaction.
Also four indexes of ledger_entries for query shapes (#8).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

import ledger_core.store.types

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


INDEXES = {
    'ix_le_cost': ['cost_usd', 'id'],
    'ix_le_duration': ['duration_ms', 'id'],
    'ix_le_org_outcome': ['org_id', 'outcome', 'timestamp', 'id'],
    'ix_le_user_agent': ['user_id', 'org_id', 'agent_id', 'timestamp'],
}


ROLLUP_INDEXES = (
    ('ix_rollup_outcomes_period', 'rollup_outcomes', ['grain', 'period', 'outcome', 'n', 'cost_whole', 'cost_frac']),
    ('ix_rollup_actions_name', 'rollup_actions', ['grain', 'action_name', 'period', 'n', 'cost_whole', 'cost_frac']),
    ('ix_rollup_durations_agent', 'rollup_durations', ['grain', 'agent_id', 'period', 'org_id', 'user_id', 'bucket', 'n']),
)


def _name():
    return sa.String(length=200).with_variant(sa.String(length=200, collation='C'), 'postgresql')


def _common():
    return [sa.Column('grain', sa.String(length=5), nullable=False),
            sa.Column('org_id', sa.String(length=64), nullable=False),
            sa.Column('user_id', sa.String(length=64), nullable=False),
            sa.Column('period', sa.String(length=10), nullable=False)]


def _cost():
    return [sa.Column('cost_whole', sa.BigInteger(), nullable=False),
            sa.Column('cost_frac', sa.BigInteger(), nullable=False)]


def _table(name, keys, measures):
    op.create_table(name, *_common(), *keys, sa.Column('n', sa.BigInteger(), nullable=False), *measures,
                    sa.PrimaryKeyConstraint('grain', 'org_id', 'user_id', 'period', *[c.name for c in keys],
                                            name=op.f(f'pk_{name}')))


def upgrade() -> None:
    _table('rollup_outcomes',
           [sa.Column('agent_id', _name(), nullable=False), sa.Column('outcome', sa.String(length=16), nullable=False)],
           [*_cost(), sa.Column('duration_ms', sa.BigInteger(), nullable=False),
            sa.Column('first_at', ledger_core.store.types.UTCDateTime(timezone=True), nullable=False),
            sa.Column('last_at', ledger_core.store.types.UTCDateTime(timezone=True), nullable=False),
            *[sa.Column(f'risk_{level}', sa.BigInteger(), nullable=False)
              for level in ('low', 'medium', 'high', 'critical')]])
    _table('rollup_actions',
           [sa.Column('agent_id', _name(), nullable=False), sa.Column('action_name', _name(), nullable=False)],
           _cost())
    _table('rollup_runs',
           [sa.Column('agent_id', _name(), nullable=False), sa.Column('run_id', sa.Uuid(), nullable=False)],
           [])
    _table('rollup_durations',
           [sa.Column('agent_id', _name(), nullable=False), sa.Column('bucket', sa.BigInteger(), nullable=False)],
           [])
    for name, table, columns in ROLLUP_INDEXES:
        op.create_index(name, table, columns, unique=False)
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        for name, columns in INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
    from ledger_core.rollups.maintain import backfill
    from ledger_core.store import schema

    backfill(op.get_bind(), (schema.rollup_outcomes, schema.rollup_actions, schema.rollup_runs,
                             schema.rollup_durations))


def downgrade() -> None:
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        for name in INDEXES:
            batch_op.drop_index(name)
    for name, table, _ in ROLLUP_INDEXES:
        op.drop_index(name, table_name=table)
    for name in ('rollup_durations', 'rollup_runs', 'rollup_actions', 'rollup_outcomes'):
        op.drop_table(name)
