"""What every page needs first: the cached Ledger (one engine and pool per server process)."""
from __future__ import annotations

import streamlit as st

from ledger_core import Ledger


@st.cache_resource(show_spinner=False)
def get_ledger() -> Ledger:
    """One Ledger (one engine and pool) per server process, at `LEDGER_DATABASE_URL`, its
    schema brought up to date (`Ledger.ensure_schema`)."""
    ledger = Ledger.from_env()
    ledger.ensure_schema()
    return ledger


def reset_caches() -> None:
    """Forget the cached Ledger and every cached result (tests switch databases)."""
    get_ledger.clear()
    st.cache_data.clear()
