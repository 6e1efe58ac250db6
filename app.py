"""Streamlit entry point: page config, login gate, navigation by role."""
from __future__ import annotations

import streamlit as st
import streamlit_authenticator as stauth

from ledger_core.access.accounts import authenticator_credentials
from ledger_core.config import secret
from pages.shared import get_ledger

st.set_page_config(page_title="Agent Activity Ledger", page_icon=":ledger:", layout="wide")

cookie_key = secret("ledger_cookie_key")
if not cookie_key:
    st.error("No cookie key is configured. Set LEDGER_COOKIE_KEY or `ledger_cookie_key` in "
             ".streamlit/secrets.toml (see README.md).")
    st.stop()

ledger = get_ledger()
authenticator = stauth.Authenticate(
    authenticator_credentials(ledger.users()),
    cookie_name="ledger_session",
    cookie_key=cookie_key,
    cookie_expiry_days=1,
    auto_hash=False,
    login_sleep_time=float(secret("ledger_login_sleep_time") or 0.7),
)


def login_page() -> None:
    st.title("Agent Activity Ledger")
    try:
        authenticator.login(location="main", max_login_attempts=10, key="login")
    except Exception as exc:  # the library raises on locked-out users and bad state
        st.error(str(exc))
    status = st.session_state.get("authentication_status")
    if status:
        st.rerun()
    if status is False:
        st.error("Username or password is incorrect.")


if not st.session_state.get("authentication_status"):
    st.navigation([st.Page(login_page, title="Login")], position="hidden").run()
    st.stop()

with st.sidebar:
    st.markdown(f"**{st.session_state.get('name') or st.session_state.get('username')}**")
    authenticator.logout("Log out", location="sidebar", key="logout")

pages = [st.Page("pages/ledger.py", title="Ledger", icon=":material/list:", default=True)]
st.navigation(pages).run()
