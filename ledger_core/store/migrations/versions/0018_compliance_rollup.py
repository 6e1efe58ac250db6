"""rollups: the counts per risk level and compliance profile, backfilled

The compliance summary (the Compliance page, `GET /ledger/compliance`) read every
matching entry's compliance JSON, and a query filtered on risk or compliance counted its
total from the entries: seconds at 10M actions. `rollup_compliance` keeps the count per
organization, user, period, agent, action name, outcome, risk level and compliance
profile (`rollups.profiles`: decision, classification, PII, frameworks, awaiting a
review), `compliance_profiles` each profile's members (#8).

The backfill (`rollups.maintain.backfill_compliance`) reads the entries once, grouped,
and adds up the month rows from the day rows. `ix_le_unreviewed` holds the actions awaiting
a review (decision "review", no reviewer), newest first: the summary lists the latest 20,
which PostgreSQL otherwise found by sorting every entry in scope when the request carried
several compliance filters (5-6 s at 10M actions).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def _name():
    return sa.String(length=200).with_variant(sa.String(length=200, collation='C'), 'postgresql')


def upgrade() -> None:
    op.create_table('compliance_profiles',
                    sa.Column('profile', sa.String(length=32), nullable=False),
                    sa.Column('decision', sa.String(length=16), nullable=False),
                    sa.Column('data_classification', sa.String(length=16), nullable=False),
                    sa.Column('pii_detected', sa.Boolean(), nullable=False),
                    sa.Column('regulatory_frameworks', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'),
                              nullable=False),
                    sa.Column('unreviewed', sa.Boolean(), nullable=False),
                    sa.PrimaryKeyConstraint('profile', name=op.f('pk_compliance_profiles')))
    op.create_table('rollup_compliance',
                    sa.Column('grain', sa.String(length=5), nullable=False),
                    sa.Column('org_id', sa.String(length=64), nullable=False),
                    sa.Column('user_id', sa.String(length=64), nullable=False),
                    sa.Column('period', sa.String(length=10), nullable=False),
                    sa.Column('agent_id', _name(), nullable=False),
                    sa.Column('action_name', _name(), nullable=False),
                    sa.Column('outcome', sa.String(length=16), nullable=False),
                    sa.Column('risk_level', sa.String(length=16), nullable=False),
                    sa.Column('profile', sa.String(length=32), nullable=False),
                    sa.Column('n', sa.BigInteger(), nullable=False),
                    sa.PrimaryKeyConstraint('grain', 'org_id', 'user_id', 'period', 'agent_id', 'action_name',
                                            'outcome', 'risk_level', 'profile', name=op.f('pk_rollup_compliance')))
    from ledger_core.rollups.maintain import backfill_compliance

    backfill_compliance(op.get_bind())
    op.create_index('ix_rollup_compliance_groups', 'rollup_compliance',
                    ['grain', 'agent_id', 'action_name', 'risk_level', 'profile', 'period', 'org_id', 'user_id', 'n'],
                    unique=False)
    op.create_index('ix_rollup_compliance_period', 'rollup_compliance',
                    ['grain', 'period', 'agent_id', 'action_name', 'risk_level', 'profile', 'org_id', 'user_id', 'n'],
                    unique=False)
    op.create_index('ix_le_unreviewed', 'ledger_entries', ['timestamp', 'id'], unique=False,
                    postgresql_where=sa.text("(compliance ->> 'decision') = 'review' "
                                             "AND (compliance ->> 'reviewed_by') IS NULL"),
                    sqlite_where=sa.text("json_extract(compliance, '$.decision') = 'review' "
                                         "AND json_extract(compliance, '$.reviewed_by') IS NULL"))
    op.execute('ANALYZE rollup_compliance')
    op.execute('ANALYZE compliance_profiles')


def downgrade() -> None:
    op.drop_index('ix_le_unreviewed', table_name='ledger_entries')
    op.drop_index('ix_rollup_compliance_period', table_name='rollup_compliance')
    op.drop_index('ix_rollup_compliance_groups', table_name='rollup_compliance')
    op.drop_table('rollup_compliance')
    op.drop_table('compliance_profiles')
