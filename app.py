"""Streamlit entry point: page config, login gate, navigation by role. Pages live in pages/."""
from __future__ import annotations

import streamlit as st

from ledger_ui import auth, data, navigation
from ledger_ui.resources import get_ledger
from ledger_ui.widgets import app_style

navigation.leave_pages_folder_mode()
st.set_page_config(page_title="Agent Activity Ledger", page_icon=":material/receipt_long:", layout="wide")
app_style()

cookie_key = auth.cookie_key()
if not cookie_key:
    st.error("No cookie key is configured: set LEDGER_COOKIE_KEY, or `ledger_cookie_key` in "
             ".streamlit/secrets.toml (see README.md).")
    st.stop()

ledger = get_ledger()
authenticator = auth.build_authenticator(ledger, cookie_key)
auth.handle_logout(authenticator)
auth.restore_session(authenticator)
principal = auth.signed_in_principal(ledger)

if principal is None:
    login = auth.login_page_factory(ledger, authenticator)
    st.navigation(navigation.logged_out_pages(login), position="hidden").run()
    st.stop()

auth.sidebar_identity(principal)
grants = ["compliance"] if data.may_see_compliance(principal) else []
st.navigation(navigation.signed_in_pages(principal, grants)).run()
