"""`verify_lines` (`verify --file`): an export verifies offline; an edited export does not,
and the problem names the line and the entry."""
from __future__ import annotations

import json
import random

import pytest

from ledger_core import Ledger
from ledger_core.contract.entry import NESTED_FIELDS
from ledger_core.formats.canonical import SCALAR_FIELDS, canonical_from_texts, chain_hash, nested_json
from ledger_core.formats.wire import loads_line
from ledger_core.integrity import FileVerification, verify_lines
from ledger_core.store.types import format_decimal
from tests.helpers import load_chains


def export_lines(ledger: Ledger, username: str, **filters) -> list[bytes]:  # type: ignore[no-untyped-def]
    export = ledger.export(ledger.principal(username), format="jsonl", limit=100_000, **filters)
    with export:
        data = b"".join(export)
    return data.splitlines(keepends=True)


@pytest.fixture
def exported(ledger: Ledger) -> list[bytes]:
    """A superuser's whole export of two organizations' chains (45 entries)."""
    load_chains(ledger)
    return export_lines(ledger, "root")


def test_an_export_verifies(exported, ledger):  # type: ignore[no-untyped-def]
    result = verify_lines(exported)
    assert isinstance(result, FileVerification)
    assert result.ok and result.problems == [] and result.lines == 45
    chains = {chain.org_id: chain for chain in result.chains}
    assert set(chains) == {"acme", "globex"}
    assert all(chain.segments == 1 and chain.starts_at_genesis for chain in chains.values())
    # The newest line's hash is the chain head (what a checkpoint signs).
    root = ledger.principal("root")
    heads = {org.org_id: org.head_hash for org in ledger.verify(root).organizations}
    assert {org: chain.newest_hash for org, chain in chains.items()} == {"acme": heads["acme"],
                                                                        "globex": heads["globex"]}
    data = json.loads(result.to_json())
    assert data["ok"] is True and data["lines"] == 45 and data["problems"] == []
    # text lines and a BOM are read too; blank lines are skipped
    as_text = ["\ufeff" + exported[0].decode()] + [line.decode() for line in exported[1:]] + ["\n"]
    assert verify_lines(as_text).ok


def test_an_org_admins_slice_of_one_organization_verifies(ledger):  # type: ignore[no-untyped-def]
    load_chains(ledger)
    result = verify_lines(export_lines(ledger, "bob", start_date="2025-03-02"))
    assert result.ok
    (chain,) = result.chains
    assert chain.org_id == "acme" and chain.segments == 1 and not chain.starts_at_genesis


def _id(line: bytes) -> str:
    return json.loads(line)["id"]


def test_one_edited_cell_is_found(exported):  # type: ignore[no-untyped-def]
    rng = random.Random(9)
    edits = [("cost_usd", lambda v: v + 1), ("outcome", lambda v: "error" if v != "error" else "success"),
             ("timestamp", lambda v: v.replace("2025-03", "2025-02")), ("input", lambda v: {"query": "forged"}),
             ("agent_id", lambda v: v + "x"), ("metadata", lambda v: {**v, "env": "dev"}),
             ("prev_hash", lambda v: "0" * 64), ("entry_hash", lambda v: "a" * 64),
             ("error_message", lambda v: "edited")]
    for field, change in edits:
        position = rng.randrange(len(exported))
        record = json.loads(exported[position])
        record[field] = change(record[field])
        lines = list(exported)
        lines[position] = json.dumps(record).encode() + b"\n"
        result = verify_lines(lines)
        assert not result.ok, field
        altered = [problem for problem in result.problems if problem.kind == "altered"]
        assert [(problem.line, problem.entry_id) for problem in altered] == [(position + 1, record["id"])], field


def test_a_removed_line_is_found(exported):  # type: ignore[no-untyped-def]
    for position in range(1, len(exported) - 1):
        removed_org = json.loads(exported[position])["org_id"]
        lines = exported[:position] + exported[position + 1:]
        result = verify_lines(lines)
        # the oldest line of an organization in the file can go unnoticed (no seq in an
        # export): only lines with a newer line of their organization are checked here.
        newer_same_org = [line for line in exported[:position] if json.loads(line)["org_id"] == removed_org]
        older_same_org = [line for line in exported[position + 1:] if json.loads(line)["org_id"] == removed_org]
        if not newer_same_org or not older_same_org:
            continue
        assert not result.ok, position
        (problem,) = result.problems
        assert problem.kind == "gap"
        # named: the entry that followed the removed one in the chain
        follower = newer_same_org[-1]
        assert problem.entry_id == _id(follower) and problem.line == exported.index(follower) + 1


def test_swapped_lines_are_found(exported):  # type: ignore[no-untyped-def]
    rng = random.Random(5)
    for _ in range(20):
        first, second = sorted(rng.sample(range(len(exported)), 2))
        lines = list(exported)
        lines[first], lines[second] = lines[second], lines[first]
        result = verify_lines(lines)
        assert not result.ok
        assert result.problems[0].kind == "order"
        assert result.problems[0].line in {first + 1, first + 2, second + 1}


def test_duplicated_and_forked_lines_are_found(exported):  # type: ignore[no-untyped-def]
    result = verify_lines(exported[:5] + exported[4:])
    assert not result.ok and {problem.kind for problem in result.problems} >= {"duplicate"}
    # a forged line that follows the same entry as an existing one, with a valid hash of its own
    record = loads_line(exported[3].decode())
    record["id"] = "00000000-0000-4000-8000-000000000000"
    scalars = [format_decimal(record[name]) if name == "cost_usd" else record[name] for name in SCALAR_FIELDS]
    nested = [nested_json(record[name]) for name in NESTED_FIELDS]
    record["entry_hash"] = chain_hash(canonical_from_texts(scalars, nested), record["prev_hash"])
    forged = json.dumps(record, default=float).encode() + b"\n"
    lines = exported[:4] + [forged] + exported[4:]
    result = verify_lines(lines)
    assert [(problem.line, problem.kind) for problem in result.problems] == [(5, "fork")]


def test_a_filtered_export_holds_pieces_of_the_chain(ledger):  # type: ignore[no-untyped-def]
    load_chains(ledger)
    lines = export_lines(ledger, "root", outcome="error")
    strict = verify_lines(lines)
    assert not strict.ok and {problem.kind for problem in strict.problems} == {"gap"}
    relaxed = verify_lines(lines, allow_gaps=True)
    assert relaxed.ok and relaxed.gaps == sum(chain.segments - 1 for chain in relaxed.chains) > 0
    # an edited line is still found with gaps allowed
    record = json.loads(lines[2])
    record["cost_usd"] = 99
    edited = lines[:2] + [json.dumps(record).encode()] + lines[3:]
    result = verify_lines(edited, allow_gaps=True)
    assert [(problem.line, problem.kind) for problem in result.problems] == [(3, "altered")]


@pytest.mark.parametrize("line, message", [
    (b"not json\n", "not valid JSON"),
    (b"\xff\xfe\n", "not valid UTF-8"),
    (b"[1, 2]\n", "not a JSON object"),
    (b'{"id": "x"}\n', "field run_id is missing"),
])
def test_unreadable_lines_are_reported_by_number(exported, line, message):  # type: ignore[no-untyped-def]
    result = verify_lines(exported[:3] + [line] + exported[3:])
    assert not result.ok
    problem = result.problems[0]
    assert problem.line == 4 and problem.kind == "unreadable" and message in problem.message
    assert str(problem).startswith("line 4")


def test_a_line_without_hashes_is_not_an_export(exported):  # type: ignore[no-untyped-def]
    record = json.loads(exported[0])
    del record["entry_hash"]
    result = verify_lines([json.dumps(record)])
    assert [problem.kind for problem in result.problems] == ["unreadable"]
    assert "entry_hash" in result.problems[0].message and result.problems[0].entry_id == record["id"]


def test_many_problems_are_capped(exported, monkeypatch):  # type: ignore[no-untyped-def]
    from ledger_core.integrity import lines as lines_module

    monkeypatch.setattr(lines_module, "MAX_PROBLEMS", 3)
    result = verify_lines([b"x\n"] * 10)
    assert len(result.problems) == 3 and result.omitted == 7 and not result.ok
