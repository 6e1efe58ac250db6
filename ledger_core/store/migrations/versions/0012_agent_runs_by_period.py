"""rollups: one agent's runs by period, organization and user

The stats of one agent over a date range count its distinct runs in `rollup_runs`. The
agent's index held (grain, agent, run): every run row of the agent, of all time, was read
to keep those of the period range, or the period index was read for every agent's rows.
At 10M actions on PostgreSQL a superuser's count for one agent and 90 days took 108-388
ms; with the period in the agent's index, 9-12 ms. An org admin's count of one agent read
each row from the table to check its organization (121 ms); with the organization and
the user in the index too, 14 ms (#8).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def _rebuild(columns: list[str]) -> None:
    with op.batch_alter_table('rollup_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_rollup_runs_agent')
        batch_op.create_index('ix_rollup_runs_agent', columns, unique=False)


def upgrade() -> None:
    _rebuild(['grain', 'agent_id', 'period', 'run_id', 'org_id', 'user_id'])


def downgrade() -> None:
    _rebuild(['grain', 'agent_id', 'run_id'])
