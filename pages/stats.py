"""Stats page: KPI tiles and charts of `Ledger.stats_view` over a date range, an agent and the
risk and compliance filters (SPEC section 3b).

Clicking a bar of an agent or an action opens the Ledger page filtered to it (and to the
same dates and risk and compliance filters).
"""
from __future__ import annotations

import streamlit as st

from ledger_core import LedgerError
from ledger_ui import charts, data, navigation, widgets
from ledger_ui.auth import page_principal
from ledger_ui.forms import SUMMARY_FILTERS, compliance_active, conflicts, ledger_link, stats_form

principal = page_principal()
widgets.page_title("Stats", "Volumes, outcomes, cost and durations of the actions you may see. "
                            "Click an agent's or an action's bar to open its actions in the ledger.")
form = stats_form()
widgets.url_problems(form.load())
custom = widgets.period_pickers(form, data.facets(principal))
widgets.compliance_expander(form)
form.save(exclude=() if custom else ("start_date", "end_date"))
request = form.request(only=SUMMARY_FILTERS)
if widgets.conflicts(conflicts(request)):
    st.stop()

try:
    with st.spinner("Computing the statistics…"):
        view = data.stats_view(principal, request)
except LedgerError as exc:
    widgets.show_error(exc)
    st.stop()
stats = view.stats

active = widgets.period_caption(form, custom)
widgets.filter_caption(active)
if not stats.total_actions:
    widgets.no_results("actions", active, compliance=compliance_active(request))
    st.stop()

widgets.kpi_tiles(stats)
st.plotly_chart(charts.daily_outcomes(stats), key="stats.daily_outcomes")
left, right = st.columns(2)
left.plotly_chart(charts.daily_cost(stats), key="stats.daily_cost")
by_agent = right.plotly_chart(charts.cost_by_agent(stats), key="stats.cost_by_agent", on_select="rerun",
                              selection_mode="points")
left, right = st.columns(2)
by_cost = left.plotly_chart(charts.top_actions_by_cost(stats), key="stats.top_by_cost", on_select="rerun",
                            selection_mode="points")
by_count = right.plotly_chart(charts.top_actions_by_count(stats), key="stats.top_by_count", on_select="rerun",
                              selection_mode="points")
left, right = st.columns(2)
left.plotly_chart(charts.risk_levels(stats), key="stats.risk")
right.plotly_chart(charts.durations(view.durations), key="stats.durations")

if agent_id := charts.clicked(by_agent):
    st.switch_page(navigation.page("ledger"), query_params=ledger_link(request, agent_id=agent_id))
for event in (by_cost, by_count):
    if action_name := charts.clicked(event):
        st.switch_page(navigation.page("ledger"), query_params=ledger_link(request, action_name=action_name))
