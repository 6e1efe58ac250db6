"""Admin page (org admins and superusers): the accounts in the admin's scope (add a user,
set a role, reset a password) and API keys (create, shown once; list; revoke).

`Ledger.admin(principal)` decides what is allowed: an org admin manages only their own
organization and cannot create, promote to or touch a superuser; refusals are shown as
messages and change nothing.
"""
from __future__ import annotations

import streamlit as st

from ledger_core import Forbidden, LedgerError
from ledger_ui import frames, widgets
from ledger_ui.auth import page_principal
from ledger_ui.resources import get_ledger

principal = page_principal()
try:
    admin = get_ledger().admin(principal)
except Forbidden as exc:
    st.title("Admin")
    st.error(exc.message)
    st.stop()
scope = "every organization" if admin.is_superuser else f"the {principal.org_id} organization"
widgets.page_title("Admin", f"Accounts and API keys of {scope}.")
roles = list(admin.grantable_roles())
usernames = [user.id for user in admin.users()]

users_tab, keys_tab = st.tabs([":material/group: Users", ":material/key: API keys"])
with users_tab:
    # One form at a time, chosen here: the page opens on the accounts, with no form filled in.
    action = st.segmented_control("Manage accounts", ["Add a user", "Set a role", "Reset a password"],
                                  key="admin.action")
    form_column, _ = st.columns([1, 1])
    if action == "Add a user":
        with form_column, st.form("admin.add_user", clear_on_submit=True):
            username = st.text_input("Username", help="1-64 lower-case letters, digits, '.', '_' or '-'")
            display_name = st.text_input("Name")
            email = st.text_input("Email")
            role = st.selectbox("Role", roles)
            org_id = (st.text_input("Organization", value=principal.org_id, help="Created if it is new")
                      if admin.is_superuser else principal.org_id)
            password = st.text_input("Password", type="password")
            if st.form_submit_button("Add user", type="primary", key="admin.add_user.submit"):
                try:
                    admin.add_user(username.strip(), role=role, password=password, org_id=org_id.strip(),
                                   display_name=display_name.strip(), email=email.strip())
                except LedgerError as exc:
                    widgets.show_error(exc)
                else:
                    st.success(f"Added {username.strip()} ({role.replace('_', ' ')}, {org_id.strip()}).")
    elif action == "Set a role":
        with form_column, st.form("admin.set_role"):
            target = st.selectbox("User", [name for name in usernames if name != principal.user_id])
            new_role = st.selectbox("New role", roles)
            if st.form_submit_button("Set role", type="primary", key="admin.set_role.submit"):
                try:
                    admin.set_role(target or "", new_role)
                except LedgerError as exc:
                    widgets.show_error(exc)
                else:
                    st.success(f"{target} is now {new_role.replace('_', ' ')}.")
    elif action == "Reset a password":
        with form_column, st.form("admin.set_password", clear_on_submit=True):
            target = st.selectbox("User", usernames)
            first = st.text_input("New password", type="password")
            second = st.text_input("New password again", type="password")
            if st.form_submit_button("Reset password", type="primary", key="admin.set_password.submit"):
                if first != second:
                    st.error("password: the two passwords differ; nothing was changed.")
                else:
                    try:
                        admin.set_password(target or "", first)
                    except LedgerError as exc:
                        widgets.show_error(exc)
                    else:
                        st.success(f"The password of {target} was reset.")
    st.dataframe(frames.users_frame(admin.users()), hide_index=True, width="stretch",
                 column_config=frames.user_columns(), placeholder=frames.EMPTY, key="admin.users")

with keys_tab:
    create, revoke = st.columns(2)
    with create, st.form("admin.create_key", clear_on_submit=True):
        st.markdown("**Create an API key**")
        owner = st.selectbox("For user", usernames,
                             index=usernames.index(principal.user_id) if principal.user_id in usernames else 0)
        name = st.text_input("Name", placeholder="e.g. nightly export")
        if st.form_submit_button("Create key", type="primary", key="admin.create_key.submit"):
            try:
                record, key = admin.create_api_key(owner or "", name.strip() or None)
            except LedgerError as exc:
                widgets.show_error(exc)
            else:
                st.success(f"Key {record.id} created for {record.user_id}. Copy it now: it is shown only once.")
                st.code(key, language=None)
    active = [k for k in admin.api_keys() if k.revoked_at is None]
    with revoke, st.form("admin.revoke_key"):
        st.markdown("**Revoke an API key**")
        choice = st.selectbox("Key", active, format_func=lambda k: f"{k.id} · {k.user_id} · {k.name or 'unnamed'}")
        sure = st.checkbox("Programs using this key stop working at once")
        if st.form_submit_button("Revoke key", key="admin.revoke_key.submit"):
            if choice is None:
                st.error("There is no active key to revoke.")
            elif not sure:
                st.error("Tick the box to confirm; nothing was revoked.")
            elif admin.revoke_api_key(choice.id):
                st.success(f"Key {choice.id} of {choice.user_id} is revoked.")
            else:
                st.error(f"Key {choice.id} was already revoked.")
    keys = admin.api_keys()
    if keys:
        st.dataframe(frames.api_keys_frame(keys), hide_index=True, width="stretch",
                     column_config=frames.api_key_columns(), placeholder=frames.EMPTY, key="admin.keys")
    else:
        st.info("No API keys yet.")
