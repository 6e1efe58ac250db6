"""What every page needs: the cached ledger and the signed-in principal."""
from __future__ import annotations

import streamlit as st

from ledger_core import Ledger, LedgerError, Principal


@st.cache_resource
def get_ledger() -> Ledger:
    """One Ledger (one engine and pool) per server process."""
    return Ledger.from_env()


def current_principal() -> Principal:
    """The signed-in user's principal, read from the database (role changes apply at once)."""
    username = st.session_state.get("username")
    if not st.session_state.get("authentication_status") or not username:
        st.stop()
    try:
        return get_ledger().principal(username)
    except LedgerError as exc:
        st.error(f"{exc.message}. Log out and sign in again.")
        st.stop()
