"""An audit pack checked the way an auditor does (`verify_audit_pack`, `verify --file PACK.zip`):
clean when untouched; an edit a forger made consistent across both files and the manifest's
SHA-256 is still caught by the line hashes; the manifest's checkpoints are signed and checked."""
from __future__ import annotations

import io
import json
import zipfile

from ledger_core.__main__ import main
from ledger_core.integrity.keys import generate_key_pair
from ledger_core.integrity.pack import verify_audit_pack
from tests.core.formats.test_audit_pack import refresh_digests, rezip
from tests.helpers import load_chains


def make_pack(ledger, username: str = "bob", **params) -> bytes:  # type: ignore[no-untyped-def]
    with ledger.audit_pack(ledger.principal(username), **params) as pack:
        return pack.getvalue()


def manifest_of(data: bytes) -> dict:  # type: ignore[type-arg]
    return json.loads(zipfile.ZipFile(io.BytesIO(data)).read("manifest.json"))


def test_a_signed_pack_verifies_with_the_public_key(ledger, signing_key):  # type: ignore[no-untyped-def]
    _, public = signing_key
    load_chains(ledger, batches=2, size=12)
    data = make_pack(ledger, "bob", outcome="success")
    checkpoints = manifest_of(data)["checkpoints"]
    assert [cp["org_id"] for cp in checkpoints] == ["acme"]
    assert checkpoints[0]["seq"] == ledger.latest_checkpoints(ledger.principal("bob"))[0].seq
    report = verify_audit_pack(data, verify_key=public)
    assert report.ok, report.problems
    assert any("checkpoint of acme" in note and "signature valid" in note for note in report.notes)


def test_a_forged_signature_or_a_foreign_key_is_a_problem(ledger, signing_key):  # type: ignore[no-untyped-def]
    _, public = signing_key
    load_chains(ledger, batches=1, size=12)
    data = make_pack(ledger, "root")

    def forge(name: str, content: bytes) -> bytes:
        if name != "manifest.json":
            return content
        manifest = json.loads(content)
        manifest["checkpoints"][0]["hash"] = "0" * 64
        return json.dumps(manifest).encode()

    problems = verify_audit_pack(rezip(data, forge), verify_key=public).problems
    assert any("the signature does not verify" in p for p in problems), problems
    _, stranger = generate_key_pair()
    problems = verify_audit_pack(data, verify_key=stranger).problems
    assert problems and all("is not among the verification keys" in p for p in problems)


def test_without_a_key_the_pack_says_its_checkpoints_are_unchecked(ledger):  # type: ignore[no-untyped-def]
    load_chains(ledger, batches=1, size=12)
    report = verify_audit_pack(make_pack(ledger, "root"))
    assert report.ok and "no signed checkpoint" in report.notes[0]


def test_a_consistent_forgery_is_caught_by_the_line_hashes(ledger):  # type: ignore[no-untyped-def]
    load_chains(ledger, batches=1, size=12)
    data = make_pack(ledger, "root")
    first = zipfile.ZipFile(io.BytesIO(data)).read("entries.jsonl").decode().splitlines()[0]
    entry = json.loads(first)
    forged_cost = "123456.5" if entry["cost_usd"] != 123456.5 else "7"

    def change(name: str, content: bytes) -> bytes:
        text = content.decode()
        if name == "entries.jsonl":
            forged = json.dumps({**json.loads(first)}, separators=(",", ":"), ensure_ascii=False)
            forged = forged.replace(f'"cost_usd":{json.dumps(entry["cost_usd"])}', f'"cost_usd":{forged_cost}')
            return text.replace(first, forged, 1).encode()
        if name == "entries.csv":
            lines = text.split("\r\n")
            cells = lines[1].split(",")
            cells[6] = forged_cost
            return "\r\n".join([lines[0], ",".join(cells)] + lines[2:]).encode()
        return content

    problems = verify_audit_pack(refresh_digests(rezip(data, change))).problems
    assert any(p.startswith("entries.jsonl line 1") and entry["id"] in p for p in problems), problems


def test_verify_file_takes_a_pack(ledger, tmp_path, capsys):  # type: ignore[no-untyped-def]
    load_chains(ledger, batches=1, size=12)
    good, bad = tmp_path / "pack.zip", tmp_path / "bad.zip"
    good.write_bytes(make_pack(ledger, "root"))
    bad.write_bytes(rezip(good.read_bytes(), lambda name, content: content[:-40] if name == "entries.jsonl"
                          else content))
    assert main(["verify", "--file", str(good)]) == 0
    assert "audit pack with 12 entries checked, intact" in capsys.readouterr().out
    assert main(["verify", "--file", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "entries.jsonl: " in out and "NOT intact" in out


def test_a_plain_users_pack_shows_no_organization_wide_figures(ledger, signing_key):  # type: ignore[no-untyped-def]
    load_chains(ledger, batches=1, size=12)
    manifest = manifest_of(make_pack(ledger, "alice"))
    assert manifest["rows"] > 0 and set(manifest["chain"]) == {"acme"}
    assert manifest["chain_heads"] == {} and manifest["checkpoints"] == []
    admin = manifest_of(make_pack(ledger, "bob"))
    assert set(admin["chain_heads"]) == {"acme"} and [cp["org_id"] for cp in admin["checkpoints"]] == ["acme"]
