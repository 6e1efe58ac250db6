"""Verification results as text for a person (the command line's report)."""
from __future__ import annotations

from ..contract.integrity import DAMAGE_KINDS, FileVerification, LedgerVerification, OrgVerification


def _checkpoint_line(org: OrgVerification) -> str:
    if org.checkpoint_status == "unsigned":
        return "checkpoints: none, UNSIGNED (no signing key was configured at ingest: LEDGER_SIGNING_KEY)"
    latest = f"latest at seq {org.latest_checkpoint_seq:,}" if org.latest_checkpoint_seq else "none"
    tail = f"; the newest {org.unsigned_entries:,} entries are not signed yet" if org.unsigned_entries else ""
    if not org.ok:
        return f"checkpoints: {org.checkpoints:,} checked up to the damage ({latest})"
    if org.checkpoint_status == "unverified":
        return (f"checkpoints: {org.checkpoints:,} checked against the chain, signatures NOT verified "
                f"(no public key configured: LEDGER_VERIFY_KEY) ({latest}{tail})")
    return f"checkpoints: {org.checkpoints:,} signatures verified ({latest}{tail})"


def ledger_report(result: LedgerVerification) -> list[str]:
    """The report of `Ledger.verify`: one block per organization, then a summary."""
    lines = []
    for org in result.organizations:
        status = "OK" if org.ok else "DAMAGED"
        lines.append(f"{org.org_id}: {status}, {org.entries:,} entries verified "
                     f"(chain head: {'none' if org.head_count is None else f'{org.head_count:,} entries'})")
        damage = org.damage
        if damage is not None:
            lines.append(f"  first broken link: {damage.kind} ({DAMAGE_KINDS[damage.kind]})")
            lines.append(f"    seq:      {damage.seq if damage.seq is not None else '-'}")
            lines.append(f"    entry id: {damage.entry_id or 'unknown (not in the database)'}")
            lines.append(f"    expected: {damage.expected or '-'}")
            lines.append(f"    found:    {damage.found or '-'}")
            lines.append(f"    {damage.message}")
        lines.append(f"  {_checkpoint_line(org)}")
    damaged = result.damaged
    keys = ", ".join(result.verify_keys) if result.verify_keys else "none configured"
    lines.append(f"verified {result.entries:,} entries of {len(result.organizations)} organization(s) in "
                 f"{result.seconds:.1f} s; public keys: {keys}")
    if damaged:
        lines.append(f"DAMAGED: {', '.join(org.org_id for org in damaged)}")
    else:
        lines.append("every chain is intact")
    return lines


def file_report(result: FileVerification, name: str) -> list[str]:
    """The report of `verify --file`."""
    lines = [str(problem) for problem in result.problems]
    if result.omitted:
        lines.append(f"... and {result.omitted:,} more problems")
    for chain in result.chains:
        pieces = "one contiguous piece" if chain.segments == 1 else f"{chain.segments:,} pieces"
        start = "from the organization's first entry" if chain.starts_at_genesis else \
            f"following hash {chain.oldest_prev_hash}"
        lines.append(f"{chain.org_id}: {chain.lines:,} lines, {pieces} of its chain, {start}; "
                     f"newest hash {chain.newest_hash}")
    if result.gaps:
        lines.append(f"{result.gaps:,} gaps between pieces allowed (--allow-gaps): lines missing there cannot be "
                     "told from lines the export's filters left out")
    verdict = "intact" if result.ok else f"NOT intact: {len(result.problems) + result.omitted:,} problem(s)"
    lines.append(f"{name}: {result.lines:,} lines checked, {verdict}")
    return lines
