"""Load the demo data set (`python -m ledger_core demo`) through the normal ingest path."""
from __future__ import annotations

import itertools
from datetime import date
from typing import TextIO

from sqlalchemy import func, select

from ..contract.ingest import IngestReport
from ..ledger import Ledger
from ..store.schema import ledger_entries
from ..write.ingest import ProgressCallback
from .catalog import demo_orgs, demo_users
from .generator import generate_actions


def load_demo(ledger: Ledger, *, actions: int = 200_000, seed: int = 42, end: date | None = None,
              out: TextIO | None = None, progress: ProgressCallback | None = None) -> IngestReport:
    """Create the demo organizations and users, then the actions, unless already there.

    Running it again adds nothing: users that exist are kept as they are, and no
    actions are generated when the demo organizations already hold some.
    """
    def say(message: str) -> None:
        if out is not None:
            print(message, file=out, flush=True)

    orgs = demo_orgs()
    for org in orgs:
        if ledger.ensure_org(org.id, org.name, org.tier):
            say(f"organization {org.id} ({org.name}, {org.tier}) created")
    existing = {user.id for user in ledger.users()}
    for user in demo_users():
        if user.id in existing:
            continue
        ledger.add_user(user.id, org_id=user.org_id, role=user.role, password=user.password,
                        display_name=user.display_name, email=user.email)
        say(f"user {user.id} ({user.role}, {user.org_id}) created")

    with ledger.engine.connect() as conn:
        present = conn.execute(
            select(func.count()).select_from(ledger_entries)
            .where(ledger_entries.c.org_id.in_([org.id for org in orgs]))
        ).scalar_one()
    if present:
        say(f"demo actions already loaded ({present:,} in the demo organizations); nothing added")
        return IngestReport()
    records = itertools.chain.from_iterable(generate_actions(actions=actions, seed=seed, end=end))
    report = ledger.ingest(records, progress=progress, bulk=True)
    say(f"demo actions: {report.summary()}")
    return report
