"""ledger_entries: the planner's statistics of the compliance members (PostgreSQL)

The exact percentiles of a compliance filter's stats read the entries of one duration
bucket, from its nearer end (`rollups.read._percentile`). PostgreSQL knew nothing of how
common a compliance value is (an expression's equality is 0.5% by default, `pii_detected`
is 9% at 1M demo actions), so it expected a few matching entries, read every entry of the
bucket from the heap and sorted them (root's PII detected at 1M actions: 70 ms for the
p95) where a walk of the duration index stops after the rank's entries (3 ms). Statistics
on the expressions the filters compile to (`store.db.json_member`, `json_flag_is`,
`json_array_has`) give it their frequencies (#8). SQLite has no such statistics and reads
those entries in 2-5 ms; PostgreSQL before 14 has none on expressions: nothing to do.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05
"""
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

STATISTICS = {
    'st_le_decision': "(compliance ->> 'decision')",
    'st_le_classification': "(compliance ->> 'data_classification')",
    'st_le_pii': "(compliance ->> 'pii_detected')",
    'st_le_frameworks': "((compliance -> 'regulatory_frameworks')::jsonb)",
}


def _applies() -> bool:
    bind = op.get_bind()
    return bind.dialect.name == 'postgresql' and tuple(bind.dialect.server_version_info or ()) >= (14,)


def upgrade() -> None:
    if not _applies():
        return
    for name, expression in STATISTICS.items():
        op.execute(f'CREATE STATISTICS {name} ON {expression} FROM ledger_entries')
    op.execute('ANALYZE ledger_entries')


def downgrade() -> None:
    if not _applies():
        return
    for name in STATISTICS:
        op.execute(f'DROP STATISTICS {name}')
