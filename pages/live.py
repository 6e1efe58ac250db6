"""Live page: the newest actions in scope, refreshed every few seconds by a fragment (only
the table reruns), with an outcome filter. Each refresh is one query of the user's query
budget (SPEC section 6), so a paused page spends nothing."""
from __future__ import annotations

from datetime import datetime, timezone

import streamlit as st

from ledger_core import LedgerError
from ledger_ui import frames, widgets
from ledger_ui.auth import page_principal
from ledger_ui.forms import live_form
from ledger_ui.resources import get_ledger

REFRESH_SECONDS = 4
ROWS = 50

principal = page_principal()
widgets.page_title("Live", f"The newest {ROWS} actions you may see, refreshed every {REFRESH_SECONDS} seconds: "
                           "new actions appear without touching the page.")
form = live_form()
widgets.url_problems(form.load())
outcome, toggle, _ = st.columns([1, 1, 2], vertical_alignment="bottom")
with outcome:
    widgets.outcome_picker(form)
live = toggle.toggle("Live updates", value=True, key="live.on",
                     help="Pause to stop refreshing (each refresh counts towards your hourly query budget).")
form.save()
request = {**form.request(), "page_size": ROWS}


@st.fragment(run_every=REFRESH_SECONDS if live else None)
def newest() -> None:
    try:
        page = get_ledger().query(principal, **request)
    except LedgerError as exc:
        widgets.show_error(exc)
        return
    state = "live" if live else "paused"
    st.caption(f"{page.total:,} actions in total · {state}, last updated "
               f"{datetime.now(timezone.utc):%H:%M:%S} UTC")
    if page.items:
        st.dataframe(frames.entries_frame(page.items), hide_index=True, width="stretch", height=600,
                     column_config=frames.entry_columns(), placeholder=frames.EMPTY, key="live.table")
    else:
        widgets.no_results("actions", form.active({"outcome": "outcome"}))


newest()
