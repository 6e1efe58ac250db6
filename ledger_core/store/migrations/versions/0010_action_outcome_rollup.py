"""rollups: the count of actions per action name and outcome, backfilled

A query that filters on an action and an outcome together (or searches with a term that
matches an outcome, such as "err") had its exact total counted from the entries: no
index or rollup held both fields. At 10M actions on PostgreSQL that took 0.9-1.3 s for a
superuser or a user. rollup_action_outcomes keeps the count per organization, user,
period, agent, action name and outcome; the total then reads a few hundred rows (#8).

The backfill is set-based (`rollups.maintain.backfill_counts`): one grouped insert of the
day rows from the entries, one of the month rows from the day rows (37 s at 10M actions
on PostgreSQL). The planner's statistics follow; autovacuum then sets the visibility map
that index-only scans need.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def _name():
    return sa.String(length=200).with_variant(sa.String(length=200, collation='C'), 'postgresql')


def upgrade() -> None:
    op.create_table('rollup_action_outcomes',
                    sa.Column('grain', sa.String(length=5), nullable=False),
                    sa.Column('org_id', sa.String(length=64), nullable=False),
                    sa.Column('user_id', sa.String(length=64), nullable=False),
                    sa.Column('period', sa.String(length=10), nullable=False),
                    sa.Column('agent_id', _name(), nullable=False),
                    sa.Column('action_name', _name(), nullable=False),
                    sa.Column('outcome', sa.String(length=16), nullable=False),
                    sa.Column('n', sa.BigInteger(), nullable=False),
                    sa.PrimaryKeyConstraint('grain', 'org_id', 'user_id', 'period', 'agent_id', 'action_name',
                                            'outcome', name=op.f('pk_rollup_action_outcomes')))
    from ledger_core.rollups.maintain import backfill_counts
    from ledger_core.store import schema

    backfill_counts(op.get_bind(), schema.rollup_action_outcomes)
    op.create_index('ix_rollup_action_outcomes_name', 'rollup_action_outcomes',
                    ['grain', 'action_name', 'outcome', 'period', 'org_id', 'user_id', 'n'], unique=False)
    op.execute('ANALYZE rollup_action_outcomes')


def downgrade() -> None:
    op.drop_index('ix_rollup_action_outcomes_name', table_name='rollup_action_outcomes')
    op.drop_table('rollup_action_outcomes')
