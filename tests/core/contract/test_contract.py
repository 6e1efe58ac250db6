"""Request models: parsing and validation, no database (SPEC sections 2 and 3)."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from ledger_core import EntryFilters, EntryIn, LedgerPage, LedgerQuery, LedgerValidationError
from ledger_core.contract.common import parse_cost, parse_instant

UTC = timezone.utc


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# --- parse_instant ---------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-12-31", at(2024, 12, 31)),
        ("20241231", at(2024, 12, 31)),
        ("2024-12-31T23:59:59", at(2024, 12, 31, 23, 59, 59)),
        ("2024-12-31 23:59:59", at(2024, 12, 31, 23, 59, 59)),
        ("2024-12-31T23:59:59Z", at(2024, 12, 31, 23, 59, 59)),
        ("2024-12-31t23:59:59z", at(2024, 12, 31, 23, 59, 59)),
        ("2024-12-31T23:59:59.999Z", at(2024, 12, 31, 23, 59, 59, 999000)),
        ("2024-12-31T23:59:59.123456+00:00", at(2024, 12, 31, 23, 59, 59, 123456)),
        ("2025-01-01T01:30:00+02:00", at(2024, 12, 31, 23, 30)),
        ("2024-12-31T18:00:00-05:30", at(2024, 12, 31, 23, 30)),
        ("  2024-12-31T23:59:59Z  ", at(2024, 12, 31, 23, 59, 59)),
    ],
)
def test_parse_instant_variants(text: str, expected: datetime) -> None:
    moment = parse_instant(text)
    assert moment == expected
    assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a date alone means the whole day for an end bound
        ("2024-12-31", at(2024, 12, 31, 23, 59, 59, 999999)),
        ("20241231", at(2024, 12, 31, 23, 59, 59, 999999)),
        ("9999-12-31", at(9999, 12, 31, 23, 59, 59, 999999)),
        # a time, even midnight, is taken as given
        ("2024-12-31T00:00:00Z", at(2024, 12, 31)),
        ("2025-01-01T00:00:00+02:00", at(2024, 12, 31, 22)),
    ],
)
def test_parse_instant_end_of_day(text: str, expected: datetime) -> None:
    assert parse_instant(text, end_of_day=True) == expected


def test_parse_instant_python_values() -> None:
    assert parse_instant(date(2024, 12, 31)) == at(2024, 12, 31)
    assert parse_instant(date(2024, 12, 31), end_of_day=True) == at(2024, 12, 31, 23, 59, 59, 999999)
    assert parse_instant(datetime(2024, 12, 31, 12)) == at(2024, 12, 31, 12)  # naive = UTC
    plus_two = timezone(timedelta(hours=2))
    moment = parse_instant(datetime(2025, 1, 1, 1, tzinfo=plus_two))
    assert moment == at(2024, 12, 31, 23) and moment.tzinfo == UTC


@pytest.mark.parametrize(
    "value",
    ["", "   ", "yesterday", "2024-13-01", "2024-12-32", "2024-12-31T25:00", "2024-12-31\x00",
     "0001-01-01T00:00:00+02:00", "9999-12-31T23:59:59-02:00", 1735689600, None, 1.5],
)
def test_parse_instant_refuses(value: object) -> None:
    with pytest.raises(ValueError):
        parse_instant(value)


# --- costs ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, Decimal(0)), ("0.0123", Decimal("0.0123")), (0.0123, Decimal("0.0123")),
     (Decimal("0.0123"), Decimal("0.0123")), (0.1, Decimal("0.1")), (" 2.5 ", Decimal("2.5")),
     ("1e-10", Decimal("1e-10"))],
)
def test_parse_cost_is_exact(value: object, expected: Decimal) -> None:
    parsed = parse_cost(value)
    assert parsed == expected and isinstance(parsed, Decimal)


@pytest.mark.parametrize("value", [-0.01, "-1", "abc", "NaN", "inf", True, "1\x00", "1e8", 10**12])
def test_parse_cost_refuses(value: object) -> None:
    with pytest.raises(ValueError):
        parse_cost(value)


# --- EntryFilters / LedgerQuery ---------------------------------------------------------

def test_empty_strings_mean_no_filter() -> None:
    filters = EntryFilters.parse(outcome="", action_name="", agent_id="", run_id="", min_cost="",
                                 max_cost="", start_date="", end_date="", search="")
    assert filters == EntryFilters()
    assert all(value is None for value in filters.model_dump().values())


def test_filters_are_parsed() -> None:
    run = uuid.uuid4()
    filters = EntryFilters.parse(
        outcome="error", action_name="database_query", agent_id="prod-agent-3",
        run_id=str(run).upper(), min_cost=0.0123, max_cost="0.0123",
        start_date="2024-12-31", end_date="2024-12-31", search="QUERY",
    )
    assert filters.run_id == run
    assert filters.min_cost == Decimal("0.0123") == filters.max_cost
    assert filters.start_date == at(2024, 12, 31)
    assert filters.end_date == at(2024, 12, 31, 23, 59, 59, 999999)
    assert filters.search == "QUERY"  # case folding happens in the query, not here
    # text is kept as given: exact matches must not be trimmed or folded
    assert EntryFilters.parse(agent_id=" prod-agent-3").agent_id == " prod-agent-3"


def test_cost_bounds_round_towards_the_inside() -> None:
    # stored costs have 10 places: a bound with more is rounded so the same rows match
    filters = EntryFilters.parse(min_cost="0.01230000001", max_cost="0.01239999999")
    assert filters.min_cost == Decimal("0.0123000001")
    assert filters.max_cost == Decimal("0.0123999999")


def test_query_defaults() -> None:
    query = LedgerQuery.parse()
    assert (query.page, query.page_size, query.sort_by, query.sort_order) == (0, 100, "timestamp", "desc")
    assert LedgerQuery.parse(page="3", page_size=" 50 ").page == 3
    assert LedgerQuery.parse(page=2.0).page == 2
    assert LedgerQuery.parse(page_size=1000).page_size == 1000
    assert LedgerQuery.parse(page_size=1).page_size == 1
    query = LedgerQuery.parse(outcome="blocked", min_cost=1, sort_by="cost", sort_order="asc")
    assert query.filters() == EntryFilters.parse(outcome="blocked", min_cost=1)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": -1}, "page"),
        ({"page": "abc"}, "page"),
        ({"page": 1.5}, "page"),
        ({"page": True}, "page"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": 1001}, "page_size"),
        ({"outcome": "maybe"}, "outcome"),
        ({"outcome": "SUCCESS"}, "outcome"),
        ({"sort_by": "cost_usd"}, "sort_by"),
        ({"sort_order": "up"}, "sort_order"),
        ({"run_id": "not-a-uuid"}, "run_id"),
        ({"min_cost": -1}, "min_cost"),
        ({"max_cost": "-0.0000000001"}, "max_cost"),
        ({"min_cost": 2, "max_cost": 1}, "min_cost"),
        ({"start_date": "2025-01-02", "end_date": "2025-01-01"}, "start_date"),
        ({"start_date": "not a date"}, "start_date"),
        ({"end_date": "2024-02-30"}, "end_date"),
        ({"start_date": "0001-01-01T00:00:00+02:00"}, "start_date"),
        ({"search": "a\x00b"}, "search"),
        ({"search": "x" * 201}, "search"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_query_refuses_with_field(params: dict, field: str) -> None:
    with pytest.raises(LedgerValidationError) as caught:
        LedgerQuery.parse(**params)
    assert caught.value.field == field
    assert field in caught.value.message


def test_same_start_and_end_date_is_the_whole_day() -> None:
    query = LedgerQuery.parse(start_date="2024-12-31", end_date="2024-12-31")
    assert query.end_date - query.start_date == timedelta(days=1) - timedelta(microseconds=1)


# --- EntryIn ----------------------------------------------------------------------------

def _record(**changes: object) -> dict:
    record = {
        "id": str(uuid.uuid4()), "run_id": str(uuid.uuid4()), "timestamp": "2024-12-31T23:59:59.999Z",
        "action_name": "database_query", "agent_id": "prod-agent-3", "outcome": "success",
        "cost_usd": "0.0123", "duration_ms": 12, "risk_level": "low", "user_id": "alice", "org_id": "acme",
    }
    record.update(changes)
    return record


def test_entry_in_normalises() -> None:
    entry = EntryIn.model_validate(_record(timestamp="2025-01-01T01:00:00+02:00", cost_usd=0.0123,
                                           entry_hash="forged", prev_hash="forged"))
    assert entry.timestamp == at(2024, 12, 31, 23)
    assert entry.cost_usd == Decimal("0.0123")
    assert entry.metadata == {} and entry.input is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"timestamp": "2024-12-31"}, "timestamp"),
        ({"timestamp": date(2024, 12, 31)}, "timestamp"),
        ({"timestamp": "0001-01-01T00:00:00+02:00"}, "timestamp"),
        ({"cost_usd": "0.00000000001"}, "cost_usd"),
        ({"cost_usd": 0.1 + 0.2}, "cost_usd"),  # a binary float artefact is not rounded silently
        ({"cost_usd": "100000000"}, "cost_usd"),
        ({"cost_usd": None}, "cost_usd"),
        ({"outcome": "maybe"}, "outcome"),
        ({"duration_ms": -1}, "duration_ms"),
        ({"duration_ms": 1.5}, "duration_ms"),
        ({"id": "nope"}, "id"),
        ({"agent_id": ""}, "agent_id"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_entry_in_refuses(changes: dict, field: str) -> None:
    from ledger_core.contract.common import validate

    with pytest.raises(LedgerValidationError) as caught:
        validate(EntryIn, _record(**changes))
    assert caught.value.field == field


# --- LedgerPage ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("total", "page", "size", "pages", "more"),
    [(0, 0, 10, 0, False), (1, 0, 10, 1, False), (10, 0, 10, 1, False), (11, 0, 10, 2, True),
     (11, 1, 10, 2, False), (11, 5, 10, 2, False), (2001, 1, 1000, 3, True), (2001, 2, 1000, 3, False)],
)
def test_page_arithmetic(total: int, page: int, size: int, pages: int, more: bool) -> None:
    built = LedgerPage.build([], total, page, size)
    assert (built.total_pages, built.has_more, built.page, built.page_size) == (pages, more, page, size)
