"""stats of a user or an organization: entries by user (or organization) and duration

A user's stats locate each percentile's duration bucket in the rollups, then read that
bucket's entries for the exact value. Without an index led by the user, PostgreSQL read
every entry of the bucket (all users') and checked the user: a user's whole-history stats
took 1.2 s at 10M actions, 0.8 s of it in the two percentile reads. With the dates and
the agent in the index too, the read is index-only for a date range and an agent; 1.2 s
became 0.14 s. The rest was the count of the user's runs, which checked each run's
organization in the table: the runs' user index now holds it. An org admin's percentiles
of one agent read 655 ms the same way at 10M: the organization's duration index now holds
the dates and the agent as well (#8).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

ENTRY_INDEXES = {
    'ix_le_user_duration': ['user_id', 'org_id', 'duration_ms', 'timestamp', 'agent_id'],
}



def upgrade() -> None:
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        for name, columns in ENTRY_INDEXES.items():
            batch_op.create_index(name, columns, unique=False)
        batch_op.drop_index('ix_le_org_duration')
        batch_op.create_index('ix_le_org_duration', ['org_id', 'duration_ms', 'timestamp', 'agent_id'], unique=False)
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_index('ix_runs_user_started')
        batch_op.create_index('ix_runs_user_started', ['user_id', 'org_id', 'started_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_index('ix_runs_user_started')
        batch_op.create_index('ix_runs_user_started', ['user_id', 'started_at'], unique=False)
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_le_org_duration')
        batch_op.create_index('ix_le_org_duration', ['org_id', 'duration_ms'], unique=False)
        for name in ENTRY_INDEXES:
            batch_op.drop_index(name)
