"""AppTest of the app and every page in a signed-in state: what they show, for whom,
from which URL, and what they refuse (tests/ui/test_browser.py covers the real browser)."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime, timedelta, timezone

import pytest
from streamlit.testing.v1 import AppTest

from ledger_core import LedgerError
from ledger_ui import navigation, widgets
from tests.ui.helpers import APP, app, metric, password, run_id, select_row, table, texts


# --- before and at sign-in -----------------------------------------------------------

def test_only_the_login_form_exists_before_login(ui_ledger):  # type: ignore[no-untyped-def]
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["outcome"] = "error"
    at.run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert len(at.dataframe) == 0 and len(at.sidebar.button) == 0
    with pytest.raises(ValueError):  # no page but the login page is registered
        at.switch_page(navigation.page("ledger"))


def log_in(username: str, typed_password: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(typed_password)
    return at.button[0].click().run()


def test_wrong_password_is_refused_and_right_one_signs_in(ui_ledger):  # type: ignore[no-untyped-def]
    at = log_in("alice", "not-her-password")
    assert texts(at, "error") == ["Username or password is incorrect."]
    assert len(at.dataframe) == 0
    at = log_in("alice", password("alice"))
    assert any("Signed in" in s for s in texts(at, "success"))
    at.run()  # in a browser the cookie component's callback runs the app again
    assert not at.exception
    assert set(table(at)["user_id"]) == {"alice"}
    assert "Alice Anderson" in at.sidebar.markdown[0].value


def test_ten_failures_lock_the_username_even_for_the_right_password(ui_ledger):  # type: ignore[no-untyped-def]
    for _ in range(10):
        log_in("carol", "guess")
    at = log_in("carol", password("carol"))
    assert len(at.error) == 1 and "locked" in at.error[0].value
    assert len(at.dataframe) == 0
    assert ui_ledger.login_retry_after("carol") > 0


# --- navigation by role --------------------------------------------------------------

def test_admin_is_not_registered_for_a_plain_user(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("alice")
    with pytest.raises(ValueError):
        at.switch_page(navigation.page("admin"))
    for page in ("stats", "export", "runs", "live"):
        at.switch_page(navigation.page(page)).run()
        assert not at.exception, page
    admin = app("bob", page="admin")
    assert not admin.exception and admin.title[0].value == "Admin"


def test_sidebar_names_user_role_and_organization(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("bob")
    assert at.sidebar.markdown[0].value == "**Bob Brown**  \n`bob` · org admin · acme"
    assert [b.label for b in at.sidebar.button] == ["Log out"]


def test_log_out_returns_to_the_login_form(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("alice")
    at.sidebar.button(key="logout_button").click().run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert at.session_state["authentication_status"] is None
    assert len(at.dataframe) == 0


# --- ledger page ---------------------------------------------------------------------

def test_outcome_error_shows_only_error_rows_and_the_right_total(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("alice")
    at.selectbox(key="ledger.outcome").select("error").run()
    frame = table(at)
    expected = ui_ledger.query(ui_ledger.principal("alice"), outcome="error")
    assert expected.total == 3
    assert list(frame["outcome"]) == ["error"] * 3
    assert list(frame["id"]) == [str(item.id) for item in expected.items]
    assert "**3 actions** · page 1 of 1" in texts(at, "markdown")
    assert at.query_params["outcome"] == "error"


def test_a_plain_users_pickers_and_table_hold_only_their_data(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("alice")
    actions = at.selectbox(key="ledger.action_name").options
    agents = at.selectbox(key="ledger.agent_id").options
    assert actions == ["Any", "database_query", "send_email"]
    assert agents == ["Any", "alice-bot", "prod-agent-3"]
    at.text_input(key="ledger.search").input("http").run()  # carol's action name
    assert len(at.dataframe) == 0
    assert any("No actions match" in s for s in texts(at, "info"))
    bob = app("bob")
    assert "http_request" in bob.selectbox(key="ledger.action_name").options
    assert "globex_report" not in bob.selectbox(key="ledger.action_name").options
    assert set(table(bob)["org_id"]) == {"acme"}


def test_url_parameters_restore_the_filters(ui_ledger):  # type: ignore[no-untyped-def]
    params = {"outcome": "success", "agent_id": "prod-agent-3", "start_date": "2025-01-01",
              "end_date": "2025-01-01", "min_cost": "0.02", "sort_by": "cost", "sort_order": "asc",
              "page_size": "1", "page": "1"}
    at = app("alice", query_params=params)
    assert not at.exception and not at.warning
    assert at.selectbox(key="ledger.outcome").value == "success"
    assert at.selectbox(key="ledger.agent_id").value == "prod-agent-3"
    assert at.date_input(key="ledger.start_date").value == date(2025, 1, 1)
    assert at.number_input(key="ledger.min_cost").value == 0.02
    assert at.selectbox(key="ledger.sort_by").value == "cost"
    assert at.selectbox(key="ledger.page_size").value == 1
    expected = ui_ledger.query(ui_ledger.principal("alice"), **params)
    assert list(table(at)["id"]) == [str(item.id) for item in expected.items]
    assert f"**{expected.total} actions** · page 2 of {expected.total_pages}" in texts(at, "markdown")
    assert {k: at.query_params[k] for k in params} == params  # the URL still says the same


def test_changing_a_filter_goes_back_to_the_first_page(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("alice", query_params={"page_size": "3"})
    at.button(key="ledger.next").click().run()
    assert at.query_params["page"] == "1"
    first_of_page_two = table(at)["id"][0]
    assert first_of_page_two == str(ui_ledger.query(ui_ledger.principal("alice"), page=1, page_size=3).items[0].id)
    at.selectbox(key="ledger.outcome").select("success").run()
    assert "page" not in at.query_params
    assert "**6 actions** · page 1 of 2" in texts(at, "markdown")


def test_end_date_before_start_date_names_the_field(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("alice")
    at.date_input(key="ledger.start_date").set_value(date(2025, 1, 5))
    at.date_input(key="ledger.end_date").set_value(date(2025, 1, 1)).run()
    assert not at.exception
    assert texts(at, "error") == ["start_date: must not be after end_date"]
    assert len(at.dataframe) == 0


def test_bad_url_values_are_named_and_ignored(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("alice", query_params={"outcome": "bogus", "run_id": "not-a-uuid", "page_size": "5000"})
    assert not at.exception
    warnings = " ".join(texts(at, "warning"))
    assert "outcome: 'bogus' is not one of success, error, blocked" in warnings
    assert "page_size" in warnings
    assert "run_id" in warnings and "not a valid UUID" in warnings
    assert len(table(at)) == 10  # the rest of the view still works


def test_a_rate_limit_refusal_says_when_to_try_again(ui_ledger, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LEDGER_RATE_LIMIT_QUERY", "1")
    at = app("alice")  # the one query of the hour
    assert len(table(at)) == 10
    at.selectbox(key="ledger.outcome").select("error").run()
    assert not at.exception and len(at.dataframe) == 0
    assert len(at.error) == 1 and "Rate limit exceeded" in at.error[0].value and "Try again in" in at.error[0].value


def test_selecting_a_row_shows_the_whole_entry(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("alice", query_params={"outcome": "blocked"})
    at = select_row(at, 0)
    entry = ui_ledger.query(ui_ledger.principal("alice"), outcome="blocked").items[0]
    assert at.subheader[0].value == f"{entry.action_name} · blocked"
    codes = [c.value for c in at.code]
    assert "policy SEC-7 forbids this" in codes
    assert f"entry_hash {entry.entry_hash}\nprev_hash  {entry.prev_hash}" in codes
    assert [json.loads(j.value) for j in at.json] == [entry.input, entry.output, entry.metadata]
    assert "No compliance metadata (Enterprise tier only)." in texts(at, "caption")
    links = {link.proto.page: link.proto.query_string for link in at.get("page_link")}
    assert links == {"runs": f"run_id={entry.run_id}", "export": "outcome=blocked"}


# --- stats page ----------------------------------------------------------------------

def test_stats_tiles_equal_ledger_stats(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("bob", query_params={"period": "all"}, page="stats")
    assert not at.exception
    stats = ui_ledger.stats(ui_ledger.principal("bob"))
    assert stats.total_actions == 13
    assert metric(at, "Actions") == "13"
    assert metric(at, "Error rate") == widgets.percent(stats.error_rate)
    assert metric(at, "Block rate") == widgets.percent(stats.block_rate)
    assert metric(at, "Total cost") == widgets.usd(stats.total_cost_usd)
    assert metric(at, "p95 duration") == widgets.milliseconds(stats.p95_duration_ms)
    charts = at.get("plotly_chart")
    assert len(charts) == 7


def test_stats_filters_by_agent_from_the_url(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("alice", query_params={"agent_id": "alice-bot", "period": "all"}, page="stats")
    assert not at.exception
    assert metric(at, "Actions") == "4"
    assert metric(at, "Error rate") == "25.0 %"


def test_stats_open_on_the_last_7_days_and_take_dates_from_the_url(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("alice", page="stats")
    today = datetime.now(timezone.utc).date()
    assert at.selectbox(key="stats.period").value == "7d"
    assert at.date_input(key="stats.start_date").value == today - timedelta(days=6)
    assert at.date_input(key="stats.start_date").disabled
    assert any("No actions match" in s and "last 7 days" in s for s in texts(at, "info"))  # seed: Jan 2025
    at = app("alice", query_params={"start_date": "2025-01-02", "end_date": "2025-01-02"}, page="stats")
    assert at.selectbox(key="stats.period").value == "custom"
    day = ui_ledger.stats(ui_ledger.principal("alice"), start_date="2025-01-02", end_date="2025-01-02")
    assert metric(at, "Actions") == str(day.total_actions) == "4"  # run a2


def test_clicking_an_agent_bar_opens_the_ledger_filtered_to_it(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("bob", query_params={"period": "all"}, page="stats")
    at.session_state["stats.cost_by_agent"] = {"selection": {"points": [{"y": "carol-bot", "x": 0.3}],
                                                             "point_indices": [0], "box": [], "lasso": []}}
    at.run()
    assert not at.exception
    assert at.query_params["agent_id"] == "carol-bot"
    assert set(table(at)["agent_id"]) == {"carol-bot"}


# --- export page ---------------------------------------------------------------------

def test_export_counts_before_download_and_warns_of_truncation(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("alice", query_params={"outcome": "success", "limit": "4"}, page="export")
    assert not at.exception
    assert len(at.warning) == 1
    assert "6 actions match, so the file will be truncated" in at.warning[0].value
    assert "newest 4" in at.warning[0].value
    names = [button.proto.label for button in at.get("download_button")]
    assert names == ["Download JSONL", "Download JSON", "Download CSV", "Download an audit pack (zip)"]
    at.number_input(key="export.limit").set_value(10).run()
    assert not at.warning and "6 actions match" in at.success[0].value


def test_export_bytes_equal_ledger_export(ui_ledger):  # type: ignore[no-untyped-def]
    from ledger_ui import downloads

    alice = ui_ledger.principal("alice")
    filters = {"outcome": "error", "start_date": "2025-01-01"}
    for fmt in ("jsonl", "json", "csv"):
        built = downloads.export_bytes(alice, fmt, 2, filters)()
        assert built == b"".join(ui_ledger.export(alice, format=fmt, limit=2, **filters))
    name = downloads.file_name(alice, "csv", {"outcome": "error", "agent_id": "prod-agent-3",
                                              "start_date": "2025-01-01", "end_date": "2025-03-31"},
                               total=40, limit=10, now=datetime(2026, 1, 2, tzinfo=timezone.utc))
    assert name == "ledger-alice-error-prod-agent-3-2025-01-01-to-2025-03-31-newest-10-of-40-20260102.csv"


def test_audit_pack_download_is_the_ledger_pack(ui_ledger):  # type: ignore[no-untyped-def]
    from ledger_ui import downloads

    bob = ui_ledger.principal("bob")
    filters = {"min_risk": "high", "start_date": "2024-01-01"}
    built = downloads.audit_pack_bytes(bob, 50, filters)()
    assert ui_ledger.export_log(bob, limit=1)[0].format == "audit-pack"
    with zipfile.ZipFile(io.BytesIO(built)) as archive:
        jsonl = archive.read("entries.jsonl")
        manifest = json.loads(archive.read("manifest.json"))
    assert jsonl == b"".join(ui_ledger.export(bob, format="jsonl", limit=50, **filters))
    assert manifest["filters"]["min_risk"] == "high" and manifest["requested_by"]["user_id"] == "bob"
    assert downloads.pack_name(bob, {"min_risk": "high"}, total=3, limit=50).startswith("ledger-acme-minrisk-high-")


def test_export_log_is_for_admins_only(ui_ledger):  # type: ignore[no-untyped-def]
    alice = ui_ledger.principal("alice")
    b"".join(ui_ledger.export(alice, format="csv", limit=5, outcome="error"))
    at = app("bob", page="export")
    log = table(at)
    assert list(log["user_id"]) == ["alice"] and list(log["total_matched"]) == [3]
    assert list(log["filters"]) == ["outcome=error"]
    assert app("grace", page="export").info[-1].value == "No exports yet."  # globex sees none of acme's
    assert "Export log" not in [s.value for s in app("alice", page="export").subheader]


def test_export_rate_limit_says_when_to_try_again(ui_ledger, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LEDGER_RATE_LIMIT_EXPORT", "1")
    at = app("alice", page="export")  # the app's Ledger reads its limits now
    from ledger_ui.resources import get_ledger

    b"".join(get_ledger().export(ui_ledger.principal("alice"), format="csv"))  # the budget is spent
    at.run()
    assert len(at.error) == 1 and "You may export again in" in at.error[0].value
    assert all(button.proto.disabled for button in at.get("download_button"))


# --- runs page -----------------------------------------------------------------------

def test_run_detail_shows_owner_totals_and_actions_in_order(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("alice", query_params={"run_id": run_id("alice", "a1")}, page="runs")
    assert not at.exception
    detail = ui_ledger.run(ui_ledger.principal("alice"), run_id("alice", "a1"))
    assert "**alice (acme)**" in texts(at, "markdown") and "**prod-agent-3**" in texts(at, "markdown")
    assert metric(at, "Actions") == "6" and metric(at, "Errors") == "2" and metric(at, "Blocked") == "1"
    assert f"**{widgets.usd(detail.run.total_cost_usd)}**" in texts(at, "markdown")
    actions = table(at)
    assert list(actions["id"]) == [str(a.id) for a in detail.actions]
    assert list(actions["step"]) == [1, 2, 3, 4, 5, 6]
    assert list(actions["timestamp"]) == sorted(actions["timestamp"])
    assert len(at.get("plotly_chart")) == 1
    recent = table(at, 1)
    assert set(recent["user_id"]) == {"alice"} and len(recent) == 2


def test_another_users_run_is_not_found(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("alice", query_params={"run_id": run_id("carol", "c1")}, page="runs")
    assert not at.exception
    assert len(at.error) == 1 and "not visible to you" in at.error[0].value
    assert not at.metric
    bob = app("bob", query_params={"run_id": run_id("carol", "c1")}, page="runs")
    assert "**carol (acme)**" in texts(bob, "markdown")


def test_picking_a_recent_run_opens_it(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("alice", page="runs")
    recent = table(at)
    at.session_state["runs.recent"] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()
    assert at.query_params["run_id"] == recent["id"][1]
    assert metric(at, "Actions") == str(recent["actions"][1])


# --- live page -----------------------------------------------------------------------

def test_live_shows_the_newest_actions_with_an_outcome_filter(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("bob", page="live")
    assert not at.exception
    frame = table(at)
    newest = ui_ledger.query(ui_ledger.principal("bob"), page_size=50)
    assert list(frame["id"]) == [str(item.id) for item in newest.items]
    at.selectbox(key="live.outcome").select("blocked").run()
    assert set(table(at)["outcome"]) == {"blocked"} and len(table(at)) == 2


# --- admin page ----------------------------------------------------------------------

def test_org_admin_manages_own_organization_only(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("bob", page="admin")
    assert not at.exception
    assert set(table(at)["org_id"]) == {"acme"}
    assert "heidi" not in set(table(at)["username"])
    assert [t.label for t in at.text_input] == ["Name"]  # the API key form; no account form until chosen
    at.button_group(key="admin.action").set_value("Add a user").run()
    role_options = [s.options for s in at.selectbox if s.label == "Role"][0]
    assert role_options == ["user", "org_admin"]  # no superuser for an org admin
    fields = {t.label: t for t in at.text_input}
    assert "Organization" not in fields  # an org admin adds to their own organization
    fields["Username"].input("zoe")
    fields["Name"].input("Zoe Zhang")
    fields["Password"].input("zoe-pw")
    at.button(key="admin.add_user.submit").click().run()
    assert any("Added zoe" in s for s in texts(at, "success")), texts(at, "error")
    assert ui_ledger.principal("zoe").org_id == "acme"
    assert "zoe" in set(table(at)["username"])
    at.button_group(key="admin.action").set_value("Set a role").run()
    at.selectbox[0].select("carol")
    at.selectbox[1].select("org_admin")
    at.button(key="admin.set_role.submit").click().run()
    assert ui_ledger.principal("carol").role == "org_admin"
    at.button_group(key="admin.action").set_value("Reset a password").run()
    at.selectbox[0].select("zoe")
    at.text_input[0].input("new-zoe-pw")
    at.text_input[1].input("new-zoe-pw")
    at.button(key="admin.set_password.submit").click().run()
    assert any("was reset" in s for s in texts(at, "success"))
    assert ui_ledger.authenticate("zoe", "new-zoe-pw").user_id == "zoe"


def test_api_key_is_shown_once_then_listed_and_revoked(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("bob", page="admin")
    at.button(key="admin.create_key.submit").click().run()
    keys = [c.value for c in at.code]
    assert len(keys) == 1
    assert ui_ledger.principal_for_api_key(keys[0]).user_id == "bob"
    at.run()
    assert not at.code  # shown only once
    at.checkbox[0].check()
    at.button(key="admin.revoke_key.submit").click().run()
    assert any("is revoked" in s for s in texts(at, "success"))
    with pytest.raises(LedgerError):
        ui_ledger.principal_for_api_key(keys[0])
