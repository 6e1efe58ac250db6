"""Models that document the API's JSON answers in /openapi.json (the wire form).

Answers are written by `ledger_core` (`LedgerPage.to_json`, `LedgerStats.to_json`,
`RunDetail.to_json`...) and sent as they are; these models only describe them. The
schemathesis test checks every answer against them. `cost_usd` of an entry is an exact
decimal written as a JSON number (`0.0123`); totals of stats and runs are exact decimal
strings (`"12.3456"`).
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from ledger_core import ComplianceMetadata, RunSummary


class LedgerEntryOut(BaseModel):
    """One action (SPEC section 2)."""

    id: uuid.UUID = Field(description="Action id; ingest is idempotent on it.")
    run_id: uuid.UUID = Field(description="The parent run.")
    timestamp: datetime = Field(description="When the action happened: ISO 8601 UTC with microseconds and `Z`.")
    action_name: str = Field(description="e.g. `database_query`, `http_request`, `send_email`.")
    agent_id: str = Field(description="e.g. `prod-agent-3`.")
    outcome: Literal["success", "error", "blocked"]
    cost_usd: float = Field(ge=0, description="USD; the exact stored decimal written as a JSON number "
                                               "(`0.0123` stays `0.0123`).")
    duration_ms: int = Field(ge=0)
    risk_level: Literal["low", "medium", "high", "critical"]
    user_id: str = Field(description="Owner of the run.")
    org_id: str = Field(description="Organization of the run's owner.")
    input: Any = Field(default=None, description="Action parameters (any JSON) or null.")
    output: Any = Field(default=None, description="Action result (any JSON) or null.")
    error_message: str | None = Field(default=None, description="Set when outcome is `error`.")
    blocked_reason: str | None = Field(default=None, description="Set when outcome is `blocked`.")
    metadata: dict[str, Any] = Field(description="Free tags: model, tokens, environment...")
    compliance: ComplianceMetadata | None = Field(default=None, description="Enterprise tier; null otherwise.")
    entry_hash: str = Field(description="sha256 of the canonical entry and prev_hash (hex).")
    prev_hash: str = Field(description="The previous entry's hash in the organization's chain (hex).")


class LedgerPageOut(BaseModel):
    """One page of the ledger (SPEC section 3)."""

    items: list[LedgerEntryOut]
    total: int = Field(ge=0, description="Actions matching the filters in the caller's scope.")
    page: int = Field(ge=0)
    page_size: int = Field(ge=1, le=1000)
    total_pages: int = Field(ge=0, description="ceil(total / page_size); 0 when nothing matches.")
    has_more: bool = Field(description="True when a later page holds more actions.")


class RunDetailOut(BaseModel):
    """One run (totals as exact decimal strings) and its actions in order."""

    run: RunSummary
    actions: list[LedgerEntryOut] = Field(description="Timestamp ascending, then id; at most `limit`.")
    truncated: bool = Field(description="True when the run has more actions than `limit`.")


class Refused(BaseModel):
    index: int = Field(ge=0, description="Position of the refused action in the posted array (0-based).")
    reason: str
    conflict: bool = Field(description="True when the action's id is already stored (or sent earlier in the "
                                       "batch) with other content; the stored action is unchanged.")
    fields: list[str] = Field(description="For a conflict with one of your own actions: the fields that differ "
                                          "(empty otherwise).")


class IngestResult(BaseModel):
    """What happened to a posted batch: every action is added, a duplicate or refused."""

    added: int = Field(ge=0)
    duplicates: int = Field(ge=0, description="Actions already in the ledger with the same content (skipped).")
    refused: int = Field(ge=0)
    conflicts: int = Field(ge=0, description="Refused actions whose id is already stored with other content "
                                             "(counted in `refused` too).")
    refusals: list[Refused] = Field(description="One entry per refused action, in array order.")


class TokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1000)


class TokenOut(BaseModel):
    access_token: str = Field(description="A JWT (HS256); send it as `Authorization: Bearer <token>`.")
    token_type: Literal["bearer"]
    expires_in: int = Field(description="Seconds until the token expires.")


class ErrorDetail(BaseModel):
    code: str = Field(description="Machine-readable: invalid_parameter, export_limit_exceeded, invalid_json, "
                                  "unauthenticated, forbidden, not_found, payload_too_large, "
                                  "unsupported_media_type, rate_limited, login_locked...")
    message: str = Field(description="For a person: what is wrong and what to do.")
    field: str | None = Field(description="The parameter at fault, when there is one.")


class ErrorOut(BaseModel):
    """Every error (SPEC section 9)."""

    error: ErrorDetail


class DamageOut(BaseModel):
    """The first broken link of an organization's chain (docs/integrity.md)."""

    kind: Literal["altered", "broken_link", "missing", "truncated", "head_mismatch", "checkpoint_mismatch",
                  "bad_signature", "unknown_key"]
    seq: int | None = Field(description="Where the chain breaks (for missing or truncated: the first missing "
                                        "position).")
    entry_id: str | None = Field(description="The entry there; for a deleted one, known only from a checkpoint.")
    expected: str | None = Field(description="The hash the chain requires there.")
    found: str | None = Field(description="The hash found there.")
    message: str


class OrgVerificationOut(BaseModel):
    """One organization's chain."""

    org_id: str
    ok: bool
    entries: int = Field(ge=0, description="Entries verified (up to the damage, if any).")
    head_count: int | None = Field(description="The chain head's count (null: no chain head).")
    head_hash: str | None
    checkpoints: int = Field(ge=0, description="Signed checkpoints checked.")
    checkpoint_status: Literal["signed", "unverified", "unsigned"] = Field(description=(
        "`signed`: every signature verified; `unverified`: no public key configured on the server; "
        "`unsigned`: no checkpoints (no signing key at ingest)."))
    latest_checkpoint_seq: int | None
    unsigned_entries: int = Field(ge=0, description="Newest entries not yet covered by a checkpoint.")
    damage: DamageOut | None = Field(description="The first damage; null when the chain is intact.")


class VerificationOut(BaseModel):
    """The result of verifying the hash chains in the caller's scope."""

    ok: bool = Field(description="True when every chain is intact.")
    entries: int = Field(ge=0)
    seconds: float = Field(ge=0)
    verify_keys: list[str] = Field(description="Fingerprints of the public keys the signatures were checked with.")
    organizations: list[OrgVerificationOut]
