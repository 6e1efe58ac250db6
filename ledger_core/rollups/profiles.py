"""Compliance profiles: what the compliance filters and the compliance summary read of an
entry's compliance metadata, as one small key for `rollup_compliance`.

A profile is (decision, data classification, PII detected, regulatory frameworks, whether
it awaits a review: decision "review" and no reviewer). An entry without compliance
metadata has none. The demo's 10M actions hold about 200 distinct profiles, so the rollup
keys each row by a profile's digest and `compliance_profiles` keeps each digest's members
(written by ingest, `ON CONFLICT DO NOTHING`: every writer computes the same digest).
A compliance filter is matched against those members here, in Python, with the same
rules as on the entries (`read.filters.Compliance`), and becomes `profile IN (...)`.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Iterable, Mapping

from sqlalchemy import Connection, Table, case, false, select
from sqlalchemy.sql.expression import ColumnElement

from ..store.db import insert_for, json_member
from ..store.schema import compliance_profiles, ledger_entries

Profile = tuple[str, str, bool, tuple[str, ...], bool]
NONE = ""
"""The digest of "no compliance metadata"."""
FILTERS = ("data_classification", "decision", "regulatory_framework", "pii_detected")
"""The request fields that filter on compliance metadata."""


def profile_of(compliance: Mapping[str, Any] | None) -> Profile | None:
    """The profile of an entry's validated compliance metadata (None without any)."""
    if compliance is None:
        return None
    decision = compliance["decision"]
    return (decision, compliance["data_classification"], bool(compliance["pii_detected"]),
            tuple(compliance.get("regulatory_frameworks") or ()),
            decision == "review" and compliance.get("reviewed_by") is None)


def profile_of_text(text: str | None) -> Profile | None:
    """The profile of an entry's stored compliance JSON text (`store.db.wire_text`); SQL
    NULL and JSON null have none."""
    return profile_of(None if text is None else json.loads(text))


def digest(profile: Profile | None) -> str:
    if profile is None:
        return NONE
    text = json.dumps([*profile[:3], list(profile[3]), profile[4]], separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def matches(profile: Profile | None, name: str, value: Any) -> bool:
    """`profile` passes the compliance filter `name` = `value` (`read.filters.Compliance`:
    entries without compliance never match)."""
    if profile is None:
        return False
    decision, classification, pii, frameworks, _ = profile
    if name == "data_classification":
        return classification in value
    if name == "decision":
        return decision == value
    if name == "regulatory_framework":
        return value in frameworks
    return pii is value


def record(conn: Connection, profiles: Iterable[Profile]) -> None:
    """Keep the members of each profile (already known ones are left as they are)."""
    rows = [{"profile": digest(p), "decision": p[0], "data_classification": p[1], "pii_detected": p[2],
             "regulatory_frameworks": list(p[3]), "unreviewed": p[4]} for p in set(profiles)]
    if rows:
        conn.execute(insert_for(conn, compliance_profiles).on_conflict_do_nothing(),
                     sorted(rows, key=lambda row: row["profile"]))


def known(conn: Connection) -> dict[str, Profile | None]:
    """Every stored profile by digest, and "no compliance metadata"."""
    p = compliance_profiles.c
    found: dict[str, Profile | None] = {NONE: None}
    for row in conn.execute(select(p.profile, p.decision, p.data_classification, p.pii_detected,
                                   p.regulatory_frameworks, p.unreviewed)):
        found[row.profile] = (row.decision, row.data_classification, bool(row.pii_detected),
                              tuple(row.regulatory_frameworks), bool(row.unreviewed))
    return found


def clause(conn: Connection, table: Table, filters: Mapping[str, Any]) -> ColumnElement[bool]:
    """The compliance filters (name: value, all of them) on a rollup keyed by profile, as
    one `profile IN (...)`: PostgreSQL reads one such list as ranges of an index led by
    the profile, where two lists were filters on every row of the range before them (the
    runs and the duration buckets of review + GDPR at 1M actions: 67 + 150 ms)."""
    digests = sorted(key for key, profile in known(conn).items()
                     if all(matches(profile, name, value) for name, value in filters.items()))
    return table.c.profile.in_(digests) if digests else false()


_MEMBERS = ("decision", "data_classification", "pii_detected", "regulatory_frameworks")


def member_columns(conn: Connection) -> list[ColumnElement[Any]]:
    """The columns of the entries a profile is made of (`from_members` reads them back):
    group by these to count per profile in SQL (the frameworks come as JSON text, the
    reviewer as whether there is none)."""
    column = ledger_entries.c.compliance
    return [*[json_member(conn, column, key) for key in _MEMBERS],
            case((json_member(conn, column, "reviewed_by").is_(None), 1), else_=0)]


def from_members(decision: Any, classification: Any, pii: Any, frameworks: Any, no_reviewer: Any) -> Profile | None:
    """The profile from `member_columns`' values (None without compliance metadata). A
    JSON true comes back as 1 on SQLite, as "true" on PostgreSQL."""
    if decision is None:
        return None
    return (decision, classification, pii in (True, 1, "true"), tuple(json.loads(frameworks)) if frameworks else (),
            decision == "review" and bool(no_reviewer))
