"""Cached, scoped reads for the pages.

Every cached function takes the principal as an ordinary (hashed) argument, so a result
is only ever served to the same principal with the same request: caches are shared by
all sessions of the server, and a cache keyed by the request alone would leak rows
across users and organizations. Entries live `TTL_SECONDS` (picker values
`FACETS_TTL_SECONDS`), so new actions show up soon without a manual refresh.

Errors are not cached: a refused request (`LedgerError`) raises again on the next call.
The Live page and the Admin page read uncached; downloads are never cached.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from ledger_core import (
    ComplianceSummary,
    Facets,
    LedgerPage,
    Principal,
    RunDetail,
    RunPage,
    StatsView,
)
from .resources import get_ledger

TTL_SECONDS = 30
FACETS_TTL_SECONDS = 300
MAX_ENTRIES = 500


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def query(principal: Principal, request: dict[str, Any]) -> LedgerPage:
    return get_ledger().query(principal, **request)


def match_count(principal: Principal, request: dict[str, Any]) -> int:
    """How many entries match (the query's total, one row fetched)."""
    return query(principal, {**request, "page": 0, "page_size": 1}).total


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def stats_view(principal: Principal, request: dict[str, Any]) -> StatsView:
    """The stats and the duration histogram of the Stats page, read together."""
    return get_ledger().stats_view(principal, **request)


@st.cache_data(ttl=FACETS_TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def facets(principal: Principal) -> Facets:
    return get_ledger().facets(principal)


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def runs(principal: Principal, request: dict[str, Any]) -> RunPage:
    return get_ledger().runs(principal, **request)


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def run(principal: Principal, run_id: str) -> RunDetail:
    return get_ledger().run(principal, run_id)


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def compliance(principal: Principal, request: dict[str, Any]) -> ComplianceSummary:
    return get_ledger().compliance(principal, **request)


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def may_see_compliance(principal: Principal) -> bool:
    """Whether the Compliance page is registered for this principal (role and the
    organization's tier), read once per 30 s rather than on every run."""
    return get_ledger().may_see_compliance(principal)
