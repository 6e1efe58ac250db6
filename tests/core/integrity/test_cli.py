"""`python -m ledger_core verify` and `keygen`: reports, exit codes (0 intact, 1 damaged,
2 an error), `--file` offline."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import update

from ledger_core.integrity import keys
from ledger_core.store.schema import ledger_entries as le
from tests.core.test_cli import run_cli
from tests.helpers import load_chains, tamper

ROOT = Path(__file__).resolve().parents[3]


def test_verify_exit_codes_and_report(ledger, signing_key):  # type: ignore[no-untyped-def]
    load_chains(ledger)
    code, out, err = run_cli(ledger, "verify")
    assert code == 0, err
    assert "acme: OK" in out and "globex: OK" in out and "every chain is intact" in out
    assert "signatures verified" in out
    assert "entries verified" in err  # progress on standard error
    code, out, _ = run_cli(ledger, "verify", "--org", "globex")
    assert code == 0 and "globex: OK" in out and "acme" not in out

    tamper(ledger, update(le).where(le.c.org_id == "acme", le.c.seq == 4).values(duration_ms=1))
    code, out, _ = run_cli(ledger, "verify")
    assert code == 1
    assert "acme: DAMAGED" in out and "globex: OK" in out and "DAMAGED: acme" in out
    assert "first broken link: altered" in out and "seq:      4" in out
    code, out, _ = run_cli(ledger, "verify", "--json")
    data = json.loads(out)
    assert code == 1 and data["ok"] is False
    damage = next(org["damage"] for org in data["organizations"] if org["org_id"] == "acme")
    assert damage["kind"] == "altered" and damage["seq"] == 4 and damage["entry_id"]
    assert run_cli(ledger, "verify", "--org", "globex")[0] == 0


def test_verify_says_when_checkpoints_are_unsigned(ledger):  # type: ignore[no-untyped-def]
    load_chains(ledger, batches=1, size=5)
    code, out, _ = run_cli(ledger, "verify")
    assert code == 0 and "UNSIGNED" in out and "LEDGER_SIGNING_KEY" in out


def test_verify_with_a_wrong_public_key_fails(ledger, signing_key):  # type: ignore[no-untyped-def]
    load_chains(ledger, batches=1, size=10)
    _, other = keys.generate_key_pair()
    code, out, _ = run_cli(ledger, "verify", "--verify-key", other)
    assert code == 1 and "unknown_key" in out
    assert run_cli(ledger, "verify", "--verify-key", signing_key[1])[0] == 0


def test_verify_errors_exit_2(ledger, tmp_path):  # type: ignore[no-untyped-def]
    code, _, err = run_cli(ledger, "verify", "--org", "nope")
    assert code == 2 and "unknown organization 'nope'" in err
    code, _, err = run_cli(ledger, "verify", "--file", str(tmp_path / "missing.jsonl"))
    assert code == 2 and "cannot read" in err
    code, _, err = run_cli(ledger, "verify", "--verify-key", "garbage")
    assert code == 2 and "LEDGER_VERIFY_KEY" not in err and "verify_key" in err


def test_verify_file(ledger, tmp_path):  # type: ignore[no-untyped-def]
    load_chains(ledger)
    target = tmp_path / "all.jsonl"
    assert run_cli(ledger, "export", "--user", "root", "--limit", "1000", "-o", str(target))[0] == 0
    code, out, _ = run_cli(ledger, "verify", "--file", str(target))
    assert code == 0 and "45 lines checked, intact" in out and "one contiguous piece" in out

    lines = target.read_bytes().splitlines(keepends=True)
    record = json.loads(lines[6])
    record["outcome"] = "blocked" if record["outcome"] != "blocked" else "success"
    edited = tmp_path / "edited.jsonl"
    edited.write_bytes(b"".join(lines[:6] + [json.dumps(record).encode() + b"\n"] + lines[7:]))
    code, out, _ = run_cli(ledger, "verify", "--file", str(edited))
    assert code == 1 and f"line 7 (entry {record['id']}): the line was edited" in out and "NOT intact" in out

    code, out, _ = run_cli(ledger, "verify", "--file", str(edited), "--json")
    data = json.loads(out)
    assert code == 1 and data["problems"][0]["line"] == 7 and data["problems"][0]["entry_id"] == record["id"]

    filtered = tmp_path / "errors.jsonl"
    assert run_cli(ledger, "export", "--user", "root", "--outcome", "error", "-o", str(filtered))[0] == 0
    assert run_cli(ledger, "verify", "--file", str(filtered))[0] == 1
    code, out, _ = run_cli(ledger, "verify", "--file", str(filtered), "--allow-gaps")
    assert code == 0 and "gaps between pieces allowed" in out


def test_verify_file_needs_no_database(tmp_path):  # type: ignore[no-untyped-def]
    export = tmp_path / "empty.jsonl"
    export.write_text("")
    result = subprocess.run(
        [sys.executable, "-m", "ledger_core", "--database-url", "postgresql+psycopg://nobody@127.0.0.1:1/none",
         "verify", "--file", str(export)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "0 lines checked, intact" in result.stdout


def test_keygen_prints_a_usable_pair(ledger):  # type: ignore[no-untyped-def]
    code, out, _ = run_cli(ledger, "keygen")
    assert code == 0
    settings = dict(line.split("=", 1) for line in out.splitlines() if not line.startswith("#"))
    private = keys.load_signing_key(settings["LEDGER_SIGNING_KEY"])
    assert list(keys.load_verify_keys(settings["LEDGER_VERIFY_KEY"])) == [private.fingerprint]
    assert private.fingerprint in out


def test_keygen_writes_secrets(ledger, tmp_path):  # type: ignore[no-untyped-def]
    target = tmp_path / ".streamlit" / "secrets.toml"
    code, out, _ = run_cli(ledger, "keygen", "--write-secrets", str(target))
    assert code == 0 and str(target) in out and "LEDGER_SIGNING_KEY" not in out
    text = target.read_text()
    assert text.startswith("ledger_signing_key = ") and "ledger_verify_key = " in text
    code, _, err = run_cli(ledger, "keygen", "--write-secrets", str(target))
    assert code == 2 and "already holds" in err
    assert target.read_text() == text
