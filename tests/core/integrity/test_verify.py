"""`Ledger.verify` (SPEC section 7): an untouched ledger verifies clean; every single change
made directly in the database behind the triggers' back is found, and the damaged entry
named, on both backends; who may verify what."""
from __future__ import annotations

import json
import random
from datetime import timedelta
from decimal import Decimal
from typing import Any, Callable

import pytest
from sqlalchemy import select, update

from ledger_core import Forbidden, Ledger, LedgerValidationError
from ledger_core.contract.entry import NESTED_FIELDS
from ledger_core.formats.canonical import SCALAR_FIELDS, canonical_from_texts, chain_hash
from ledger_core.formats.wire import FIELDS
from ledger_core.integrity.verify import verify_ledger
from ledger_core.store.db import wire_text
from ledger_core.store.schema import chain_heads, checkpoints
from ledger_core.store.schema import ledger_entries as le
from tests.helpers import empty_ledger, load_chains, tamper

ORGS = ("acme", "globex")


def entries(ledger: Ledger, org: str) -> list[Any]:
    with ledger.engine.connect() as conn:
        return conn.execute(select(le.c.seq, le.c.id, le.c.entry_hash, le.c.cost_usd, le.c.timestamp,
                                   le.c.outcome).where(le.c.org_id == org).order_by(le.c.seq)).all()


def signed(ledger: Ledger, org: str) -> list[Any]:
    with ledger.engine.connect() as conn:
        return conn.execute(select(checkpoints).where(checkpoints.c.org_id == org)
                            .order_by(checkpoints.c.seq)).all()


def at(org: str, seq: int):  # type: ignore[no-untyped-def]
    return (le.c.org_id == org) & (le.c.seq == seq)


# --- the tampering cases: each changes one thing and says what verify must report -------
# A case gets (ledger, rng, org, rows of that org, its checkpoints) and returns
# (damage kinds accepted, seq, entry ids accepted: None when the id cannot be known).

def edit_cost(ledger, rng, org, rows, _cps):  # type: ignore[no-untyped-def]
    row = rng.choice(rows)
    tamper(ledger, update(le).where(at(org, row.seq)).values(cost_usd=row.cost_usd + Decimal("0.01")))
    return {"altered"}, row.seq, {str(row.id)}


def edit_timestamp(ledger, rng, org, rows, _cps):  # type: ignore[no-untyped-def]
    row = rng.choice(rows)
    moved = row.timestamp - timedelta(microseconds=rng.randrange(1, 10**9))
    tamper(ledger, update(le).where(at(org, row.seq)).values(timestamp=moved))
    return {"altered"}, row.seq, {str(row.id)}


def edit_outcome(ledger, rng, org, rows, _cps):  # type: ignore[no-untyped-def]
    row = rng.choice(rows)
    other = rng.choice([o for o in ("success", "error", "blocked") if o != row.outcome])
    tamper(ledger, update(le).where(at(org, row.seq)).values(outcome=other))
    return {"altered"}, row.seq, {str(row.id)}


def edit_input(ledger, rng, org, rows, _cps):  # type: ignore[no-untyped-def]
    row = rng.choice(rows)
    tamper(ledger, update(le).where(at(org, row.seq)).values(input={"query": "select 'forged'"}))
    return {"altered"}, row.seq, {str(row.id)}


def edit_stored_hash(ledger, rng, org, rows, _cps):  # type: ignore[no-untyped-def]
    row = rng.choice(rows)
    tamper(ledger, update(le).where(at(org, row.seq)).values(entry_hash="f" * 64))
    return {"altered"}, row.seq, {str(row.id)}


def delete_middle(ledger, rng, org, rows, _cps):  # type: ignore[no-untyped-def]
    row = rng.choice(rows[:-1])
    tamper(ledger, le.delete().where(at(org, row.seq)))
    # The deleted entry's id is known only when a checkpoint names it.
    return {"missing"}, row.seq, {str(row.id), None}


def swap_pair(ledger, rng, org, rows, _cps):  # type: ignore[no-untyped-def]
    first = rng.choice(rows[:-1])
    second = rows[first.seq]  # the next one
    tamper(ledger,
           update(le).where(at(org, first.seq)).values(seq=-1),
           update(le).where(at(org, second.seq)).values(seq=first.seq),
           update(le).where(at(org, -1)).values(seq=second.seq))
    return {"broken_link"}, first.seq, {str(first.id), str(second.id)}


def delete_newest(ledger, rng, org, rows, cps):  # type: ignore[no-untyped-def]
    newest = rows[-1]
    tamper(ledger, le.delete().where(at(org, newest.seq)))
    # The last ingest's checkpoint names the newest entry.
    assert cps[-1].seq == newest.seq
    return {"truncated"}, newest.seq, {str(newest.id)}


def delete_newest_and_fix_head(ledger, rng, org, rows, cps):  # type: ignore[no-untyped-def]
    """The head rewritten to match: only the signed checkpoint shows the loss."""
    newest, before = rows[-1], rows[-2]
    tamper(ledger, le.delete().where(at(org, newest.seq)),
           update(chain_heads).where(chain_heads.c.org_id == org).values(count=before.seq,
                                                                           last_hash=before.entry_hash))
    return {"truncated"}, newest.seq, {str(newest.id)}


def edit_head(ledger, rng, org, rows, _cps):  # type: ignore[no-untyped-def]
    choice = rng.randrange(3)
    n = rows[-1].seq
    if choice == 0:
        values, kinds, seq = {"last_hash": "0" * 63 + "1"}, {"head_mismatch"}, n
    elif choice == 1:
        values, kinds, seq = {"count": n + 1}, {"truncated"}, n + 1
    else:
        values, kinds, seq = {"count": n - 1}, {"head_mismatch"}, n
    tamper(ledger, update(chain_heads).where(chain_heads.c.org_id == org).values(**values))
    return kinds, seq, {None}


def alter_signature(ledger, rng, org, rows, cps):  # type: ignore[no-untyped-def]
    cp = rng.choice(cps)
    signature = cp.signature
    position = rng.randrange(len(signature) - 2)  # the last 2 are padding
    flipped = signature[:position] + ("A" if signature[position] != "A" else "B") + signature[position + 1:]
    tamper(ledger, update(checkpoints).where(checkpoints.c.org_id == org, checkpoints.c.seq == cp.seq)
           .values(signature=flipped))
    return {"bad_signature"}, cp.seq, {str(cp.entry_id)}


def alter_checkpoint_hash(ledger, rng, org, rows, cps):  # type: ignore[no-untyped-def]
    cp = rng.choice(cps)
    tamper(ledger, update(checkpoints).where(checkpoints.c.org_id == org, checkpoints.c.seq == cp.seq)
           .values(last_hash="e" * 64))
    return {"bad_signature"}, cp.seq, {str(cp.entry_id)}


CASES: list[Callable[..., Any]] = [
    edit_cost, edit_timestamp, edit_outcome, edit_input, edit_stored_hash, delete_middle, swap_pair,
    delete_newest, delete_newest_and_fix_head, edit_head, alter_signature, alter_checkpoint_hash,
]


@pytest.fixture
def chains(ledger: Ledger, signing_key) -> Ledger:  # type: ignore[no-untyped-def]
    load_chains(ledger)
    return ledger


def test_an_untouched_ledger_verifies_clean(chains):  # type: ignore[no-untyped-def]
    root = chains.principal("root")
    result = chains.verify(root)
    assert result.ok and result.damaged == []
    assert [org.org_id for org in result.organizations] == ["acme", "globex", "ops"]
    by_org = {org.org_id: org for org in result.organizations}
    assert by_org["acme"].entries + by_org["globex"].entries == 45 == result.entries
    for org_id in ORGS:
        org = by_org[org_id]
        assert org.entries == org.head_count == len(entries(chains, org_id))
        assert org.checkpoints == 3 and org.checkpoint_status == "signed"
        assert org.latest_checkpoint_seq == org.head_count and org.unsigned_entries == 0
    assert by_org["ops"].entries == 0 and by_org["ops"].ok  # an organization without entries
    data = json.loads(result.to_json())
    assert data["ok"] is True and data["entries"] == 45
    assert data["organizations"][0]["damage"] is None


@pytest.mark.parametrize("case", CASES, ids=[case.__name__ for case in CASES])
def test_each_kind_of_tampering_is_found(chains, case):  # type: ignore[no-untyped-def]
    _check_case(chains, case, random.Random(case.__name__), "acme")


def test_random_single_changes_are_found_every_time(ledger, signing_key):  # type: ignore[no-untyped-def]
    """A seeded loop over every kind of change, at random positions in either organization."""
    rng = random.Random(20261202)
    for round_number in range(2 * len(CASES)):
        empty_ledger(ledger)
        load_chains(ledger)
        case = CASES[round_number % len(CASES)]
        _check_case(ledger, case, rng, rng.choice(ORGS))


def _check_case(ledger: Ledger, case, rng: random.Random, org: str) -> None:  # type: ignore[no-untyped-def]
    assert ledger.verify(ledger.principal("root")).ok
    kinds, seq, ids = case(ledger, rng, org, entries(ledger, org), signed(ledger, org))
    result = ledger.verify(ledger.principal("root"))
    assert not result.ok, case.__name__
    assert [bad.org_id for bad in result.damaged] == [org], case.__name__
    damage = result.damaged[0].damage
    assert damage is not None
    assert damage.kind in kinds, (case.__name__, damage)
    assert damage.seq == seq, (case.__name__, damage)
    assert damage.entry_id in ids, (case.__name__, damage)
    assert damage.message
    # the org admin of that organization sees the same damage
    admin = ledger.principal("bob" if org == "acme" else "gina")
    assert ledger.verify(admin).organizations[0].damage == damage


def test_a_rewritten_chain_is_caught_by_its_signed_checkpoints(chains):  # type: ignore[no-untyped-def]
    """Someone with write access but not the key edits an entry, then recomputes every later
    hash and the chain head: each link and hash checks out, the checkpoints do not."""
    org = "acme"
    with chains.engine.connect() as conn:
        kinds = {name: kind for name, kind, _ in FIELDS}
        columns = [wire_text(conn, le.c[name], kinds[name]) for name in (*SCALAR_FIELDS, *NESTED_FIELDS)]
        rows = conn.execute(select(le.c.seq, *columns).where(le.c.org_id == org).order_by(le.c.seq)).all()
    cps = signed(chains, org)
    target = cps[0].seq - 3  # an entry before the first checkpoint
    statements = []
    prev = None
    for row in rows:
        seq, values = row[0], list(row[1:])
        if seq < target:
            continue
        if seq == target:
            values[5] = "blocked" if values[5] != "blocked" else "success"  # outcome
            statements.append(update(le).where(at(org, seq)).values(outcome=values[5]))
        if prev is None:
            with chains.engine.connect() as conn:
                prev = conn.execute(select(le.c.prev_hash).where(at(org, seq))).scalar_one()
        new_hash = chain_hash(canonical_from_texts(values[:13], values[13:]), prev)
        statements.append(update(le).where(at(org, seq)).values(entry_hash=new_hash, prev_hash=prev))
        prev = new_hash
    statements.append(update(chain_heads).where(chain_heads.c.org_id == org).values(last_hash=prev))
    tamper(chains, *statements)
    damage = chains.verify(chains.principal("bob")).organizations[0].damage
    assert damage is not None and damage.kind == "checkpoint_mismatch"
    assert damage.seq == cps[0].seq and damage.expected == cps[0].last_hash
    # Without checkpoints the rewrite would pass: that is what the signature is for.
    tamper(chains, checkpoints.delete())
    assert chains.verify(chains.principal("bob")).ok


def test_who_may_verify(chains):  # type: ignore[no-untyped-def]
    bob, gina, root = (chains.principal(name) for name in ("bob", "gina", "root"))
    assert [org.org_id for org in chains.verify(bob).organizations] == ["acme"]
    assert [org.org_id for org in chains.verify(gina).organizations] == ["globex"]
    assert [org.org_id for org in chains.verify(root, org_id="globex").organizations] == ["globex"]
    assert [org.org_id for org in chains.verify(bob, org_id="acme").organizations] == ["acme"]
    for name in ("alice", "carol"):
        with pytest.raises(Forbidden):
            chains.verify(chains.principal(name))
    with pytest.raises(Forbidden) as refused:
        chains.verify(bob, org_id="globex")
    assert refused.value.field == "org_id"
    with pytest.raises(LedgerValidationError) as unknown:
        chains.verify(root, org_id="nope")
    assert unknown.value.field == "org_id" and "nope" in unknown.value.message


def test_verify_counts_against_the_export_budget(make_ledger, signing_key):  # type: ignore[no-untyped-def]
    from ledger_core.config import RateLimits
    from ledger_core.errors import RateLimitExceeded

    limited = make_ledger("verify_rate", rate_limits=RateLimits(export=2))
    load_chains(limited, batches=1, size=4)
    bob = limited.principal("bob")
    limited.verify(bob)
    limited.verify(bob)
    with pytest.raises(RateLimitExceeded):
        limited.verify(bob)


def test_progress_is_reported_per_organization(chains):  # type: ignore[no-untyped-def]
    seen: list[tuple[str, int, int]] = []
    verify_ledger(chains.engine, progress=lambda org, done, total: seen.append((org, done, total)))
    finals = {org: (done, total) for org, done, total in seen}
    assert finals["acme"][0] == finals["acme"][1] == len(entries(chains, "acme"))
    assert finals["globex"][0] == len(entries(chains, "globex"))


def test_verification_reads_in_chunks(chains, monkeypatch):  # type: ignore[no-untyped-def]
    """Chains longer than one chunk are read piece by piece and still checked whole."""
    from ledger_core.integrity import checkpoints as checkpoint_module
    from ledger_core.integrity import verify as verify_module

    monkeypatch.setattr(verify_module, "CHUNK", 4)
    monkeypatch.setattr(checkpoint_module, "CHUNK", 1)
    result = verify_ledger(chains.engine)
    assert result.ok and result.entries == 45
    assert {org.org_id: org.checkpoints for org in result.organizations} == {"acme": 3, "globex": 3, "ops": 0}
    rows = entries(chains, "globex")
    tamper(chains, update(le).where(at("globex", rows[-2].seq)).values(duration_ms=-1))
    damage = verify_ledger(chains.engine, ["globex"]).organizations[0].damage
    assert damage is not None and damage.kind == "altered" and damage.seq == rows[-2].seq
