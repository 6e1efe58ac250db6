"""Answer stats, query totals and facets from the rollups, when the request allows it.

A request is answerable when every filter it carries is in `ROLLUP_FILTERS` (an allowlist:
a filter added to the ledger later goes to the raw table until it is added here) and its
dates fall on whole UTC days (a start at 00:00:00, an end at 23:59:59.999999). Scope
comes from `read.scope.scope_clause`, applied to the rollup's own `org_id`/`user_id`.
The period range is read from month rows for the whole months inside it and from day
rows for the days at either edge (`period_clause`). Counts and sums, which add up, read a
month the range covers mostly as its month row less the day rows of its other days
(`period_spans`, `signed_conditions`): a quarter from the 2nd of a month reads one day row
and a month row where it read 29 days' rows.

A range that starts or ends within a day (`start_date=2026-01-01T12:00:00Z`) is split
(`split_days`): its whole days come from the rollups, its one or two partial days from
the entries (a day's entries, through the time indexes), and the parts are added up.
Distinct runs and percentiles do not add up: the runs are counted over the union of
both parts' run ids, and the percentiles from both parts' duration buckets.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from functools import partial
from types import SimpleNamespace
from typing import Any, Callable

from sqlalchemy import Connection, Select, Table, and_, case, false, func, or_, select, true, union, union_all
from sqlalchemy.sql.expression import ColumnElement

from ..contract.common import OUTCOMES, RISK_LEVELS, Principal, risk_at_least
from ..read.filters import SEARCH_COLUMNS, active, search_clause, search_outcomes, where
from ..read.scope import scope_clause
from ..store.db import day_of, exact_sum, wire_text
from ..store.schema import (
    ledger_entries,
    rollup_action_outcomes,
    rollup_actions,
    rollup_compliance,
    rollup_compliance_days,
    rollup_compliance_durations,
    rollup_compliance_runs,
    rollup_durations,
    rollup_outcomes,
    rollup_runs,
    run_days,
    run_risk_days,
)
from ..store.schema import runs as runs_table
from ..store.types import COST_SCALE
from . import profiles, run_risks
from .buckets import bucket_of, chart_bucket_of, chart_width_of, locate, width_of
from .maintain import ALL_AGENTS, errors_and_blocked

ROLLUP_FILTERS: dict[str, tuple[Callable[[Any], set[str]], Callable[[Connection, Table, Any], ColumnElement[bool]]]] = {
    "agent_id": (lambda value: {"agent_id"}, lambda conn, table, value: table.c.agent_id == value),
    "outcome": (lambda value: {"outcome"}, lambda conn, table, value: table.c.outcome == value),
    "action_name": (lambda value: {"action_name"}, lambda conn, table, value: table.c.action_name == value),
    "search": (lambda value: {*SEARCH_COLUMNS, *(["outcome"] if search_outcomes(value) else [])},
               lambda conn, table, value: search_clause(conn, value, table)),
    "risk_level": (lambda value: {"risk_level"}, lambda conn, table, value: table.c.risk_level.in_(value)),
    "min_risk": (lambda value: {"risk_level"}, lambda conn, table, value: table.c.risk_level.in_(risk_at_least(value))),
    **{name: (lambda value: {"profile"}, partial(lambda name, conn, table, value: profiles.clause(
        conn, table, {name: value}), name)) for name in profiles.FILTERS},
}
"""Filters a rollup can answer, by name: (the columns a rollup table needs for a value,
its clause there). A search needs the action names and agent ids (rollup_actions), and
the outcome too when the term matches one (rollup_action_outcomes); risk and compliance
filters need rollup_compliance (a count with risk filters alone also adds up
rollup_outcomes' counts per risk level: `_risk_count`)."""

_DATES = ("start_date", "end_date")
_TOTALS, _ACTION, _AGENT_DAY, _SCALARS = 0, 1, 2, 3
"""The parts of `read.stats.stats_parts`' rows."""
_LAST_MICROSECOND = time(23, 59, 59, 999999)
_EARLIEST = datetime(1, 1, 1, tzinfo=timezone.utc)


def _active(request: Any) -> dict[str, Any]:
    return {f.name: value for f, value in active(request)}


def _day(moment: datetime | None, *, end: bool) -> date | None | bool:
    """The UTC day of a whole-day bound, None for no bound, False when not on a day edge."""
    if moment is None:
        return None
    moment = moment.astimezone(timezone.utc)
    if moment.timetz().replace(tzinfo=None) != (_LAST_MICROSECOND if end else time.min):
        return False
    return moment.date()


def answerable(request: Any, table: Table) -> bool:
    """Every active filter of `request` is answerable on `table`, dates on day edges."""
    for name, value in _active(request).items():
        if name in _DATES:
            if _day(value, end=name == "end_date") is False:
                return False
        elif name not in ROLLUP_FILTERS or not all(column in table.c for column in ROLLUP_FILTERS[name][0](value)):
            return False
    return True


def _whole_days(start: datetime | None, end: datetime | None) -> tuple[
        date | None, date | None, list[tuple[datetime | None, datetime | None]]] | None:
    """(the first and the last whole UTC day from `start` to `end`, None for no bound; the
    (start, end) of each partial day at an edge), or None when the range holds no whole
    day."""
    first, last = _day(start, end=False), _day(end, end=True)
    partial: list[tuple[datetime | None, datetime | None]] = []
    try:
        if first is False:
            day = start.astimezone(timezone.utc).date()  # type: ignore[union-attr]
            first = day + timedelta(days=1)
            partial.append((start, datetime.combine(day, _LAST_MICROSECOND, timezone.utc)))
        if last is False:
            day = end.astimezone(timezone.utc).date()  # type: ignore[union-attr]
            last = day - timedelta(days=1)
            partial.append((datetime.combine(day, time.min, timezone.utc), end))
    except OverflowError:  # a partial first or last day of the calendar
        return None
    if first is not None and last is not None and first > last:
        return None
    return first, last, partial  # type: ignore[return-value]


def split_days(request: Any) -> tuple[Any, list[Any]] | None:
    """(`request` over the whole UTC days of its range, `request` over each partial day at
    an edge of it), or None when the range holds no whole day (its entries are then a
    day or two's: the entries answer it). A request whose dates fall on day edges is its
    own whole-day part, with no partial ones."""
    found = _whole_days(getattr(request, "start_date", None), getattr(request, "end_date", None))
    if found is None:
        return None
    first, last, partial = found
    if not partial:
        return request, []
    whole = request.model_copy(update={
        "start_date": None if first is None else datetime.combine(first, time.min, timezone.utc),
        "end_date": None if last is None else datetime.combine(last, _LAST_MICROSECOND, timezone.utc)})
    return whole, [request.model_copy(update={"start_date": low, "end_date": high}) for low, high in partial]


def _edge_conditions(conn: Connection, principal: Principal, edges: list[Any]) -> list[ColumnElement[bool]]:
    """Each partial day's condition on the entries: scope, filters and its hours."""
    return [where(conn, scope_clause(principal, ledger_entries), edge) for edge in edges]


_LAST_MONTH = date.max.replace(day=1)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


Span = tuple[int, str, date | None, date | None]
"""(sign, grain, first day, last day): the rollup rows of `grain` whose period lies within
first..last (None: unbounded), added (1) or taken away (-1)."""


def _partial_month(month: date, first: date, last: date, subtract: bool) -> list[Span]:
    """The days first..last of the month that begins on `month`: their day rows or, with
    `subtract`, the month's row less the day rows of its other days when that reads fewer
    days."""
    month_last = _next_month(month) - timedelta(days=1)
    inside = (last - first).days + 1
    if not subtract or inside <= (month_last - month).days + 1 - inside:
        return [(1, "day", first, last)]
    spans: list[Span] = [(1, "month", month, month_last)]
    if first > month:
        spans.append((-1, "day", month, first - timedelta(days=1)))
    if last < month_last:
        spans.append((-1, "day", last + timedelta(days=1), month_last))
    return spans


def period_spans(start: date | None, end: date | None, *, subtract: bool = True) -> list[Span]:
    """The days start..end (inclusive; None: unbounded) as spans of rollup rows whose
    counts and sums add up to exactly those days': month rows for the whole months, day
    rows for the days at either edge. With `subtract`, a month the range covers mostly
    is its month row less the day rows of its other days (a quarter from the 2nd of a
    month reads one month row and one day instead of 29 days): only for measures that
    add up, as a subtracted span gives no first or last instant nor distinct runs.
    Without, every span is added and covers its days once (`period_clause`)."""
    if end == date.max:  # nothing lies after it
        end = None
    if start is not None and end is not None and start > end:
        return []
    if any(day is not None and day >= _LAST_MONTH for day in (start, end)):  # no month after it
        return [(1, "day", start, end)]
    first_month = None if start is None else (start if start.day == 1 else _next_month(start))
    after_last = None if end is None else (_next_month(end) if _next_month(end) - timedelta(days=1) == end
                                           else _month_start(end))
    if start is not None and end is not None and first_month >= after_last:  # type: ignore[operator]
        if not subtract:
            return [(1, "day", start, end)]
        if _month_start(start) == _month_start(end):
            return _partial_month(_month_start(start), start, end, subtract)
        return (_partial_month(_month_start(start), start, _next_month(start) - timedelta(days=1), subtract)
                + _partial_month(_month_start(end), _month_start(end), end, subtract))
    spans: list[Span] = [(1, "month", first_month, None if after_last is None else after_last - timedelta(days=1))]
    if start is not None and start < first_month:  # type: ignore[operator]
        spans += _partial_month(_month_start(start), start, first_month - timedelta(days=1), subtract)  # type: ignore[operator]
    if end is not None and end >= after_last:  # type: ignore[operator]
        spans += _partial_month(after_last, after_last, end, subtract)  # type: ignore[arg-type]
    return spans


def period_clause(table: Table, start: date | None, end: date | None) -> ColumnElement[bool]:
    """Rows of `table` covering the days start..end (inclusive; None: unbounded) exactly
    once, without signs (for first and last instants and distinct runs): `period_spans`
    ORed."""
    spans = period_spans(start, end, subtract=False)
    return or_(*[_span_clause(table, grain, first, last) for _, grain, first, last in spans]) if spans else false()


def _span_clause(table: Table, grain: str, first: date | None, last: date | None) -> ColumnElement[bool]:
    width = 7 if grain == "month" else 10
    clauses = [table.c.grain == grain]
    if first is not None:
        clauses.append(table.c.period >= first.isoformat()[:width])
    if last is not None:
        clauses.append(table.c.period <= last.isoformat()[:width])
    return and_(*clauses)


def _days(request: Any) -> tuple[date | None, date | None]:
    start = _day(getattr(request, "start_date", None), end=False)
    end = _day(getattr(request, "end_date", None), end=True)
    return start or None, end or None  # type: ignore[return-value]


def _scope_and_filters(conn: Connection, principal: Principal, request: Any,
                       table: Table) -> list[ColumnElement[bool]]:
    """The caller's scope and every filter of `request` but its dates, on `table`: the
    compliance filters as one list of the profiles that pass them all
    (`profiles.clause`). The rollups per risk level and profile whose key leads with the
    risk level get every level named when no risk filter does (a superuser's runs of
    review + GDPR at 1M actions on SQLite: a scan of the table, 92 ms, or ranges of the
    index, 35 ms), and for a scoped caller every profile named when no compliance filter
    does, so that it seeks its own rows under each (a user's min_risk high at 10M actions
    on PostgreSQL: 297 -> 134 ms); a superuser reads all of them anyway."""
    active_filters = _active(request)
    compliance = {name: value for name, value in active_filters.items() if name in profiles.FILTERS}
    clauses = [scope_clause(principal, table), *[ROLLUP_FILTERS[name][1](conn, table, value)
                                                 for name, value in active_filters.items()
                                                 if name not in _DATES and name not in compliance]]
    if compliance:  # one list of the profiles that pass them all
        clauses.append(profiles.clause(conn, table, compliance))
    if table in (rollup_compliance_runs, rollup_compliance_durations, rollup_compliance_days):
        if not any(name in active_filters for name in _RISK_FILTERS):
            clauses.append(table.c.risk_level.in_(RISK_LEVELS))
        if not compliance and principal.role != "superuser":
            clauses.append(table.c.profile.in_(sorted(profiles.known(conn))))
    return clauses


def condition(conn: Connection, principal: Principal, request: Any, table: Table, *,
              grain: str | None = None) -> ColumnElement[bool]:
    """Scope, filters and period of `request` on `table` (`answerable` must hold). With
    `grain="day"`, day rows only (for per-day figures)."""
    start, end = _days(request)
    if start is not None and end is not None and start > end:
        return false()
    period = _span_clause(table, "day", start, end) if grain == "day" else period_clause(table, start, end)
    return and_(*_scope_and_filters(conn, principal, request, table), period)


def signed_conditions(conn: Connection, principal: Principal, request: Any,
                      table: Table) -> list[tuple[int, ColumnElement[bool]]]:
    """Scope, filters and each of `period_spans` of `request` on `table`, with its sign:
    a measure that adds up is the signed sum of its sums under each condition. Each
    condition is one range of an index on (grain, period, ...): read index-only, where
    the single condition of `condition` (an OR of the spans) made both databases fetch
    the rows from the table."""
    start, end = _days(request)
    rest = _scope_and_filters(conn, principal, request, table)
    return [(sign, and_(*rest, _span_clause(table, grain, first, last)))
            for sign, grain, first, last in period_spans(start, end)]


def _signed_sum(conn: Connection, principal: Principal, request: Any, table: Table, measure: Any) -> int:
    """The sum of `measure` (an integer expression) over `request`'s rows of `table`."""
    return sum(sign * int(conn.execute(select(func.sum(measure)).where(where_)).scalar() or 0)
               for sign, where_ in signed_conditions(conn, principal, request, table))


def _signed_groups(conn: Connection, principal: Principal, request: Any, table: Table, keys: list[Any],
                   measures: list[Any]) -> dict[tuple, list[int]]:
    """The sums of `measures` (integer expressions, the count first) per `keys` over
    `request`'s rows of `table`, without the keys whose count adds up to nothing: each
    span grouped apart (an index range each), their signed sums added up by the database
    in the same statement (a few thousand groups per span for the compliance summary)."""
    branches = [select(*[key.label(f"k{i}") for i, key in enumerate(keys)],
                       *[(func.sum(m) * sign).label(f"m{i}") for i, m in enumerate(measures)])
                .where(where_).group_by(*keys)
                for sign, where_ in signed_conditions(conn, principal, request, table)]
    if not branches:
        return {}
    spans = union_all(*branches).subquery()
    grouped = [spans.c[f"k{i}"] for i in range(len(keys))]
    statement = (select(*grouped, *[func.sum(spans.c[f"m{i}"]) for i in range(len(measures))])
                 .group_by(*grouped).having(func.sum(spans.c.m0) != 0))
    return {tuple(row[:len(keys)]): [int(value) for value in row[len(keys):]] for row in conn.execute(statement).all()}


def count(conn: Connection, principal: Principal, request: Any) -> int | None:
    """The number of matching entries from a rollup (the smallest one that holds every
    filter's columns, or the counts per risk level for risk filters: `_risk_count`) and
    the entries of the partial days at the range's edges, or None when no rollup can
    answer."""
    split = split_days(request)
    if split is None:
        return None
    whole, edges = split
    total = _risk_count(conn, principal, whole)
    if total is None:
        for table in (rollup_outcomes, rollup_actions, rollup_action_outcomes, rollup_compliance):
            if answerable(whole, table):
                total = _signed_sum(conn, principal, whole, table, table.c.n)
                break
        else:
            return None
    return int(total or 0) + sum(
        conn.execute(select(func.count()).select_from(ledger_entries).where(edge)).scalar_one()
        for edge in _edge_conditions(conn, principal, edges))


_RISK_FILTERS = ("risk_level", "min_risk")


def _risk_count(conn: Connection, principal: Principal, request: Any) -> int | None:
    """The count of a request whose only filters `rollup_outcomes` lacks are risk filters,
    from its counts per risk level (a few times fewer rows than `rollup_compliance`'s: an
    org admin's count of min_risk high at 1M actions on SQLite, 50 -> 1.3 ms), or None."""
    active_filters = _active(request)
    if not any(name in active_filters for name in _RISK_FILTERS):
        return None
    rest = request.model_copy(update=dict.fromkeys(_RISK_FILTERS))
    if not answerable(rest, rollup_outcomes):
        return None
    levels = run_risks.admitted(active_filters)
    if not levels:
        return 0
    columns = [rollup_outcomes.c[f"risk_{level}"] for level in RISK_LEVELS if level in levels]
    counted = sum(columns[1:], start=columns[0])
    return _signed_sum(conn, principal, rest, rollup_outcomes, counted)


def names(conn: Connection, principal: Principal) -> tuple[list[str], list[str]]:
    """The action names and agent ids in `principal`'s scope (month rows hold them all)."""
    where = and_(scope_clause(principal, rollup_actions), rollup_actions.c.grain == "month")
    actions = conn.execute(select(rollup_actions.c.action_name).where(where).distinct()).scalars().all()
    agents = conn.execute(select(rollup_actions.c.agent_id).where(where).distinct()).scalars().all()
    return sorted(actions), sorted(agents)


def _cost(whole: Any, frac: Any) -> Decimal | None:
    if whole is None:
        return None
    return Decimal(int(whole)) + Decimal(int(frac)).scaleb(-COST_SCALE)


def _percentile(conn: Connection, raw: ColumnElement[bool], buckets: list[tuple[int, int]], rank: int,
                width: Callable[[int], int]) -> int | None:
    """The exact nearest-rank duration: the buckets (each `width(lower)` wide) give the
    one that holds it and its rank there; a bucket wider than 1 ms is then read from the
    entries, only over its range, from its nearer end (a superuser's p50 at 10M actions
    skipped up to 450,000 index entries of its bucket from the low end)."""
    found = locate(buckets, rank)
    if found is None:
        return None
    lower, within = found
    if width(lower) == 1:
        return lower
    size = sum(count_ for bucket, count_ in buckets if bucket == lower)
    duration = ledger_entries.c.duration_ms
    in_bucket = select(duration).where(raw, duration >= lower, duration < lower + width(lower)).limit(1)
    if within - 1 <= size - within:
        return conn.execute(in_bucket.order_by(duration).offset(within - 1)).scalar()
    return conn.execute(in_bucket.order_by(duration.desc()).offset(size - within)).scalar()


def _duration_buckets(conn: Connection, principal: Principal, whole: Any, edges: list[ColumnElement[bool]],
                      family: "Family") -> list[tuple[int, int]]:
    """(bucket, count) of the matching entries' durations: those of the whole days from
    the family's duration buckets (`answerable` on them), those of the partial days
    (`edges`) from the entries, grouped by duration and put in their buckets here."""
    table = family.durations
    if table is rollup_durations and "agent_id" not in _active(whole):
        whole = whole.model_copy(update={"agent_id": ALL_AGENTS})
    counts = {int(bucket): n for (bucket,), (n,) in _signed_groups(conn, principal, whole, table,
                                                                  [table.c.bucket], [table.c.n]).items()}
    duration = ledger_entries.c.duration_ms
    for edge in edges:
        for value, count_ in conn.execute(select(duration, func.count()).where(edge).group_by(duration)).all():
            lower = family.bucket(int(value))
            counts[lower] = counts.get(lower, 0) + int(count_)
    return list(counts.items())


def durations_below(conn: Connection, principal: Principal, request: Any, raw: ColumnElement[bool],
                    edges: tuple[int, ...], buckets: list[tuple[int, int]] | None = None,
                    ) -> tuple[int, list[int]] | None:
    """(matching entries, how many of them took less than each edge in ms) from the
    duration buckets (`buckets`: those `stats_rows` read for the same request, or read
    here), or None when the request is not answerable. Exact: a bucket wholly below an
    edge counts whole; the one an edge falls inside (`family.bucket(edge) < edge`, never
    for the buckets per profile, which start at the edges) counts its entries below the
    edge, read from the entries of that part of the bucket only (`raw`, the request's
    condition on the entries; an index in duration order)."""
    split = split_days(request)
    family = None if split is None else _family(split[0])
    if family is None:
        return None
    if buckets is None:
        buckets = _duration_buckets(conn, principal, split[0], _edge_conditions(conn, principal, split[1]), family)
    below = [sum(n for lower, n in buckets if lower + family.width(lower) <= edge) for edge in edges]
    filled = {lower for lower, n in buckets if n}
    split = [(position, edge) for position, edge in enumerate(edges)
             if family.bucket(edge) < edge and family.bucket(edge) in filled]
    if split:
        duration = ledger_entries.c.duration_ms
        found = conn.execute(select(*[
            select(func.count()).select_from(ledger_entries)
            .where(raw, duration >= family.bucket(edge), duration < edge).scalar_subquery()
            for _, edge in split])).one()
        for (position, _), count_ in zip(split, found):
            below[position] += int(count_)
    return sum(n for _, n in buckets), below


def _between(column: ColumnElement, start: datetime | None, end: datetime | None) -> list[ColumnElement[bool]]:
    """`start <= column <= end`, either bound left out when None."""
    return [*([column >= start] if start is not None else []), *([column <= end] if end is not None else [])]


def _on_days(column: ColumnElement, first: date | None, last: date | None) -> list[ColumnElement[bool]]:
    """`first <= column <= last` on a column of ISO days, either bound left out when None."""
    return _between(column, first and first.isoformat(), last and last.isoformat())  # type: ignore[arg-type]


def _started(conn: Connection, principal: Principal, start: datetime | None, end: datetime | None) -> int:
    """How many runs in scope start between `start` and `end` (inclusive; None:
    unbounded): added up from `run_days` for the whole days, counted off the runs' start
    indexes for a partial day at either edge (a superuser's quarter at 10M actions on
    PostgreSQL: 20-40 ms counted, under 2 ms added up)."""
    found = _whole_days(start, end)
    if found is None:  # a day or two's runs
        return _count_started(conn, principal, start, end)
    first, last, partial = found
    total = conn.execute(select(func.coalesce(func.sum(run_days.c.n), 0)).where(
        scope_clause(principal, run_days), *_on_days(run_days.c.day, first, last))).scalar_one()
    return int(total) + sum(_count_started(conn, principal, low, high) for low, high in partial)


def _count_started(conn: Connection, principal: Principal, start: datetime | None, end: datetime | None) -> int:
    return int(conn.execute(select(func.count()).select_from(runs_table).where(
        scope_clause(principal, runs_table), *_between(runs_table.c.started_at, start, end))).scalar_one())


def runs_between(conn: Connection, principal: Principal, start: datetime | None, end: datetime | None) -> int:
    """How many runs in scope act between `start` and `end` (inclusive; None: unbounded).

    Those that start in the range (a run starts with its first action: `_started`), and
    those that started before it and still act in it. A run of
    the second kind either started earlier on `start`'s own UTC day or spans several UTC
    days (`runs.multi_day`, kept by ingest), which few runs do: they are found by their
    end (set by ingest with a run's first action, as its start is), and each one's
    actions within the range are looked up (`ix_le_run`). Counting distinct run ids
    among the range's `rollup_runs` rows took 125-140 ms for 90 days at 10M actions on
    PostgreSQL (about 290,000 rows)."""
    r = runs_table.c
    scope = scope_clause(principal, runs_table)
    total = _started(conn, principal, start, end)
    if start is None:
        return total
    acts = (select(ledger_entries.c.run_id)
            .where(ledger_entries.c.run_id == r.id, *_between(ledger_entries.c.timestamp, start, end)).exists())
    earlier = conn.execute(select(func.count()).select_from(runs_table).where(
        scope, r.multi_day == true(), r.ended_at >= start, r.started_at < start,
        acts)).scalar_one()
    midnight = datetime.combine(start.astimezone(timezone.utc).date(), time.min, timezone.utc)
    if midnight < start:
        earlier += conn.execute(select(func.count()).select_from(runs_table).where(
            scope, r.multi_day == false(), r.started_at >= midnight, r.started_at < start,
            r.ended_at >= start, acts)).scalar_one()
    return int(total) + int(earlier)


def runs_at_risk(conn: Connection, principal: Principal, request: Any, whole: Any,
                 edges: list[ColumnElement[bool]]) -> int:
    """The distinct runs in scope holding an action of `request`'s risk levels (its only
    filters but dates are risk filters) within its range: `whole`, its whole days, and
    `edges`, the conditions of its partial days on the entries (`split_days`).

    A run that acts on one UTC day holds such an action in the range when that day is
    one of its whole days and the run's mask (`runs.risks`) holds one of the levels: those
    add up from `run_risk_days`, less the runs spanning several days it counts
    (`runs.multi_day`, few: 282 of 1,089,806 in the 10M demo), or when it holds one in a
    partial day, read off that day's entries. The runs spanning several days are looked
    up, their actions in the range by run (`ix_le_run`). Counting the run ids of
    `rollup_compliance_runs` took 50 ms of a superuser's min_risk high over the 1M
    ledger on SQLite, 129 ms of risk_level medium."""
    levels = run_risks.admitted(_active(request))
    masks = run_risks.masks_holding(levels)
    if not masks:
        return 0
    first, last = _days(whole)
    d, r = run_risk_days.c, runs_table.c
    in_whole_days = conn.execute(select(func.coalesce(func.sum(d.n), 0)).where(
        scope_clause(principal, run_risk_days), d.risks.in_(masks), *_on_days(d.day, first, last))).scalar_one()
    low = None if first is None else datetime.combine(first, time.min, timezone.utc)
    below = None if last is None else datetime.combine(last + timedelta(days=1), time.min, timezone.utc)
    scope = scope_clause(principal, runs_table)
    # Each lookup of the runs spanning several days bounds their end, so that it reads
    # their partial index (`ix_runs_multi_day`): with an org admin's organization alone,
    # SQLite read all its runs instead (19 ms at 1M actions).
    spanning = conn.execute(select(func.count()).select_from(runs_table).where(
        scope, r.multi_day == true(), r.risks.in_(masks), r.ended_at >= (low or _EARLIEST),
        *([r.started_at >= low] if low is not None else []),
        *([r.started_at < below] if below is not None else []))).scalar_one()
    start, end = request.start_date, request.end_date
    e = ledger_entries.c
    acts = (select(e.run_id).where(e.run_id == r.id, e.risk_level.in_(levels),
                                   *_between(e.timestamp, start, end)).exists())
    found = set(conn.execute(select(r.id).where(
        scope, r.multi_day == true(), r.ended_at >= (start or _EARLIEST),
        *([r.started_at <= end] if end is not None else []), acts)).scalars())
    for edge in edges:
        found.update(conn.execute(select(e.run_id).where(edge).distinct()).scalars())
    return int(in_whole_days) - int(spanning) + len(found)


def _rollup_parts(conn: Connection, principal: Principal, whole: Any) -> list[SimpleNamespace]:
    """Parts 0-2 of `read.stats.stats_parts` from the rollups (`whole`: answerable on
    every one): part 2 as rows per agent (`day` None) and rows per day (`key` None)."""
    o = rollup_outcomes.c
    where_ = condition(conn, principal, whole, rollup_outcomes)
    totals = conn.execute(select(
        func.sum(o.n), func.sum(o.cost_whole), func.sum(o.cost_frac),
        *[func.sum(case((o.outcome == value, o.n), else_=0)) for value in OUTCOMES],
        *[func.sum(o[f"risk_{value}"]) for value in RISK_LEVELS],
        func.min(o.first_at), func.max(o.last_at), func.sum(o.duration_ms),
    ).where(where_)).one()
    counts = [int(value or 0) for value in totals[3:10]]
    rows = [SimpleNamespace(part=_TOTALS, key=None, day=None, n=int(totals[0] or 0), cost=_cost(totals[1], totals[2]),
                            **{f"c{i}": value for i, value in enumerate(counts, 1)},
                            first=totals[10], last=totals[11], duration=totals[12])]
    a = rollup_actions.c
    measures = [a.n, a.cost_whole, a.cost_frac]
    for (name,), (count_, whole_, frac) in _signed_groups(conn, principal, whole, rollup_actions,
                                                          [a.action_name], measures).items():
        rows.append(SimpleNamespace(part=_ACTION, key=name, day=None, n=count_, cost=_cost(whole_, frac)))
    # Per agent over the whole range and per day (day rows), rather than per (agent, day):
    # the same folded figures from far fewer rows.
    for (agent,), (count_, whole_, frac) in _signed_groups(conn, principal, whole, rollup_actions,
                                                           [a.agent_id], measures).items():
        rows.append(SimpleNamespace(part=_AGENT_DAY, key=agent, day=None, n=count_, cost=_cost(whole_, frac),
                                    c1=0, c2=0))
    for day, count_, whole_, frac, errors, blocked in conn.execute(
            select(o.period, func.sum(o.n), func.sum(o.cost_whole), func.sum(o.cost_frac),
                   *[func.sum(count) for count in errors_and_blocked(rollup_outcomes)])
            .where(condition(conn, principal, whole, rollup_outcomes, grain="day"))
            .group_by(o.period)).all():
        rows.append(SimpleNamespace(part=_AGENT_DAY, key=None, day=day, n=int(count_), cost=_cost(whole_, frac),
                                    c1=int(errors), c2=int(blocked)))
    return rows


def _profiled_days(conn: Connection, principal: Principal, whole: Any) -> list[tuple]:
    """(day, count, cost whole, cost fraction, errors, blocked, first and last instant) per
    day of `whole` (a risk or compliance filter): from `rollup_compliance_days`, or from
    `rollup_compliance`'s day rows when a filter needs its agents (`answerable`)."""
    if answerable(whole, rollup_compliance_days):
        table = rollup_compliance_days
        errors, blocked = table.c.errors, table.c.blocked
    else:
        table = rollup_compliance
        errors, blocked = errors_and_blocked(table)
    t = table.c
    return [tuple(row) for row in conn.execute(
        select(t.period, func.sum(t.n), func.sum(t.cost_whole), func.sum(t.cost_frac), func.sum(errors),
               func.sum(blocked), func.min(t.first_at), func.max(t.last_at))
        .where(condition(conn, principal, whole, table, grain="day"))
        .group_by(t.period)).all()]


def _profiled_parts(conn: Connection, principal: Principal, whole: Any) -> list[SimpleNamespace]:
    """`_rollup_parts` from `rollup_compliance` (a risk or compliance filter): the counts
    and sums per agent, action, outcome and risk level in one grouped read, folded here
    into the totals, the actions and the agents; the daily series and the range's first
    and last instants (from its first and last days) from `_profiled_days`."""
    c = rollup_compliance.c
    groups = _signed_groups(conn, principal, whole, rollup_compliance,
                            [c.agent_id, c.action_name, c.outcome, c.risk_level],
                            [c.n, c.cost_whole, c.cost_frac, c.duration_ms])
    counted: Counter[str] = Counter()
    actions: dict[str, list[int]] = {}
    agents: dict[str, list[int]] = {}
    for (agent, action, outcome, risk), figures in groups.items():
        counted[outcome] += figures[0]
        counted[risk] += figures[0]
        for key, sums in ((action, actions), (agent, agents)):
            into = sums.setdefault(key, [0, 0, 0])
            for i in range(3):
                into[i] += figures[i]
    days = _profiled_days(conn, principal, whole)
    sums = [sum(figures[i] for figures in groups.values()) for i in range(4)]
    rows = [SimpleNamespace(part=_TOTALS, key=None, day=None, n=sums[0],
                            cost=_cost(sums[1], sums[2]) if groups else None,
                            **{f"c{i}": counted[value] for i, value in enumerate((*OUTCOMES, *RISK_LEVELS), 1)},
                            first=min((day[6] for day in days), default=None),
                            last=max((day[7] for day in days), default=None), duration=sums[3])]
    rows.extend(SimpleNamespace(part=_ACTION, key=name, day=None, n=n, cost=_cost(whole_, frac))
                for name, (n, whole_, frac) in actions.items())
    rows.extend(SimpleNamespace(part=_AGENT_DAY, key=agent, day=None, n=n, cost=_cost(whole_, frac), c1=0, c2=0)
                for agent, (n, whole_, frac) in agents.items())
    rows.extend(SimpleNamespace(part=_AGENT_DAY, key=None, day=day, n=int(n), cost=_cost(whole_, frac),
                                c1=int(errors), c2=int(blocked))
                for day, n, whole_, frac, errors, blocked, _, _ in days)
    return rows


@dataclass(frozen=True)
class Family:
    """The rollups that answer the stats and the duration chart together: parts 0-2 of
    the stats (`parts`, reading `tables`), the distinct runs (kept in `runs_grain`, None:
    both grains) and the duration buckets (`bucket` names a duration's, `width` gives
    its size)."""

    parts: Callable[[Connection, Principal, Any], list[SimpleNamespace]]
    tables: tuple[Table, ...]
    runs: Table
    durations: Table
    runs_grain: str | None = None
    bucket: Callable[[int], int] = bucket_of
    width: Callable[[int], int] = width_of


FAMILIES = (
    Family(_rollup_parts, (rollup_outcomes, rollup_actions), rollup_runs, rollup_durations),
    # A risk or compliance filter (migration 0021): the same figures per risk level and
    # compliance profile, in more rows; its buckets start at the chart's edges too, so
    # the chart reads no entries.
    Family(_profiled_parts, (rollup_compliance,), rollup_compliance_runs, rollup_compliance_durations, "day",
           chart_bucket_of, chart_width_of),
)


def _family(whole: Any) -> Family | None:
    """The first family whose every table answers `whole`, or None."""
    return next((family for family in FAMILIES
                 if all(answerable(whole, table) for table in (*family.tables, family.runs, family.durations))),
                None)


def _add_entries(conn: Connection, rows: list[SimpleNamespace], edge: ColumnElement[bool]) -> None:
    """Add to `rows` (`_rollup_parts`) the entries matching `edge` (a partial day): one
    grouped read, folded here (the parts' own statement, over a materialised CTE, took
    73 ms for half a day of a 10M-action ledger on PostgreSQL, this one 57)."""
    e = ledger_entries.c
    day = day_of(e.timestamp)
    at = {value: i for i, value in enumerate((*OUTCOMES, *RISK_LEVELS))}
    counts = [0] * len(at)
    n, cost_sum, duration_sum, first, last = 0, Decimal(0), 0, None, None
    actions: dict[str, list[Any]] = {}
    agent_days: dict[tuple[str, str], list[Any]] = {}
    for action, agent, day_, outcome, risk, count_, cost, duration, low, high in conn.execute(
            select(e.action_name, e.agent_id, day, e.outcome, e.risk_level, func.count(), exact_sum(e.cost_usd),
                   func.sum(e.duration_ms), func.min(e.timestamp), func.max(e.timestamp))
            .where(edge).group_by(e.action_name, e.agent_id, day, e.outcome, e.risk_level)).all():
        n += count_
        cost_sum += cost
        duration_sum += int(duration)
        counts[at[outcome]] += count_
        counts[at[risk]] += count_
        if first is None or low < first:
            first = low
        if last is None or high > last:
            last = high
        figures = actions.setdefault(action, [0, Decimal(0)])
        figures[0] += count_
        figures[1] += cost
        figures = agent_days.setdefault((agent, day_), [0, Decimal(0), 0, 0])
        figures[0] += count_
        figures[1] += cost
        if outcome in ("error", "blocked"):
            figures[2 if outcome == "error" else 3] += count_
    if not n:
        return
    totals = rows[0]
    totals.n += n
    totals.cost = cost_sum + (totals.cost or 0)
    for i, count_ in enumerate(counts, 1):
        setattr(totals, f"c{i}", getattr(totals, f"c{i}") + count_)
    totals.first = first if totals.first is None else min(totals.first, first)
    totals.last = last if totals.last is None else max(totals.last, last)
    totals.duration = int(totals.duration or 0) + duration_sum
    known = {row.key: row for row in rows if row.part == _ACTION}
    for action, (count_, cost) in actions.items():
        if (row := known.get(action)) is None:
            rows.append(SimpleNamespace(part=_ACTION, key=action, day=None, n=count_, cost=cost))
        else:
            row.n += count_
            row.cost += cost
    rows.extend(SimpleNamespace(part=_AGENT_DAY, key=agent, day=day_, n=count_, cost=cost, c1=errors, c2=blocked)
                for (agent, day_), (count_, cost, errors, blocked) in agent_days.items())


def _runs(conn: Connection, principal: Principal, request: Any, whole: Any,
          edges: list[ColumnElement[bool]], family: "Family") -> int:
    """The distinct runs of the matching entries."""
    if set(_active(request)) <= set(_DATES):
        # Every run holds at least one entry of its own organization and user (ingest
        # creates it with its first entry): with no filter but dates, the runs in scope
        # that act in the range are the answer (all of them without dates: `run_days`).
        return runs_between(conn, principal, request.start_date, request.end_date)
    if set(_active(request)) <= {*_DATES, *_RISK_FILTERS}:
        return runs_at_risk(conn, principal, request, whole, edges)
    r = family.runs.c
    in_whole_days = condition(conn, principal, whole, family.runs, grain=family.runs_grain)
    if not edges:
        return int(conn.execute(select(func.count(r.run_id.distinct())).where(in_whole_days)).scalar_one())
    every: Select = union(select(r.run_id).where(in_whole_days),
                          *[select(ledger_entries.c.run_id).where(edge) for edge in edges])  # type: ignore[assignment]
    return int(conn.execute(select(func.count()).select_from(every.subquery())).scalar_one())


def stats_rows(conn: Connection, principal: Principal, request: Any,
               raw: ColumnElement[bool]) -> list[SimpleNamespace] | None:
    """The rows of `read.stats.stats_parts` (same parts and fields; part 2 as rows
    per agent, `day` None, and rows per day, `key` None, and per agent and day for the
    partial days) from the rollups and the partial days' entries (`split_days`), or None
    when the request is not answerable. `raw` is the request's condition on the
    entries, for the percentiles: exact, from the duration buckets and then the entries of
    one bucket (`_percentile`)."""
    split = split_days(request)
    family = None if split is None else _family(split[0])
    if family is None:
        return None
    whole, edges = split
    edge_conditions = _edge_conditions(conn, principal, edges)
    rows = family.parts(conn, principal, whole)
    for edge in edge_conditions:
        _add_entries(conn, rows, edge)
    runs = _runs(conn, principal, request, whole, edge_conditions, family)
    buckets = _duration_buckets(conn, principal, whole, edge_conditions, family)
    n = rows[0].n
    p50 = _percentile(conn, raw, buckets, (n * 50 + 99) // 100, family.width) if n else None
    p95 = _percentile(conn, raw, buckets, (n * 95 + 99) // 100, family.width) if n else None
    rows.append(SimpleNamespace(part=_SCALARS, key=None, day=None, n=int(runs), cost=None, c1=p50, c2=p95,
                                buckets=buckets))
    return rows


ComplianceGroup = tuple[str, str, str, "profiles.Profile | None", int]
"""(agent id, action name, risk level, compliance profile, count)."""


def compliance_groups(conn: Connection, principal: Principal, request: Any,
                      raw: ColumnElement[bool]) -> list[ComplianceGroup]:
    """The matching entries counted per agent, action, risk level and compliance profile:
    what the compliance summary is made of. Whole days from `rollup_compliance` and the
    partial days at the edges from the entries (`split_days`), or all from the entries
    (`raw`, the request's condition on them) when the rollup cannot answer."""
    split = split_days(request)
    if split is None or not answerable(split[0], rollup_compliance):
        return entry_compliance_groups(conn, raw)
    whole, edges = split
    c = rollup_compliance.c
    found = _signed_groups(conn, principal, whole, rollup_compliance,
                           [c.agent_id, c.action_name, c.risk_level, c.profile], [c.n])
    known = profiles.known(conn)  # after the rollup: a profile is stored with its first rows
    groups = [(agent, action, risk, known[digest], n) for (agent, action, risk, digest), (n,) in found.items()]
    for edge in _edge_conditions(conn, principal, edges):
        groups.extend(entry_compliance_groups(conn, edge))
    return groups


def entry_compliance_groups(conn: Connection, where_: ColumnElement[bool]) -> list[ComplianceGroup]:
    """`compliance_groups` of the entries matching `where_`, counted from the entries:
    grouped by their whole compliance text, each distinct text read into its profile once
    here. Extracting the profile's members in SQL parsed each entry's text once per
    member: half a day at 10M actions on PostgreSQL took 66-74 ms, 30-36 grouped by text
    (SQLite at 1M: 8-10 -> 5-6 ms)."""
    e = ledger_entries.c
    keys = [e.agent_id, e.action_name, e.risk_level, wire_text(conn, e.compliance, "json")]
    read: dict[str | None, profiles.Profile | None] = {}
    counts: Counter[tuple[str, str, str, profiles.Profile | None]] = Counter()
    for agent, action, risk, text, n in conn.execute(select(*keys, func.count()).where(where_).group_by(*keys)).all():
        if text not in read:
            read[text] = profiles.profile_of_text(text)
        counts[agent, action, risk, read[text]] += int(n)
    return [(*key, n) for key, n in counts.items()]
