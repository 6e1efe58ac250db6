"""rollup_compliance: an index by profile, scope and period

A query total with a compliance filter (`profile IN (...)`) over the whole ledger read
all of a scope's month rows of `rollup_compliance`; this index holds the rows of each
profile by organization, user and period, counts included, so it reads only the rows of
the matching profiles (an org admin's PII detected at 1M actions on SQLite: 53-74 ->
4-6 ms) (#8).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_rollup_compliance_profile', 'rollup_compliance',
                    ['grain', 'profile', 'org_id', 'user_id', 'period', 'n'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_rollup_compliance_profile', table_name='rollup_compliance')
