"""A corpus of hostile input (issue 9), thrown at every operation of the core on both backends.

Each bad value of a query, stats, export, runs, run or compliance parameter, each bad field
of an ingested record, and each odd username, password or API key must come back as a
`LedgerError` naming the field (its `.field`, or the field in the message when the answer
must not say more, as for a failed login), with a short message, and leave the database
unchanged (row counts of every table and the chain heads, compared before and after).
Ingest judges records one by one: a bad record is refused with a reason that starts with
the field, and nothing of it is stored.

Formula-injection strings are not bad input: they are values a spreadsheet must not run,
so they are stored and the CSV export neutralises them (last test). SQL-injection strings
where text is allowed are plain text: they match nothing and change nothing.
"""
from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pytest
from sqlalchemy import func, literal, select, union_all

from ledger_core import Ledger, LedgerError
from ledger_core.store.schema import chain_heads, metadata

UTC = timezone.utc
HUGE = "x" * 1_000_000  # a 1 MB parameter: never echoed whole
SQL = "' OR '1'='1' --"
DROP = "1; DROP TABLE ledger_entries; --"
RTL = "\u202esuccess"  # right-to-left override
ZERO_WIDTH = "success\u200b"
SURROGATE = "\ud800"
NUL = "a\x00b"
BASE = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
MAX_MESSAGE = 1000

# --- the values, by the kind of parameter they are thrown at ----------------------------------

ENUM_VALUES = ["nope", SQL, "success\x00", RTL, ZERO_WIDTH, SURROGATE, HUGE, 12, ["x"], {"a": 1}]
INT_VALUES = [-1, 10**100, "1e3", "abc", 2.5, True, DROP, "\x00", HUGE, float("nan"), float("inf"), [1]]
UUID_VALUES = ["not-a-uuid", SQL, "\x00", HUGE, "12345678-1234-1234-1234-1234567890123",
               "g2345678-1234-1234-1234-123456789012", SURROGATE, ["x"]]
DATE_VALUES = ["yesterday", "2024-13-01", "2024-02-30", "2024-01-01' OR '1'='1", "\x00", HUGE, "10000-01-01",
               "2024-01-01T25:00", RTL, "2024-01-01\u200b", "0001-01-01T00:00:00+02:00",
               "9999-12-31T23:59:59-01:00", 12, ["2024-01-01"]]
TEXT_VALUES = [NUL, "\x00", HUGE, "y" * 201, SURROGATE, 12, ["x"], {"a": 1}]
COST_VALUES = ["-1", "abc", "NaN", "Infinity", "1e8", "1e400", True, "\x00", HUGE, "0.1' OR 1=1", [1]]

COMPLIANCE = {"risk_level": ENUM_VALUES, "min_risk": ENUM_VALUES, "data_classification": ENUM_VALUES,
              "decision": ENUM_VALUES, "regulatory_framework": [NUL, HUGE, "f" * 65, SURROGATE, 12],
              "pii_detected": ENUM_VALUES}
OPERATIONS: dict[str, dict[str, list[Any]]] = {
    "query": {
        "page": INT_VALUES + [10_000_001], "page_size": INT_VALUES + [0, 1001], "outcome": ENUM_VALUES,
        "action_name": TEXT_VALUES, "agent_id": TEXT_VALUES, "run_id": UUID_VALUES, "min_cost": COST_VALUES,
        "max_cost": COST_VALUES[:6], "start_date": DATE_VALUES, "end_date": DATE_VALUES[:8],
        "search": TEXT_VALUES, "sort_by": ENUM_VALUES, "sort_order": ENUM_VALUES[:6], **COMPLIANCE,
    },
    "stats": {"start_date": DATE_VALUES[:8], "agent_id": TEXT_VALUES, "risk_level": ENUM_VALUES[:5],
              "pii_detected": ENUM_VALUES[:5]},
    "export": {"format": ENUM_VALUES, "limit": INT_VALUES + [0, 100_001, 10**12], "outcome": ENUM_VALUES[:6],
               "end_date": DATE_VALUES[:8], "decision": ENUM_VALUES[:5], "agent_id": TEXT_VALUES[:5]},
    "runs": {"page": INT_VALUES[:8], "page_size": [0, 501, "ten", -5], "status": ENUM_VALUES[:6],
             "agent_id": TEXT_VALUES[:5], "start_date": DATE_VALUES[:6]},
    "run": {"run_id": UUID_VALUES + [None, ""], "limit": INT_VALUES[:8] + [0, 10_001]},
    "compliance": {"min_risk": ENUM_VALUES[:6], "data_classification": ENUM_VALUES[:6],
                   "start_date": DATE_VALUES[:5]},
}
# Parameters an operation does not take, an attempt to widen the scope among them.
UNKNOWN = {
    "query": ["user_id", "org_id", "drop_table", "__class__", "x" * 100_000, "limit"],
    "stats": ["outcome", "page", "org_id", "search"],
    "export": ["page", "sort_by", "user_id"],
    "runs": ["outcome", "org_id"],
    "compliance": ["outcome", "user_id"],
}
RANGES = [  # two values that are each fine but not together: (operation, params, field)
    ("query", {"min_cost": "5", "max_cost": "1"}, "min_cost"),
    ("query", {"start_date": "2025-01-02", "end_date": "2025-01-01"}, "start_date"),
    ("stats", {"start_date": "2025-01-02T00:00:00Z", "end_date": "2025-01-01T23:59:59Z"}, "start_date"),
    ("export", {"start_date": "2025-06-01", "end_date": "2025-05-31"}, "start_date"),
    ("runs", {"start_date": "2025-06-01", "end_date": "2025-05-31"}, "start_date"),
]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 24 else f"{text[:20]}…{len(text)}"


def parameter_cases() -> list[Any]:
    cases = []
    for operation, params in OPERATIONS.items():
        for name, values in params.items():
            for value in values:
                cases.append(pytest.param(operation, {name: value}, name, id=f"{operation}-{name}={_short(value)}"))
    for operation, names in UNKNOWN.items():
        for name in names:
            cases.append(pytest.param(operation, {name: "1"}, name[:60], id=f"{operation}-unknown-{name[:12]}"))
    for operation, params, field in RANGES:
        cases.append(pytest.param(operation, params, field, id=f"{operation}-range-{field}"))
    return cases


# --- ingest: one bad field at a time ---------------------------------------------------------

def _deep(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


RECORD_VALUES: dict[str, list[Any]] = {
    "id": ["not-a-uuid", NUL, HUGE, 12, None, SQL],
    "run_id": ["nope", "\x00", 3.5, None],
    "timestamp": ["9999-12-31T12:00:00Z", "0001-01-01T00:00:00Z", "1999-12-31T23:59:59.999999Z",
                  (BASE + timedelta(days=3650)).isoformat(), "2025-03-01", "yesterday", 12, NUL, HUGE,
                  "2025-03-01T00:00:00+99:00", None],
    "action_name": ["", NUL, "y" * 201, 12, None, SURROGATE],
    "agent_id": ["", "\x00", HUGE, ["a"]],
    "outcome": ["lost", SQL, "success\x00", RTL, None, 1],
    "cost_usd": ["-1", "NaN", "1e8", "0.00000000001", True, "abc", None, HUGE, float("inf")],
    "duration_ms": [-1, 2**63, 1.5, "abc", True, None, float("inf")],
    "risk_level": ["extreme", 12, None, ZERO_WIDTH],
    "user_id": ["", NUL, "u" * 65, 12],
    "org_id": ["", "\x00", "o" * 65, None],
    "error_message": [NUL, SURROGATE, 12],
    "input": [float("nan"), {"k": "\x00"}, {"deep": _deep(100)}, 10**1000],
    "metadata": ["not an object", [1], {"a": float("inf")}, {"k": SURROGATE}],
    "compliance": ["string", {"decision": "maybe"}, {"policy_id": "p"}],
}


def _record(n: int = 0, **changes: Any) -> dict[str, Any]:
    record = {
        "id": str(uuid.uuid4()), "run_id": str(uuid.uuid4()), "timestamp": (BASE + timedelta(minutes=n)).isoformat(),
        "action_name": "database_query", "agent_id": "prod-agent-3", "outcome": "success", "cost_usd": "0.0123",
        "duration_ms": 10, "risk_level": "low", "user_id": "alice", "org_id": "acme",
    }
    record.update(changes)
    return record


def ingest_cases() -> list[Any]:
    cases = []
    for name, values in RECORD_VALUES.items():
        for value in values:
            cases.append(pytest.param({name: value}, name, id=f"ingest-{name}={_short(value)}"))
    cases += [
        pytest.param({"x" * 1_000_000: 1}, "x" * 60, id="ingest-huge-unknown-field"),
        pytest.param({"secret_admin": True}, "secret_admin", id="ingest-unknown-field"),
        pytest.param({"user_id": "nobody"}, "user 'nobody'", id="ingest-unknown-user"),
        pytest.param({"org_id": "globex"}, "organization", id="ingest-other-org"),
    ]
    return cases


# --- who is asking: usernames, passwords, API keys ----------------------------------------------

ODD_NAMES = [NUL, "\x00", HUGE, SURROGATE, 12, None, ["alice"], b"alice"]


def account_cases() -> list[Any]:
    calls: list[tuple[str, str, Callable[[Ledger, Any], Any]]] = [
        ("principal", "username", lambda ledger, v: ledger.principal(v)),
        ("authenticate", "username", lambda ledger, v: ledger.authenticate(v, "alice-pw")),
        ("authenticate-password", "password", lambda ledger, v: ledger.authenticate("alice", v)),
        ("api-key", "api_key", lambda ledger, v: ledger.principal_for_api_key(v)),
        ("create-api-key", "username", lambda ledger, v: ledger.create_api_key(v)),
        ("set-role", "username", lambda ledger, v: ledger.set_role(v, "user")),
        ("users", "org_id", lambda ledger, v: ledger.users(v if v is not None else 0)),
        ("api-keys", "username", lambda ledger, v: ledger.api_keys(v if v is not None else 0)),
        ("set-password", "password", lambda ledger, v: ledger.set_password("alice", v)),
    ]
    cases = [pytest.param(call, field, value, id=f"{name}={_short(value)}")
             for name, field, call in calls for value in ODD_NAMES]
    cases += [pytest.param(calls[0][2], "username", SQL, id="principal-sql"),
              pytest.param(calls[1][2], "username", SQL, id="authenticate-sql"),
              pytest.param(calls[3][2], "api_key", "lk_" + SQL, id="api-key-sql")]
    return cases


PARAMETER_CASES = parameter_cases()
INGEST_CASES = ingest_cases()
ACCOUNT_CASES = account_cases()


def test_the_corpus_is_large() -> None:
    assert len(PARAMETER_CASES) + len(INGEST_CASES) + len(ACCOUNT_CASES) >= 200
    assert len(PARAMETER_CASES) >= 200


# --- the seeded ledger and its fingerprint -----------------------------------------------------

@pytest.fixture(scope="module")
def seeded(make_ledger) -> Ledger:  # type: ignore[no-untyped-def]
    ledger = make_ledger(f"hostile_{uuid.uuid4().hex[:6]}")
    ledger.add_user("alice", org_id="acme", role="user", password="alice-pw")
    ledger.add_user("carol", org_id="acme", role="org_admin")
    ledger.add_user("dave", org_id="globex", role="user")
    ledger.add_user("root", org_id="ops", role="superuser")
    ledger.create_api_key("alice", "ci")
    formulas = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1"]
    records = [_record(n, action_name=formulas[n % 6], agent_id=f"{formulas[(n + 1) % 6]}agent",
                       error_message=formulas[(n + 2) % 6], metadata={"note": formulas[(n + 3) % 6]})
               for n in range(24)]
    records += [_record(30 + n, user_id="dave", org_id="globex") for n in range(6)]
    report = ledger.ingest(records)
    assert (report.added, report.refused) == (30, 0), report.refusals[:2]
    return ledger


def fingerprint(ledger: Ledger) -> tuple[Any, ...]:
    """Row counts of every table but the failed-login counter (a failed login is counted by
    design), and every organization's chain head, in two statements."""
    tables = [table for table in metadata.sorted_tables if table.name != "login_failures"]
    counts = union_all(*[select(literal(table.name).label("name"), func.count().label("n")).select_from(table)
                         for table in tables])
    with ledger.engine.connect() as conn:
        rows = sorted(tuple(row) for row in conn.execute(counts))
        heads = sorted(tuple(row) for row in conn.execute(select(chain_heads.c.org_id, chain_heads.c.last_hash,
                                                                 chain_heads.c.count)))
    return tuple(rows), tuple(heads)


def call(ledger: Ledger, operation: str, params: dict[str, Any]) -> Any:
    me = ledger.principal("carol")
    if operation == "query":
        return ledger.query(me, **params)
    if operation == "stats":
        return ledger.stats(me, **params)
    if operation == "export":
        with ledger.export(me, **params) as export:
            return b"".join(export)
    if operation == "runs":
        return ledger.runs(me, **params)
    if operation == "run":
        return ledger.run(me, params.get("run_id", str(uuid.uuid4())), limit=params.get("limit"))
    if operation == "compliance":
        return ledger.compliance(me, **params)
    raise AssertionError(operation)


def assert_names_the_field(error: LedgerError, field: str) -> None:
    named = error.field == field or (field.startswith("x" * 60) and str(error.field).startswith(field))
    assert named or (error.field is None and field in error.message), (field, error.to_dict())
    assert len(error.message) <= MAX_MESSAGE and "xxxxxxxxxx" * 101 not in error.message


# --- the tests ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("operation", "params", "field"), PARAMETER_CASES)
def test_a_bad_parameter_is_refused_naming_it(seeded: Ledger, operation: str, params: dict[str, Any],
                                              field: str) -> None:
    before = fingerprint(seeded)
    with pytest.raises(LedgerError) as caught:
        call(seeded, operation, params)
    assert_names_the_field(caught.value, field)
    assert fingerprint(seeded) == before


@pytest.mark.parametrize(("changes", "field"), INGEST_CASES)
def test_a_bad_record_is_refused_naming_the_field(seeded: Ledger, changes: dict[str, Any], field: str) -> None:
    before = fingerprint(seeded)
    for owner in (None, seeded.principal("alice")):
        report = seeded.ingest([_record(99, **changes)], owner=owner)
        assert (report.added, report.duplicates, report.refused) == (0, 0, 1)
        reason = report.refusals[0].reason
        assert reason.startswith(field) or field in reason, (field, reason[:200])
        assert len(reason) <= MAX_MESSAGE
    assert fingerprint(seeded) == before


@pytest.mark.parametrize("record", [None, 12, "a record", [], [_record()], True],
                         ids=["null", "number", "text", "empty list", "list of a record", "true"])
def test_what_is_not_a_record_is_refused(seeded: Ledger, record: Any) -> None:
    before = fingerprint(seeded)
    report = seeded.ingest([record])
    assert report.refused == 1 and "JSON object" in report.refusals[0].reason
    assert fingerprint(seeded) == before


@pytest.mark.parametrize(("attempt", "field", "value"), ACCOUNT_CASES)
def test_odd_credentials_are_refused_naming_the_field(seeded: Ledger, attempt: Callable[[Ledger, Any], Any],
                                                      field: str, value: Any) -> None:
    before = fingerprint(seeded)
    with pytest.raises(LedgerError) as caught:
        attempt(seeded, value)
    assert_names_the_field(caught.value, field)
    assert fingerprint(seeded) == before


@pytest.mark.parametrize("params", [
    {"agent_id": SQL}, {"action_name": DROP}, {"search": SQL}, {"search": "%%"}, {"search": "%_%"},
    {"regulatory_framework": "GDPR' OR '1'='1"}, {"agent_id": RTL}, {"search": ZERO_WIDTH},
], ids=_short)
def test_injection_strings_where_text_is_allowed_are_plain_text(seeded: Ledger, params: dict[str, Any]) -> None:
    before = fingerprint(seeded)
    assert seeded.query(seeded.principal("root"), **params).total == 0
    assert seeded.stats(seeded.principal("root"), **{k: v for k, v in params.items() if k != "search"
                                                      and k != "action_name"}).total_actions in (0, 30)
    assert fingerprint(seeded) == before


def test_formula_strings_are_values_the_csv_export_neutralises(seeded: Ledger) -> None:
    """Not refused: stored as sent, and every CSV cell a spreadsheet would run as a formula
    starts with a quote (the JSONL export keeps them as they are)."""
    export = seeded.export(seeded.principal("alice"), format="csv")
    rows = list(csv.reader(io.StringIO(b"".join(export).decode("utf-8"), newline="")))
    header, body = rows[0], rows[1:]
    assert len(body) == 24
    cells = [cell for row in body for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "@", "\t", "\r")]
    assert not [cell for cell in cells if cell[:1] == "-" and not cell[1:].replace(".", "").isdigit()]
    by_name = {row[header.index("action_name")] for row in body}
    assert by_name == {"'=cmd|' /C calc'!A0", "'+1+1", "'-2+3", "'@SUM(A1:A9)", "'\t=1", "'\r=1"}
    stored = {item.action_name for item in seeded.query(seeded.principal("alice"), page_size=100).items}
    assert "=cmd|' /C calc'!A0" in stored and "\t=1" in stored
