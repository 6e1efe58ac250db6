"""ledger_entries: the risk level in the duration indexes

The exact percentiles of a risk filter's stats read the entries of one duration bucket
from an index in duration order (by organization, by user, or by date), and fetched each
of them from the table to test its risk level: a superuser's min_risk high at 10M actions
on PostgreSQL read 58,000 entries for its p50, 275 ms, an org admin's 16,500, 61 ms. With
the risk level as the last column of those indexes the read is index-only: 12-15 ms for
the superuser's (#8). Their order and what they served before are unchanged.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05
"""
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

INDEXES = {
    'ix_le_duration': ['duration_ms', 'id'],
    'ix_le_duration_time': ['duration_ms', 'timestamp', 'agent_id'],
    'ix_le_org_duration': ['org_id', 'duration_ms', 'timestamp', 'agent_id'],
    'ix_le_user_duration': ['user_id', 'org_id', 'duration_ms', 'timestamp', 'agent_id'],
}


def _rebuild(with_risk: bool) -> None:
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name='ledger_entries')
        op.create_index(name, 'ledger_entries', [*columns, *(['risk_level'] if with_risk else [])], unique=False)


def upgrade() -> None:
    _rebuild(with_risk=True)


def downgrade() -> None:
    _rebuild(with_risk=False)
