"""Ledger page (the landing page): every action in scope, filtered, searched, sorted and paged.

Widgets and URL -> `Ledger.query` (cached per user and request) -> table, pager and the
selected entry in full. The filters live in the URL: a copied URL reproduces the view.
"""
from __future__ import annotations

import streamlit as st

from ledger_core import LedgerError
from ledger_ui import data, frames, navigation, widgets
from ledger_ui.auth import page_principal
from ledger_ui.forms import (
    EXPORT_FILTERS,
    FILTER_LABELS,
    SORT_KEYS,
    SORT_ORDERS,
    compliance_active,
    conflicts,
    ledger_form,
)

SORT_LABELS = {"timestamp": "Time", "cost": "Cost", "duration": "Duration", "name": "Action name"}
ORDER_LABELS = {"desc": "Descending", "asc": "Ascending"}
PAGE_SIZES = [25, 50, 100, 250, 500, 1000]

principal = page_principal()
widgets.page_title("Ledger", "Every action your agents took, across all runs. The filters are part of the "
                             "page's URL: copy it to share this view.")
form = ledger_form()
widgets.url_problems(form.load())
facets = data.facets(principal)

search, outcome, action, agent = st.columns([2, 1, 1.5, 1.5])
search.text_input("Search", key=form.key("search"), placeholder="action, agent or outcome contains…")
with outcome:
    widgets.outcome_picker(form)
with action:
    widgets.name_picker(form, "action_name", "Action", facets.action_names)
with agent:
    widgets.name_picker(form, "agent_id", "Agent", facets.agent_ids)
dates, low, high, run = st.columns([2, 1, 1, 2])
with dates:
    widgets.date_pickers(form)
low.number_input("Min cost (USD)", min_value=0.0, value=None, step=0.01, format="%.4f", key=form.key("min_cost"))
high.number_input("Max cost (USD)", min_value=0.0, value=None, step=0.01, format="%.4f", key=form.key("max_cost"))
run.text_input("Run id", key=form.key("run_id"), placeholder="a run's UUID")
widgets.compliance_expander(form)

summary, sort_by, sort_order, size = st.columns([3, 1, 1, 1], vertical_alignment="bottom")
sort_by.selectbox("Sort by", SORT_KEYS, key=form.key("sort_by"), format_func=SORT_LABELS.get)
sort_order.selectbox("Order", SORT_ORDERS, key=form.key("sort_order"), format_func=ORDER_LABELS.get)
sizes = sorted({*PAGE_SIZES, int(form.value("page_size"))})
size.selectbox("Rows per page", sizes, key=form.key("page_size"))
if form.changed_since_last_run():
    form.set("page", 0)
form.save()
if widgets.conflicts(conflicts(form.request())):
    st.stop()

try:
    result = data.query(principal, form.request())
except LedgerError as exc:
    widgets.show_error(exc)
    st.stop()

active = form.active(FILTER_LABELS)
with summary:
    page_text = f" · page {result.page + 1:,} of {result.total_pages:,}" if result.total_pages else ""
    st.markdown(f"**{result.total:,} action{'s' if result.total != 1 else ''}**{page_text}")
    widgets.filter_caption(active)

if not result.total:
    widgets.no_results("actions", active, compliance=compliance_active(form.request()))
    st.stop()
if not result.items:
    st.info(f"Page {result.page + 1:,} is past the end: there are {result.total_pages:,} pages.")
else:
    event = st.dataframe(
        frames.entries_frame(result.items), hide_index=True, width="stretch", height=420,
        column_config=frames.entry_columns(), placeholder=frames.EMPTY,
        on_select="rerun", selection_mode="single-row",
        key=f"ledger.table.{hash(tuple(sorted(form.request().items())))}",
    )
    st.caption("Select a row to see the whole entry.")
widgets.pager(form, result.total_pages)
st.page_link(navigation.page("export"), label="Export these actions", icon=":material/download:",
             query_params=form.request(only=EXPORT_FILTERS))
selected = event.selection.rows if result.items else []
if selected:
    widgets.entry_detail(result.items[selected[0]])
