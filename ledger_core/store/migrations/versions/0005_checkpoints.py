"""signed checkpoints of each organization's chain head (append-only, like the entries)

One row per signed chain head: the organization, the position (`seq`, the chain's count
then), the entry there and its hash, when it was signed, the Ed25519 signature (base64)
and the fingerprint of the public key that verifies it. The private key is never stored.
UPDATE and DELETE are refused by triggers, as on ledger_entries (revision 0004).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

TABLE = "checkpoints"


def upgrade() -> None:
    op.create_table(TABLE,
    sa.Column('org_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('entry_id', sa.Uuid(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('signature', sa.String(length=88), nullable=False),
    sa.Column('key_fingerprint', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('org_id', 'seq', name=op.f('pk_checkpoints'))
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # ledger_refuse_change() comes from revision 0004.
        op.execute(f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()")
        op.execute(f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()")
    elif bind.dialect.name == "sqlite":
        for operation in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {TABLE}_no_{operation.lower()} BEFORE {operation} ON {TABLE} "
                       f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only: {operation} refused'); END")


def downgrade() -> None:
    op.drop_table(TABLE)
