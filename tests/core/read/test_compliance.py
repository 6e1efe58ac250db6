"""Who may ask for the compliance summary (`Ledger.may_see_compliance` and the refusal of
`Ledger.compliance` agree), on both backends. The summary's figures are tested against an
oracle in test_compliance_filters.py."""
from __future__ import annotations

import uuid

import pytest

from ledger_core import Forbidden


def test_may_see_compliance_follows_role_and_tier(make_ledger) -> None:  # type: ignore[no-untyped-def]
    ledger = make_ledger(f"compliance_access_{uuid.uuid4().hex[:6]}")
    ledger.ensure_org("ent", "Enterprise Co", "enterprise")
    people = {"eve": ("ent", "user"), "sam": ("std", "user"), "olga": ("std", "org_admin"),
              "root": ("std", "superuser"), "ed": ("ent", "org_admin")}
    for name, (org, role) in people.items():
        ledger.add_user(name, org_id=org, role=role)
    expected = {"eve": True, "sam": False, "olga": True, "root": True, "ed": True}
    for name, allowed in expected.items():
        principal = ledger.principal(name)
        assert ledger.may_see_compliance(principal) is allowed, name
        if allowed:
            assert ledger.compliance(principal).total_actions == 0
        else:
            with pytest.raises(Forbidden):
                ledger.compliance(principal)
    ledger.set_role("sam", "org_admin")  # a role change applies at once
    assert ledger.may_see_compliance(ledger.principal("sam")) is True
