"""Ed25519 keys for signed checkpoints (`cryptography`).

Formats (what `python -m ledger_core keygen` prints):
- a private key: the standard base64 (with padding, 44 characters) of its 32-byte seed
  (RFC 8032), or a PEM `PRIVATE KEY` block (PKCS #8, e.g. from
  `openssl genpkey -algorithm ed25519`);
- a public key: the standard base64 of its 32 raw bytes (44 characters), or a PEM
  `PUBLIC KEY` block;
- a key's fingerprint: the first 32 hex digits (16 bytes) of the SHA-256 of the raw
  32-byte public key. Checkpoints record it, to tell which key signed them.

Settings (`config.secret`: the environment wins over `.streamlit/secrets.toml`):
- `LEDGER_SIGNING_KEY` / `ledger_signing_key`: the private key. Ingest signs with it;
  never stored in the database. Without it, ingest writes no checkpoint.
- `LEDGER_VERIFY_KEY` / `ledger_verify_key`: one or more public keys (separated by commas
  or white space, for keys that were rotated) that `verify` accepts. The public half of
  the signing key, when one is configured, is always accepted too.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..config import secret
from ..errors import ConfigurationError

SIGNING_SETTING = "LEDGER_SIGNING_KEY"
VERIFY_SETTING = "LEDGER_VERIFY_KEY"
_PEM_BLOCK = re.compile(r"-----BEGIN [A-Z ]+-----.+?-----END [A-Z ]+-----", re.DOTALL)


def raw_public(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_text(public: Ed25519PublicKey) -> str:
    """The public key in its documented text form (base64 of the 32 raw bytes)."""
    return base64.b64encode(raw_public(public)).decode("ascii")


def fingerprint(public: Ed25519PublicKey) -> str:
    """First 32 hex digits of SHA-256 over the raw public key."""
    return hashlib.sha256(raw_public(public)).hexdigest()[:32]


@dataclass(frozen=True)
class SigningKey:
    """A private key ready to sign checkpoints."""

    private: Ed25519PrivateKey
    public: Ed25519PublicKey
    fingerprint: str

    def sign(self, message: bytes) -> str:
        """The base64 signature (88 characters) of `message`."""
        return base64.b64encode(self.private.sign(message)).decode("ascii")


def generate_key_pair() -> tuple[str, str]:
    """(private key text, public key text) of a fresh Ed25519 key pair."""
    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                 serialization.NoEncryption())
    return base64.b64encode(seed).decode("ascii"), public_key_text(private.public_key())


def _b64_32(text: str) -> bytes | None:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == 32 else None


@lru_cache(maxsize=8)
def load_signing_key(text: str, setting: str = SIGNING_SETTING) -> SigningKey:
    """A private key from its text form; `ConfigurationError` naming `setting` if it is not one."""
    private: Ed25519PrivateKey | None = None
    stripped = text.strip()
    if stripped.startswith("-----BEGIN"):
        try:
            loaded = serialization.load_pem_private_key(stripped.encode("ascii"), password=None)
        except (ValueError, TypeError, UnicodeEncodeError):
            loaded = None
        private = loaded if isinstance(loaded, Ed25519PrivateKey) else None
    else:
        seed = _b64_32(stripped)
        private = Ed25519PrivateKey.from_private_bytes(seed) if seed is not None else None
    if private is None:
        raise ConfigurationError(
            f"{setting} must be an Ed25519 private key: the base64 of its 32-byte seed (as "
            "`python -m ledger_core keygen` prints) or a PEM PRIVATE KEY block", field=setting)
    public = private.public_key()
    return SigningKey(private, public, fingerprint(public))


def _load_public(text: str, setting: str) -> Ed25519PublicKey:
    public = None
    if text.startswith("-----BEGIN"):
        try:
            loaded = serialization.load_pem_public_key(text.encode("ascii"))
        except (ValueError, TypeError, UnicodeEncodeError):
            loaded = None
        public = loaded if isinstance(loaded, Ed25519PublicKey) else None
    else:
        raw = _b64_32(text)
        public = Ed25519PublicKey.from_public_bytes(raw) if raw is not None else None
    if public is None:
        raise ConfigurationError(
            f"{setting} must hold Ed25519 public keys: the base64 of the 32 raw bytes (as "
            f"`python -m ledger_core keygen` prints) or PEM PUBLIC KEY blocks; {text[:20]!r}... is neither",
            field=setting)
    return public


@lru_cache(maxsize=8)
def load_verify_keys(text: str, setting: str = VERIFY_SETTING) -> dict[str, Ed25519PublicKey]:
    """Public keys (by fingerprint) from a text holding one or more (commas, white space
    or PEM blocks between them)."""
    pem_blocks = _PEM_BLOCK.findall(text)
    rest = _PEM_BLOCK.sub(" ", text)
    pieces = pem_blocks + [piece for piece in re.split(r"[\s,]+", rest) if piece]
    keys: dict[str, Ed25519PublicKey] = {}
    for piece in pieces:
        public = _load_public(piece.strip(), setting)
        keys[fingerprint(public)] = public
    return keys


def configured_signing_key() -> SigningKey | None:
    """The signing key from `LEDGER_SIGNING_KEY` or secrets, or None when none is set."""
    text = secret("ledger_signing_key")
    return load_signing_key(text) if text else None


def configured_verify_keys() -> dict[str, Ed25519PublicKey]:
    """The public keys `verify` accepts: `LEDGER_VERIFY_KEY`, and the signing key's own."""
    text = secret("ledger_verify_key")
    keys = dict(load_verify_keys(text)) if text else {}
    signing = configured_signing_key()
    if signing is not None:
        keys[signing.fingerprint] = signing.public
    return keys


def signature_valid(public: Ed25519PublicKey, signature: str, message: bytes) -> bool:
    """Whether `signature` (base64) is `public`'s signature of `message`."""
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    if len(raw) != 64:
        return False
    try:
        public.verify(raw, message)
    except InvalidSignature:
        return False
    return True


def write_secrets(path: Path, private_text: str, public_text: str) -> None:
    """Add `ledger_signing_key` and `ledger_verify_key` to a secrets.toml (created if
    missing, private to its owner); `ConfigurationError` if it already holds either."""
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    try:
        present = tomllib.loads(existing) if existing else {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path} is not valid TOML ({exc}); nothing written",
                                 field="ledger_signing_key") from None
    clash = [name for name in ("ledger_signing_key", "ledger_verify_key") if name in present]
    if clash:
        raise ConfigurationError(f"{path} already holds {' and '.join(clash)}; nothing written (remove it first "
                                 "to replace the key: checkpoints signed with the old key then need its public "
                                 "key in ledger_verify_key)", field="ledger_signing_key")
    # At the top: keys after a [table] header would belong to that table.
    content = f'ledger_signing_key = "{private_text}"\nledger_verify_key = "{public_text}"\n' + existing
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    with open(partial, "w", encoding="utf-8", opener=lambda name, flags: os.open(name, flags, 0o600)) as handle:
        handle.write(content)
    partial.replace(path)
