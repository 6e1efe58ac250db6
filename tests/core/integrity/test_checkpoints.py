"""Signed checkpoints: written at the end of every ingest when a signing key is configured,
never otherwise; verified with the public key; the latest per organization for the audit pack."""
from __future__ import annotations

import base64
import json
import uuid

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select, update

from ledger_core import ConfigurationError, Forbidden, Ledger
from ledger_core.contract.integrity import checkpoint_message
from ledger_core.integrity import keys
from ledger_core.integrity.checkpoints import sign_chain_heads
from ledger_core.store.schema import chain_heads, checkpoints
from tests.helpers import CHAIN_USERS, chain_records, load_chains, tamper


def count_checkpoints(ledger: Ledger) -> int:
    with ledger.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(checkpoints)).scalar_one()


def test_every_ingest_signs_the_heads_it_moved(ledger, signing_key):  # type: ignore[no-untyped-def]
    load_chains(ledger, batches=2, size=10)
    assert count_checkpoints(ledger) == 4  # two ingests, two organizations each
    # an ingest that adds nothing (duplicates only) signs nothing new
    ledger.ingest(chain_records(0, 10))
    assert count_checkpoints(ledger) == 4
    # one that touches only acme signs only acme
    ledger.ingest([record for record in chain_records(5, 10) if record["org_id"] == "acme"])
    latest = {cp.org_id: cp for cp in ledger.latest_checkpoints(ledger.principal("root"))}
    assert count_checkpoints(ledger) == 5
    result = ledger.verify(ledger.principal("root"))
    heads = {org.org_id: org.head_count for org in result.organizations}
    assert {org: cp.seq for org, cp in latest.items()} == {"acme": heads["acme"], "globex": heads["globex"]}
    assert result.ok and all(org.checkpoint_status == "signed" for org in result.organizations if org.entries)


def test_without_a_key_ingest_works_and_verify_says_unsigned(ledger):  # type: ignore[no-untyped-def]
    load_chains(ledger, batches=2, size=10)
    assert count_checkpoints(ledger) == 0
    result = ledger.verify(ledger.principal("root"))
    assert result.ok and result.verify_keys == []
    assert {org.checkpoint_status for org in result.organizations} == {"unsigned"}
    assert ledger.latest_checkpoints(ledger.principal("root")) == []


def test_a_key_configured_later_signs_the_heads_at_the_next_ingest(ledger, monkeypatch):  # type: ignore[no-untyped-def]
    load_chains(ledger, batches=1, size=10)
    private, _ = keys.generate_key_pair()
    monkeypatch.setenv("LEDGER_SIGNING_KEY", private)
    ledger.ingest([record for record in chain_records(3, 6) if record["org_id"] == "globex"])
    signed = {cp.org_id for cp in ledger.latest_checkpoints(ledger.principal("root"))}
    assert signed == {"acme", "globex"}  # acme's unsigned head is caught up too


def test_signatures_verify_only_with_the_right_public_key(ledger, signing_key, monkeypatch):  # type: ignore[no-untyped-def]
    load_chains(ledger, batches=2, size=10)
    private, public = signing_key
    root = ledger.principal("root")
    # the public key alone (as an auditor would have it)
    monkeypatch.delenv("LEDGER_SIGNING_KEY")
    monkeypatch.setenv("LEDGER_VERIFY_KEY", public)
    result = ledger.verify(root)
    assert result.ok and result.verify_keys == [keys.fingerprint(keys.load_signing_key(private).public)]
    # no key at all: checked against the chain, signatures not verified
    monkeypatch.delenv("LEDGER_VERIFY_KEY")
    result = ledger.verify(root)
    assert result.ok and {org.checkpoint_status for org in result.organizations if org.entries} == {"unverified"}
    # a wrong public key fails
    _, other = keys.generate_key_pair()
    monkeypatch.setenv("LEDGER_VERIFY_KEY", other)
    result = ledger.verify(root)
    assert not result.ok
    assert {org.damage.kind for org in result.damaged if org.damage} == {"unknown_key"}
    # passed explicitly (e.g. `verify --verify-key`), a rotated pair: old and new keys both accepted
    assert ledger.verify(root, verify_key=f"{other}, {public}").ok
    assert not ledger.verify(root, verify_key=other).ok


def test_the_signature_covers_the_documented_message(ledger, signing_key):  # type: ignore[no-untyped-def]
    load_chains(ledger, batches=1, size=10)
    private, public = signing_key
    (acme, globex) = ledger.latest_checkpoints(ledger.principal("root"))
    data = json.loads(acme.to_json())
    assert set(data) == {"org_id", "seq", "count", "entry_id", "hash", "signed_at", "signature",
                         "public_key_fingerprint", "format"}
    assert data["org_id"] == "acme" and data["seq"] == data["count"] and data["format"] == "ledger-checkpoint/1"
    message = json.dumps(["ledger-checkpoint/1", data["org_id"], data["seq"], data["entry_id"], data["hash"],
                          data["signed_at"]], separators=(",", ":"), ensure_ascii=False).encode()
    assert message == acme.signed_message() == checkpoint_message(
        acme.org_id, acme.seq, acme.entry_id, acme.last_hash, acme.signed_at)
    # verified with nothing but the public key text and a stock Ed25519 implementation
    verifier = keys.load_verify_keys(public)[data["public_key_fingerprint"]]
    verifier.verify(base64.b64decode(data["signature"]), message)
    assert data["signed_at"].endswith("Z") and len(data["signature"]) == 88


def test_latest_checkpoints_are_scoped(ledger, signing_key):  # type: ignore[no-untyped-def]
    load_chains(ledger, batches=2, size=10)
    assert [cp.org_id for cp in ledger.latest_checkpoints(ledger.principal("root"))] == ["acme", "globex"]
    assert [cp.org_id for cp in ledger.latest_checkpoints(ledger.principal("bob"))] == ["acme"]
    assert [cp.org_id for cp in ledger.latest_checkpoints(ledger.principal("gina"))] == ["globex"]
    with pytest.raises(Forbidden):
        ledger.latest_checkpoints(ledger.principal("alice"))


def test_a_damaged_head_is_never_signed(ledger, signing_key):  # type: ignore[no-untyped-def]
    load_chains(ledger, batches=1, size=10)
    before = count_checkpoints(ledger)
    tamper(ledger, update(chain_heads).where(chain_heads.c.org_id == "acme").values(count=999))
    assert sign_chain_heads(ledger.engine) == 0
    assert count_checkpoints(ledger) == before


def test_signing_again_writes_nothing_new(ledger, signing_key):  # type: ignore[no-untyped-def]
    for name, org, role in CHAIN_USERS:
        ledger.add_user(name, org_id=org, role=role)
    ledger.ingest(chain_records(0, 15))
    tamper(ledger, checkpoints.delete())
    key = keys.load_signing_key(signing_key[0])
    assert sign_chain_heads(ledger.engine, key) == 2
    assert sign_chain_heads(ledger.engine, key) == 0
    assert count_checkpoints(ledger) == 2


# --- key formats and settings --------------------------------------------------------------

def test_keys_in_base64_and_pem_forms():
    private, public = keys.generate_key_pair()
    assert len(base64.b64decode(private)) == 32 and len(base64.b64decode(public)) == 32
    key = keys.load_signing_key(private)
    assert keys.public_key_text(key.public) == public
    assert key.fingerprint == keys.fingerprint(key.public) and len(key.fingerprint) == 32
    pem_private = key.private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()).decode()
    pem_public = key.public.public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    assert keys.load_signing_key(pem_private).fingerprint == key.fingerprint
    assert list(keys.load_verify_keys(pem_public)) == [key.fingerprint]
    other = keys.load_signing_key(keys.generate_key_pair()[0])
    both = keys.load_verify_keys(pem_public + "\n" + keys.public_key_text(other.public))
    assert set(both) == {key.fingerprint, other.fingerprint}


@pytest.mark.parametrize("text", ["nonsense", "c2hvcnQ=", base64.b64encode(b"x" * 33).decode(),
                                  "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"])
def test_a_bad_signing_key_is_a_configuration_error_naming_the_setting(text, monkeypatch):  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigurationError) as failure:
        keys.load_signing_key(text)
    assert failure.value.field == "LEDGER_SIGNING_KEY" and text not in failure.value.message
    monkeypatch.setenv("LEDGER_SIGNING_KEY", text)
    with pytest.raises(ConfigurationError):
        Ledger("sqlite://", rate_limits=None)  # refused at start, not at the first ingest


def test_a_bad_verify_key_is_a_configuration_error(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LEDGER_VERIFY_KEY", "not-a-key")
    with pytest.raises(ConfigurationError) as failure:
        keys.configured_verify_keys()
    assert failure.value.field == "LEDGER_VERIFY_KEY"


def test_an_rsa_pem_is_not_an_ed25519_key():
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = rsa.generate_private_key(public_exponent=65537, key_size=1024).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    with pytest.raises(ConfigurationError):
        keys.load_signing_key(pem)


def test_keys_are_read_from_secrets_toml(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    from ledger_core import config

    secrets = tmp_path / "secrets.toml"
    secrets.write_text('ledger_cookie_key = "abc"\n\n[server]\nport = 1\n')
    monkeypatch.setattr(config, "SECRETS_PATH", secrets)
    private, public = keys.generate_key_pair()
    keys.write_secrets(secrets, private, public)
    assert keys.configured_signing_key() is not None
    assert keys.configured_signing_key().fingerprint in keys.configured_verify_keys()  # type: ignore[union-attr]
    assert "ledger_cookie_key" in secrets.read_text() and "[server]" in secrets.read_text()
    assert secrets.stat().st_mode & 0o077 == 0
    with pytest.raises(ConfigurationError, match="already holds"):
        keys.write_secrets(secrets, *keys.generate_key_pair())
    assert keys.configured_signing_key().private.private_bytes(  # type: ignore[union-attr]
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    ) == base64.b64decode(private)


def test_a_private_key_is_never_stored(ledger, signing_key):  # type: ignore[no-untyped-def]
    load_chains(ledger, batches=1, size=5)
    private, _ = signing_key
    seed = base64.b64decode(private)
    with ledger.engine.connect() as conn:
        for row in conn.execute(select(checkpoints)):
            assert private not in " ".join(str(value) for value in row)
    assert isinstance(Ed25519PrivateKey.from_private_bytes(seed), Ed25519PrivateKey)
    assert uuid.UUID(ledger.latest_checkpoints(ledger.principal("root"))[0].entry_id)
