"""Runs page: one run at a time (found by id, picked from the recent runs, or opened from an
entry), with its owner, agent, start, end, status, totals, and its actions in order as a
timeline and a table."""
from __future__ import annotations

import streamlit as st

from ledger_core import LedgerError
from ledger_ui import charts, data, frames, widgets
from ledger_ui.auth import page_principal
from ledger_ui.forms import runs_form

principal = page_principal()
widgets.page_title("Runs", "The hierarchical view: a run and its actions, in order. Paste a run id, "
                           "pick a recent run, or open one from an entry on the Ledger page.")
form = runs_form()
widgets.url_problems(form.load())
facets = data.facets(principal)
find, agent = st.columns([2, 1])
find.text_input("Run id", key=form.key("run_id"), placeholder="a run's UUID")
with agent:
    widgets.name_picker(form, "agent_id", "Agent (recent runs)", facets.agent_ids)
form.save()

run_id = (form.value("run_id") or "").strip()
if run_id:
    try:
        detail = data.run(principal, run_id)
    except LedgerError as exc:
        widgets.show_error(exc)
    else:
        widgets.run_summary(detail)
        if detail.actions:
            st.plotly_chart(charts.run_timeline(detail), key="runs.timeline")
            if detail.truncated:
                st.warning(f"This run has more actions than shown: the first {len(detail.actions):,}.")
            event = st.dataframe(frames.entries_frame(detail.actions, step=True), hide_index=True,
                                 width="stretch", column_config=frames.entry_columns(),
                                 placeholder=frames.EMPTY, on_select="rerun", selection_mode="single-row",
                                 key=f"runs.actions.{run_id}")
            if event.selection.rows:
                widgets.entry_detail(detail.actions[event.selection.rows[0]], run_link=False)
            else:
                st.caption("Select an action to see it in full.")
        else:
            st.info("This run has no actions you may see.")
    st.divider()

st.subheader("Recent runs")
try:
    recent = data.runs(principal, form.request(only=("agent_id",)))
except LedgerError as exc:
    widgets.show_error(exc)
    st.stop()
if not recent.items:
    widgets.no_results("runs", form.active({"agent_id": "agent"}))
    st.stop()
ids = [str(item.id) for item in recent.items]
st.caption(f"The newest {len(ids)} of {recent.total:,} runs. Select one to open it.")
event = st.dataframe(frames.runs_frame(recent.items), hide_index=True, width="stretch",
                     column_config=frames.run_columns(), placeholder=frames.EMPTY,
                     on_select="rerun", selection_mode="single-row", key="runs.recent")
picked = ids[event.selection.rows[0]] if event.selection.rows else None
if picked is None:
    st.session_state.pop("runs.picked", None)
elif picked != st.session_state.get("runs.picked"):
    st.session_state["runs.picked"] = picked  # act once per pick: a typed run id wins afterwards
    st.query_params["run_id"] = picked  # the URL names the run; the form reads it on the rerun
    st.rerun()
