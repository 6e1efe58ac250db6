"""Plotly figures from the ledger's responses (stats, duration buckets, one run).

Colours are the same everywhere: outcome success / error / blocked, risk low to critical.
Bars that name an agent or an action are clickable on the Stats page (`clicked`).
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any, Iterable, Sequence

import numpy as np
import plotly.graph_objects as go

from ledger_core import LedgerStats, RunDetail

OUTCOME_COLORS = {"success": "#2f9e44", "error": "#e03131", "blocked": "#f08c00"}
RISK_COLORS = {"low": "#adb5bd", "medium": "#4dabf7", "high": "#f08c00", "critical": "#e03131"}
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


def durations(buckets: Iterable[Any]) -> go.Figure:
    """The duration histogram (log-spaced buckets, from `data.durations`)."""
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


def clicked(event: Any) -> str | None:
    """The category (a bar's label) of the first selected point of a plotly chart event."""
    if not event:
        return None
    selection = event.get("selection") if isinstance(event, dict) else getattr(event, "selection", None)
    points = (selection or {}).get("points") or []
    if not points:
        return None
    label = points[0].get("y")
    return str(label) if label is not None else None
