"""action ids and run ids unique across the whole ledger

Both were unique per organization only (the primary keys include `org_id`): two loads
racing each other could store one action id, or one run, in two organizations. The
plain indexes on `id` become unique indexes, so the database itself refuses the second
copy under any concurrency. On a database that already holds such copies the upgrade
stops with the first few ids and changes nothing: decide which copy is right and remove
the other before upgrading again.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""
import uuid

import sqlalchemy as sa
from alembic import op

from ledger_core.errors import LedgerError

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# (table, index, what its id is)
UNIQUE_IDS = (("ledger_entries", "ix_le_id", "action"), ("runs", "ix_runs_id", "run"))


def _check_no_duplicates(bind) -> None:
    problems = []
    for table, _, kind in UNIQUE_IDS:
        rows = bind.execute(sa.text(
            f"SELECT id, count(*) AS copies FROM {table} GROUP BY id HAVING count(*) > 1 ORDER BY id LIMIT 5"
        )).all()
        if rows:
            total = bind.execute(sa.text(
                f"SELECT count(*) FROM (SELECT id FROM {table} GROUP BY id HAVING count(*) > 1) AS d")).scalar()
            shown = ", ".join(f"{uuid.UUID(str(row.id))} ({row.copies} copies)" for row in rows)
            problems.append(f"{total} {kind} id(s) are stored in more than one organization in {table}: {shown}")
    if problems:
        raise LedgerError(
            "cannot make ids unique across the ledger (revision 0006): " + "; ".join(problems)
            + ". Nothing was changed. Keep one copy of each (the right organization's) and run the upgrade again.")


def upgrade() -> None:
    bind = op.get_bind()
    _check_no_duplicates(bind)
    for table, index, _ in UNIQUE_IDS:
        op.drop_index(index, table_name=table)
        op.create_index(index, table, ["id"], unique=True)


def downgrade() -> None:
    for table, index, _ in UNIQUE_IDS:
        op.drop_index(index, table_name=table)
        op.create_index(index, table, ["id"], unique=False)
