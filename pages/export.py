"""Export page: the export's filters and limit, the matching count before downloading, a
truncation warning, and JSONL / JSON / CSV downloads whose bytes are `Ledger.export`'s.

Org admins and superusers also see the export log (who exported what, when, how many rows).
"""
from __future__ import annotations

import streamlit as st

from ledger_core import LedgerError
from ledger_ui import data, downloads, frames, widgets
from ledger_ui.auth import page_principal
from ledger_ui.forms import EXPORT_FILTERS, FILTER_LABELS, MAX_EXPORT_LIMIT, compliance_active, conflicts, export_form
from ledger_ui.resources import get_ledger

principal = page_principal()
widgets.page_title("Export", "Download the actions you may see, for an audit or a spreadsheet. "
                             "Each export is recorded in the export log.")
form = export_form()
widgets.url_problems(form.load())
facets = data.facets(principal)
outcome, action, agent = st.columns([1, 1.5, 1.5])
with outcome:
    widgets.outcome_picker(form)
with action:
    widgets.name_picker(form, "action_name", "Action", facets.action_names)
with agent:
    widgets.name_picker(form, "agent_id", "Agent", facets.agent_ids)
dates, limit_column, _ = st.columns([2, 1, 1])
with dates:
    widgets.date_pickers(form)
limit_column.number_input("Limit (rows)", min_value=1, step=1000, key=form.key("limit"),
                          help=f"At most {MAX_EXPORT_LIMIT:,} rows per export; the newest rows come first.")
widgets.compliance_expander(form)
form.save()
filters = form.request(only=EXPORT_FILTERS)
limit = int(form.value("limit"))
if widgets.conflicts(conflicts(filters)):
    st.stop()

try:
    total = data.match_count(principal, filters)
except LedgerError as exc:
    widgets.show_error(exc)
    st.stop()

active = form.active(FILTER_LABELS)
widgets.filter_caption(active)
wait = downloads.retry_after(principal)
blocked = widgets.export_status(total, limit, wait, active, compliance=compliance_active(filters))

buttons = st.columns(3)
for column, (fmt, (label, media_type, _)) in zip(buttons, downloads.FORMATS.items()):
    column.download_button(
        f"Download {label}", data=downloads.export_bytes(principal, fmt, limit, filters),
        file_name=downloads.file_name(principal, fmt, filters, total=total, limit=limit),
        mime=media_type, icon=":material/download:", disabled=blocked, key=f"export.{fmt}",
        type="primary" if fmt == "csv" else "secondary", width="stretch",
    )
st.caption("JSONL: one LedgerEntry per line (the form `python -m ledger_core ingest` reads back). "
           "JSON: one array. CSV: a header row, nested fields as JSON text, formula-safe cells.")
st.download_button(
    "Download an audit pack (zip)", data=downloads.audit_pack_bytes(principal, limit, filters),
    file_name=downloads.pack_name(principal, filters, total=total, limit=limit), mime="application/zip",
    icon=":material/verified:", disabled=blocked, key="export.audit_pack",
    help="The same rows as CSV and JSONL, a manifest with each file's SHA-256 and every entry's chain position "
         "and hash, and a README telling the auditor how to check it (`python -m ledger_core verify --file`).",
)

if principal.role in ("org_admin", "superuser"):
    st.subheader("Export log")
    st.caption("Who exported what, when, and how many rows "
               f"({'every organization' if principal.role == 'superuser' else principal.org_id}).")
    log = get_ledger().export_log(principal, limit=100)
    if log:
        st.dataframe(frames.export_log_frame(log), hide_index=True, width="stretch",
                     column_config=frames.export_log_columns(), placeholder=frames.EMPTY)
    else:
        st.info("No exports yet.")
