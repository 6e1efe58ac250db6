"""Compliance page: `Ledger.compliance` for a period and the compliance filters: counts and
charts by risk level, decision, data classification, PII and regulatory framework, the
actions that need a review, and the riskiest agents and actions.

Every figure and row opens the Ledger page filtered to those actions (the filters in its
URL). Org admins and superusers; the users of an Enterprise-tier organization for their own
actions (navigation registers the page for no one else).
"""
from __future__ import annotations

import streamlit as st

from ledger_core import LedgerError
from ledger_ui import charts, data, downloads, frames, navigation, widgets
from ledger_ui.auth import page_principal
from ledger_ui.forms import (
    EXPORT_FILTERS,
    MAX_EXPORT_LIMIT,
    SUMMARY_FILTERS,
    compliance_active,
    compliance_form,
    conflicts,
    ledger_link,
    riskiest_link,
)

principal = page_principal()
widgets.page_title("Compliance", "Risk, policy decisions, data classification, PII and regulatory frameworks of "
                                 "the actions you may see. Click a bar or a row to open those actions in the ledger.")
form = compliance_form()
widgets.url_problems(form.load())
custom = widgets.period_pickers(form, data.facets(principal))
widgets.compliance_pickers(form)
form.save(exclude=() if custom else ("start_date", "end_date"))
request = form.request(only=SUMMARY_FILTERS)
if widgets.conflicts(conflicts(request)):
    st.stop()

try:
    with st.spinner("Computing the compliance summary…"):
        summary = data.compliance(principal, request)
except LedgerError as exc:
    widgets.show_error(exc)
    st.stop()

active = widgets.period_caption(form, custom)
widgets.filter_caption(active)
if not summary.total_actions:
    widgets.no_results("actions", active, compliance=compliance_active(request))
    st.stop()

widgets.compliance_tiles(summary)
links = st.columns(3)
links[0].page_link(navigation.page("ledger"), label="Open these actions in the Ledger", icon=":material/list_alt:",
                   query_params=ledger_link(request))
links[1].page_link(navigation.page("ledger"), label="Open the high and critical ones",
                   icon=":material/warning:", query_params=riskiest_link(request))
links[2].page_link(navigation.page("export"), label="Export these actions", icon=":material/download:",
                   query_params=ledger_link({k: v for k, v in request.items() if k in EXPORT_FILTERS}))
st.download_button(
    "Audit pack (zip)", data=downloads.audit_pack_bytes(principal, MAX_EXPORT_LIMIT, request),
    file_name=downloads.pack_name(principal, request, total=summary.total_actions, limit=MAX_EXPORT_LIMIT),
    mime="application/zip", icon=":material/verified:", key="compliance.audit_pack",
    help="These actions (the newest 100,000) as CSV and JSONL with a manifest of hashes and chain positions, "
         "for an auditor to check with `python -m ledger_core verify --file`. Recorded in the export log.",
)

bars = {}
left, middle, right = st.columns(3)
bars["risk_level"] = left.plotly_chart(charts.compliance_risk(summary), key="compliance.chart_risk", on_select="rerun",
                                       selection_mode="points")
bars["decision"] = middle.plotly_chart(charts.compliance_decisions(summary), key="compliance.chart_decision",
                                       on_select="rerun", selection_mode="points")
bars["data_classification"] = right.plotly_chart(charts.compliance_classifications(summary),
                                                 key="compliance.chart_classification", on_select="rerun",
                                                 selection_mode="points")
left, right = st.columns([1, 2])
bars["pii_detected"] = left.plotly_chart(charts.compliance_pii(summary), key="compliance.chart_pii", on_select="rerun",
                                         selection_mode="points")
frameworks = right.plotly_chart(charts.compliance_frameworks(summary), key="compliance.chart_frameworks",
                                on_select="rerun", selection_mode="points")

st.subheader(f"Needs review ({summary.needs_review_total:,})")
st.caption("Decision `review` and no reviewer yet, newest first"
           + (f" (the newest {len(summary.needs_review)} shown)" if summary.needs_review_total > len(
               summary.needs_review) else "") + ". Select a row to see the whole entry.")
if summary.needs_review:
    review = st.dataframe(frames.entries_frame(summary.needs_review), hide_index=True, width="stretch",
                          column_config=frames.entry_columns(), placeholder=frames.EMPTY, on_select="rerun",
                          selection_mode="single-row", key=f"compliance.review.{hash(tuple(sorted(request.items())))}")
    st.page_link(navigation.page("ledger"), label="Open every `review` decision in the Ledger (reviewed or not)",
                 icon=":material/rate_review:", query_params=ledger_link(request, decision="review"))
    if review.selection.rows:
        widgets.entry_detail(summary.needs_review[review.selection.rows[0]])
else:
    st.success("Nothing waits for a review.", icon=":material/check_circle:")

riskiest = {}  # column -> (its rows, the table's selection)
for place, (column, label, rows) in zip(st.columns(2), (("agent_id", "Agent", summary.riskiest_agents),
                                                         ("action_name", "Action", summary.riskiest_actions))):
    with place:
        st.subheader(f"Riskiest {label.lower()}s")
        st.caption("By high and critical actions. Select a row to open them in the Ledger.")
        riskiest[column] = rows, st.dataframe(
            frames.risky_frame(rows), hide_index=True, width="stretch", column_config=frames.risky_columns(label),
            placeholder=frames.EMPTY, on_select="rerun", selection_mode="single-row",
            key=f"compliance.table_{label.lower()}s")

# A click opens the Ledger page filtered to what was clicked, within this view.
PII_VALUES = {"detected": "true", "not detected": "false"}
for name, event in bars.items():
    if value := charts.clicked(event, axis="x"):
        value = PII_VALUES[value] if name == "pii_detected" else value
        st.switch_page(navigation.page("ledger"), query_params=ledger_link(request, **{name: value}))
if framework := charts.clicked(frameworks):
    st.switch_page(navigation.page("ledger"), query_params=ledger_link(request, regulatory_framework=framework))
for column, (names, event) in riskiest.items():
    if event.selection.rows:
        st.switch_page(navigation.page("ledger"),
                       query_params=riskiest_link(request, **{column: names[event.selection.rows[0]].name}))
