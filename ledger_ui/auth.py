"""Signing in and out of the browser app (SPEC section 6).

The session is streamlit-authenticator's: after a sign-in it writes a cookie holding a
JWT signed with the cookie key from secrets (`LEDGER_COOKIE_KEY` or `ledger_cookie_key`),
and every new browser session (a reload, a new tab) signs in again from that cookie until
it expires (`COOKIE_EXPIRY_DAYS`) or the user logs out, which deletes it.

The password check is the ledger's own (`Ledger.authenticate`), not the library's form:
the ledger counts failed logins per username in the database and refuses a username for
15 minutes after 10 failures in 15 minutes, whatever the password, with known and unknown
usernames taking the same time to refuse. The library's form keeps its counter in memory
and cannot refuse a locked username whose password is right.

Two traps measured in a real browser (the browser tests guard them):
- no `st.rerun()` right after a sign-in or a log-out: the cookie component must render
  in that run to write or delete the cookie; its callback reruns the app by itself;
- the log-out button's key is never `"logout"`, the library's own session-state key.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

import streamlit as st
import streamlit_authenticator as stauth

from ledger_core import Ledger, LedgerError, LoginLocked, Principal, UnknownPrincipal, secret

from .navigation import leave_pages_folder_mode

COOKIE_NAME = "ledger_session"
COOKIE_EXPIRY_DAYS = 1.0
LOGOUT_KEY = "logout_button"
PRINCIPAL_KEY = "principal"
SIGNED_OUT_KEY = "signed_out"
ROLE_LABELS = {"user": "user", "org_admin": "org admin", "superuser": "superuser"}
_AUTH_STATE = ("authentication_status", "username", "name", "email", "roles")


def authenticator_credentials(users: Iterable[Any]) -> dict[str, Any]:
    """The credentials mapping streamlit-authenticator takes, from `Ledger.users()` records:
    bcrypt hashes (never plain text) and roles; accounts without a password are left out."""
    return {
        "usernames": {
            user.id: {
                "email": user.email,
                "first_name": user.display_name,
                "last_name": "",
                "name": user.display_name or user.id,
                "password": user.password_hash,
                "roles": [user.role],
            }
            for user in users
            if user.password_hash
        }
    }


def cookie_key() -> str | None:
    return secret("ledger_cookie_key")


def build_authenticator(ledger: Ledger, key: str) -> stauth.Authenticate:
    """The library's authenticator over the current accounts (built on every run, so an
    account added on the Admin page can sign in at once)."""
    return stauth.Authenticate(
        authenticator_credentials(ledger.users()),
        cookie_name=COOKIE_NAME,
        cookie_key=key,
        cookie_expiry_days=COOKIE_EXPIRY_DAYS,
        auto_hash=False,
        # The library waits this long before reading the cookie; it reads the request's
        # cookies (st.context.cookies), which are there from the start.
        login_sleep_time=0,
    )


def _forget_session() -> None:
    for name in _AUTH_STATE:
        st.session_state[name] = None
    st.session_state.pop(PRINCIPAL_KEY, None)


def handle_logout(authenticator: stauth.Authenticate) -> None:
    """Log out if the sidebar's button was clicked (read before the button is drawn, so the
    signed-out run shows only the login form); the library deletes the cookie."""
    if st.session_state.get("authentication_status") and st.session_state.get(LOGOUT_KEY):
        authenticator.logout(location="unrendered")
        _forget_session()
        st.session_state[SIGNED_OUT_KEY] = True


def restore_session(authenticator: stauth.Authenticate) -> None:
    """Sign in from the session cookie when this browser session brought a valid one."""
    if st.session_state.get("authentication_status"):
        return
    try:
        authenticator.login(location="unrendered")
    except stauth.LoginError:  # the cookie names an account that can no longer sign in
        _forget_session()


def signed_in_principal(ledger: Ledger) -> Principal | None:
    """The signed-in user's principal, read from the database on every run (a role change
    applies at once), kept in session state for the page; None when nobody is signed in."""
    username = st.session_state.get("username")
    if not st.session_state.get("authentication_status") or not username:
        st.session_state.pop(PRINCIPAL_KEY, None)
        return None
    try:
        principal = ledger.principal(username)
    except LedgerError:
        _forget_session()
        return None
    st.session_state[PRINCIPAL_KEY] = principal
    return principal


def sign_in(ledger: Ledger, authenticator: stauth.Authenticate, username: str, password: str) -> bool:
    """Check the password with the ledger (failures counted, locked usernames refused) and,
    when it is right, start the session and write the cookie. Shows why when it is not."""
    username = (username or "").strip().lower()
    if not username or not password:
        st.error("Enter your username and password.")
        return False
    try:
        principal = ledger.authenticate(username, password)
    except LoginLocked as exc:
        st.error(exc.message)
        return False
    except UnknownPrincipal:
        st.error("Username or password is incorrect.")
        return False
    st.session_state.update({
        "authentication_status": True,
        "username": principal.user_id,
        "name": principal.display_name or principal.user_id,
        "roles": [principal.role],
        SIGNED_OUT_KEY: False,
    })
    # Renders the cookie component; no st.rerun() here (see the module docstring).
    authenticator.cookie_controller.set_cookie()
    return True


def login_page_factory(ledger: Ledger, authenticator: stauth.Authenticate) -> Callable[[], None]:
    """The login page: the only thing that exists before sign-in, at every page URL."""

    def login() -> None:
        left, middle, right = st.columns([1, 1.8, 1])
        with middle:
            st.title(":material/receipt_long: Agent Activity Ledger")
            st.caption("The audit trail of everything your AI agents do. Sign in to browse, "
                       "chart and export the actions you may see.")
            if st.session_state.get(SIGNED_OUT_KEY):
                st.info("You have logged out.")
            with st.form("login_form"):
                username = st.text_input("Username", key="login_username", autocomplete="username")
                password = st.text_input("Password", type="password", key="login_password",
                                         autocomplete="current-password")
                submitted = st.form_submit_button("Log in", type="primary", width="stretch")
            if submitted and sign_in(ledger, authenticator, username, password):
                st.success("Signed in. Opening the ledger…")

    return login


def sidebar_identity(principal: Principal) -> None:
    """Who is signed in (name, role, organization) and the log-out button, in the sidebar."""
    with st.sidebar:
        name = principal.display_name or principal.user_id
        st.markdown(f"**{name}**  \n`{principal.user_id}` · {ROLE_LABELS.get(principal.role, principal.role)} "
                    f"· {principal.org_id}")
        st.button("Log out", key=LOGOUT_KEY, icon=":material/logout:")


def page_principal() -> Principal:
    """The signed-in principal for a page (app.py put it in session state this run).

    Only a run that did not go through app.py finds none: a fresh server's first run
    when the URL names a page (`navigation.leave_pages_folder_mode`), sent through app.py
    and its login gate again; otherwise the page shows nothing.
    """
    principal = st.session_state.get(PRINCIPAL_KEY)
    if st.session_state.get("authentication_status") and isinstance(principal, Principal):
        return principal
    leave_pages_folder_mode()
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises
