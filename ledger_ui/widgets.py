"""Small pieces of page furniture shared by the pages: style, titles, messages."""
from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

import streamlit as st

from ledger_core import ComplianceSummary, LedgerEntry, LedgerError, LedgerStats, RateLimitExceeded, RunDetail

from . import frames, navigation
from .forms import (
    CLASSIFICATIONS,
    DECISIONS,
    FILTER_LABELS,
    MAX_EXPORT_LIMIT,
    OUTCOMES,
    PERIODS,
    PII_CHOICES,
    RISK_LEVELS,
    period_start,
)
from .params import UrlForm

# The cookie component renders zero-height iframes; do not let their containers take room.
_STYLE = """<style>
.element-container:has(iframe[height="0"]) { display: none; }
div[data-testid="stElementContainer"]:has(iframe[height="0"]) { display: none; }
</style>"""


def app_style() -> None:
    st.html(_STYLE)


def page_title(title: str, caption: str) -> None:
    st.title(title)
    st.caption(caption)


def wait_text(seconds: int) -> str:
    """`retry_after` seconds as a person reads it: "in 42 seconds", "in 5 minutes"."""
    if seconds < 90:
        return f"in {seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"in {minutes} minutes"


def show_error(exc: LedgerError) -> None:
    """A refused request as a message: the field and the reason, or when to try again."""
    if isinstance(exc, RateLimitExceeded):
        st.error(exc.message, icon=":material/timer:")  # says when to try again
    else:
        st.error(exc.message, icon=":material/error:")


# --- filter widgets, bound to a page's UrlForm (their state is the form's) -------------

def _any(value: object) -> str:
    return "Any" if value is None else str(value)


def outcome_picker(form: UrlForm, label: str = "Outcome") -> None:
    st.selectbox(label, [None, *OUTCOMES], key=form.key("outcome"), format_func=_any, placeholder="Any")


def name_picker(form: UrlForm, name: str, label: str, present: list[str]) -> None:
    """A picker of the values present in the user's scope (plus the current one, say from
    a shared URL, even when this scope has none of it)."""
    current = form.value(name)
    options: list[str | None] = [None, *present]
    if current and current not in present:
        options.append(current)
    st.selectbox(label, options, key=form.key(name), format_func=_any, placeholder="Any",
                 help=f"The values present in what you may see ({len(present):,}).")


def date_pickers(form: UrlForm, start_label: str = "From", end_label: str = "To", *,
                 disabled: bool = False) -> None:
    """Two day pickers (UTC): from 00:00 of the first to the end of the last."""
    left, right = st.columns(2)
    left.date_input(start_label, value=None, key=form.key("start_date"), format="YYYY-MM-DD",
                    help="Actions at or after 00:00 UTC of this day.", disabled=disabled)
    right.date_input(end_label, value=None, key=form.key("end_date"), format="YYYY-MM-DD",
                     help="Actions up to the end of this day (UTC).", disabled=disabled)


PII_LABELS = {None: "Any", "true": "PII detected", "false": "No PII detected"}


def compliance_pickers(form: UrlForm) -> None:
    """The compliance filters (SPEC section 3b) in one row: several risk levels, a minimum
    risk, several classifications, a decision, a framework and PII."""
    risk, floor, classification, decision, framework, pii = st.columns([1.6, 1, 1.8, 1, 1.2, 1])
    risk.multiselect("Risk level", RISK_LEVELS, key=form.key("risk_level"), placeholder="Any",
                     help="One or several levels.")
    floor.selectbox("Min risk", [None, *RISK_LEVELS], key=form.key("min_risk"), format_func=_any, placeholder="Any",
                    help="This level and above (low < medium < high < critical).")
    classification.multiselect("Data classification", CLASSIFICATIONS, key=form.key("data_classification"),
                               placeholder="Any", help="Compliance metadata (Enterprise tier).")
    decision.selectbox("Decision", [None, *DECISIONS], key=form.key("decision"), format_func=_any, placeholder="Any",
                       help="The policy decision (Enterprise tier).")
    framework.text_input("Framework", key=form.key("regulatory_framework"), placeholder="e.g. GDPR",
                         help="Regulatory framework: actions whose compliance metadata names it (exact, e.g. GDPR, "
                              "SOC2).")
    pii.selectbox("PII", [None, *PII_CHOICES], key=form.key("pii_detected"), format_func=PII_LABELS.get,
                  placeholder="Any")


def compliance_expander(form: UrlForm) -> None:
    """`compliance_pickers` in an expander, open when one of them is set."""
    names = ("risk_level", "min_risk", "data_classification", "decision", "regulatory_framework", "pii_detected")
    active = [FILTER_LABELS[name] for name in names if form.value(name) not in (None, "", [])]
    label = "Risk and compliance" + (f" ({', '.join(active)})" if active else "")
    with st.expander(label, expanded=bool(active)):  # no icon: its name would read as text
        compliance_pickers(form)


def period_pickers(form: UrlForm, facets: Any) -> bool:
    """Period, From / To and Agent in one row (the Stats and Compliance pages); returns
    whether the period is custom. A URL with dates and no period means those dates."""
    if form.fresh and "period" not in st.query_params and (form.value("start_date") or form.value("end_date")):
        form.set("period", "custom")
    period, dates, agent = st.columns([1, 2, 1.5])
    period.selectbox("Period", list(PERIODS), key=form.key("period"), format_func=lambda p: PERIODS[p][0],
                     help="Whole UTC days up to today; Custom dates to pick them.")
    custom = form.value("period") == "custom"
    if not custom:  # the pickers show the period's days
        form.set("start_date", period_start(form.value("period"), datetime.now(timezone.utc).date()))
        form.set("end_date", None)
    with dates:
        date_pickers(form, disabled=not custom)
    with agent:
        name_picker(form, "agent_id", "Agent", facets.agent_ids)
    return custom


def period_caption(form: UrlForm, custom: bool) -> list[str]:
    """The active filters of a period view, the period first ("last 7 days · agent = x")."""
    active = form.active(FILTER_LABELS, skip=("period",) if custom else ("period", "start_date"))
    if not custom:
        active.insert(0, PERIODS[form.value("period")][0].lower())
    return active


def conflicts(messages: list[str]) -> bool:
    """Filters that exclude each other, each as a field-named error; True when there are any."""
    for message in messages:
        st.error(message, icon=":material/error:")
    return bool(messages)


def url_problems(problems: list[str]) -> None:
    for problem in problems:
        st.warning(f"Ignored a URL parameter: {problem}.", icon=":material/link_off:")


def filter_caption(active: list[str]) -> None:
    if active:
        st.caption("Filtered by " + " · ".join(active))


def no_results(what: str, active: list[str], *, compliance: bool = False) -> None:
    """Say which filters are active and how to loosen them (`compliance`: a filter on the
    compliance metadata is on, which only Enterprise-tier actions carry)."""
    if not active:
        st.info(f"There are no {what} you may see yet. Actions appear here once they are ingested "
                "(`python -m ledger_core ingest FILE`, or the demo data: `python -m ledger_core demo`).")
        return
    metadata = ("  \nData classification, decision, framework and PII only match actions that carry "
                "compliance metadata (Enterprise tier); actions without it never match them.") if compliance else ""
    st.info(f"No {what} match these filters: **{' · '.join(active)}**.  \n"
            "To see more, clear the search, set a picker back to *Any*, widen or clear the dates, "
            "widen the cost range, or loosen the risk and compliance filters." + metadata,
            icon=":material/filter_alt_off:")


# --- one entry in full ----------------------------------------------------------------

def _json_block(value: Any, empty: str) -> None:
    if value is None or value == {} or value == []:
        st.caption(empty)
    elif isinstance(value, (dict, list)):
        st.json(value, expanded=2)
    else:
        st.code(str(value), language=None, wrap_lines=True)


def entry_detail(entry: LedgerEntry, *, run_link: bool = True) -> None:
    """The whole entry: facts, error or blocked reason, input, output, metadata, compliance
    metadata, its hashes, and a link to its run."""
    with st.container(border=True):
        st.subheader(f"{entry.action_name} · {entry.outcome}")
        st.caption(f"{entry.timestamp:%Y-%m-%d %H:%M:%S} UTC · agent {entry.agent_id} · "
                   f"run by {entry.user_id} ({entry.org_id})")
        if entry.error_message:
            st.error("The action failed with this error:", icon=":material/error:")
            st.code(entry.error_message, language=None, wrap_lines=True)
        if entry.blocked_reason:
            st.warning("The action was blocked for this reason:", icon=":material/block:")
            st.code(entry.blocked_reason, language=None, wrap_lines=True)
        left, right = st.columns([2, 3])
        with left:
            facts = frames.entry_facts(entry)
            st.dataframe(facts, hide_index=True, width="stretch", height=35 * (len(facts) + 1) + 3,
                         column_config={"field": "Field", "value": "Value"})
            if run_link:
                st.page_link(navigation.page("runs"), label="Open its run", icon=":material/account_tree:",
                             query_params={"run_id": str(entry.run_id)})
        with right:
            inputs, outputs, metadata, compliance, hashes = st.tabs(
                ["Input", "Output", "Metadata", "Compliance", "Hashes"])
            with inputs:
                _json_block(entry.input, "No input recorded.")
            with outputs:
                _json_block(entry.output, "No output recorded.")
            with metadata:
                _json_block(entry.metadata, "No metadata.")
            with compliance:
                _json_block(entry.compliance, "No compliance metadata (Enterprise tier only).")
            with hashes:
                st.caption("entry_hash = sha256(canonical entry fields + prev_hash), chained per organization.")
                st.code(f"entry_hash {entry.entry_hash}\nprev_hash  {entry.prev_hash}", language=None)


# --- paging ---------------------------------------------------------------------------

def pager(form: UrlForm, total_pages: int) -> None:
    """First / previous / page number / next / last; the page lives in the form (and URL)."""
    page = int(form.value("page") or 0)
    last = max(total_pages - 1, 0)

    def go(target: int) -> None:
        form.set("page", max(0, min(target, last)))

    def jump() -> None:
        go(int(st.session_state[form.key("page_jump")] or 1) - 1)

    st.session_state[form.key("page_jump")] = min(page, last) + 1
    first, previous, number, following, final = st.columns([1, 1, 1.4, 1, 1], vertical_alignment="bottom")
    first.button("First", icon=":material/first_page:", on_click=go, args=(0,), disabled=page <= 0,
                 key=form.key("first"), width="stretch")
    previous.button("Previous", icon=":material/chevron_left:", on_click=go, args=(page - 1,),
                    disabled=page <= 0, key=form.key("previous"), width="stretch")
    number.number_input(f"Page (of {total_pages:,})", min_value=1, max_value=max(total_pages, 1), step=1,
                        key=form.key("page_jump"), on_change=jump)
    following.button("Next", icon=":material/chevron_right:", on_click=go, args=(page + 1,),
                     disabled=page >= last, key=form.key("next"), width="stretch")
    final.button("Last", icon=":material/last_page:", on_click=go, args=(last,), disabled=page >= last,
                 key=form.key("last"), width="stretch")


# --- figures as text ------------------------------------------------------------------

def usd(amount: Any) -> str:
    """A USD amount for a tile: cents for large sums, more places for small ones."""
    value = float(amount)
    if value >= 100:
        return f"${value:,.2f}"
    if value >= 1 or value == 0:
        return f"${value:,.4f}"
    return f"${value:.4f}" if value >= 0.0001 else f"${value:.1e}"


def percent(rate: float) -> str:
    return f"{rate * 100:.1f} %"


def milliseconds(value: float | int | None) -> str:
    if value is None:
        return "–"
    return f"{value / 1000:,.2f} s" if value >= 1000 else f"{value:,.0f} ms"


def kpi_tiles(stats: LedgerStats) -> None:
    """The headline figures of `Ledger.stats`, as tiles."""
    first = st.columns(5)
    first[0].metric("Actions", f"{stats.total_actions:,}", border=True,
                    help=f"{stats.unique_runs:,} runs by {stats.unique_agents:,} agents")
    first[1].metric("Success rate", percent(stats.success_rate), border=True)
    first[2].metric("Error rate", percent(stats.error_rate), border=True)
    first[3].metric("Block rate", percent(stats.block_rate), border=True)
    first[4].metric("Agents · runs", f"{stats.unique_agents:,} · {stats.unique_runs:,}", border=True)
    second = st.columns(5)
    second[0].metric("Total cost", usd(stats.total_cost_usd), border=True,
                     help=f"Exactly ${stats.total_cost_usd} USD")
    second[1].metric("Average cost", usd(stats.avg_cost_usd or 0), border=True,
                     help=f"Exactly ${stats.avg_cost_usd} USD per action")
    second[2].metric("Average duration", milliseconds(stats.avg_duration_ms), border=True)
    second[3].metric("p50 duration", milliseconds(stats.p50_duration_ms), border=True)
    second[4].metric("p95 duration", milliseconds(stats.p95_duration_ms), border=True)


def compliance_tiles(summary: ComplianceSummary) -> None:
    """The headline figures of `Ledger.compliance`, as tiles."""
    tiles = st.columns(5)
    tiles[0].metric("Actions", f"{summary.total_actions:,}", border=True)
    tiles[1].metric("With metadata", f"{summary.with_compliance:,}", border=True,
                    help="Actions that carry compliance metadata (Enterprise tier); decision, classification, "
                         "PII and framework counts are over these.")
    tiles[2].metric("High or critical risk",
                    f"{summary.by_risk_level.get('high', 0) + summary.by_risk_level.get('critical', 0):,}",
                    border=True)
    tiles[3].metric("Needs review", f"{summary.needs_review_total:,}", border=True,
                    help="Decision review and no reviewer yet.")
    tiles[4].metric("PII detected", f"{summary.pii.get('detected', 0):,}", border=True)


# --- export ---------------------------------------------------------------------------

def export_status(total: int, limit: int, wait: int, active: list[str], *, compliance: bool = False) -> bool:
    """What a download would hold, before it is made; True when downloading is not possible."""
    if limit > MAX_EXPORT_LIMIT:
        st.error(f"limit: Export limit exceeded: at most {MAX_EXPORT_LIMIT:,} rows per export ({limit:,} "
                 "was asked). Narrow the dates, add filters (outcome, action, agent), or export in batches "
                 "of consecutive date ranges.", icon=":material/error:")
        return True
    if wait:
        st.error(f"You have used your export budget for now. You may export again {wait_text(wait)}.",
                 icon=":material/timer:")
        return True
    if not total:
        no_results("actions", active, compliance=compliance)
        return True
    if total > limit:
        st.warning(f"**{total:,} actions match, so the file will be truncated** to the newest {limit:,}. "
                   f"Raise the limit (up to {MAX_EXPORT_LIMIT:,}), narrow the filters, or export in batches "
                   "of consecutive date ranges.", icon=":material/content_cut:")
    else:
        st.success(f"**{total:,} action{'s' if total != 1 else ''} match**: the file will hold "
                   f"{'all of them' if total != 1 else 'it'}.", icon=":material/check_circle:")
    return False


# --- one run --------------------------------------------------------------------------

def run_summary(detail: RunDetail) -> None:
    """A run's owner, agent, start, end, status and totals."""
    run = detail.run
    st.subheader(f"Run `{run.id}`")
    ended = f"{run.ended_at:%Y-%m-%d %H:%M:%S}" if run.ended_at else "not ended"
    facts = st.columns(3)
    for index, (label, value, tip) in enumerate([
        ("Owner", f"{run.user_id} ({run.org_id})", None), ("Agent", run.agent_id, None),
        ("Total cost", usd(run.total_cost_usd), f"Exactly ${run.total_cost_usd} USD"),
        ("Started (UTC)", f"{run.started_at:%Y-%m-%d %H:%M:%S}", None), ("Ended (UTC)", ended, None),
        ("Time in actions", milliseconds(run.total_duration_ms), "The sum of the actions' durations"),
    ]):
        facts[index % 3].caption(label, help=tip)
        facts[index % 3].markdown(f"**{value}**")
    tiles = st.columns(4)
    tiles[0].metric("Status", run.status, border=True)
    tiles[1].metric("Actions", f"{run.actions:,}", border=True)
    tiles[2].metric("Errors", f"{run.errors:,}", border=True)
    tiles[3].metric("Blocked", f"{run.blocked:,}", border=True)
