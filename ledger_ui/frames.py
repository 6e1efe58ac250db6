"""DataFrames and their column configuration, built from the ledger's responses.

The pages show what these return and never compute on frames themselves. Costs are shown
as right-aligned USD numbers (the exact decimal is in the entry's detail and in every
export), timestamps as UTC date-times, outcome and risk as coloured labels, and empty
cells stay empty.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import pandas as pd
import streamlit as st

from ledger_core import ExportLogRecord, LedgerEntry, RiskyName, RunSummary

OUTCOMES = ("success", "error", "blocked")
RISK_LEVELS = ("low", "medium", "high", "critical")
OUTCOME_COLORS = ("green", "red", "orange")
RISK_COLORS = ("gray", "blue", "orange", "red")
COST_FORMAT = "$%.6f"
TIME_FORMAT = "YYYY-MM-DD HH:mm:ss"
EMPTY = ""  # what a missing value shows as

ENTRY_TABLE_COLUMNS = ("timestamp", "agent_id", "action_name", "outcome", "risk_level", "cost_usd",
                       "duration_ms", "user_id", "org_id", "error_message", "blocked_reason", "run_id", "id")


def _time(label: str) -> Any:
    return st.column_config.DatetimeColumn(label, format=TIME_FORMAT, timezone="UTC")


def _cost(label: str, help: str | None = None) -> Any:
    return st.column_config.NumberColumn(label, format=COST_FORMAT, alignment="right", help=help)


def _labels(label: str, options: Sequence[str], colors: Sequence[str], width: str = "small") -> Any:
    return st.column_config.MultiselectColumn(label, options=list(options), color=list(colors), width=width)


def entry_columns() -> dict[str, Any]:
    return {
        "timestamp": _time("Time (UTC)"),
        "agent_id": st.column_config.TextColumn("Agent"),
        "action_name": st.column_config.TextColumn("Action"),
        "outcome": _labels("Outcome", OUTCOMES, OUTCOME_COLORS),
        "risk_level": _labels("Risk", RISK_LEVELS, RISK_COLORS),
        "cost_usd": _cost("Cost (USD)"),
        "duration_ms": st.column_config.NumberColumn("Duration (ms)", format="localized"),
        "user_id": st.column_config.TextColumn("User", width="small"),
        "org_id": st.column_config.TextColumn("Org", width="small"),
        "error_message": st.column_config.TextColumn("Error"),
        "blocked_reason": st.column_config.TextColumn("Blocked reason"),
        "run_id": st.column_config.TextColumn("Run"),
        "id": st.column_config.TextColumn("Action id"),
        "step": st.column_config.NumberColumn("#", width="small"),
    }


def entries_frame(items: Iterable[LedgerEntry], *, step: bool = False) -> pd.DataFrame:
    """One row per entry, in the given order (`step`: a 1-based position column first)."""
    rows = [{
        "timestamp": item.timestamp,
        "agent_id": item.agent_id,
        "action_name": item.action_name,
        "outcome": item.outcome,
        "risk_level": item.risk_level,
        "cost_usd": float(item.cost_usd),
        "duration_ms": item.duration_ms,
        "user_id": item.user_id,
        "org_id": item.org_id,
        "error_message": item.error_message,
        "blocked_reason": item.blocked_reason,
        "run_id": str(item.run_id),
        "id": str(item.id),
    } for item in items]
    frame = pd.DataFrame(rows, columns=list(ENTRY_TABLE_COLUMNS))
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    frame["cost_usd"] = frame["cost_usd"].astype("float64")
    frame["duration_ms"] = frame["duration_ms"].astype("int64")
    if step:
        frame.insert(0, "step", range(1, len(frame) + 1))
    return frame


def entry_facts(entry: LedgerEntry) -> pd.DataFrame:
    """The scalar fields of one entry as (field, value) rows; cost as the exact decimal."""
    facts = [
        ("Action id", str(entry.id)), ("Run", str(entry.run_id)),
        ("Time (UTC)", entry.timestamp.strftime("%Y-%m-%d %H:%M:%S.%f UTC")),
        ("Action", entry.action_name), ("Agent", entry.agent_id), ("Outcome", entry.outcome),
        ("Risk", entry.risk_level), ("Cost (USD)", f"${entry.cost_usd}"),
        ("Duration", f"{entry.duration_ms:,} ms"), ("User", entry.user_id), ("Organization", entry.org_id),
    ]
    return pd.DataFrame(facts, columns=["field", "value"])


def runs_frame(items: Iterable[RunSummary]) -> pd.DataFrame:
    rows = [{
        "started_at": run.started_at, "ended_at": run.ended_at, "agent_id": run.agent_id,
        "user_id": run.user_id, "org_id": run.org_id, "status": run.status, "actions": run.actions,
        "errors": run.errors, "blocked": run.blocked, "total_cost_usd": float(run.total_cost_usd),
        "total_duration_ms": run.total_duration_ms, "id": str(run.id),
    } for run in items]
    columns = ["started_at", "ended_at", "agent_id", "user_id", "org_id", "status", "actions", "errors",
               "blocked", "total_cost_usd", "total_duration_ms", "id"]
    frame = pd.DataFrame(rows, columns=columns)
    for name in ("started_at", "ended_at"):
        frame[name] = pd.to_datetime(frame[name], utc=True)
    return frame


def run_columns() -> dict[str, Any]:
    return {
        "started_at": _time("Started (UTC)"), "ended_at": _time("Ended (UTC)"),
        "agent_id": "Agent", "user_id": "Owner", "org_id": "Org",
        "status": _labels("Status", ("completed", "failed"), ("green", "red"), "medium"),
        "actions": st.column_config.NumberColumn("Actions", format="localized"),
        "errors": st.column_config.NumberColumn("Errors", format="localized"),
        "blocked": st.column_config.NumberColumn("Blocked", format="localized"),
        "total_cost_usd": _cost("Cost (USD)"),
        "total_duration_ms": st.column_config.NumberColumn("Duration (ms)", format="localized"),
        "id": st.column_config.TextColumn("Run id"),
    }


def users_frame(users: Iterable[Any]) -> pd.DataFrame:
    rows = [{"username": u.id, "name": u.display_name, "email": u.email, "org_id": u.org_id, "role": u.role,
             "can_sign_in": bool(u.password_hash)} for u in users]
    return pd.DataFrame(rows, columns=["username", "name", "email", "org_id", "role", "can_sign_in"])


def user_columns() -> dict[str, Any]:
    return {
        "username": "Username", "name": "Name", "email": "Email", "org_id": "Organization",
        "role": _labels("Role", ("user", "org_admin", "superuser"), ("gray", "blue", "violet"), "medium"),
        "can_sign_in": st.column_config.CheckboxColumn("Has a password"),
    }


def api_keys_frame(keys: Iterable[Any]) -> pd.DataFrame:
    rows = [{"id": k.id, "user_id": k.user_id, "name": k.name, "created_at": k.created_at,
             "revoked_at": k.revoked_at, "active": k.revoked_at is None} for k in keys]
    frame = pd.DataFrame(rows, columns=["id", "user_id", "name", "created_at", "revoked_at", "active"])
    for name in ("created_at", "revoked_at"):
        frame[name] = pd.to_datetime(frame[name], utc=True)
    return frame


def api_key_columns() -> dict[str, Any]:
    return {
        "id": "Key id", "user_id": "User", "name": "Name", "created_at": _time("Created (UTC)"),
        "revoked_at": _time("Revoked (UTC)"), "active": st.column_config.CheckboxColumn("Active"),
    }


def export_log_frame(records: Iterable[ExportLogRecord]) -> pd.DataFrame:
    rows = [{
        "started_at": r.started_at, "user_id": r.user_id, "org_id": r.org_id, "format": r.format,
        "filters": ", ".join(f"{k}={v}" for k, v in sorted(r.filters.items())),
        "total_matched": r.total_matched, "rows_written": r.rows_written, "truncated": r.truncated,
        "status": r.status,
    } for r in records]
    columns = ["started_at", "user_id", "org_id", "format", "filters", "total_matched", "rows_written",
               "truncated", "status"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["started_at"] = pd.to_datetime(frame["started_at"], utc=True)
    return frame


def export_log_columns() -> dict[str, Any]:
    return {
        "started_at": _time("When (UTC)"), "user_id": "Who", "org_id": "Org", "format": "Format",
        "filters": st.column_config.TextColumn("Filters", width="large"),
        "total_matched": st.column_config.NumberColumn("Matched", format="localized"),
        "rows_written": st.column_config.NumberColumn("Rows written", format="localized"),
        "truncated": st.column_config.CheckboxColumn("Truncated"),
        "status": _labels("Status", ("started", "completed", "aborted", "failed"),
                          ("blue", "green", "orange", "red"), "medium"),
    }


def risky_frame(items: Iterable[RiskyName]) -> pd.DataFrame:
    """The riskiest agents or actions: high, critical and all their actions."""
    rows = [{"name": r.name, "high": r.high, "critical": r.critical, "total": r.total} for r in items]
    return pd.DataFrame(rows, columns=["name", "high", "critical", "total"])


def risky_columns(label: str) -> dict[str, Any]:
    return {
        "name": st.column_config.TextColumn(label),
        "high": st.column_config.NumberColumn("High", format="localized"),
        "critical": st.column_config.NumberColumn("Critical", format="localized"),
        "total": st.column_config.NumberColumn("All actions", format="localized"),
    }
