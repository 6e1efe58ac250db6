"""Checking one organization's hash chain (pure: no database; `verify.py` feeds it).

Feed the entries in `seq` order with `ChainChecker.entry`, then call `finish` with the
chain head. For each entry at position k (1, 2, 3...), in this order:

1. its `seq` is k (else entries k.. are `missing`);
2. its `prev_hash` is the `entry_hash` of the entry at k-1 (64 zeros for k = 1), else
   `broken_link`;
3. SHA-256(canonical form of its stored fields + prev_hash) is its `entry_hash`, else
   `altered`;
4. each checkpoint at k: its signature verifies with a configured public key whose
   fingerprint it names (`bad_signature`, `unknown_key`; skipped when no public key is
   configured), and it names this entry and this hash (`checkpoint_mismatch`).

Then the chain head must hold the number of entries and the last hash (`truncated` when
it, or a checkpoint, reaches further than the chain; `head_mismatch` otherwise). The
first damage ends the check of that organization: what follows a break cannot be trusted.
"""
from __future__ import annotations

from typing import Any, Iterator, Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..contract.integrity import Checkpoint, Damage, OrgVerification
from ..formats.canonical import GENESIS_HASH, canonical_from_texts, chain_hash
from .keys import signature_valid


class ChainChecker:
    """The check of one organization's chain; keeps the first `damage`."""

    def __init__(self, org_id: str, checkpoints: Iterator[Checkpoint],
                 verify_keys: dict[str, Ed25519PublicKey]) -> None:
        self.org_id = org_id
        self.checkpoints = checkpoints
        self.verify_keys = verify_keys
        self.pending: Checkpoint | None = next(checkpoints, None)
        self.expected_seq = 1
        self.prev = GENESIS_HASH
        self.entries = 0
        self.checked_checkpoints = 0
        self.damage: Damage | None = None

    def entry(self, seq: int, entry_id: str, scalars: Sequence[Any], nested_texts: Sequence[str | None],
              stored_hash: str, prev_hash: str) -> bool:
        """Check the next entry; False once the chain is damaged (stop feeding it)."""
        if self.damage is not None:
            return False
        k = self.expected_seq
        if seq != k:
            missing = f"seq {k}" if seq == k + 1 else f"seq {k} to {seq - 1}"
            known = self._checkpoint_at(k)
            self.damage = Damage(
                "missing", f"the entries at {missing} are missing (deleted): the next entry, {entry_id} at seq "
                           f"{seq}, follows hash {prev_hash}",
                seq=k, entry_id=known.entry_id if known else None, expected=self.prev, found=prev_hash)
            return False
        if prev_hash != self.prev:
            self.damage = Damage(
                "broken_link", f"entry {entry_id} at seq {seq} follows hash {prev_hash}, but the entry before it "
                               f"has hash {self.prev} (entries replaced, swapped or reordered)",
                seq=seq, entry_id=entry_id, expected=self.prev, found=prev_hash)
            return False
        computed = chain_hash(canonical_from_texts(scalars, nested_texts), prev_hash)
        if computed != stored_hash:
            self.damage = Damage(
                "altered", f"entry {entry_id} at seq {seq} was edited: its stored fields hash to {computed}, "
                           f"but its entry_hash is {stored_hash}",
                seq=seq, entry_id=entry_id, expected=stored_hash, found=computed)
            return False
        self.entries += 1
        self.prev = stored_hash
        self.expected_seq = k + 1
        while self.pending is not None and self.pending.seq <= seq:
            checkpoint, self.pending = self.pending, next(self.checkpoints, None)
            self.damage = self._check_checkpoint(checkpoint, entry_id, stored_hash)
            if self.damage is not None:
                return False
        return True

    def _checkpoint_at(self, seq: int) -> Checkpoint | None:
        pending = self.pending
        return pending if pending is not None and pending.seq == seq else None

    def _signature_damage(self, checkpoint: Checkpoint) -> Damage | None:
        self.checked_checkpoints += 1
        if not self.verify_keys:
            return None
        key = self.verify_keys.get(checkpoint.key_fingerprint)
        where = dict(seq=checkpoint.seq, entry_id=checkpoint.entry_id)
        if key is None:
            return Damage("unknown_key", f"the checkpoint at seq {checkpoint.seq} was signed by key "
                                         f"{checkpoint.key_fingerprint}, which is not among the verification keys "
                                         f"({', '.join(sorted(self.verify_keys))})",
                          expected=", ".join(sorted(self.verify_keys)), found=checkpoint.key_fingerprint, **where)
        if not signature_valid(key, checkpoint.signature, checkpoint.signed_message()):
            return Damage("bad_signature", f"the signature of the checkpoint at seq {checkpoint.seq} does not "
                                           f"verify with key {checkpoint.key_fingerprint}: the checkpoint was altered",
                          expected=checkpoint.last_hash, found=None, **where)
        return None

    def _check_checkpoint(self, checkpoint: Checkpoint, entry_id: str, entry_hash: str) -> Damage | None:
        damage = self._signature_damage(checkpoint)
        if damage is not None:
            return damage
        if checkpoint.seq != self.expected_seq - 1:  # never: seq runs 1, 2, 3... and a checkpoint's is >= 1
            return Damage("checkpoint_mismatch", f"the checkpoint at seq {checkpoint.seq} is at no entry's position",
                          seq=checkpoint.seq, entry_id=checkpoint.entry_id, expected=checkpoint.last_hash)
        if checkpoint.last_hash != entry_hash or checkpoint.entry_id != entry_id:
            return Damage(
                "checkpoint_mismatch",
                f"the checkpoint signed at seq {checkpoint.seq} names entry {checkpoint.entry_id} with hash "
                f"{checkpoint.last_hash}, but the chain has entry {entry_id} with hash {entry_hash} there: the chain "
                "was rewritten at or before this position",
                seq=checkpoint.seq, entry_id=entry_id, expected=checkpoint.last_hash, found=entry_hash)
        return None

    def finish(self, head: tuple[int, str] | None, *, latest_checkpoint_seq: int | None,
               checkpoints_total: int) -> OrgVerification:
        """Check the chain head (count, last hash; None when it has none) and the
        checkpoints beyond the last entry; the organization's result."""
        if self.damage is None:
            self.damage = self._end_damage(head)
        if checkpoints_total == 0:
            status = "unsigned"
        elif not self.verify_keys:
            status = "unverified"
        else:
            status = "signed"
        return OrgVerification(
            org_id=self.org_id, entries=self.entries, head_count=head[0] if head else None,
            head_hash=head[1] if head else None, checkpoints=self.checked_checkpoints, checkpoint_status=status,
            latest_checkpoint_seq=latest_checkpoint_seq, damage=self.damage)

    def _end_damage(self, head: tuple[int, str] | None) -> Damage | None:
        last = self.expected_seq - 1
        beyond = self.pending  # the first checkpoint past the last entry, if any
        if beyond is not None:
            damage = self._signature_damage(beyond)
            if damage is not None:
                return damage
        head_count = head[0] if head else None
        if (head_count is not None and head_count > last) or beyond is not None:
            if head_count is not None and head_count > last:
                reach, expected = f"the chain head counts {head_count:,}", head[1] if head else None
            else:
                assert beyond is not None
                reach, expected = f"a signed checkpoint is at seq {beyond.seq:,}", beyond.last_hash
            known = beyond if beyond is not None and beyond.seq == last + 1 else None
            return Damage("truncated", f"the newest entries are missing (deleted): the chain ends at seq {last:,} "
                                       f"but {reach}",
                          seq=last + 1, entry_id=known.entry_id if known else None, expected=expected,
                          found=self.prev if last else None)
        if head is None:
            if last == 0:
                return None
            return Damage("head_mismatch", f"the organization has {last:,} entries but no chain head record",
                          seq=last, expected=None, found=self.prev)
        count, last_hash = head
        if count < last:
            return Damage("head_mismatch", f"the chain head counts {count:,} entries, but the chain has {last:,}",
                          seq=count + 1, expected=last_hash, found=self.prev)
        if last_hash != self.prev:
            return Damage("head_mismatch", f"the chain head's last hash is {last_hash}, but the entry at seq "
                                           f"{last:,} has hash {self.prev}",
                          seq=last, expected=last_hash, found=self.prev)
        return None
