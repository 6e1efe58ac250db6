"""indexes: an organization's and a user's entries in name order, ties by time and id

Sorted by name, an action's entries now come in time order, ties by id
(`read.query.ORDER_COLUMNS`). The organization's action index led with the outcome after the
name and neither scoped index held the id, so an org admin's or a user's page 500 by
name sorted or looked up every skipped entry: 265-570 ms at 1M actions on SQLite, 13-18
ms walking these indexes. The organization's index keeps the outcome, last, for an
action and an outcome together (#8).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03
"""
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

BEFORE = {
    'ix_le_org_action': ['org_id', 'action_name', 'outcome', 'timestamp'],
    'ix_le_user_action': ['user_id', 'org_id', 'action_name', 'timestamp'],
}
AFTER = {
    'ix_le_org_action': ['org_id', 'action_name', 'timestamp', 'id', 'outcome'],
    'ix_le_user_action': ['user_id', 'org_id', 'action_name', 'timestamp', 'id'],
}


def _rebuild(indexes: dict[str, list[str]]) -> None:
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        for name, columns in indexes.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, columns, unique=False)


def upgrade() -> None:
    _rebuild(AFTER)


def downgrade() -> None:
    _rebuild(BEFORE)
