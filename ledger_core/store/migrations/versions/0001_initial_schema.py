"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import ledger_core.store.types

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('chain_heads',
    sa.Column('org_id', sa.String(length=64), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', ledger_core.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('org_id', name=op.f('pk_chain_heads'))
    )
    op.create_table('export_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('org_id', sa.String(length=64), nullable=False),
    sa.Column('started_at', ledger_core.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', ledger_core.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('format', sa.String(length=10), nullable=False),
    sa.Column('filters', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('row_limit', sa.Integer(), nullable=False),
    sa.Column('total_matched', sa.BigInteger(), nullable=False),
    sa.Column('rows_written', sa.BigInteger(), nullable=True),
    sa.Column('truncated', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_log'))
    )
    with op.batch_alter_table('export_log', schema=None) as batch_op:
        batch_op.create_index('ix_export_log_org_started', ['org_id', 'started_at'], unique=False)

    op.create_table('ledger_entries',
    sa.Column('org_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('run_id', sa.Uuid(), nullable=False),
    sa.Column('timestamp', ledger_core.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('action_name', sa.String(length=200).with_variant(sa.String(length=200, collation='C'), 'postgresql'), nullable=False),
    sa.Column('agent_id', sa.String(length=200).with_variant(sa.String(length=200, collation='C'), 'postgresql'), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('cost_usd', ledger_core.store.types.ExactDecimal(precision=22, scale=10), nullable=False),
    sa.Column('duration_ms', sa.BigInteger(), nullable=False),
    sa.Column('risk_level', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('input', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('output', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('blocked_reason', sa.Text(), nullable=True),
    sa.Column('metadata', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('compliance', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('ingested_at', ledger_core.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('org_id', 'id', name=op.f('pk_ledger_entries'))
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index('ix_le_id', ['id'], unique=False)
        batch_op.create_index('ix_le_org_action', ['org_id', 'action_name', 'outcome', 'timestamp'], unique=False)
        batch_op.create_index('ix_le_action', ['action_name', 'timestamp', 'id'], unique=False)
        batch_op.create_index('ix_le_user_action', ['user_id', 'org_id', 'action_name', 'timestamp'], unique=False)
        batch_op.create_index('ix_le_user_outcome', ['user_id', 'org_id', 'outcome', 'timestamp'], unique=False)
        batch_op.create_index('ix_le_org_agent', ['org_id', 'agent_id', 'timestamp'], unique=False)
        batch_op.create_index('ix_le_org_cost', ['org_id', 'cost_usd'], unique=False)
        batch_op.create_index('ix_le_org_duration', ['org_id', 'duration_ms'], unique=False)
        batch_op.create_index('ix_le_org_seq', ['org_id', 'seq'], unique=True)
        batch_op.create_index('ix_le_org_timestamp', ['org_id', 'timestamp', 'id'], unique=False)
        batch_op.create_index('ix_le_run', ['run_id', 'timestamp'], unique=False)
        batch_op.create_index('ix_le_timestamp', ['timestamp', 'id'], unique=False)
        batch_op.create_index('ix_le_user_timestamp', ['user_id', 'org_id', 'timestamp', 'id'], unique=False)

    op.create_table('ledger_names',
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'value', name=op.f('pk_ledger_names'))
    )
    op.create_table('organizations',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('tier', sa.String(length=20), server_default='standard', nullable=False),
    sa.Column('created_at', ledger_core.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizations'))
    )
    op.create_table('rate_limits',
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('window_start', sa.Float(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('user_id', 'action', name=op.f('pk_rate_limits'))
    )
    op.create_table('runs',
    sa.Column('org_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('agent_id', sa.String(length=200), nullable=False),
    sa.Column('started_at', ledger_core.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', ledger_core.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('org_id', 'id', name=op.f('pk_runs'))
    )
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.create_index('ix_runs_id', ['id'], unique=False)
        batch_op.create_index('ix_runs_org_started', ['org_id', 'started_at'], unique=False)
        batch_op.create_index('ix_runs_user_started', ['user_id', 'started_at'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('org_id', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('created_at', ledger_core.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_users_org_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_org_id'), ['org_id'], unique=False)

    op.create_table('api_keys',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', ledger_core.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', ledger_core.store.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_keys_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash'))
    )
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_keys_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_keys_user_id'))

    op.drop_table('api_keys')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_org_id'))

    op.drop_table('users')
    with op.batch_alter_table('runs', schema=None) as batch_op:
        batch_op.drop_index('ix_runs_user_started')
        batch_op.drop_index('ix_runs_org_started')
        batch_op.drop_index('ix_runs_id')

    op.drop_table('runs')
    op.drop_table('rate_limits')
    op.drop_table('organizations')
    op.drop_table('ledger_names')
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_le_user_timestamp')
        batch_op.drop_index('ix_le_timestamp')
        batch_op.drop_index('ix_le_run')
        batch_op.drop_index('ix_le_org_timestamp')
        batch_op.drop_index('ix_le_org_seq')
        batch_op.drop_index('ix_le_org_duration')
        batch_op.drop_index('ix_le_org_cost')
        batch_op.drop_index('ix_le_org_agent')
        batch_op.drop_index('ix_le_user_outcome')
        batch_op.drop_index('ix_le_user_action')
        batch_op.drop_index('ix_le_action')
        batch_op.drop_index('ix_le_org_action')
        batch_op.drop_index('ix_le_id')

    op.drop_table('ledger_entries')
    with op.batch_alter_table('export_log', schema=None) as batch_op:
        batch_op.drop_index('ix_export_log_org_started')

    op.drop_table('export_log')
    op.drop_table('chain_heads')
