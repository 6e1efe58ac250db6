"""Ledger page: the newest actions the signed-in user may see."""
from __future__ import annotations

import streamlit as st

from ledger_core import LedgerError
from pages.shared import current_principal, get_ledger

COLUMNS = ["timestamp", "agent_id", "action_name", "outcome", "risk_level", "cost_usd",
           "duration_ms", "user_id", "org_id", "error_message", "blocked_reason", "run_id", "id"]

st.title("Ledger")
principal = current_principal()
try:
    page = get_ledger().query(principal, page_size=100)
except LedgerError as exc:
    st.error(exc.message)
    st.stop()

st.caption(f"The newest {len(page.items)} of {page.total:,} actions visible to "
           f"{principal.display_name or principal.user_id} ({principal.role.replace('_', ' ')}).")
if page.items:
    frame = page.to_dataframe()[COLUMNS]
    frame["cost_usd"] = frame["cost_usd"].map(str)
    st.dataframe(frame, hide_index=True, width="stretch", key="ledger_table")
else:
    st.info("No actions yet. Load some with `python -m ledger_core demo` or `python -m ledger_core ingest FILE`.")
