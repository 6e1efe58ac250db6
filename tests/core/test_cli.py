"""`python -m ledger_core` commands (SPEC section 8), on both backends."""
from __future__ import annotations

import io
import json
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest

from ledger_core import UnknownPrincipal
from ledger_core.__main__ import build_parser, main

ROOT = Path(__file__).resolve().parents[2]


def run_cli(ledger, *args: str, stdin: str = "") -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    out, err = io.StringIO(), io.StringIO()
    old = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin), out, err
    try:
        code = main(["--database-url", ledger.url, *args])
    finally:
        sys.stdin, sys.stdout, sys.stderr = old
    return code, out.getvalue(), err.getvalue()


def record(**overrides):  # type: ignore[no-untyped-def]
    base = {
        "id": str(uuid.uuid4()), "run_id": str(uuid.uuid4()), "timestamp": "2025-03-01T12:00:00Z",
        "action_name": "database_query", "agent_id": "prod-agent-3", "outcome": "success",
        "cost_usd": "0.0123", "duration_ms": 42, "risk_level": "low",
        "user_id": "alice", "org_id": "acme",
    }
    base.update(overrides)
    return base


@pytest.mark.parametrize("command", [
    [], ["init"], ["demo"], ["ingest"], ["user"], ["user", "add"], ["user", "list"], ["user", "set-role"],
    ["user", "set-password"], ["apikey"], ["apikey", "create"], ["apikey", "list"], ["apikey", "revoke"],
    ["verify"], ["keygen"],
])
def test_every_command_has_help(command, capsys):  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: python -m ledger_core" in capsys.readouterr().out


def test_module_runs_as_a_program():
    result = subprocess.run([sys.executable, "-m", "ledger_core", "--help"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for command in ("init", "demo", "ingest", "user", "apikey", "verify", "keygen"):
        assert command in result.stdout


def test_user_add_list_set_role_and_password(ledger):  # type: ignore[no-untyped-def]
    code, out, _ = run_cli(ledger, "user", "add", "alice", "--org", "acme", "--role", "user",
                           "--password-stdin", stdin="s3cret pass\n")
    assert code == 0 and "alice" in out
    assert ledger.authenticate("alice", "s3cret pass").org_id == "acme"
    assert "s3cret" not in out

    code, out, _ = run_cli(ledger, "user", "list")
    assert code == 0 and "alice" in out and "acme" in out and "1 user(s)" in out

    assert run_cli(ledger, "user", "set-role", "alice", "org_admin")[0] == 0
    assert ledger.principal("alice").role == "org_admin"

    assert run_cli(ledger, "user", "set-password", "alice", "--password-stdin", stdin="new-one\n")[0] == 0
    assert ledger.authenticate("alice", "new-one").user_id == "alice"
    with pytest.raises(UnknownPrincipal):
        ledger.authenticate("alice", "s3cret pass")


def test_user_add_prompts_without_echo(ledger, monkeypatch):  # type: ignore[no-untyped-def]
    answers = iter(["typed-secret", "typed-secret"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    code, out, _ = run_cli(ledger, "user", "add", "bob", "--org", "globex", "--role", "org_admin")
    assert code == 0
    assert "typed-secret" not in out
    assert ledger.authenticate("bob", "typed-secret").role == "org_admin"


def test_user_errors_are_clear_and_change_nothing(ledger):  # type: ignore[no-untyped-def]
    run_cli(ledger, "user", "add", "alice", "--org", "acme", "--role", "user", "--password-stdin", stdin="pw\n")
    code, _, err = run_cli(ledger, "user", "add", "alice", "--org", "acme", "--role", "user",
                           "--password-stdin", stdin="pw2\n")
    assert code == 2 and "already exists" in err and "Traceback" not in err
    assert ledger.authenticate("alice", "pw").user_id == "alice"

    code, _, err = run_cli(ledger, "user", "set-role", "ghost", "user")
    assert code == 2 and "unknown user 'ghost'" in err

    code, _, err = run_cli(ledger, "user", "add", "Bad Name", "--org", "acme", "--role", "user",
                           "--password-stdin", stdin="pw\n")
    assert code == 2 and "username" in err
    code, _, err = run_cli(ledger, "user", "add", "carol", "--org", "acme", "--role", "user",
                           "--password-stdin", stdin="\n")
    assert code == 2 and "empty" in err
    assert [u.id for u in ledger.users()] == ["alice"]


def test_apikey_create_list_revoke(ledger):  # type: ignore[no-untyped-def]
    ledger.add_user("alice", org_id="acme", role="user", password="pw")
    code, out, _ = run_cli(ledger, "apikey", "create", "alice", "--name", "nightly export")
    assert code == 0
    key = out.strip().splitlines()[-1]
    assert key.startswith("lk_") and " " not in key
    assert ledger.principal_for_api_key(key).user_id == "alice"

    code, out, _ = run_cli(ledger, "apikey", "list")
    assert code == 0 and "nightly export" in out and "active" in out and key not in out
    key_id = ledger.api_keys("alice")[0].id

    assert run_cli(ledger, "apikey", "revoke", key_id)[0] == 0
    with pytest.raises(UnknownPrincipal):
        ledger.principal_for_api_key(key)
    code, _, err = run_cli(ledger, "apikey", "revoke", key_id)
    assert code == 2 and "no active API key" in err
    code, _, err = run_cli(ledger, "apikey", "create", "ghost")
    assert code == 2 and "unknown user" in err


def test_ingest_reports_bad_lines_and_is_idempotent(ledger, tmp_path):  # type: ignore[no-untyped-def]
    ledger.add_user("alice", org_id="acme", role="user", password="pw")
    good = [record(), record(outcome="error", error_message="timeout")]
    lines = [json.dumps(good[0]), "{not json", json.dumps(record(outcome="maybe")), "",
             json.dumps(good[1]), json.dumps(record(user_id="mallory"))]
    path = tmp_path / "actions.jsonl"
    path.write_text("\n".join(lines) + "\n")

    code, out, err = run_cli(ledger, "ingest", str(path))
    assert code == 1
    assert "2 added, 0 skipped as duplicates, 3 refused" in out
    assert "line 2: not valid JSON" in err
    assert "line 3: outcome" in err
    assert "line 6: unknown user 'mallory'" in err
    superuser = ledger.add_user("root", org_id="acme", role="superuser", password="pw").principal()
    assert {str(e.id) for e in ledger.query(superuser).items} == {r["id"] for r in good}

    code, out, _ = run_cli(ledger, "ingest", str(path))
    assert "0 added, 2 skipped as duplicates, 3 refused" in out
    assert ledger.query(superuser).total == 2


def test_ingest_missing_file_is_an_error_not_a_traceback(ledger, tmp_path):  # type: ignore[no-untyped-def]
    code, _, err = run_cli(ledger, "ingest", str(tmp_path / "nope.jsonl"))
    assert code == 2 and "cannot read" in err and "Traceback" not in err


def test_demo_loads_once_with_demo_logins(ledger):  # type: ignore[no-untyped-def]
    from ledger_core.demo import DEMO_PASSWORDS

    code, out, err = run_cli(ledger, "demo", "--actions", "3000", "--end", "2026-11-29")
    assert code == 0 and "3000 added" in out
    assert "done 3,000 of 3,000 records [####################] 100%" in err
    assert err.index("done 3,000") < err.index("building the query indexes")  # said before the silent minutes
    root = next(u for u in ledger.users() if u.role == "superuser")
    superuser = ledger.principal(root.id)
    assert ledger.query(superuser).total == 3000
    for username, password in DEMO_PASSWORDS.items():
        assert ledger.authenticate(username, password).user_id == username

    code, out, _ = run_cli(ledger, "demo", "--actions", "3000", "--end", "2026-11-30")
    assert code == 0 and "nothing added" in out
    assert ledger.query(superuser).total == 3000


def test_progress_line_shows_the_share_done_and_the_time_left() -> None:
    from ledger_core.__main__ import progress_line
    from ledger_core.contract.ingest import IngestReport

    report = IngestReport(added=240_000, duplicates=10_000)
    line = progress_line(report, elapsed=50.0, total=1_000_000)  # 5,000/s: 750,000 more take 150 s
    assert line.startswith("... 250,000 of 1,000,000 records [#####               ]  25%, 2 min 30 s left")
    assert "(240,000 added, 10,000 duplicates, 0 refused; 5,000/s)" in line
    assert progress_line(report, elapsed=50.0, total=None) == (
        "... 250,000 records (240,000 added, 10,000 duplicates, 0 refused; 5,000/s)")
    assert "left" not in progress_line(report, elapsed=50.0, total=250_000, final=True)


def test_export_writes_the_same_bytes_as_the_python_api(ledger, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ledger.add_user("alice", org_id="acme", role="user")
    ledger.add_user("carol", org_id="acme", role="org_admin")
    ledger.add_user("bob", org_id="acme", role="user")
    records = [record(outcome="error" if i % 3 == 0 else "success", error_message="=1+1" if i % 3 == 0 else None,
                      timestamp=f"2025-03-{1 + i % 28:02d}T12:00:00Z", user_id="alice" if i % 2 else "bob")
               for i in range(60)]
    assert ledger.ingest(records).added == 60
    target = tmp_path / "alice-errors.csv"
    code, _, err = run_cli(ledger, "export", "--user", "alice", "--format", "csv", "--outcome", "error",
                           "--start-date", "2025-03-01", "-o", str(target))
    assert code == 0, err
    expected = b"".join(ledger.export(ledger.principal("alice"), format="csv", outcome="error",
                                      start_date="2025-03-01"))
    assert target.read_bytes() == expected
    assert expected.count(b"\r\n") == 1 + sum(1 for r in records if r["outcome"] == "error" and r["user_id"] == "alice")
    assert "written to" in err and "TRUNCATED" not in err
    assert not list(tmp_path.glob("*.part"))


def test_export_says_when_it_is_truncated_and_refuses_bad_input_without_a_file(ledger, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ledger.add_user("carol", org_id="acme", role="org_admin")
    ledger.add_user("alice", org_id="acme", role="user")
    assert ledger.ingest([record() for _ in range(5)]).added == 5
    target = tmp_path / "out.jsonl"
    code, _, err = run_cli(ledger, "export", "--user", "carol", "--limit", "2", "-o", str(target))
    assert code == 0 and "TRUNCATED at --limit 2: 3 matching actions are not in the file" in err
    assert len(target.read_bytes().splitlines()) == 2
    for args, word in [(["--limit", "100001"], "Export limit exceeded"), (["--format", "xml"], "format"),
                       (["--start-date", "soon"], "start_date"), (["--outcome", "maybe"], "outcome")]:
        bad = tmp_path / "bad.jsonl"
        code, _, err = run_cli(ledger, "export", "--user", "carol", *args, "-o", str(bad))
        assert code == 2 and word in err and not bad.exists() and not list(tmp_path.glob("*.part"))
    code, _, err = run_cli(ledger, "export", "--user", "ghost", "-o", str(tmp_path / "x"))
    assert code == 2 and "unknown user" in err


def test_export_takes_the_compliance_filters(ledger, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ledger.add_user("alice", org_id="acme", role="user")
    compliance = {"policy_id": "P", "policy_version": "1", "decision": "review", "data_classification": "restricted",
                  "pii_detected": True, "regulatory_frameworks": ["GDPR"], "retention_until": "2030-01-01"}
    records = [record(risk_level=risk, compliance=compliance if i % 2 else None)
               for i, risk in enumerate(["low", "high", "critical", "critical", "medium", "high"])]
    assert ledger.ingest(records).added == 6
    target = tmp_path / "risky.jsonl"
    code, _, err = run_cli(ledger, "export", "--user", "alice", "--min-risk", "high", "--regulatory-framework", "GDPR",
                           "--pii-detected", "true", "-o", str(target))
    assert code == 0, err
    ids = [json.loads(line)["id"] for line in target.read_text().splitlines()]
    risky = [r["id"] for i, r in enumerate(records) if i % 2 and r["risk_level"] in ("high", "critical")]
    assert sorted(ids) == sorted(risky)
    code, _, err = run_cli(ledger, "export", "--user", "alice", "--min-risk", "severe", "-o", str(tmp_path / "x"))
    assert code == 2 and "min_risk" in err


def test_audit_pack_writes_the_zip_of_the_python_api(ledger, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ledger.add_user("carol", org_id="acme", role="org_admin")
    ledger.add_user("alice", org_id="acme", role="user")
    records = [record(risk_level=risk) for risk in ["low", "high", "critical", "medium", "high"] * 3]
    assert ledger.ingest(records).added == 15
    target = tmp_path / "q4.zip"
    code, _, err = run_cli(ledger, "audit-pack", "--user", "carol", "--min-risk", "high", "--limit", "4",
                           "-o", str(target))
    assert code == 0, err
    assert "audit pack with 4 of 9 matching actions" in err and "TRUNCATED at --limit 4" in err
    with zipfile.ZipFile(target) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        jsonl = archive.read("entries.jsonl")
    assert (manifest["rows"], manifest["total_matched"], manifest["truncated"]) == (4, 9, True)
    assert manifest["filters"] == {"min_risk": "high"} and manifest["requested_by"]["user_id"] == "carol"
    assert jsonl == b"".join(ledger.export(ledger.principal("carol"), format="jsonl", min_risk="high", limit=4))
    bad = tmp_path / "bad.zip"
    for args, word in [(["--limit", "0"], "limit"), (["--risk-level", "severe"], "risk_level")]:
        code, _, err = run_cli(ledger, "audit-pack", "--user", "carol", *args, "-o", str(bad))
        assert code == 2 and word in err and not bad.exists() and not list(tmp_path.glob("*.part"))
