"""The ledger query (SPEC section 3) against an independent pandas oracle, on both backends.

One data set of crafted records (many timestamp, cost, duration and name ties; names with
`%`, `_` and `/`; timestamps written with several zones) is ingested once per backend. Every
expectation is computed with pandas from the records as written here, never with ledger_core.
"""
from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.helpers import statements_run, walk_ids

from ledger_core import Ledger, LedgerValidationError, Principal
from ledger_core.contract.entry import ENTRY_FIELDS

UTC = timezone.utc
PLUS_TWO = timezone(timedelta(hours=2))
MINUS_530 = timezone(-timedelta(hours=5, minutes=30))

N_RECORDS = 3000
N_RUNS = 90
ACTIONS = ["database_query", "http_request", "send_email", "llmcall", "web%search", "QueryCache", "file/read"]
AGENTS = ["prod-agent-3", "prod-agent-30", "prod-agent-31", "etl_job%v2", "etl-job-v2", "etlxjob%v2", "Scanner_A"]
USERS = {"alice": "acme", "bob": "acme", "dave": "globex"}
COSTS = ["0", "0.0123", "0.01229", "0.01231", "0.1", "0.2", "0.3", "1.5", "12.3456789012", "0.0000000001",
         "999.99", "0.05"]
DURATIONS = [0, 1, 5, 100, 250, 1000, 2500, 60000]
OUTCOMES = ["success", "error", "blocked"]
RISKS = ["low", "medium", "high", "critical"]
# Instants around the year boundary; many records share each of them.
SPECIAL = [
    datetime(2024, 12, 30, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2024, 12, 31, 0, 0, 0, tzinfo=UTC),
    datetime(2024, 12, 31, 12, 0, 0, tzinfo=UTC),
    datetime(2024, 12, 31, 23, 59, 59, 999000, tzinfo=UTC),
    datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2025, 1, 1, 0, 0, 0, tzinfo=UTC),
    datetime(2025, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
]
ORACLE_SORT = {"timestamp": ["ts"], "cost": ["cost"], "duration": ["duration_ms"], "name": ["action_name", "ts"]}
SORTS = [(key, order) for key in ORACLE_SORT for order in ("asc", "desc")]


def _stamp(moment: datetime, style: int) -> Any:
    """The same instant written in one of several ways a producer might use."""
    if style == 0:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if style == 1:
        return moment.astimezone(PLUS_TWO).isoformat()
    if style == 2:
        return moment.astimezone(MINUS_530).isoformat()
    if style == 3:
        return moment.replace(tzinfo=None).isoformat()  # no zone: UTC
    if style == 4:
        return moment.astimezone(PLUS_TWO)  # a datetime object
    return moment.isoformat().replace("+00:00", "z")


def _cost_value(text: str, style: int) -> Any:
    if style == 0:
        return Decimal(text)
    if style == 1 and Decimal(repr(float(text))) == Decimal(text):
        return float(text)
    if style == 2 and Decimal(text) == int(Decimal(text)):
        return int(Decimal(text))
    return text


def build_records(seed: int = 20241231) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    rng = random.Random(seed)
    pool = SPECIAL + [
        datetime(2024, 12, 25, tzinfo=UTC) + timedelta(microseconds=rng.randrange(11 * 86400 * 10**6))
        for _ in range(110)
    ]
    pool += [moment.replace(microsecond=0) for moment in pool[-30:]]  # whole seconds too
    runs = []
    for _ in range(N_RUNS):
        user = rng.choice(sorted(USERS))
        runs.append((uuid.UUID(int=rng.getrandbits(128), version=4), user, USERS[user], rng.choice(AGENTS)))
    records, truth = [], []
    for _ in range(N_RECORDS):
        run_id, user, org, agent = rng.choice(runs)
        moment = rng.choice(SPECIAL) if rng.random() < 0.3 else rng.choice(pool)
        cost = rng.choice(COSTS)
        outcome = rng.choice(OUTCOMES)
        entry_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        record = {
            "id": str(entry_id) if rng.random() < 0.8 else str(entry_id).upper(),
            "run_id": str(run_id),
            "timestamp": _stamp(moment, rng.randrange(6)),
            "action_name": rng.choice(ACTIONS),
            "agent_id": agent,
            "outcome": outcome,
            "cost_usd": _cost_value(cost, rng.randrange(3)),
            "duration_ms": rng.choice(DURATIONS),
            "risk_level": rng.choice(RISKS),
            "user_id": user,
            "org_id": org,
            "input": {"n": rng.randrange(100)},
            "output": None,
            "error_message": "connection reset" if outcome == "error" else None,
            "blocked_reason": "policy says no" if outcome == "blocked" else None,
            "metadata": {"environment": "prod"},
        }
        records.append(record)
        truth.append({
            "id": str(entry_id), "run_id": str(run_id), "ts": pd.Timestamp(moment),
            "action_name": record["action_name"], "agent_id": agent, "outcome": outcome,
            "cost": Decimal(cost), "duration_ms": record["duration_ms"], "user_id": user, "org_id": org,
        })
    frame = pd.DataFrame(truth)
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    frame["cost"] = frame["cost"].astype(object)
    return records, frame


# --- the oracle ----------------------------------------------------------------------------

def _instant(text: str) -> pd.Timestamp:
    stamp = pd.Timestamp(text)
    return stamp.tz_localize("UTC") if stamp.tz is None else stamp.tz_convert("UTC")


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value))


def oracle_ids(frame: pd.DataFrame, sort_by: str = "timestamp", sort_order: str = "desc",
               **filters: Any) -> list[str]:
    mask = pd.Series(True, index=frame.index)
    for name, value in filters.items():
        if value is None:
            continue
        if name in ("outcome", "action_name", "agent_id", "user_id", "org_id"):
            mask &= frame[name] == value
        elif name == "run_id":
            mask &= frame["run_id"] == str(value).lower()
        elif name == "min_cost":
            mask &= frame["cost"].map(lambda cost, bound=_decimal(value): cost >= bound).astype(bool)
        elif name == "max_cost":
            mask &= frame["cost"].map(lambda cost, bound=_decimal(value): cost <= bound).astype(bool)
        elif name == "start_date":
            mask &= frame["ts"] >= _instant(value)
        elif name == "end_date":
            if len(value) == 10:  # a date alone: the whole day
                mask &= frame["ts"] < pd.Timestamp(value, tz="UTC") + pd.Timedelta(days=1)
            else:
                mask &= frame["ts"] <= _instant(value)
        elif name == "search":
            hit = pd.Series(False, index=frame.index)
            for column in ("action_name", "agent_id", "outcome"):
                hit |= frame[column].str.lower().str.contains(value.lower(), regex=False)
            mask &= hit
        else:
            raise AssertionError(f"oracle does not know {name}")
    rows = frame[mask]
    keys = ORACLE_SORT[sort_by]
    if keys == ["cost"]:  # Decimal objects: sort on an exact integer image
        rows = rows.assign(cost=rows["cost"].map(lambda cost: int(cost.scaleb(10))))
    ascending = sort_order == "asc"
    return rows.sort_values([*keys, "id"], ascending=ascending, kind="mergesort")["id"].tolist()


# --- the data set, once per backend -------------------------------------------------------

@dataclass
class Dataset:
    ledger: Ledger
    records: list[dict[str, Any]]
    frame: pd.DataFrame
    root: Principal

    def ids(self, principal: Principal | None = None, **params: Any) -> list[str]:
        """Every matching id, in order, walking pages of 1000."""
        return walk_ids(self.ledger, principal or self.root, **params)


@pytest.fixture(scope="module")
def data(make_ledger) -> Dataset:  # type: ignore[no-untyped-def]
    ledger = make_ledger(f"query_{uuid.uuid4().hex[:6]}")
    for user, org in USERS.items():
        ledger.add_user(user, org_id=org, role="user")
    ledger.add_user("root", org_id="ops", role="superuser")
    ledger.add_user("carol", org_id="acme", role="org_admin")
    records, frame = build_records()
    report = ledger.ingest(records)
    assert (report.added, report.duplicates, report.refused) == (N_RECORDS, 0, 0), report.refusals[:3]
    return Dataset(ledger, records, frame, ledger.principal("root"))


def test_dataset_has_the_ties_it_claims(data: Dataset) -> None:
    frame = data.frame
    assert frame["id"].is_unique
    assert frame["ts"].value_counts().max() >= 50
    assert frame["cost"].map(str).value_counts().min() >= 100
    assert (frame["agent_id"] == "prod-agent-30").sum() > 0 and (frame["agent_id"] == "prod-agent-3").sum() > 0
    for moment in SPECIAL:
        assert (frame["ts"] == pd.Timestamp(moment)).sum() > 0


def test_every_row_round_trips(data: Dataset) -> None:
    """All rows come back with UTC-aware timestamps and exact costs, whatever zone they were written in."""
    truth = data.frame.set_index("id")
    seen = 0
    for page in range(math.ceil(N_RECORDS / 1000)):
        result = data.ledger.query(data.root, page=page, page_size=1000)
        for item in result.items:
            expected = truth.loc[str(item.id)]
            assert item.timestamp.utcoffset() == timedelta(0)
            assert item.timestamp == expected["ts"].to_pydatetime()
            assert item.cost_usd == expected["cost"] and isinstance(item.cost_usd, Decimal)
            assert (item.action_name, item.agent_id, item.outcome, item.duration_ms) == (
                expected["action_name"], expected["agent_id"], expected["outcome"], expected["duration_ms"])
            assert str(item.run_id) == expected["run_id"]
            seen += 1
    assert seen == N_RECORDS


def test_no_filters_default_order(data: Dataset) -> None:
    assert data.ids() == oracle_ids(data.frame)
    page = data.ledger.query(data.root)
    assert (page.total, page.page, page.page_size, page.total_pages, page.has_more) == (N_RECORDS, 0, 100, 30, True)


# --- every filter alone ---------------------------------------------------------------------

RUN_PICK = "run"  # replaced by a real run id of the data set

SINGLE_FILTERS: list[dict[str, Any]] = [
    *({"outcome": outcome} for outcome in OUTCOMES),
    *({"action_name": action} for action in ACTIONS),
    {"action_name": "database"},  # exact, not prefix
    {"action_name": "DATABASE_QUERY"},  # exact, not case-folded
    *({"agent_id": agent} for agent in AGENTS),
    {"agent_id": "prod-agent"},
    {"run_id": RUN_PICK},
    {"run_id": str(uuid.UUID(int=7))},
    {"min_cost": 0.0123}, {"min_cost": "0.0123"}, {"min_cost": Decimal("0.01230")}, {"min_cost": 0},
    {"min_cost": "999.99"}, {"min_cost": "1000"}, {"min_cost": "0.01230000001"},
    {"max_cost": "0.0123"}, {"max_cost": 0}, {"max_cost": "0.0000000001"}, {"max_cost": 0.05},
    {"max_cost": "0.01229999999"},
    {"start_date": "2024-12-31"}, {"start_date": "2025-01-01"}, {"start_date": "2024-12-31T23:59:59.999Z"},
    {"start_date": "2025-01-01T01:59:59.999+02:00"}, {"start_date": "2024-12-31T23:59:59.999"},
    {"start_date": "2024-12-31T18:30:00-05:30"},
    {"end_date": "2024-12-31"}, {"end_date": "2024-12-30"}, {"end_date": "2024-12-31T23:59:59.999Z"},
    {"end_date": "2025-01-01T00:00:00Z"}, {"end_date": "2025-01-01T01:59:59.998999+02:00"},
    {"end_date": "2024-12-31T12:00:00"},
    *({"search": term} for term in ["QUERY", "query", "_", "%", "/", "block", "ERR", "etl_job", "job%v",
                                     "agent-3", "_a", "%s", "e", "zzz", "-", "prod-agent-3", "Success"]),
]


def _resolve(data: Dataset, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("run_id") == RUN_PICK:
        return {**params, "run_id": data.records[0]["run_id"]}
    return params


@pytest.mark.parametrize("params", SINGLE_FILTERS, ids=lambda p: repr(p)[1:-1])
def test_single_filter(data: Dataset, params: dict[str, Any]) -> None:
    params = _resolve(data, params)
    expected = oracle_ids(data.frame, **params)
    assert data.ids(**params) == expected
    # and in one other order, so filters and sorting are checked together
    assert data.ids(sort_by="cost", sort_order="asc", **params) == oracle_ids(
        data.frame, sort_by="cost", sort_order="asc", **params)


def test_exact_agent_id_is_not_a_prefix(data: Dataset) -> None:
    page = data.ledger.query(data.root, agent_id="prod-agent-3", page_size=1000)
    assert page.total == (data.frame["agent_id"] == "prod-agent-3").sum() > 0
    assert {item.agent_id for item in page.items} == {"prod-agent-3"}


def test_date_only_boundaries(data: Dataset) -> None:
    frame = data.frame
    at = {moment: set(frame.loc[frame["ts"] == pd.Timestamp(moment), "id"]) for moment in SPECIAL}
    last_ms, last_us = SPECIAL[3], SPECIAL[4]
    new_year = SPECIAL[5]
    until = set(data.ids(end_date="2024-12-31"))
    assert at[last_ms] <= until and at[last_us] <= until
    assert not at[new_year] & until and not at[SPECIAL[6]] & until
    since = set(data.ids(start_date="2024-12-31"))
    assert at[SPECIAL[1]] <= since  # 2024-12-31T00:00:00
    assert not at[SPECIAL[0]] & since  # 2024-12-30T23:59:59.999999
    day = data.ids(start_date="2024-12-31", end_date="2024-12-31")
    assert set(day) == at[SPECIAL[1]] | at[SPECIAL[2]] | at[last_ms] | at[last_us] | set(
        frame.loc[(frame["ts"] >= pd.Timestamp("2024-12-31", tz="UTC"))
                  & (frame["ts"] < pd.Timestamp("2025-01-01", tz="UTC")), "id"])
    assert day == oracle_ids(frame, start_date="2024-12-31", end_date="2024-12-31")


def test_zoned_bounds_are_converted_to_utc(data: Dataset) -> None:
    # 2025-01-01T01:59:59.999+02:00 is 2024-12-31T23:59:59.999Z
    zoned = data.ids(start_date="2025-01-01T01:59:59.999+02:00", end_date="2025-01-01T01:59:59.999+02:00")
    utc = data.ids(start_date="2024-12-31T23:59:59.999Z", end_date="2024-12-31T23:59:59.999Z")
    expected = set(data.frame.loc[data.frame["ts"] == pd.Timestamp(SPECIAL[3]), "id"])
    assert zoned == utc and set(zoned) == expected and expected


def test_cost_bounds_are_inclusive_and_exact(data: Dataset) -> None:
    exact = data.frame["cost"] == Decimal("0.0123")
    page = data.ledger.query(data.root, min_cost=0.0123, max_cost="0.0123", page_size=1000)
    assert page.total == exact.sum() > 0
    assert {item.cost_usd for item in page.items} == {Decimal("0.0123")}
    assert {str(item.cost_usd) for item in page.items} == {"0.0123"}
    # neighbours one step away stay out; more places than stored round to the inside
    assert data.ledger.query(data.root, min_cost="0.01230000001", max_cost="0.01230999999").total == 0
    assert data.ledger.query(data.root, min_cost="0.0000000001", max_cost="0.0000000001").total == (
        data.frame["cost"] == Decimal("0.0000000001")).sum()


def test_search_is_literal_and_case_insensitive(data: Dataset) -> None:
    frame = data.frame

    def rows(term: str) -> pd.DataFrame:
        return frame[frame["id"].isin(data.ids(search=term))]

    assert {"database_query", "QueryCache"} <= set(rows("QUERY")["action_name"])
    underscore = rows("_")  # not "any one character": rows without `_` stay out
    assert 0 < len(underscore) < N_RECORDS
    assert (underscore["action_name"].str.contains("_", regex=False)
            | underscore["agent_id"].str.contains("_", regex=False)).all()
    percent = rows("%")
    assert ((percent["action_name"] == "web%search") | percent["agent_id"].isin(["etl_job%v2", "etlxjob%v2"])).all()
    assert set(rows("etl_job")["agent_id"]) == {"etl_job%v2"}  # `_` is no wildcard: not etlxjob%v2
    assert set(rows("job%v")["agent_id"]) == {"etl_job%v2", "etlxjob%v2"}  # `%` is none: not etl-job-v2
    assert set(rows("/")["action_name"]) == {"file/read"}
    blocked = rows("block")  # outcome text is searched too
    assert set(blocked["id"]) == set(frame.loc[frame["outcome"] == "blocked", "id"])


# --- filters in combination ---------------------------------------------------------------

def _random_filters(rng: random.Random, data: Dataset) -> dict[str, Any]:
    runs = sorted({record["run_id"] for record in data.records})
    choices: dict[str, list[Any]] = {
        "outcome": OUTCOMES,
        "action_name": ACTIONS + ["nope"],
        "agent_id": AGENTS,
        "run_id": runs[:10] + [runs[0].upper()],
        "min_cost": [0, "0.0123", 0.0123, "0.05", "0.2", Decimal("1.5"), "0.0000000001"],
        "max_cost": [0, "0.0123", "0.3", 12.3456789012, "999.99", "1000"],
        "start_date": ["2024-12-31", "2024-12-28", "2024-12-31T23:59:59.999Z", "2025-01-01T01:00:00+02:00",
                       "2024-12-30T23:59:59.999999"],
        "end_date": ["2024-12-31", "2025-01-02", "2025-01-01T00:00:00Z", "2025-01-01T00:00:00.000001+00:00",
                     "2024-12-31T18:29:59.999-05:30"],
        "search": ["QUERY", "_", "%", "block", "ERR", "etl_job", "agent-3", "/", "e", "Scanner"],
    }
    names = rng.sample(sorted(choices), rng.randrange(2, 5))
    params = {name: rng.choice(choices[name]) for name in names}
    if "min_cost" in params and "max_cost" in params and _decimal(params["min_cost"]) > _decimal(params["max_cost"]):
        params["min_cost"], params["max_cost"] = params["max_cost"], params["min_cost"]
    if "start_date" in params and "end_date" in params:
        end = params["end_date"]
        end_at = pd.Timestamp(end, tz="UTC") + pd.Timedelta(days=1) if len(end) == 10 else _instant(end)
        if _instant(params["start_date"]) > end_at:
            del params["start_date"]
    return params


@pytest.mark.parametrize("case", range(60))
def test_filter_combinations(data: Dataset, case: int) -> None:
    rng = random.Random(case)
    params = _random_filters(rng, data)
    sort_by, sort_order = rng.choice(SORTS)
    expected = oracle_ids(data.frame, sort_by=sort_by, sort_order=sort_order, **params)
    assert data.ids(sort_by=sort_by, sort_order=sort_order, **params) == expected


def test_combinations_are_not_all_trivial(data: Dataset) -> None:
    sizes = [len(oracle_ids(data.frame, **_random_filters(random.Random(case), data))) for case in range(60)]
    assert sum(1 for size in sizes if size > 0) >= 25
    assert sum(1 for size in sizes if size == 0) >= 1


# --- sorting and pages ----------------------------------------------------------------------

def _walk(data: Dataset, page_size: int, **params: Any) -> list[str]:
    first = data.ledger.query(data.root, page=0, page_size=page_size, **params)
    total = first.total
    pages = math.ceil(total / page_size)
    assert first.total_pages == pages
    ids: list[str] = []
    for number in range(pages):
        page = first if number == 0 else data.ledger.query(data.root, page=number, page_size=page_size, **params)
        assert (page.total, page.page, page.page_size, page.total_pages) == (total, number, page_size, pages)
        assert page.has_more == (number < pages - 1)
        assert len(page.items) == min(page_size, total - number * page_size)
        ids += [str(item.id) for item in page.items]
    beyond = data.ledger.query(data.root, page=pages, page_size=page_size, **params)
    assert (beyond.items, beyond.total, beyond.has_more, beyond.total_pages) == ([], total, False, pages)
    far = data.ledger.query(data.root, page=pages + 50, page_size=page_size, **params)
    assert (far.items, far.total, far.has_more) == ([], total, False)
    assert len(ids) == len(set(ids)) == total
    return ids


@pytest.mark.parametrize(("sort_by", "sort_order"), SORTS)
def test_walk_all_pages(data: Dataset, sort_by: str, sort_order: str) -> None:
    ids = _walk(data, 173, sort_by=sort_by, sort_order=sort_order)
    assert ids == oracle_ids(data.frame, sort_by=sort_by, sort_order=sort_order)
    assert set(ids) == set(data.frame["id"])


@pytest.mark.parametrize(("sort_by", "sort_order"), SORTS)
def test_walk_pages_of_ties(data: Dataset, sort_by: str, sort_order: str) -> None:
    """Only tied rows (one instant, one cost): the order is decided by id alone, and pages stay exact."""
    instant = {"start_date": "2024-12-31T23:59:59.999Z", "end_date": "2024-12-31T23:59:59.999Z"}
    ids = _walk(data, 7, sort_by=sort_by, sort_order=sort_order, **instant)
    assert ids == oracle_ids(data.frame, sort_by=sort_by, sort_order=sort_order, **instant)
    if sort_by == "timestamp":
        assert ids == sorted(ids, reverse=sort_order == "desc")
    cost = {"min_cost": "0.0123", "max_cost": "0.0123", "search": "_"}
    ids = _walk(data, 9, sort_by=sort_by, sort_order=sort_order, **cost)
    assert ids == oracle_ids(data.frame, sort_by=sort_by, sort_order=sort_order, **cost)


def test_page_sizes_at_the_limits(data: Dataset) -> None:
    expected = oracle_ids(data.frame, sort_by="duration", sort_order="asc")
    one = data.ledger.query(data.root, page=17, page_size=1, sort_by="duration", sort_order="asc")
    assert [str(item.id) for item in one.items] == expected[17:18]
    assert (one.total_pages, one.has_more) == (N_RECORDS, True)
    last = data.ledger.query(data.root, page=2, page_size=1000, sort_by="duration", sort_order="asc")
    assert [str(item.id) for item in last.items] == expected[2000:]
    assert (last.total_pages, last.has_more) == (3, False)


def test_nothing_matches(data: Dataset) -> None:
    for page_number in (0, 3):
        page = data.ledger.query(data.root, search="zzz", page=page_number)
        assert (page.items, page.total, page.total_pages, page.has_more, page.page) == ([], 0, 0, False, page_number)


def test_to_dataframe(data: Dataset) -> None:
    page = data.ledger.query(data.root, page_size=50, sort_by="cost", sort_order="desc")
    frame = page.to_dataframe()
    assert list(frame.columns) == list(ENTRY_FIELDS)
    assert frame["id"].tolist() == oracle_ids(data.frame, sort_by="cost", sort_order="desc")[:50]
    assert frame["cost_usd"].iloc[0] == Decimal("999.99")


NAME_INDEXES = {"root": "ix_le_action", "carol": "ix_le_org_action", "alice": "ix_le_user_action"}


@pytest.mark.parametrize("who", sorted(NAME_INDEXES))
@pytest.mark.parametrize("sort_order", ["asc", "desc"])
def test_a_page_by_name_reads_its_ids_off_its_scopes_name_index(data: Dataset, who: str, sort_order: str) -> None:
    """Sorted by name (an action's entries in time order, ties by id), a page past the
    first finds its ids off the scope's index in that order alone: the skipped entries are
    neither sorted nor read from the table (an org admin's or a user's page 500 at 1M
    actions on SQLite: 265-570 ms sorted, 13-18 walking the index). PostgreSQL is held to
    the same plan with its scans by table, bitmap and sort ruled out; the rows are the
    oracle's."""
    principal = data.ledger.principal(who)
    with statements_run(data.ledger.engine) as captured:
        page = data.ledger.query(principal, page=3, page_size=7, sort_by="name", sort_order=sort_order)
    visible = data.frame if who == "root" else data.frame[
        (data.frame["org_id"] == "acme") & ((data.frame["user_id"] == who) | (who == "carol"))]
    assert [str(item.id) for item in page.items] == oracle_ids(visible, "name", sort_order)[21:28]
    [(statement, parameters)] = [(s, p) for s, p in captured if s.startswith("SELECT ledger_entries.id, ")]
    index = NAME_INDEXES[who]
    with data.ledger.engine.connect() as conn:
        if data.ledger.dialect == "sqlite":
            plan = [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
            assert any(line.startswith(f"SEARCH ledger_entries USING COVERING INDEX {index}")
                       or line == f"SCAN ledger_entries USING COVERING INDEX {index}" for line in plan), plan
            assert sum("TEMP B-TREE" in line for line in plan) == 1, plan  # the page's own rows, sorted
            return
        with conn.begin():
            for setting in ("enable_seqscan", "enable_sort", "enable_bitmapscan"):
                conn.exec_driver_sql(f"SET LOCAL {setting} = off")
            plan = [row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters)]
    assert any(f"Index Only Scan using {index} " in line or f"Index Only Scan Backward using {index} " in line
               for line in plan), plan


def test_search_matching_thousands_of_names_folds_case_beyond_ascii(ledger) -> None:  # type: ignore[no-untyped-def]
    """More matching names than SQLite takes parameters (an old fallback to SQL `lower()`
    folded only ASCII there): `search="éclair"` still finds `Éclair-...`, on both backends."""
    ledger.add_user("alice", org_id="acme", role="user")
    ledger.add_user("root", org_id="ops", role="superuser")
    records = [{
        "id": str(uuid.UUID(int=i + 1)), "run_id": str(uuid.UUID(int=10**9 + i % 50)),
        "timestamp": "2025-01-01T00:00:00Z", "action_name": "bake", "agent_id": f"Éclair-{i:05d}",
        "outcome": "success", "cost_usd": "0", "duration_ms": 1, "risk_level": "low",
        "user_id": "alice", "org_id": "acme",
    } for i in range(6_000)]
    assert ledger.ingest(records).added == len(records)
    root = ledger.principal("root")
    for term in ("éclair", "ÉCLAIR-0", "clair-05999"):
        page = ledger.query(root, search=term, page_size=1, sort_by="name")
        expected = sum(term.lower() in r["agent_id"].lower() for r in records)
        assert page.total == expected and expected > 0, term
    assert ledger.query(root, search="éclair-00001").items[0].agent_id == "Éclair-00001"


# --- refused parameters ---------------------------------------------------------------------

INVALID = [
    ({"page": -1}, "page"),
    ({"page": "abc"}, "page"),
    ({"page": 0.5}, "page"),
    ({"page_size": 0}, "page_size"),
    ({"page_size": 1001}, "page_size"),
    ({"page_size": "ten"}, "page_size"),
    ({"outcome": "maybe"}, "outcome"),
    ({"outcome": "Error"}, "outcome"),
    ({"sort_by": "cost_usd"}, "sort_by"),
    ({"sort_by": "timestamp; drop table ledger_entries"}, "sort_by"),
    ({"sort_order": "ascending"}, "sort_order"),
    ({"run_id": "not-a-uuid"}, "run_id"),
    ({"run_id": "1234"}, "run_id"),
    ({"min_cost": -0.01}, "min_cost"),
    ({"max_cost": "-1"}, "max_cost"),
    ({"min_cost": "cheap"}, "min_cost"),
    ({"min_cost": "NaN"}, "min_cost"),
    ({"max_cost": "1e10"}, "max_cost"),
    ({"min_cost": "0.5", "max_cost": "0.1"}, "min_cost"),
    ({"start_date": "2025-01-02", "end_date": "2025-01-01"}, "start_date"),
    ({"start_date": "2025-01-01T00:00:01Z", "end_date": "2025-01-01T00:00:00Z"}, "start_date"),
    ({"start_date": "last tuesday"}, "start_date"),
    ({"end_date": "2024-12-32"}, "end_date"),
    ({"start_date": "0001-01-01T00:00:00+02:00"}, "start_date"),
    ({"search": "query\x00"}, "search"),
    ({"action_name": "\x00"}, "action_name"),
    ({"agent_id": "prod-\ud800"}, "agent_id"),
    ({"bogus": "1"}, "bogus"),
    ({"sortby": "cost"}, "sortby"),
]


@pytest.mark.parametrize(("params", "field"), INVALID, ids=lambda p: repr(p)[:40])
def test_invalid_parameters_are_refused(data: Dataset, params: dict[str, Any], field: str) -> None:
    with pytest.raises(LedgerValidationError) as caught:
        data.ledger.query(data.root, **params)
    assert caught.value.field == field
    assert field in str(caught.value)
    assert caught.value.to_dict()["field"] == field


def test_refusals_change_nothing(data: Dataset) -> None:
    before = data.ids()
    for params, _ in INVALID:
        with pytest.raises(LedgerValidationError):
            data.ledger.query(data.root, **params)
    assert data.ids() == before


def test_captions_describe_each_active_filter() -> None:
    from ledger_core import ExportRequest, LedgerQuery, StatsRequest

    query = LedgerQuery.parse(outcome="error", agent_id="prod-agent-3", min_cost="0.5", max_cost="2",
                              start_date="2024-10-01", search="db", page=3, sort_by="cost")
    assert query.captions() == ["outcome = error", "agent = prod-agent-3", "cost ≥ $0.5", "cost ≤ $2",
                                "time ≥ 2024-10-01T00:00:00.000000Z", 'search "db"']
    assert LedgerQuery.parse().captions() == []
    assert StatsRequest.parse(end_date="2024-12-31").captions() == ["time ≤ 2024-12-31T23:59:59.999999Z"]
    assert ExportRequest.parse(format="csv", action_name="send_email").captions() == ["action = send_email"]


# --- property: any combination of filters, sort and page size agrees with the oracle ----------

FILTER_VALUES = {
    "outcome": st.sampled_from(OUTCOMES),
    "action_name": st.sampled_from(ACTIONS + ["absent_action"]),
    "agent_id": st.sampled_from(AGENTS),
    "min_cost": st.sampled_from(COSTS),
    "max_cost": st.sampled_from(COSTS + ["1000"]),
    "start_date": st.sampled_from(["2024-12-31", "2024-12-31T12:00:00Z", "2025-01-01T00:00:00.000001Z"]),
    "end_date": st.sampled_from(["2024-12-31", "2025-01-01T00:00:00Z", "2025-01-03"]),
    "search": st.sampled_from(["query", "%", "_", "JOB", "error", "agent-3", "é"]),
}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(filters=st.fixed_dictionaries({}, optional=FILTER_VALUES), sort=st.sampled_from(SORTS),
       page_size=st.sampled_from([7, 100, 1000]))
def test_any_filter_combination_matches_the_oracle(data: Dataset, filters, sort, page_size) -> None:  # type: ignore[no-untyped-def]
    if "min_cost" in filters and "max_cost" in filters and Decimal(filters["min_cost"]) > Decimal(filters["max_cost"]):
        return  # refused, tested elsewhere
    if {"start_date", "end_date"} <= set(filters) and _instant(filters["start_date"]) > _instant(
            filters["end_date"]) + pd.Timedelta(days=1):
        return
    sort_by, sort_order = sort
    try:
        got = walk_ids(data.ledger, data.root, sort_by=sort_by, sort_order=sort_order, **filters)
    except LedgerValidationError as error:
        assert error.field == "start_date"  # a start after an end on the same day
        return
    assert got == oracle_ids(data.frame, sort_by=sort_by, sort_order=sort_order, **filters), (filters, sort)
    first = data.ledger.query(data.root, page_size=page_size, sort_by=sort_by, sort_order=sort_order, **filters)
    assert [str(i.id) for i in first.items] == got[:page_size] and first.total == len(got)


@pytest.mark.parametrize("gather", [True, False])
@pytest.mark.parametrize(("sort_by", "sort_order"), SORTS)
def test_a_page_reads_the_same_rows_gathered_or_walked(data: Dataset, monkeypatch, gather: bool,
                                                               sort_by: str, sort_order: str) -> None:  # type: ignore[no-untyped-def]
    """Both ways of reading a cost range's page (its matches gathered first, or the sort
    order's index walked) give the oracle's rows on every page, ties included. The
    superuser's matches are gathered within every organization (PostgreSQL): none is lost."""
    from ledger_core.read import query as query_module

    monkeypatch.setattr(query_module, "_gathers_matches_first", lambda *args: gather)
    for filters in ({"min_cost": "0.0123", "max_cost": "0.5"}, {"min_cost": "0.0123", "max_cost": "0.0123"},
                    {"outcome": "error", "start_date": "2024-12-31"}, {"search": "query", "outcome": "error"}):
        ids = _walk(data, 25, sort_by=sort_by, sort_order=sort_order, **filters)
        assert ids == oracle_ids(data.frame, sort_by=sort_by, sort_order=sort_order, **filters)
        assert len(ids) > 25  # more than one page


@pytest.mark.parametrize(("sort_by", "sort_order"), SORTS)
def test_a_narrow_cost_range_read_alone_first_gives_the_same_pages(data: Dataset, monkeypatch, sort_by: str,
                                                                  sort_order: str) -> None:  # type: ignore[no-untyped-def]
    """SQLite reads a narrow cost range alone first, then counts and pages the entries
    among its keys that meet every filter: the oracle's rows and totals."""
    from ledger_core.read import query as query_module

    if data.ledger.dialect == "postgresql":
        pytest.skip("SQLite only: PostgreSQL's planner reads the cost index itself (tested below)")
    narrowed: list[bool] = []
    real = query_module._narrow_cost_range
    monkeypatch.setattr(query_module, "_narrow_cost_range",
                        lambda *args: narrowed.append((found := real(*args)) is not None) or found)
    for filters in ({"min_cost": "0.0123", "max_cost": "0.5", "start_date": "2024-12-31"},
                    {"min_cost": "0.0123", "max_cost": "0.0123", "outcome": "error"}):
        narrowed.clear()
        ids = _walk(data, 25, sort_by=sort_by, sort_order=sort_order, **filters)
        assert ids == oracle_ids(data.frame, sort_by=sort_by, sort_order=sort_order, **filters)
        assert len(ids) > 25 and narrowed and all(narrowed)


def test_only_a_cost_range_of_few_actions_is_read_alone_first(data: Dataset, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from ledger_core.contract.query import LedgerQuery
    from ledger_core.read import query as query_module
    from ledger_core.store.db import is_postgresql, read_snapshot

    with read_snapshot(data.ledger.engine) as conn:
        def narrow(**params: Any) -> bool:
            return query_module._narrow_cost_range(conn, data.root, LedgerQuery.parse(**params)) is not None

        in_range = len(oracle_ids(data.frame, min_cost="0.0123", max_cost="0.0123"))
        if is_postgresql(conn):
            assert not narrow(min_cost="0.0123", max_cost="0.0123")  # its planner knows the costs
            return
        assert narrow(min_cost="0.0123", max_cost="0.0123", outcome="error")
        assert not narrow(outcome="error")  # no cost range
        monkeypatch.setattr(query_module, "NARROW_COST_RANGE", in_range)
        assert not narrow(min_cost="0.0123", max_cost="0.0123")  # as many as the bound: not narrow
        monkeypatch.setattr(query_module, "NARROW_COST_RANGE", in_range + 1)
        assert narrow(min_cost="0.0123", max_cost="0.0123")


def test_only_selective_filters_off_the_sort_order_gather_their_matches_first(data: Dataset) -> None:
    from ledger_core.contract.query import LedgerQuery
    from ledger_core.read.query import _gathers_matches_first
    from ledger_core.store.db import read_snapshot

    with read_snapshot(data.ledger.engine) as conn:
        def gathers(total: int, offset: int = 0, **params: Any) -> bool:
            return _gathers_matches_first(conn, data.root, LedgerQuery.parse(**params), offset, total)

        scope = data.ledger.query(data.root, page_size=1).total
        assert gathers(1, min_cost="0.5")  # 1 of the whole scope: a walk would read all of it
        assert gathers(1, max_cost="0.5", outcome="error")
        assert not gathers(scope, min_cost="0")  # every row matches: the walk stops at once
        assert not gathers(1, outcome="error")  # its index walks in time order, every row a match
        assert gathers(1, outcome="error", sort_by="cost")  # the cost index walk would check each row
        assert gathers(1, agent_id="prod-agent-3", sort_by="duration", sort_order="asc")
        assert not gathers(scope // 2, outcome="error", sort_by="name")  # half match: the walk fills the page fast
        assert not gathers(1, sort_by="cost")  # no filter: the sort's index serves every row
        assert gathers(1, min_cost="0.5", search="query")  # a search is a list of names on indexed columns
        assert gathers(1, search="query", outcome="error", sort_by="cost")
        assert not gathers(1, min_cost="0.5", min_risk="high")  # the risk filters read every entry anyway
