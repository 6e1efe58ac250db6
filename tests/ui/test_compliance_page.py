"""AppTest of the compliance path of the app: the Compliance page (its figures equal
`Ledger.compliance` and `Ledger.stats`, who may reach it, a click opens the Ledger page
filtered), and the compliance filters of the Ledger, Stats and Export pages (from the widgets
and the URL, refused values, filters that exclude each other), on SQLite and PostgreSQL.

The seed (tests.ui.helpers.seed): acme is Enterprise tier and six of its actions carry
compliance metadata; globex (heidi, grace) is standard tier.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest

from ledger_ui import downloads, navigation, widgets
from ledger_ui.forms import FILTER_LABELS
from tests.ui.helpers import app, metric, select_row, table, texts

RISKS = ["low", "medium", "high", "critical"]


def expected_ids(records: dict[str, list[dict[str, Any]]], who: str, keep: Any) -> list[str]:
    """The ids `who` may see that `keep(record)` accepts, newest first (an oracle over the
    seed's records, independent of the ledger)."""
    visible = {"alice": ["alice"], "bob": ["alice", "carol"], "root": ["alice", "carol", "heidi"],
               "heidi": ["heidi"], "grace": ["heidi"]}[who]
    rows = [r for user in visible for r in records[user] if keep(r)]
    return [r["id"] for r in sorted(rows, key=lambda r: (r["timestamp"], r["id"]), reverse=True)]


def figure(at, key: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    found = [chart for chart in at.get("plotly_chart") if chart.proto.id and key in chart.proto.id]
    assert len(found) == 1, [chart.proto.id for chart in at.get("plotly_chart")]
    return json.loads(found[0].proto.spec)


def bars(at, key: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """{category: count} of a bar chart (vertical: x categories; horizontal: y categories)."""
    trace = figure(at, key)["data"][0]
    if trace.get("orientation") == "h":
        return dict(zip(trace["y"], trace["x"]))
    return dict(zip(trace["x"], trace["y"]))


# --- the Compliance page ------------------------------------------------------------------

@pytest.mark.parametrize("who", ["bob", "root"])
@pytest.mark.parametrize("params", [{}, {"min_risk": "high"}, {"start_date": "2025-01-01", "end_date": "2025-01-01",
                                                                "regulatory_framework": "GDPR"}],
                         ids=["all", "min_risk", "day-and-framework"])
def test_figures_equal_ledger_compliance_and_stats(ui_ledger, who, params):  # type: ignore[no-untyped-def]
    url = {"period": "all", **params} if "start_date" not in params else params
    at = app(who, query_params=url, page="compliance")
    assert not at.exception and not at.error and not at.warning
    principal = ui_ledger.principal(who)
    summary = ui_ledger.compliance(principal, **params)
    stats = ui_ledger.stats(principal, **params)
    assert summary.total_actions == stats.total_actions > 0
    assert metric(at, "Actions") == f"{stats.total_actions:,}"
    assert metric(at, "With metadata") == str(summary.with_compliance)
    high = stats.by_risk_level.get("high", 0) + stats.by_risk_level.get("critical", 0)
    assert metric(at, "High or critical risk") == str(high)
    assert metric(at, "Needs review") == str(summary.needs_review_total)
    assert metric(at, "PII detected") == str(summary.pii["detected"])
    assert bars(at, "compliance.chart_risk") == {level: stats.by_risk_level.get(level, 0) for level in RISKS}
    assert bars(at, "compliance.chart_risk") == summary.by_risk_level
    assert bars(at, "compliance.chart_decision") == summary.by_decision
    assert bars(at, "compliance.chart_classification") == summary.by_classification
    assert bars(at, "compliance.chart_pii") == {"detected": summary.pii["detected"],
                                          "not detected": summary.pii["not_detected"]}
    assert bars(at, "compliance.chart_frameworks") == summary.by_framework
    if summary.needs_review:
        review = table(at, 0)
        assert list(review["id"]) == [str(entry.id) for entry in summary.needs_review]
    agents, actions = table(at, -2), table(at, -1)
    assert [tuple(row) for row in agents[["name", "high", "critical", "total"]].itertuples(index=False)] == [
        (r.name, r.high, r.critical, r.total) for r in summary.riskiest_agents]
    assert list(actions["name"]) == [r.name for r in summary.riskiest_actions]


def test_an_org_admins_figures_match_the_seed(ui_ledger):  # type: ignore[no-untyped-def]
    """The same figures, from the seed's records rather than the ledger."""
    at = app("bob", query_params={"period": "all"}, page="compliance")
    acme = [r for user in ("alice", "carol") for r in ui_ledger.records[user]]
    with_c = [r for r in acme if r.get("compliance")]
    assert metric(at, "Actions") == str(len(acme)) == "13"
    assert metric(at, "With metadata") == str(len(with_c)) == "6"
    assert bars(at, "compliance.chart_risk") == {level: sum(r["risk_level"] == level for r in acme) for level in RISKS}
    assert bars(at, "compliance.chart_decision") == {"allow": 1, "deny": 1, "review": 4}
    assert bars(at, "compliance.chart_frameworks") == {"SOC2": 3, "GDPR": 2, "HIPAA": 1}
    pending = expected_ids(ui_ledger.records, "bob", lambda r: (r.get("compliance") or {}).get("decision") == "review"
                           and not r["compliance"]["reviewed_by"])
    assert metric(at, "Needs review") == "3"
    assert list(table(at, 0)["id"]) == pending
    assert at.subheader[0].value == "Needs review (3)"
    at = select_row(at, 0)  # the newest waiting for a review, in full
    newest = next(r for u in ("alice", "carol") for r in ui_ledger.records[u] if r["id"] == pending[0])
    assert f"{newest['action_name']} · {newest['outcome']}" in [h.value for h in at.subheader]
    assert newest["compliance"] in [json.loads(j.value) for j in at.json]


def test_an_enterprise_user_sees_their_own_and_a_standard_user_cannot_reach_it(ui_ledger):  # type: ignore[no-untyped-def]
    alice = app("alice", query_params={"period": "all"}, page="compliance")
    assert not alice.exception
    assert metric(alice, "Actions") == str(len(ui_ledger.records["alice"])) == "10"
    assert set(table(alice, 0)["user_id"]) == {"alice"}  # her two actions waiting for a review
    heidi = app("heidi")  # globex: standard tier
    with pytest.raises(ValueError):  # not registered: no link, and its URL is a refusal
        heidi.switch_page(navigation.page("compliance"))
    assert not heidi.exception
    grace = app("grace", query_params={"period": "all"}, page="compliance")  # globex's org admin
    assert metric(grace, "Actions") == "3" and metric(grace, "With metadata") == "0"


def test_clicking_a_bar_opens_the_ledger_filtered_to_it(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("bob", query_params={"start_date": "2025-01-01", "end_date": "2025-01-03"}, page="compliance")
    at.session_state["compliance.chart_decision"] = {"selection": {"points": [{"x": "review", "y": 4}],
                                                             "point_indices": [2], "box": [], "lasso": []}}
    at.run()
    assert not at.exception
    assert {k: at.query_params[k] for k in ("decision", "start_date", "end_date")} == {
        "decision": "review", "start_date": "2025-01-01", "end_date": "2025-01-03"}
    assert list(table(at)["id"]) == expected_ids(
        ui_ledger.records, "bob", lambda r: (r.get("compliance") or {}).get("decision") == "review")


def test_pii_bar_and_riskiest_agent_row_open_the_ledger(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("bob", query_params={"period": "all"}, page="compliance")
    at.session_state["compliance.chart_pii"] = {"selection": {"points": [{"x": "detected", "y": 3}],
                                                        "point_indices": [0], "box": [], "lasso": []}}
    at.run()
    assert at.query_params["pii_detected"] == "true"
    assert list(table(at)["id"]) == expected_ids(
        ui_ledger.records, "bob", lambda r: (r.get("compliance") or {}).get("pii_detected") is True)
    at = app("bob", query_params={"period": "all"}, page="compliance")
    agents = table(at, -2)
    assert agents["name"][0] == "prod-agent-3"  # a1: one high (blocked, no metadata), one high, one critical
    at.session_state["compliance.table_agents"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert (at.query_params["agent_id"], at.query_params["min_risk"]) == ("prod-agent-3", "high")
    assert list(table(at)["id"]) == expected_ids(
        ui_ledger.records, "bob", lambda r: r["agent_id"] == "prod-agent-3" and r["risk_level"] in ("high", "critical"))


def test_compliance_widgets_and_bad_url_values(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("bob", query_params={"period": "all", "risk_level": "extreme", "pii_detected": "maybe"},
             page="compliance")
    assert not at.exception
    warnings = " ".join(texts(at, "warning"))
    assert "risk_level: 'extreme' is not one of low, medium, high, critical" in warnings
    assert "pii_detected: 'maybe' is not one of true, false" in warnings
    assert metric(at, "Actions") == "13"  # the rest of the view still works
    at.multiselect(key="compliance.risk_level").select("critical").select("high").run()
    assert at.query_params["risk_level"] == "high,critical"
    assert metric(at, "Actions") == str(sum(r["risk_level"] in ("high", "critical")
                                            for u in ("alice", "carol") for r in ui_ledger.records[u]))


# --- the Ledger page's compliance filters ----------------------------------------------------

@pytest.mark.parametrize("who", ["alice", "bob", "root"])
def test_ledger_url_risk_and_decision_show_exactly_the_matching_rows(ui_ledger, who):  # type: ignore[no-untyped-def]
    at = app(who, query_params={"risk_level": "high", "decision": "review"})
    assert not at.exception and not at.warning
    expected = expected_ids(ui_ledger.records, who, lambda r: r["risk_level"] == "high"
                            and (r.get("compliance") or {}).get("decision") == "review")
    assert expected and list(table(at)["id"]) == expected
    assert at.multiselect(key="ledger.risk_level").value == ["high"]
    assert at.selectbox(key="ledger.decision").value == "review"
    assert "Filtered by risk = high · decision = review" in texts(at, "caption")
    assert f"**{len(expected)} action{'s' if len(expected) > 1 else ''}** · page 1 of 1" in texts(at, "markdown")


def test_ledger_bad_compliance_values_in_the_url_are_named(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("bob", query_params={"risk_level": "high,severe", "min_risk": "huge", "decision": "maybe",
                                  "data_classification": "secret", "pii_detected": "perhaps",
                                  "regulatory_framework": "X" * 70})
    assert not at.exception
    warnings = texts(at, "warning")
    for name in ("risk_level", "min_risk", "decision", "data_classification", "pii_detected",
                 "regulatory_framework"):
        assert sum(w.startswith(f"Ignored a URL parameter: {name}:") for w in warnings) == 1, (name, warnings)
    assert len(table(at)) == 13


def test_ledger_filters_that_exclude_each_other_are_a_field_error(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("bob", query_params={"risk_level": "low,medium", "min_risk": "high"})
    assert not at.exception
    assert texts(at, "error") == ["min_risk: high and above excludes every chosen risk level (low, medium); "
                                  "clear one of the two risk filters"]
    assert len(at.dataframe) == 0


def test_no_results_names_the_compliance_filters(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("heidi", query_params={"decision": "deny", "min_risk": "medium"})  # globex: no metadata
    assert not at.exception and len(at.dataframe) == 0
    hint = " ".join(texts(at, "info"))
    assert "min risk = medium · decision = deny" in hint
    assert "only match actions that carry compliance metadata" in hint


def test_ledger_compliance_widgets_write_the_url(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("bob")
    at.selectbox(key="ledger.min_risk").select("medium")
    at.multiselect(key="ledger.data_classification").select("restricted")
    at.selectbox(key="ledger.pii_detected").select("true").run()
    assert {k: at.query_params[k] for k in ("min_risk", "data_classification", "pii_detected")} == {
        "min_risk": "medium", "data_classification": "restricted", "pii_detected": "true"}
    expected = expected_ids(ui_ledger.records, "bob", lambda r: RISKS.index(r["risk_level"]) >= 1 and (
        r.get("compliance") or {}).get("data_classification") == "restricted" and r["compliance"]["pii_detected"])
    assert list(table(at)["id"]) == expected and len(expected) == 2
    at.text_input(key="ledger.regulatory_framework").input("HIPAA").run()
    assert at.query_params["regulatory_framework"] == "HIPAA" and len(table(at)) == 1


# --- the Export page's compliance filters ---------------------------------------------------

def test_export_takes_the_compliance_filters(ui_ledger):  # type: ignore[no-untyped-def]
    params = {"min_risk": "high", "start_date": "2025-01-01", "end_date": "2025-01-03"}
    at = app("bob", query_params=params, page="export")
    assert not at.exception
    bob = ui_ledger.principal("bob")
    expected = ui_ledger.query(bob, **params).total
    assert expected == len(expected_ids(ui_ledger.records, "bob", lambda r: r["risk_level"] in ("high", "critical")))
    assert f"{expected} actions match" in at.success[0].value
    assert at.selectbox(key="export.min_risk").value == "high"
    built = downloads.export_bytes(bob, "csv", 100, params)()
    assert built == b"".join(ui_ledger.export(bob, format="csv", limit=100, **params))
    name = downloads.file_name(bob, "csv", {**params, "decision": "review", "risk_level": "high,critical"},
                               total=5, limit=100, now=datetime(2026, 1, 2, tzinfo=timezone.utc))
    assert name == ("ledger-acme-risk-high-critical-minrisk-high-decision-review-2025-01-01-to-2025-01-03-"
                    "20260102.csv")
    conflicting = app("bob", query_params={"risk_level": "low", "min_risk": "critical"}, page="export")
    assert texts(conflicting, "error")[0].startswith("min_risk: critical and above excludes")
    assert not conflicting.get("download_button")


# --- the Stats page's compliance filters ---------------------------------------------------

@pytest.mark.parametrize("params", [{"min_risk": "high"}, {"decision": "review", "regulatory_framework": "GDPR"}],
                         ids=["min_risk", "decision-and-framework"])
def test_stats_take_the_compliance_filters(ui_ledger, params):  # type: ignore[no-untyped-def]
    at = app("bob", query_params={"period": "all", **params}, page="stats")
    assert not at.exception and not at.error and not at.warning
    bob = ui_ledger.principal("bob")
    stats = ui_ledger.stats(bob, **params)
    expected = ui_ledger.query(bob, **params).total
    assert 0 < stats.total_actions == expected < ui_ledger.stats(bob).total_actions
    assert metric(at, "Actions") == f"{expected:,}"
    assert metric(at, "Total cost") == widgets.usd(stats.total_cost_usd)
    assert bars(at, "stats.risk") == {level: stats.by_risk_level.get(level, 0) for level in RISKS}
    labels = [FILTER_LABELS[name] for name in params]
    assert any(all(label in caption for label in labels) for caption in texts(at, "caption"))


def test_stats_compliance_widgets_write_the_url_and_carry_to_the_ledger(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("bob", query_params={"period": "all"}, page="stats")
    at.multiselect(key="stats.risk_level").select("critical").select("high").run()
    assert at.query_params["risk_level"] == "high,critical"
    riskiest = expected_ids(ui_ledger.records, "bob", lambda r: r["risk_level"] in ("high", "critical"))
    assert metric(at, "Actions") == str(len(riskiest))
    agent = ui_ledger.records["carol"][0]["agent_id"]
    at.session_state["stats.cost_by_agent"] = {"selection": {"points": [{"y": agent, "x": 0.3}],
                                                             "point_indices": [0], "box": [], "lasso": []}}
    at.run()
    assert not at.exception
    assert (at.query_params["agent_id"], at.query_params["risk_level"]) == (agent, "high,critical")
    assert list(table(at)["id"]) == expected_ids(
        ui_ledger.records, "bob", lambda r: r["agent_id"] == agent and r["risk_level"] in ("high", "critical"))


def test_stats_filters_that_exclude_each_other_are_a_field_error(ui_ledger):  # type: ignore[no-untyped-def]
    at = app("bob", query_params={"period": "all", "risk_level": "low", "min_risk": "critical"}, page="stats")
    assert not at.exception
    assert texts(at, "error") == ["min_risk: critical and above excludes every chosen risk level (low); "
                                  "clear one of the two risk filters"]
    assert not at.get("plotly_chart")
    empty = app("heidi", query_params={"period": "all", "decision": "deny"}, page="stats")  # globex: no metadata
    assert not empty.exception and not empty.get("plotly_chart")
    assert "only match actions that carry compliance metadata" in " ".join(texts(empty, "info"))
