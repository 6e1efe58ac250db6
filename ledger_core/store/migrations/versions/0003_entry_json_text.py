"""entries keep their JSON fields as canonical text (PostgreSQL json, SQLite TEXT)

PostgreSQL: jsonb reorders object keys and respaces them, so exports from PostgreSQL
differed from those of SQLite and from the text that was hashed. The four JSON columns of
ledger_entries become `json` and each value is written back in its canonical form
(compact, keys sorted, non-ASCII as is), which is what ingest stores from now on.

SQLite: a column declared JSON has NUMERIC affinity, which stored a top-level JSON number
(an `output` of `42`) as an INTEGER or REAL instead of its text. The columns become TEXT,
and such values are written back as their JSON text (read as exact Python numbers first).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""
import json

from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

COLUMNS = ("input", "output", "metadata", "compliance")
BATCH = 5000


def _canonical(text):
    if text is None:
        return None
    return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _canonicalize_all(bind, as_text: str) -> None:
    """Rewrite every entry's JSON fields in canonical form, in keyset batches."""
    columns = ", ".join(f'"{column}"{as_text}' for column in COLUMNS)
    first = sa.text(f"SELECT org_id, id, {columns} FROM ledger_entries ORDER BY org_id, id LIMIT :batch")
    after = sa.text(f"SELECT org_id, id, {columns} FROM ledger_entries "
                    "WHERE org_id > :org_id OR (org_id = :org_id AND id > :id) ORDER BY org_id, id LIMIT :batch")
    json_value = "CAST(:{0} AS json)" if as_text else ":{0}"
    update = sa.text("UPDATE ledger_entries SET " + ", ".join(
        f'"{column}" = {json_value.format(column)}' for column in COLUMNS) + " WHERE org_id = :org_id AND id = :id")
    last = None
    while True:
        rows = bind.execute(after if last else first, {**(last or {}), "batch": BATCH}).all()
        if not rows:
            break
        changes = []
        for org_id, entry_id, *texts in rows:
            canonical = [_canonical(text) for text in texts]
            if canonical != texts:
                changes.append({"org_id": org_id, "id": entry_id, **dict(zip(COLUMNS, canonical))})
        if changes:
            bind.execute(update, changes)
        last = {"org_id": rows[-1][0], "id": rows[-1][1]}


def _sqlite_upgrade(bind) -> None:
    # Numbers stored as INTEGER or REAL: read them as exact Python numbers before the
    # table is rebuilt (SQLite would turn a REAL into text with only 15 digits).
    numeric = {}
    for column in COLUMNS:
        rows = bind.execute(sa.text(
            f'SELECT org_id, id, "{column}" FROM ledger_entries WHERE typeof("{column}") IN (\'integer\', \'real\')'
        )).all()
        for org_id, entry_id, value in rows:
            numeric.setdefault((org_id, entry_id), {})[column] = json.dumps(value)
    with op.batch_alter_table("ledger_entries") as batch:
        for column in COLUMNS:
            batch.alter_column(column, type_=sa.Text(), existing_nullable=column in ("input", "output", "compliance"))
    for (org_id, entry_id), values in numeric.items():
        sets = ", ".join(f'"{column}" = :{column}' for column in values)
        bind.execute(sa.text(f"UPDATE ledger_entries SET {sets} WHERE org_id = :org_id AND id = :id"),
                     {**values, "org_id": org_id, "id": entry_id})
    _canonicalize_all(bind, "")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _sqlite_upgrade(bind)
        return
    if bind.dialect.name != "postgresql":
        return
    for column in COLUMNS:
        op.execute(f'ALTER TABLE ledger_entries ALTER COLUMN "{column}" TYPE json USING "{column}"::text::json')
    _canonicalize_all(bind, "::text")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        with op.batch_alter_table("ledger_entries") as batch:
            for column in COLUMNS:
                batch.alter_column(column, type_=sa.JSON(), existing_nullable=column in ("input", "output", "compliance"))
        return
    if bind.dialect.name != "postgresql":
        return
    for column in COLUMNS:
        op.execute(f'ALTER TABLE ledger_entries ALTER COLUMN "{column}" TYPE jsonb USING "{column}"::jsonb')
