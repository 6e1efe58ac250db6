"""indexes: an agent's entries by time carry their outcome

A page of one agent's actions with one outcome, sorted by cost or duration, gathers its
matches first (`read.query._gathers_matches_first`) through the agent's index, which
held no outcome: every entry of the agent within the dates was read from the table to
check it. At 10M actions on PostgreSQL, a superuser's outcome, agent and 90 days read
115,000 entries for 15,500 matches (440 ms). With the outcome in the index the others are
skipped there: 34-128 ms (#8).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

BEFORE = {
    'ix_le_org_agent': ['org_id', 'agent_id', 'timestamp'],
    'ix_le_user_agent': ['user_id', 'org_id', 'agent_id', 'timestamp'],
}


def _rebuild(columns_of) -> None:
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        for name, columns in BEFORE.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, columns_of(columns), unique=False)


def upgrade() -> None:
    _rebuild(lambda columns: [*columns, 'outcome'])


def downgrade() -> None:
    _rebuild(lambda columns: columns)
