"""Plotly figures from the ledger's responses (stats, duration buckets, one run).

Colours are the same everywhere: outcome success / error / blocked, risk low to critical.
Bars that name an agent or an action are clickable on the Stats page (`clicked`).
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any, Iterable, Sequence

import numpy as np
import plotly.graph_objects as go

from ledger_core import ComplianceSummary, LedgerStats, RunDetail

OUTCOME_COLORS = {"success": "#2f9e44", "error": "#e03131", "blocked": "#f08c00"}
RISK_COLORS = {"low": "#adb5bd", "medium": "#4dabf7", "high": "#f08c00", "critical": "#e03131"}
DECISION_COLORS = {"allow": "#2f9e44", "deny": "#e03131", "review": "#f08c00"}
CLASSIFICATION_COLORS = {"public": "#adb5bd", "internal": "#4dabf7", "confidential": "#7048e8",
                         "restricted": "#e03131"}
PII_COLORS = {"detected": "#e03131", "not detected": "#adb5bd"}
PRIMARY = "#3b5bdb"
COST_HOVER = "%{y}<br>$%{x:,.4f}<extra></extra>"


def _figure(traces: list[dict[str, Any]], title: str, *, height: int = 340, **layout: Any) -> go.Figure:
    """One figure from plain trace dicts, built (and validated) once: building trace by trace
    with graph objects costs 2-3 times as much, and the Stats page draws seven."""
    return go.Figure({"data": traces, "layout": {
        "title": {"text": title, "font": {"size": 15}}, "height": height,
        "margin": {"l": 10, "r": 10, "t": 44, "b": 10},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1},
        **layout,
    }})


def daily_outcomes(stats: LedgerStats) -> go.Figure:
    """Actions per UTC day, stacked by outcome."""
    # numpy arrays: plotly checks them several times faster than lists (a day per value)
    days = np.array([d.day for d in stats.daily], dtype=object)
    series = {
        "success": np.array([d.actions - d.errors - d.blocked for d in stats.daily]),
        "error": np.array([d.errors for d in stats.daily]),
        "blocked": np.array([d.blocked for d in stats.daily]),
    }
    traces = [{"type": "bar", "name": name, "x": days, "y": values, "marker": {"color": OUTCOME_COLORS[name]},
               "hovertemplate": f"%{{x}}<br>{name}: %{{y:,}}<extra></extra>"} for name, values in series.items()]
    return _figure(traces, "Actions per day, by outcome", barmode="stack", bargap=0.05)


def daily_cost(stats: LedgerStats) -> go.Figure:
    days = np.array([d.day for d in stats.daily], dtype=object)
    costs = np.array([float(d.cost_usd) for d in stats.daily])
    trace = {"type": "scatter", "x": days, "y": costs, "mode": "lines",
             "fill": "tozeroy", "line": {"color": PRIMARY}, "hovertemplate": "%{x}<br>$%{y:,.4f}<extra></extra>"}
    return _figure([trace], "Cost per day (USD)", yaxis={"tickprefix": "$"})


def _ranked_bars(labels: Sequence[str], values: Sequence[float], title: str, *, money: bool,
                 color: str = PRIMARY) -> go.Figure:
    """Horizontal bars, the largest on top; the category (y) is what a click selects."""
    hover = COST_HOVER if money else "%{y}<br>%{x:,}<extra></extra>"
    trace = {"type": "bar", "x": list(values)[::-1], "y": list(labels)[::-1], "orientation": "h",
             "marker": {"color": color}, "hovertemplate": hover}
    height = max(240, 60 + 24 * len(labels))
    return _figure([trace], title, height=height, xaxis={"tickprefix": "$" if money else ""},
                   yaxis={"automargin": True, "type": "category"}, clickmode="event+select", dragmode=False)


def cost_by_agent(stats: LedgerStats, limit: int = 15) -> go.Figure:
    agents = stats.cost_by_agent[:limit]
    return _ranked_bars([a.agent_id for a in agents], [float(a.cost_usd) for a in agents],
                        f"Cost by agent (top {len(agents)}, click a bar to open its actions)", money=True)


def top_actions_by_cost(stats: LedgerStats) -> go.Figure:
    actions = stats.top_actions_by_cost
    return _ranked_bars([a.action_name for a in actions], [float(a.cost_usd) for a in actions],
                        "Top actions by cost (click a bar to open them)", money=True, color="#7048e8")


def top_actions_by_count(stats: LedgerStats) -> go.Figure:
    actions = stats.top_actions_by_count
    return _ranked_bars([a.action_name for a in actions], [a.count for a in actions],
                        "Top actions by count (click a bar to open them)", money=False, color="#1098ad")


def risk_levels(stats: LedgerStats) -> go.Figure:
    levels = list(RISK_COLORS)
    counts = [stats.by_risk_level.get(level, 0) for level in levels]
    trace = {"type": "bar", "x": levels, "y": counts, "marker": {"color": [RISK_COLORS[level] for level in levels]},
             "hovertemplate": "%{x}: %{y:,}<extra></extra>"}
    return _figure([trace], "Actions by risk level")


def _category_bars(counts: dict[str, int], colors: dict[str, str], title: str) -> go.Figure:
    """Vertical bars, one per category in `colors`' order; the category (x) is what a click selects."""
    names = list(colors)
    trace = {"type": "bar", "x": names, "y": [counts.get(name, 0) for name in names],
             "marker": {"color": [colors[name] for name in names]}, "hovertemplate": "%{x}: %{y:,}<extra></extra>"}
    return _figure([trace], title, height=300, xaxis={"type": "category"}, clickmode="event+select",
                   dragmode=False)


def compliance_risk(summary: ComplianceSummary) -> go.Figure:
    return _category_bars(summary.by_risk_level, RISK_COLORS, "Actions by risk level")


def compliance_decisions(summary: ComplianceSummary) -> go.Figure:
    return _category_bars(summary.by_decision, DECISION_COLORS, "Policy decisions")


def compliance_classifications(summary: ComplianceSummary) -> go.Figure:
    return _category_bars(summary.by_classification, CLASSIFICATION_COLORS, "Data classification")


def compliance_pii(summary: ComplianceSummary) -> go.Figure:
    counts = {"detected": summary.pii.get("detected", 0), "not detected": summary.pii.get("not_detected", 0)}
    return _category_bars(counts, PII_COLORS, "PII detected")


def compliance_frameworks(summary: ComplianceSummary, limit: int = 15) -> go.Figure:
    frameworks = list(summary.by_framework.items())[:limit]
    return _ranked_bars([name for name, _ in frameworks], [count for _, count in frameworks],
                        "Regulatory frameworks (actions naming each)", money=False, color="#0c8599")


def durations(buckets: Iterable[Any]) -> go.Figure:
    """The duration histogram (log-spaced buckets, `StatsView.durations`)."""
    items = list(buckets)
    trace = {"type": "bar", "x": [b.label for b in items], "y": [b.count for b in items],
             "marker": {"color": "#495057"}, "hovertemplate": "%{x}: %{y:,} actions<extra></extra>"}
    return _figure([trace], "Duration distribution", xaxis={"type": "category"})


def run_timeline(detail: RunDetail) -> go.Figure:
    """A run's actions in order: one bar per action from its start for its duration,
    coloured by outcome."""
    labels = [f"{i}. {a.action_name}" for i, a in enumerate(detail.actions, 1)]
    traces = []
    for outcome, color in OUTCOME_COLORS.items():
        rows = [(label, a) for label, a in zip(labels, detail.actions) if a.outcome == outcome]
        if rows:
            traces.append({
                "type": "bar", "name": outcome, "orientation": "h", "marker": {"color": color},
                "y": [label for label, _ in rows],
                "x": [max(a.duration_ms, 1) for _, a in rows],  # milliseconds from `base`
                "base": [a.timestamp.isoformat() for _, a in rows],
                "customdata": [[a.duration_ms, f"${a.cost_usd}"] for _, a in rows],
                "hovertemplate": "%{y}<br>start %{base}<br>%{customdata[0]:,} ms · %{customdata[1]}<extra></extra>",
            })
    height = max(260, 80 + 22 * len(labels))
    return _figure(traces, "Timeline (each bar: start and duration)", height=height, barmode="overlay",
                   xaxis={"type": "date"},
                   yaxis={"type": "category", "categoryorder": "array", "categoryarray": labels[::-1],
                          "automargin": True})


def span(detail: RunDetail) -> timedelta | None:
    """From the first action's start to the last action's end."""
    if not detail.actions:
        return None
    end = max(a.timestamp + timedelta(milliseconds=a.duration_ms) for a in detail.actions)
    return end - detail.actions[0].timestamp


def clicked(event: Any, axis: str = "y") -> str | None:
    """The category (a bar's label) of the first selected point of a plotly chart event: on
    the `axis` "y" of horizontal bars, "x" of vertical ones."""
    if not event:
        return None
    selection = event.get("selection") if isinstance(event, dict) else getattr(event, "selection", None)
    points = (selection or {}).get("points") or []
    if not points:
        return None
    label = points[0].get(axis)
    return str(label) if label is not None else None
