"""Export downloads: the bytes of `Ledger.export`, built only when a button is clicked.

`export_bytes(...)` returns a callable for `st.download_button(data=...)`: Streamlit runs
it on its own thread when the person clicks, so a page view never builds (nor logs, nor
charges to the export rate limit) a file nobody asked for. The bytes are exactly those of
`Ledger.export` for the same request, which is also what the REST API serves.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Callable

from ledger_core import Principal

from .resources import get_ledger

FORMATS = {
    # format: (button label, media type, file extension)
    "jsonl": ("JSONL", "application/x-ndjson", "jsonl"),
    "json": ("JSON", "application/json", "json"),
    "csv": ("CSV", "text/csv", "csv"),
}
FILTER_ORDER = ("outcome", "action_name", "agent_id")
# Compliance filters in a file name: a short tag before the value ("minrisk-high").
COMPLIANCE_TAGS = {"risk_level": "risk", "min_risk": "minrisk", "data_classification": "class",
                   "decision": "decision", "regulatory_framework": "framework", "pii_detected": "pii"}


def export_bytes(principal: Principal, format: str, limit: int, filters: dict[str, Any]) -> Callable[[], bytes]:
    def build() -> bytes:
        with get_ledger().export(principal, format=format, limit=limit, **filters) as export:
            return b"".join(export)

    return build


def audit_pack_bytes(principal: Principal, limit: int, filters: dict[str, Any]) -> Callable[[], bytes]:
    """The zip of `Ledger.audit_pack` (entries as CSV and JSONL, manifest, README), built on click."""
    def build() -> bytes:
        with get_ledger().audit_pack(principal, limit=limit, **filters) as pack:
            return pack.getvalue()

    return build


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._]+", "-", text).strip("-")


def file_name(principal: Principal, format: str, filters: dict[str, Any], *, total: int, limit: int,
              now: datetime | None = None, extension: str | None = None) -> str:
    """Says what the file holds: whose actions, the filters, the dates, whether it is cut
    at the limit, and when it was made; e.g.
    `ledger-acme-blocked-prod-agent-3-2024-10-01-to-2024-12-31-20261130.csv` or
    `ledger-acme-minrisk-high-2024-10-01-to-2024-12-31-20261130.csv`."""
    scope = {"superuser": "all", "org_admin": principal.org_id}.get(principal.role, principal.user_id)
    parts = ["ledger", scope] + [str(filters[name]) for name in FILTER_ORDER if filters.get(name)]
    parts += [f"{tag}-{filters[name]}" for name, tag in COMPLIANCE_TAGS.items() if filters.get(name)]
    start, end = filters.get("start_date"), filters.get("end_date")
    if start or end:
        parts.append(f"{start or 'start'}-to-{end or 'now'}")
    if total > limit:
        parts.append(f"newest-{limit}-of-{total}")
    parts.append(f"{(now or datetime.now(timezone.utc)):%Y%m%d}")
    return "-".join(_slug(part) for part in parts) + "." + (extension or FORMATS[format][2])


def pack_name(principal: Principal, filters: dict[str, Any], *, total: int, limit: int) -> str:
    """`file_name` of an audit pack: `ledger-acme-minrisk-high-...-20261202.audit-pack.zip`."""
    return file_name(principal, "csv", filters, total=total, limit=limit, extension="audit-pack.zip")


def retry_after(principal: Principal) -> int:
    """0 when the user may export now, else seconds until the export rate limit allows it
    (without spending a call)."""
    limiter = get_ledger().limiter
    return limiter.retry_after(principal.user_id, "export") if limiter is not None else 0
