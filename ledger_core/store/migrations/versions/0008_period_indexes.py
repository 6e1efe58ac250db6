"""indexes for stats over a date range: rollups by period, entries by duration and time

A quarter's stats for a superuser or an org admin read the day rows of its partial months
and the month rows of the rest. These indexes let each rollup read be an index range scan
(runs and actions by period; runs, outcomes and actions by agent; the duration buckets
already had one), let the exact percentile read only the entries of one duration bucket
within the dates (and of the agent asked for), index-only, and give a user's cost sort and
cost range an index. At 1M actions they took a superuser's quarter from 224 to 111 ms on
SQLite and from 314 to 89 ms on PostgreSQL (both under load) (#8).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

ROLLUP_INDEXES = (
    ('ix_rollup_runs_period', 'rollup_runs', ['grain', 'period', 'run_id']),
    ('ix_rollup_actions_period', 'rollup_actions', ['grain', 'period', 'action_name', 'n', 'cost_whole', 'cost_frac']),
    ('ix_rollup_runs_agent', 'rollup_runs', ['grain', 'agent_id', 'run_id']),
    ('ix_rollup_outcomes_agent', 'rollup_outcomes',
     ['grain', 'agent_id', 'period', 'outcome', 'n', 'cost_whole', 'cost_frac']),
    ('ix_rollup_actions_agent', 'rollup_actions',
     ['grain', 'agent_id', 'period', 'action_name', 'n', 'cost_whole', 'cost_frac']),
)
# Not led by agent_id: SQLite would then read an agent's page through it and sort the
# agent's every entry (a superuser's agent filter took 207 ms instead of 5 at 1M).
ENTRY_INDEXES = {
    'ix_le_duration_time': ['duration_ms', 'timestamp', 'agent_id'],
    # A user's sort by cost and cost range (170-200 ms at 1M on SQLite, 2.3 s at 10M on
    # PostgreSQL, without it; 8 ms with it on SQLite).
    'ix_le_user_cost': ['user_id', 'org_id', 'cost_usd', 'id'],
}


def upgrade() -> None:
    for name, table, columns in ROLLUP_INDEXES:
        op.create_index(name, table, columns, unique=False)
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        for name, columns in ENTRY_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        for name in ENTRY_INDEXES:
            batch_op.drop_index(name)
    for name, table, _ in ROLLUP_INDEXES:
        op.drop_index(name, table_name=table)
