"""rollups: the daily series of a risk or compliance filter's stats, per risk level and profile

The stats of a risk or compliance filter added up their daily series from
`rollup_compliance`'s day rows, kept per agent, action and outcome too: every day row of
the ledger was read (a superuser's min_risk high at 1M actions: 83 ms on SQLite, 80 on
PostgreSQL). `rollup_compliance_days` keeps a day's count, exact cost, errors, blocked
actions and first and last instant per risk level and compliance profile only, keyed by
them first (#8). It is filled from `rollup_compliance`'s day rows in one grouped insert
(`rollups.maintain.backfill_compliance_days`).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

import ledger_core.store.types

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rollup_compliance_days',
                    sa.Column('grain', sa.String(length=5), nullable=False),
                    sa.Column('org_id', sa.String(length=64), nullable=False),
                    sa.Column('user_id', sa.String(length=64), nullable=False),
                    sa.Column('period', sa.String(length=10), nullable=False),
                    sa.Column('risk_level', sa.String(length=16), nullable=False),
                    sa.Column('profile', sa.String(length=32), nullable=False),
                    sa.Column('n', sa.BigInteger(), nullable=False),
                    sa.Column('cost_whole', sa.BigInteger(), nullable=False),
                    sa.Column('cost_frac', sa.BigInteger(), nullable=False),
                    sa.Column('errors', sa.BigInteger(), nullable=False),
                    sa.Column('blocked', sa.BigInteger(), nullable=False),
                    sa.Column('first_at', ledger_core.store.types.UTCDateTime(timezone=True), nullable=False),
                    sa.Column('last_at', ledger_core.store.types.UTCDateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('grain', 'risk_level', 'profile', 'org_id', 'user_id', 'period',
                                            name=op.f('pk_rollup_compliance_days')),
                    sqlite_with_rowid=False)
    from ledger_core.rollups.maintain import backfill_compliance_days

    backfill_compliance_days(op.get_bind())


def downgrade() -> None:
    op.drop_table('rollup_compliance_days')
