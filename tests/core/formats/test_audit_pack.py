"""The audit pack (issue 11): what the zip holds, on both backends, for the three roles.

Oracles: `Ledger.export` for the same selection (the pack's files must equal its bytes),
the ingested records (scope, order, chain positions read straight from the table) and the
export log."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
import zipfile

import pytest
from sqlalchemy import select
from tests.core.formats.test_export import export_bytes, jsonl_lines, newest_first, seed, visible

from ledger_core import AuditPack, ExportLimitExceeded, Ledger, LedgerValidationError, RateLimitExceeded
from ledger_core.config import RateLimits
from ledger_core.contract.entry import ENTRY_FIELDS
from ledger_core.formats.audit_pack import verify_pack
from ledger_core.store.schema import ledger_entries as le

MEMBERS = ["entries.csv", "entries.jsonl", "manifest.json", "README.txt"]


@pytest.fixture(scope="module")
def seeded(make_ledger) -> tuple[Ledger, list[dict]]:  # type: ignore[no-untyped-def]
    ledger = make_ledger(f"pack_seeded_{uuid.uuid4().hex[:6]}")
    return ledger, seed(ledger, 300)


def open_pack(pack: AuditPack) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(pack.getvalue()))


def stored_positions(ledger: Ledger, ids: list[str]) -> dict[str, list[list]]:
    with ledger.engine.connect() as conn:
        rows = conn.execute(select(le.c.org_id, le.c.seq, le.c.id, le.c.entry_hash)).all()
    wanted = set(ids)
    chain: dict[str, list[list]] = {}
    for row in rows:
        if str(row.id) in wanted:
            chain.setdefault(row.org_id, []).append([int(row.seq), str(row.id), row.entry_hash])
    return {org: sorted(positions) for org, positions in chain.items()}


@pytest.mark.parametrize("username", ["alice", "carol", "root"])
def test_files_equal_the_export_and_the_manifest_describes_them(seeded, username) -> None:  # type: ignore[no-untyped-def]
    ledger, records = seeded
    me = ledger.principal(username)
    params = {"min_risk": "high", "limit": 100_000}
    with ledger.audit_pack(me, **params) as pack:
        archive = open_pack(pack)
    assert archive.namelist() == MEMBERS
    csv_data, jsonl_data = archive.read("entries.csv"), archive.read("entries.jsonl")
    assert csv_data == export_bytes(ledger, me, format="csv", **params)
    assert jsonl_data == export_bytes(ledger, me, format="jsonl", **params)

    expected = [r for r in newest_first(visible(records, me)) if r["risk_level"] in ("high", "critical")]
    ids = [json.loads(line)["id"] for line in jsonl_lines(jsonl_data)]
    assert ids == [r["id"] for r in expected] and ids

    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["requested_by"] == {"user_id": username, "org_id": me.org_id, "role": me.role}
    assert manifest["filters"] == {"min_risk": "high"}
    assert (manifest["total_matched"], manifest["rows"], manifest["truncated"]) == (len(ids), len(ids), False)
    for name, data in (("entries.csv", csv_data), ("entries.jsonl", jsonl_data)):
        assert manifest["files"][name] == {"bytes": len(data), "rows": len(ids),
                                           "sha256": hashlib.sha256(data).hexdigest()}
    chain = stored_positions(ledger, ids)
    assert {org: part["positions"] for org, part in manifest["chain"].items()} == chain
    assert {org: part["entries"] for org, part in manifest["chain"].items()} == {o: len(p) for o, p in chain.items()}
    assert set(manifest["chain_heads"]) == (set() if me.role == "user" else set(chain))
    assert pack.rows == len(ids) and pack.total == len(ids) and not pack.truncated
    assert b"verify --file" in archive.read("README.txt")


def test_truncated_pack_says_so(seeded) -> None:  # type: ignore[no-untyped-def]
    ledger, records = seeded
    me = ledger.principal("root")
    with ledger.audit_pack(me, limit=25) as pack:
        manifest = json.loads(open_pack(pack).read("manifest.json"))
        headers = pack.headers
    assert (manifest["total_matched"], manifest["rows"], manifest["truncated"]) == (len(records), 25, True)
    assert sum(part["entries"] for part in manifest["chain"].values()) == 25
    assert headers["X-Export-Truncated"] == "true" and headers["X-Total-Count"] == str(len(records))
    assert headers["Content-Type"] == "application/zip"
    assert headers["Content-Disposition"].startswith('attachment; filename="ledger-audit-pack-')


def test_an_empty_selection_gives_a_well_formed_pack(seeded) -> None:  # type: ignore[no-untyped-def]
    ledger, _ = seeded
    me = ledger.principal("alice")
    with ledger.audit_pack(me, agent_id="nobody-has-this-agent") as pack:
        archive = open_pack(pack)
    manifest = json.loads(archive.read("manifest.json"))
    assert archive.read("entries.jsonl") == b""
    assert archive.read("entries.csv").decode().count("\r\n") == 1  # the header alone
    assert (manifest["rows"], manifest["chain"], manifest["checkpoints"]) == (0, {}, [])


def test_a_pack_is_recorded_in_the_export_log(seeded) -> None:  # type: ignore[no-untyped-def]
    ledger, records = seeded
    me = ledger.principal("carol")
    with ledger.audit_pack(me, decision="review", limit=50) as pack:
        rows = pack.rows
    record = ledger.export_log(me, limit=1)[0]
    assert (record.user_id, record.format, record.status) == ("carol", "audit-pack", "completed")
    assert record.filters == {"decision": "review"}
    assert (record.row_limit, record.rows_written, record.total_matched) == (50, rows, pack.total)


@pytest.mark.parametrize(("params", "field"), [
    ({"limit": 0}, "limit"),
    ({"limit": "many"}, "limit"),
    ({"risk_level": "extreme"}, "risk_level"),
    ({"pii_detected": "maybe"}, "pii_detected"),
    ({"start_date": "2024-12-31", "end_date": "2024-01-01"}, "start_date"),
    ({"format": "csv"}, "format"),
])
def test_bad_parameters_are_refused_and_nothing_is_logged(seeded, params, field) -> None:  # type: ignore[no-untyped-def]
    ledger, _ = seeded
    me = ledger.principal("dave")
    before = ledger.export_log(me, limit=1000)
    with pytest.raises(LedgerValidationError) as caught:
        ledger.audit_pack(me, **params)
    assert caught.value.field == field
    assert ledger.export_log(me, limit=1000) == before


def test_limit_above_the_export_maximum_is_refused(seeded) -> None:  # type: ignore[no-untyped-def]
    ledger, _ = seeded
    with pytest.raises(ExportLimitExceeded):
        ledger.audit_pack(ledger.principal("root"), limit=100_001)


def test_a_pack_spends_the_export_budget(make_ledger) -> None:  # type: ignore[no-untyped-def]
    ledger = make_ledger(f"pack_limits_{uuid.uuid4().hex[:6]}",
                         rate_limits=RateLimits(query=1000, stats=600, export=2))
    seed(ledger, 20)
    me = ledger.principal("alice")
    ledger.export(me).close()
    ledger.audit_pack(me).close()
    with pytest.raises(RateLimitExceeded):
        ledger.audit_pack(me)
    assert [r.format for r in ledger.export_log(me)] == ["audit-pack", "jsonl"]


# --- checking a pack ---------------------------------------------------------------------

def rezip(data: bytes, change) -> bytes:  # type: ignore[no-untyped-def]
    """The pack with `change(name, content) -> content` applied to each member."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, change(name, source.read(name)))
    return out.getvalue()


def refresh_digests(data: bytes) -> bytes:
    """What a forger would do next: make the manifest's sizes and SHA-256 match the files."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        files = {name: source.read(name) for name in ("entries.csv", "entries.jsonl")}

    def change(name: str, content: bytes) -> bytes:
        if name != "manifest.json":
            return content
        manifest = json.loads(content)
        for file_name, file_data in files.items():
            manifest["files"][file_name].update(bytes=len(file_data), sha256=hashlib.sha256(file_data).hexdigest())
        return json.dumps(manifest).encode()

    return rezip(data, change)


@pytest.fixture(scope="module")
def pack_bytes(seeded) -> bytes:  # type: ignore[no-untyped-def]
    ledger, _ = seeded
    with ledger.audit_pack(ledger.principal("root"), limit=200) as pack:
        return pack.getvalue()


def test_an_untouched_pack_verifies_clean(pack_bytes) -> None:  # type: ignore[no-untyped-def]
    report = verify_pack(pack_bytes)
    assert report.ok, report.problems
    assert report.rows == 200 and "cut at its limit: 200 of 300" in report.notes[0]


def test_an_edited_csv_cell_is_named(pack_bytes) -> None:  # type: ignore[no-untyped-def]
    content = zipfile.ZipFile(io.BytesIO(pack_bytes)).read("entries.csv").decode()
    target_id = list(csv.reader(io.StringIO(content, newline="")))[5][0]

    def change(name: str, content: bytes) -> bytes:
        if name != "entries.csv":
            return content
        rows = list(csv.reader(io.StringIO(content.decode(), newline="")))
        rows[5][ENTRY_FIELDS.index("cost_usd")] = "999.99"
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        return buffer.getvalue().encode()

    tampered = rezip(pack_bytes, change)
    for data in (tampered, refresh_digests(tampered)):
        report = verify_pack(data)
        assert not report.ok
        expected = f"row 6 (entry {target_id}), column cost_usd: '999.99'"
        assert any(expected in p for p in report.problems), report.problems
    assert any(p.startswith("entries.csv:") and "SHA-256" in p for p in verify_pack(tampered).problems)


def test_a_removed_jsonl_line_is_named(pack_bytes) -> None:  # type: ignore[no-untyped-def]
    lines = zipfile.ZipFile(io.BytesIO(pack_bytes)).read("entries.jsonl").decode().splitlines(keepends=True)
    removed = json.loads(lines[10])

    def change(name: str, content: bytes) -> bytes:
        return "".join(lines[:10] + lines[11:]).encode() if name == "entries.jsonl" else content

    for data in (rezip(pack_bytes, change), refresh_digests(rezip(pack_bytes, change))):
        problems = verify_pack(data).problems
        assert any(f"entry {removed['id']} ({removed['org_id']} #" in p and "missing from entries.jsonl" in p
                   for p in problems), problems
        assert any("entries.jsonl holds 199 entries, the manifest says 200" in p for p in problems)


def test_a_changed_chain_hash_in_the_manifest_is_named(pack_bytes) -> None:  # type: ignore[no-untyped-def]
    def change(name: str, content: bytes) -> bytes:
        if name != "manifest.json":
            return content
        manifest = json.loads(content)
        positions = next(iter(manifest["chain"].values()))["positions"]
        positions[0][2] = "f" * 64
        return json.dumps(manifest).encode()

    problems = verify_pack(rezip(pack_bytes, change)).problems
    assert len(problems) == 1 and "the manifest lists " + "f" * 64 in problems[0]


def test_a_broken_link_between_consecutive_entries_is_named(pack_bytes) -> None:  # type: ignore[no-untyped-def]
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(pack_bytes)).read("manifest.json"))
    org, part = next((org, part) for org, part in manifest["chain"].items()
                     if any(b[0] == a[0] + 1 for a, b in zip(part["positions"], part["positions"][1:])))
    later = next(b for a, b in zip(part["positions"], part["positions"][1:]) if b[0] == a[0] + 1)

    def change(name: str, content: bytes) -> bytes:
        if name != "entries.jsonl":
            return content
        out = []
        for line in content.decode().splitlines(keepends=True):
            if json.loads(line)["id"] == later[1]:
                line = line.replace('"prev_hash":"', '"prev_hash":"0')[:-1][:-66] + line[-66:]
            out.append(line)
        return "".join(out).encode()

    problems = verify_pack(refresh_digests(rezip(pack_bytes, change))).problems
    assert any(f"entry {later[1]} ({org} #{later[0]}) does not link" in p for p in problems), problems


def test_not_a_pack_is_said_plainly(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert "not a readable zip" in verify_pack(b"hello").problems[0]
    assert "lacks entries.csv, entries.jsonl" in verify_pack(rezip_empty()).problems[0]


def rezip_empty() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("manifest.json", "{}")
    return out.getvalue()
