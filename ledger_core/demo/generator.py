"""Deterministic, realistic demo data: the generator for the Agent Activity Ledger (SPEC sections 2 and 8).

Pure data generation: no database access. `python -m ledger_core demo` loads what this
module produces through the normal ingest path.

The data set tells a story that the Stats page can show:

* 4 organizations: `acme` (Enterprise tier, every action carries compliance metadata),
  `globex`, `initech` and `umbrella` (standard tier, compliance is null; umbrella
  onboards about six months into the period).
* 20 users of the three roles, 34 agents (`prod-agent-3` *and* `prod-agent-30`,
  `staging-agent-1`, `billing-bot`...), 67 action types, each with its own cost,
  duration, error-rate and risk profile (LLM calls cost far more than `database_query`;
  `shell_exec` is high risk and often blocked; `payment_transfer` is critical).
* 18 months of activity up to and including `end`: busier during UTC working hours,
  quieter at weekends and over the year-end holidays, growing over time.
* An incident about 8 weeks before `end` (`incident_window`): 3 days where
  `database_query`, `http_request` and other network-bound actions fail about 10x as
  often, mostly with "connection timeout after 30000ms" and "HTTP 503 from api.example.com".
* A cost spike about 4 months before `end` (`cost_spike_window`): for a week the runaway
  `prod-agent-30` (acme) loops on large-context LLM calls and LLM spend jumps.
* Outcomes roughly 85 % success, 10 % error, 5 % blocked. A few error messages and
  blocked reasons contain commas, double quotes, newlines, non-ASCII text, or start with
  `=`, `+`, `-`, `@` or a tab, so that CSV export hardening is exercised.

Everything is derived from `seed`: the same `(seed, actions, end)` gives byte-identical
records (ids included), whatever `batch_size` is. Only when `end` is today (the default)
are timestamps also clamped to the current time, so that nothing lies in the future.
"""
from __future__ import annotations

import datetime as _dt
import gc
import math
from decimal import Decimal
from typing import Any, Iterator

import numpy as np

from .catalog import (
    ACTION_INDEX,
    AGENTS,
    AGENT_BLOCK_MULT,
    AGENT_ERR_MULT,
    AGENT_VERSIONS,
    BLOCKS,
    CATALOG,
    CATEGORIES,
    CLASSIFICATIONS,
    COMPLIANCE,
    DECISIONS,
    ENTERPRISE,
    ERRORS,
    INCIDENT_ACTIONS,
    INCIDENT_ERRORS,
    INCIDENT_ERR_CAP,
    INCIDENT_ERR_MULT,
    INCIDENT_MESSAGE_SHARE,
    MESSAGE_DURATION_MS,
    MESSAGE_SKEW,
    ODD_BLOCKS,
    ODD_BLOCK_RATE,
    ODD_ERRORS,
    ODD_ERROR_RATE,
    ORGS,
    ORG_INDEX,
    OUTCOMES,
    PROFILES,
    PROFILE_NAMES,
    REGIONS,
    REVIEWERS,
    RISKS,
    RUNAWAY_AGENT,
    RUNAWAY_PROFILE,
    USERS,
    USER_INDEX,
)


# --- the time line ------------------------------------------------------------------------

_US_PER_HOUR = 3_600_000_000
_US_PER_DAY = 86_400_000_000
_EPOCH = _dt.date(1970, 1, 1)
_PERIOD_MONTHS = 18
_INCIDENT_DAYS_BEFORE_END = 58  # first day of the incident: about 8 weeks before end
_INCIDENT_LENGTH_DAYS = 3
_SPIKE_DAYS_BEFORE_END = 122  # first day of the cost spike: about 4 months before end
_SPIKE_LENGTH_DAYS = 7
_SPIKE_INTENSITY = 1.35
_SPIKE_AGENT_WEIGHT = 9.0
_SPIKE_PROMPT_FACTOR = 4.0
_SPIKE_COMPLETION_FACTOR = 1.5
_GROWTH = 4.0  # total activity at the end of the period vs its start
_HOURLY = (0.18, 0.15, 0.13, 0.12, 0.13, 0.18, 0.30, 0.50, 0.80, 0.95, 1.00, 1.00,
           0.85, 0.95, 1.00, 1.00, 0.95, 0.80, 0.60, 0.45, 0.38, 0.32, 0.27, 0.22)
_WEEKLY = (1.00, 1.03, 1.02, 1.00, 0.90, 0.35, 0.28)  # Monday first
_ORG_GROWTH = {"acme": (0.0, 3.0), "globex": (0.0, 6.0), "initech": (0.0, 1.5),
               "umbrella": (0.33, 4.0)}  # (onboarded at, growth factor while active)


def shift_months(day: _dt.date, months: int) -> _dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    if month == 12:
        last = 31
    else:
        last = (_dt.date(year, month + 1, 1) - _dt.timedelta(days=1)).day
    return _dt.date(year, month, min(day.day, last))


def _utc_today() -> _dt.date:
    return _dt.datetime.now(_dt.timezone.utc).date()


def _as_date(end: _dt.date | None) -> _dt.date:
    if end is None:
        return _utc_today()
    if isinstance(end, _dt.datetime):
        if end.tzinfo is not None:
            end = end.astimezone(_dt.timezone.utc)
        return end.date()
    if isinstance(end, _dt.date):
        return end
    if isinstance(end, str):
        return _dt.date.fromisoformat(end)
    raise TypeError(f"end must be a date, not {type(end).__name__}")


def demo_period(end: _dt.date | None = None) -> tuple[_dt.date, _dt.date]:
    """First and last UTC day of the data set ending on `end` (default today): 18 months."""
    last = _as_date(end)
    return shift_months(last, -_PERIOD_MONTHS) + _dt.timedelta(days=1), last


def _window(end: _dt.date | None, days_before: int, length: int) -> tuple[_dt.datetime, _dt.datetime]:
    first = _as_date(end) - _dt.timedelta(days=days_before)
    start = _dt.datetime.combine(first, _dt.time.min, tzinfo=_dt.timezone.utc)
    return start, start + _dt.timedelta(days=length)


def incident_window(end: _dt.date | None = None) -> tuple[_dt.datetime, _dt.datetime]:
    """[start, stop) in UTC of the incident (error spike), about 8 weeks before `end`."""
    return _window(end, _INCIDENT_DAYS_BEFORE_END, _INCIDENT_LENGTH_DAYS)


def cost_spike_window(end: _dt.date | None = None) -> tuple[_dt.datetime, _dt.datetime]:
    """[start, stop) in UTC of the week where runaway prod-agent-30 drives LLM spend up."""
    return _window(end, _SPIKE_DAYS_BEFORE_END, _SPIKE_LENGTH_DAYS)


# --- vectorised tables --------------------------------------------------------------------

def _build_tables() -> dict[str, Any]:
    n_act = len(CATALOG)
    t: dict[str, Any] = {}
    t["names"] = np.array([a.name for a in CATALOG], dtype=object)
    t["category"] = np.array([CATEGORIES.index(a.category) for a in CATALOG], dtype=np.int64)
    t["cost"] = np.array([a.cost for a in CATALOG])
    t["cost_sigma"] = np.array([a.cost_sigma for a in CATALOG])
    t["duration"] = np.array([a.duration for a in CATALOG])
    t["duration_sigma"] = np.array([a.duration_sigma for a in CATALOG])
    t["risk"] = np.array([RISKS.index(a.risk) for a in CATALOG], dtype=np.int64)
    t["bump"] = np.array([a.bump for a in CATALOG])
    t["is_llm"] = np.array([a.llm is not None for a in CATALOG])
    t["price_in"] = np.array([a.llm[1] if a.llm else 0.0 for a in CATALOG])
    t["price_out"] = np.array([a.llm[2] if a.llm else 0.0 for a in CATALOG])
    t["prompt_tokens"] = np.array([a.llm[3] if a.llm else 0 for a in CATALOG], dtype=float)
    t["completion_tokens"] = np.array([a.llm[4] if a.llm else 0 for a in CATALOG], dtype=float)
    t["ms_per_token"] = np.array([a.llm[5] if a.llm else 0.0 for a in CATALOG])
    t["model"] = [a.llm[0] if a.llm else None for a in CATALOG]
    t["incident"] = np.array([a.name in INCIDENT_ACTIONS for a in CATALOG])
    t["output"] = [a.output for a in CATALOG]
    t["output_key"] = [a.output_key for a in CATALOG]
    t["output_scale"] = np.array([a.output_scale for a in CATALOG])

    inputs: list[dict[str, Any]] = []
    in_off, in_cnt = [], []
    for a in CATALOG:
        in_off.append(len(inputs))
        in_cnt.append(len(a.inputs))
        inputs.extend(a.inputs)
    t["inputs"] = inputs
    t["input_offset"] = np.array(in_off, dtype=np.int64)
    t["input_count"] = np.array(in_cnt, dtype=np.int64)

    # messages: one list, each action has a contiguous range of it
    messages: list[str] = []

    def pool(items: list[str] | tuple[str, ...]) -> tuple[int, int]:
        start = len(messages)
        messages.extend(items)
        return start, len(items)

    err_pools = {key: pool(msgs) for key, msgs in ERRORS.items()}
    blk_pools = {key: pool(msgs) for key, msgs in BLOCKS.items()}
    t["odd_error_pool"] = pool(ODD_ERRORS)
    t["odd_block_pool"] = pool(ODD_BLOCKS)
    t["incident_pool"] = pool(INCIDENT_ERRORS)
    err_of = [err_pools[a.name if a.name in err_pools else a.category] for a in CATALOG]
    t["err_offset"] = np.array([off for off, _ in err_of], dtype=np.int64)
    t["err_count"] = np.array([cnt for _, cnt in err_of], dtype=np.int64)
    blk_of = [blk_pools[a.name if a.name in blk_pools else a.category] for a in CATALOG]
    t["blk_offset"] = np.array([off for off, _ in blk_of], dtype=np.int64)
    t["blk_count"] = np.array([cnt for _, cnt in blk_of], dtype=np.int64)
    messages.append(None)  # type: ignore[arg-type]  # index -1: no message
    t["messages"] = np.array(messages, dtype=object)
    t["message_duration"] = np.array([MESSAGE_DURATION_MS.get(m, 0) for m in messages], dtype=np.int64)

    # agents
    n_ag = len(AGENTS)
    t["agent_names"] = np.array([a[0] for a in AGENTS], dtype=object)
    t["agent_org"] = np.array([ORG_INDEX[a[1]] for a in AGENTS], dtype=np.int64)
    t["agent_profile"] = np.array([PROFILE_NAMES.index(a[2]) for a in AGENTS], dtype=np.int64)
    t["agent_weight"] = np.array([a[3] for a in AGENTS])
    t["agent_start"] = np.array([max(a[4], _ORG_GROWTH[a[1]][0]) for a in AGENTS])
    t["agent_env"] = np.array(["staging" if a[0].startswith("staging-") else "prod" for a in AGENTS],
                              dtype=object)
    t["agent_region"] = np.array([REGIONS[0 if a[1] == "acme" else (i % len(REGIONS))]
                                  for i, a in enumerate(AGENTS)], dtype=object)
    t["agent_err_mult"] = np.array([AGENT_ERR_MULT.get(a[0], 1.0) for a in AGENTS])
    t["agent_blk_mult"] = np.array([AGENT_BLOCK_MULT.get(a[0], 1.0) for a in AGENTS])
    n_users = len(USERS)
    agent_users = np.zeros((n_ag, n_users))
    for i, a in enumerate(AGENTS):
        for uid, w in a[5].items():
            assert USERS[USER_INDEX[uid]][2] == a[1], (a[0], uid)
            agent_users[i, USER_INDEX[uid]] = w
    t["agent_user_cum"] = _row_cumsum(agent_users)
    t["user_names"] = np.array([u[0] for u in USERS], dtype=object)
    t["org_names"] = np.array([o.id for o in ORGS], dtype=object)

    # profiles
    prof = np.zeros((len(PROFILE_NAMES), n_act))
    for p, weights in enumerate(PROFILES.values()):
        for name, w in weights.items():
            prof[p, ACTION_INDEX[name]] = w
    t["profile_cum"] = _row_cumsum(prof)

    # Calibrate the error and block rates so that, over the agents' long-run mix, outcomes
    # come out at about 85 % success / 10 % error / 5 % blocked.
    share = t["agent_weight"] * (1.0 - t["agent_start"])
    prof_p = prof / prof.sum(axis=1, keepdims=True)
    mix = (share[:, None] * prof_p[t["agent_profile"]])  # agent x action
    mix /= mix.sum()
    base_err = np.array([a.err for a in CATALOG])
    base_blk = np.array([a.block for a in CATALOG])
    exp_err = float((mix * base_err[None, :] * t["agent_err_mult"][:, None]).sum())
    exp_blk = float((mix * base_blk[None, :] * t["agent_blk_mult"][:, None]).sum())
    t["err"] = np.minimum(base_err * (0.10 / exp_err), 0.5)
    t["block"] = np.minimum(base_blk * (0.05 / exp_blk), 0.45)

    # compliance
    t["policy_ids"] = [COMPLIANCE[c][0] for c in CATEGORIES]
    t["policy_versions"] = np.array([f"{COMPLIANCE[c][1]}.{minor}" for c in CATEGORIES for minor in range(3)],
                                    dtype=object)
    t["class_cum"] = _row_cumsum(np.array([COMPLIANCE[c][2] for c in CATEGORIES]))
    t["pii_p"] = np.array([COMPLIANCE[c][3] for c in CATEGORIES])
    fw: list[tuple[str, ...]] = []
    for c in CATEGORIES:
        base = COMPLIANCE[c][4]
        fw.append(base)
        fw.append(base if "GDPR" in base else base + ("GDPR",))
    t["frameworks"] = fw  # index 2*category + pii
    t["retention_days"] = np.array([COMPLIANCE[c][5] * 365 + COMPLIANCE[c][5] // 4 for c in CATEGORIES],
                                   dtype=np.int64)
    return t


def _row_cumsum(weights: np.ndarray) -> np.ndarray:
    """Row-normalised cumulative probabilities, each row ending exactly at 1.0."""
    cum = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    cum[:, -1] = 1.0
    return cum


_T = _build_tables()
_ONE_MINUS = 1.0 - 1e-9


def _pick_rows(cum: np.ndarray, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
    """For each i, a column drawn from the distribution of row `rows[i]` of `cum`."""
    n_cols = cum.shape[1]
    flat = (cum + np.arange(cum.shape[0])[:, None]).ravel()
    pos = np.searchsorted(flat, rows + np.minimum(u, _ONE_MINUS), side="right")
    return np.minimum(pos - rows * n_cols, n_cols - 1)


def _rows_to_str(rows: np.ndarray) -> list[str]:
    """ASCII rows of an (n, w + 1) uint8 array whose last column is a newline -> n strings."""
    return rows.tobytes().decode("ascii").split("\n")[:-1]


def _uuid_strings(rng: np.random.Generator, n: int) -> list[str]:
    """n random version 4 UUIDs in canonical text form, drawn from `rng`."""
    raw = np.frombuffer(rng.bytes(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    out = np.full((n, 37), ord("-"), dtype=np.uint8)
    out[:, 36] = ord("\n")
    out[:, _HEX_HI] = _HEX_DIGITS[raw >> 4]
    out[:, _HEX_LO] = _HEX_DIGITS[raw & 0x0F]
    return _rows_to_str(out)


def _iso_strings(ts: np.ndarray) -> list[str]:
    """µs since the epoch -> 'YYYY-MM-DDTHH:MM:SS.ffffffZ' (as numpy's datetime_as_string)."""
    n = len(ts)
    if n == 0:
        return []
    day = ts // _US_PER_DAY
    first = int(day.min())
    n_days = int(day.max()) - first + 1
    dates = np.datetime_as_string(np.arange(first, first + n_days).astype("datetime64[D]"))
    table = np.frombuffer(dates.astype("S10").tobytes(), dtype=np.uint8).reshape(n_days, 10)
    rem = ts - day * _US_PER_DAY
    seconds, micros = np.divmod(rem, 1_000_000)
    hours, seconds = np.divmod(seconds, 3600)
    minutes, seconds = np.divmod(seconds, 60)
    packed = ((hours * 100 + minutes) * 100 + seconds) * 1_000_000 + micros  # HHMMSSffffff
    digits = (packed[:, None] // _POW10_12[None, :]) % 10
    out = np.empty((n, 28), dtype=np.uint8)
    out[:, :10] = table[day - first]
    out[:, _TIME_DIGIT_POS] = digits + ord("0")
    out[:, 10] = ord("T")
    out[:, 13] = ord(":")
    out[:, 16] = ord(":")
    out[:, 19] = ord(".")
    out[:, 26] = ord("Z")
    out[:, 27] = ord("\n")
    return _rows_to_str(out)


_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_HEX_POS = np.array([i for i in range(36) if i not in (8, 13, 18, 23)])
_HEX_HI = _HEX_POS[0::2]
_HEX_LO = _HEX_POS[1::2]
_POW10_12 = 10 ** np.arange(11, -1, -1, dtype=np.int64)
_TIME_DIGIT_POS = np.array([11, 12, 14, 15, 17, 18, 20, 21, 22, 23, 24, 25])
_MILLION = Decimal(1_000_000)

# --- generation ---------------------------------------------------------------------------

_CHUNK = 8192  # actions per internal chunk: output does not depend on batch_size


class _Plan:
    """The time line of one data set and the generation of its chunks."""

    def __init__(self, actions: int, seed: int, end: _dt.date | None) -> None:
        first, last = demo_period(end)
        self.actions = actions
        self.entropy = [0 if seed >= 0 else 1, abs(seed)]
        self.t0 = (first - _EPOCH).days * _US_PER_DAY
        t1 = (last - _EPOCH).days * _US_PER_DAY + _US_PER_DAY  # exclusive
        if end is None or last >= _utc_today():
            now = _dt.datetime.now(_dt.timezone.utc)
            now_us = (now.date() - _EPOCH).days * _US_PER_DAY + (
                (now.hour * 3600 + now.minute * 60 + now.second) * 1_000_000 + now.microsecond)
            t1 = min(t1, now_us)
        if t1 <= self.t0:
            raise ValueError("end is too far in the future: the demo period would be empty")
        self.t1 = t1
        self.costs: dict[int, Decimal] = {}  # micro-USD -> Decimal, shared immutable values
        self.span = t1 - self.t0
        inc_start, inc_stop = incident_window(last)
        spike_start, spike_stop = cost_spike_window(last)
        self.incident = (self._us(inc_start), self._us(inc_stop))
        self.spike = (self._us(spike_start), self._us(spike_stop))
        self._build_intensity()

    @staticmethod
    def _us(moment: _dt.datetime) -> int:
        delta = moment - _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds

    def _build_intensity(self) -> None:
        n_bins = -(-self.span // _US_PER_HOUR)
        edges = self.t0 + np.arange(n_bins + 1, dtype=np.int64) * _US_PER_HOUR
        edges[-1] = self.t1
        starts = edges[:-1]
        hours = (starts // _US_PER_HOUR) % 24
        days = starts // _US_PER_DAY
        weekday = (days + 3) % 7  # 1970-01-01 was a Thursday
        x = (starts - self.t0) / self.span
        density = np.asarray(_HOURLY)[hours] * np.asarray(_WEEKLY)[weekday] * _GROWTH ** x
        # year-end holidays
        day_list = np.unique(days)
        holiday = np.array([
            (d.month == 12 and d.day >= 24) or (d.month == 1 and d.day <= 1)
            for d in (_EPOCH + _dt.timedelta(days=int(v)) for v in day_list)
        ])
        day_pos = days - day_list[0]
        noise_rng = np.random.default_rng([*self.entropy, 0])
        day_noise = noise_rng.lognormal(0.0, 0.12, size=len(day_list)) * np.where(holiday, 0.45, 1.0)
        hour_noise = noise_rng.lognormal(0.0, 0.2, size=n_bins)
        density = density * day_noise[day_pos] * hour_noise
        in_spike = (starts >= self.spike[0]) & (starts < self.spike[1])
        density = np.where(in_spike, density * _SPIKE_INTENSITY, density)
        weights = density * (np.diff(edges) / _US_PER_HOUR)
        cum = np.concatenate(([0.0], np.cumsum(weights)))
        self.cdf = cum / cum[-1]
        self.edges_rel = (edges - self.t0).astype(np.float64)

    def _times(self, u: np.ndarray) -> np.ndarray:
        """Inverse of the activity CDF: quantiles in [0, 1) -> µs since the epoch."""
        k = np.searchsorted(self.cdf, u, side="right") - 1
        k = np.clip(k, 0, len(self.cdf) - 2)
        lo, hi = self.cdf[k], self.cdf[k + 1]
        frac = np.clip((u - lo) / (hi - lo), 0.0, 1.0)
        rel = self.edges_rel[k] + frac * (self.edges_rel[k + 1] - self.edges_rel[k])
        return self.t0 + np.minimum(rel.astype(np.int64), self.span - 1)

    def chunks(self) -> Iterator[list[dict[str, Any]]]:
        for index in range(-(-self.actions // _CHUNK)):
            # The records hold no reference cycles: pausing the cyclic garbage collector
            # while building them avoids repeated scans of everything already allocated.
            enabled = gc.isenabled()
            gc.disable()
            try:
                records = self._chunk(index)
            finally:
                if enabled:
                    gc.enable()
            yield records

    def _chunk(self, index: int) -> list[dict[str, Any]]:
        """One chunk of records: a vectorised pipeline of stages that draw from one random
        generator in a fixed order (the order is what keeps a data set reproducible)."""
        rng = np.random.default_rng([*self.entropy, 1, index])
        lo = index * _CHUNK
        c = _Draws(n=min(_CHUNK, self.actions - lo))
        self._draw_runs(rng, c, lo)
        self._draw_outcomes(rng, c)
        self._draw_cost_and_duration(rng, c)
        self._draw_messages(rng, c)
        self._draw_risk(rng, c)
        self._draw_timestamps(rng, c)
        self._draw_payloads(rng, c)
        self._draw_compliance(rng, c)
        return self._records(c)

    def _draw_runs(self, rng: np.random.Generator, c: "_Draws", lo: int) -> None:
        """Run lengths, then each run's start (from the activity curve), agent and user."""
        T, n = _T, c.n
        lengths = np.empty(0, dtype=np.int64)
        while lengths.sum() < n:
            more = np.clip(np.rint(rng.lognormal(math.log(7.0), 0.75, size=n // 4 + 16)), 1, 45)
            lengths = np.concatenate((lengths, more.astype(np.int64)))
        ends = np.cumsum(lengths)
        n_runs = int(np.searchsorted(ends, n)) + 1
        lengths = lengths[:n_runs].copy()
        lengths[-1] -= int(ends[n_runs - 1]) - n
        c.lengths = lengths
        c.firsts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        u = (lo + c.firsts + rng.random(n_runs) * lengths) / self.actions
        c.run_start = self._times(u)
        c.run_x = (c.run_start - self.t0) / self.span

        # agent of each run (time dependent: onboarding, growth, the runaway week)
        weight = T["agent_weight"][None, :] * (c.run_x[:, None] >= T["agent_start"][None, :])
        org_of_agent = T["agent_org"]
        for org, (onboard, growth) in _ORG_GROWTH.items():
            cols = org_of_agent == ORG_INDEX[org]
            weight[:, cols] *= (growth ** np.clip((c.run_x - onboard) / (1 - onboard), 0, 1))[:, None]
        run_spike = (c.run_start >= self.spike[0]) & (c.run_start < self.spike[1])
        weight[run_spike, RUNAWAY_AGENT] *= _SPIKE_AGENT_WEIGHT
        cum = np.cumsum(weight, axis=1)
        target = rng.random(n_runs) * cum[:, -1]
        c.run_agent = np.minimum((cum <= target[:, None]).sum(axis=1), len(AGENTS) - 1)
        c.run_user = _pick_rows(T["agent_user_cum"], c.run_agent, rng.random(n_runs))
        c.runaway_runs = run_spike & (c.run_agent == RUNAWAY_AGENT)
        c.run_profile = np.where(c.runaway_runs, RUNAWAY_PROFILE, T["agent_profile"][c.run_agent])
        c.run_incident = (c.run_start >= self.incident[0]) & (c.run_start < self.incident[1])
        c.run_ids = _uuid_strings(rng, n_runs)

    @staticmethod
    def _draw_outcomes(rng: np.random.Generator, c: "_Draws") -> None:
        """Each action of each run: what it does, and whether it succeeds, fails or is blocked."""
        T, n = _T, c.n
        c.rep = np.repeat(np.arange(len(c.lengths)), c.lengths)
        c.agent = c.run_agent[c.rep]
        c.action = _pick_rows(T["profile_cum"], c.run_profile[c.rep], rng.random(n))
        c.x = c.run_x[c.rep]
        c.incident_hit = c.run_incident[c.rep] & T["incident"][c.action]
        c.runaway = c.runaway_runs[c.rep]
        err_p = T["err"][c.action] * T["agent_err_mult"][c.agent]
        err_p = np.where(c.incident_hit, np.minimum(err_p * INCIDENT_ERR_MULT, INCIDENT_ERR_CAP), err_p)
        blk_p = T["block"][c.action] * T["agent_blk_mult"][c.agent]
        draw = rng.random(n)
        c.outcome = np.where(draw < err_p, 1, np.where(draw < err_p + blk_p, 2, 0))
        c.is_err = c.outcome == 1
        c.is_blk = c.outcome == 2

    @staticmethod
    def _draw_cost_and_duration(rng: np.random.Generator, c: "_Draws") -> None:
        """Tokens (LLM actions), cost in micro-USD, and a first duration."""
        T, n, action = _T, c.n, c.action
        c.is_llm = T["is_llm"][action]
        prompt = T["prompt_tokens"][action] * rng.lognormal(0.0, 0.6, n)
        completion = T["completion_tokens"][action] * rng.lognormal(0.0, 0.7, n)
        prompt = np.where(c.runaway, prompt * _SPIKE_PROMPT_FACTOR, prompt)
        completion = np.where(c.runaway, completion * _SPIKE_COMPLETION_FACTOR, completion)
        c.prompt = np.where(c.is_llm, np.maximum(np.rint(prompt), 1), 0).astype(np.int64)
        c.completion = np.where(c.is_llm & (T["completion_tokens"][action] > 1),
                                np.maximum(np.rint(completion), 1), 0).astype(np.int64)
        llm_cost = (c.prompt * T["price_in"][action] + c.completion * T["price_out"][action]) / 1000.0
        other_cost = T["cost"][action] * np.exp(T["cost_sigma"][action] * rng.standard_normal(n))
        cost = np.where(c.is_llm, llm_cost, other_cost)
        cost = np.where(c.is_err, cost * 0.15, cost)
        cost = np.where(c.is_blk, 0.0, cost)
        c.micro = np.rint(cost * 1e6).astype(np.int64)

        duration = T["duration"][action] * np.exp(T["duration_sigma"][action] * rng.standard_normal(n))
        duration = duration + c.completion * T["ms_per_token"][action]
        duration = np.where(c.is_err, duration * (0.2 + 0.8 * rng.random(n)), duration)
        c.duration = np.where(c.is_blk, 12.0 * rng.lognormal(0.0, 0.5, n), duration)

    @staticmethod
    def _draw_messages(rng: np.random.Generator, c: "_Draws") -> None:
        """Error messages and blocked reasons (indexes into the message table); a timeout
        message also sets the duration."""
        T, n, action = _T, c.n, c.action
        pick = rng.random(n) ** MESSAGE_SKEW
        odd = rng.random(n)
        err_idx = T["err_offset"][action] + (pick * T["err_count"][action]).astype(np.int64)
        odd_off, odd_cnt = T["odd_error_pool"]
        err_idx = np.where(odd < ODD_ERROR_RATE, odd_off + (pick * odd_cnt).astype(np.int64), err_idx)
        inc_off, inc_cnt = T["incident_pool"]
        err_idx = np.where(c.incident_hit & (odd < INCIDENT_MESSAGE_SHARE),
                           inc_off + (pick * inc_cnt).astype(np.int64), err_idx)
        blk_idx = T["blk_offset"][action] + (pick * T["blk_count"][action]).astype(np.int64)
        oblk_off, oblk_cnt = T["odd_block_pool"]
        blk_idx = np.where(odd < ODD_BLOCK_RATE, oblk_off + (pick * oblk_cnt).astype(np.int64), blk_idx)
        c.err_idx = np.where(c.is_err, err_idx, -1)
        c.blk_idx = np.where(c.is_blk, blk_idx, -1)
        forced = T["message_duration"][c.err_idx]
        duration = np.where(forced > 0, forced + rng.random(n) * 40.0, c.duration)
        c.duration = np.clip(np.rint(duration), 0, 1_800_000).astype(np.int64)

    @staticmethod
    def _draw_risk(rng: np.random.Generator, c: "_Draws") -> None:
        risk = _T["risk"][c.action] + (rng.random(c.n) < _T["bump"][c.action])
        risk = risk + (c.is_blk & (rng.random(c.n) < 0.4))
        c.risk = np.minimum(risk, 3)

    def _draw_timestamps(self, rng: np.random.Generator, c: "_Draws") -> None:
        """Runs are a sequence of actions a few seconds apart, never past the period's end."""
        gap_ms = rng.lognormal(math.log(1800.0), 0.7, c.n)
        step = gap_ms + np.concatenate(([0], c.duration[:-1]))
        step[c.firsts] = 0.0
        walk = np.cumsum(step)
        offset_us = ((walk - walk[c.firsts][c.rep]) * 1000.0).astype(np.int64)
        ts = c.run_start[c.rep] + offset_us
        run_last = np.maximum.reduceat(ts, c.firsts)
        overflow = np.maximum(run_last - (self.t1 - 1), 0)
        c.ts = np.maximum(ts - overflow[c.rep], self.t0)

    @staticmethod
    def _draw_payloads(rng: np.random.Generator, c: "_Draws") -> None:
        """Which input each action carries, and the size its output reports."""
        T, n, action = _T, c.n, c.action
        c.in_idx = T["input_offset"][action] + (rng.random(n) * T["input_count"][action]).astype(np.int64)
        c.out_val = np.maximum(np.rint(T["output_scale"][action] * rng.lognormal(0.0, 0.8, n)), 1).astype(np.int64)

    @staticmethod
    def _draw_compliance(rng: np.random.Generator, c: "_Draws") -> None:
        """Compliance metadata draws (used for the enterprise organization only), then the ids."""
        T, n = _T, c.n
        c.org = T["agent_org"][c.agent]
        c.category = T["category"][c.action]
        c.classification = _pick_rows(T["class_cum"], c.category, rng.random(n))
        c.pii = rng.random(n) < T["pii_p"][c.category]
        review_p = 0.02 + 0.3 * (c.risk >= 2) + 0.15 * c.pii
        c.decision = np.where(c.is_blk, 1, np.where(rng.random(n) < review_p, 2, 0))
        reviewer_draw = rng.random(n)
        c.has_reviewer = np.where(c.decision == 2, reviewer_draw < 0.9,
                                  np.where(c.decision == 1, reviewer_draw < 0.4,
                                           (c.risk == 3) & (reviewer_draw < 0.5)))
        c.reviewer = (rng.random(n) * len(REVIEWERS)).astype(np.int64)
        c.version = c.category * 3 + np.minimum((c.x * 3).astype(np.int64), 2)
        c.retention = (c.ts // _US_PER_DAY + T["retention_days"][c.category]).astype("datetime64[D]")
        c.ids = _uuid_strings(rng, n)

    @staticmethod
    def _compliance_of(c: "_Draws", order: np.ndarray) -> list[Any]:
        """The compliance object of each record in `order` (None outside the enterprise org)."""
        T = _T
        comp: list[Any] = [None] * c.n
        ent = np.flatnonzero(c.org[order] == ENTERPRISE)
        if not len(ent):
            return comp
        src = order[ent]
        policy_ids = T["policy_ids"]
        frameworks = T["frameworks"]
        for pos, cat, pii, ver, dec, cls, ret, rv, has in zip(
            ent.tolist(), c.category[src].tolist(), c.pii[src].tolist(),
            T["policy_versions"][c.version[src]].tolist(),
            np.array(DECISIONS, dtype=object)[c.decision[src]].tolist(),
            np.array(CLASSIFICATIONS, dtype=object)[c.classification[src]].tolist(),
            np.datetime_as_string(c.retention[src]).tolist(),
            np.array(REVIEWERS, dtype=object)[c.reviewer[src]].tolist(),
            c.has_reviewer[src].tolist(),
        ):
            comp[pos] = {
                "policy_id": policy_ids[cat],
                "policy_version": ver,
                "decision": dec,
                "data_classification": cls,
                "pii_detected": pii,
                "regulatory_frameworks": list(frameworks[2 * cat + pii]),
                "retention_until": ret,
                "reviewed_by": rv if has else None,
            }
        return comp

    def _records(self, c: "_Draws") -> list[dict[str, Any]]:
        """The records in time order, as LedgerEntry ingest dicts."""
        T = _T
        order = np.argsort(c.ts, kind="stable")
        action_o = c.action[order]
        agent_o = c.agent[order]
        rep_o = c.rep[order]
        columns = zip(
            [c.ids[i] for i in order.tolist()],
            [c.run_ids[r] for r in rep_o.tolist()],
            _iso_strings(c.ts[order]),
            T["names"][action_o].tolist(),
            action_o.tolist(),
            T["agent_names"][agent_o].tolist(),
            c.outcome[order].tolist(),
            c.micro[order].tolist(),
            c.duration[order].tolist(),
            np.array(RISKS, dtype=object)[c.risk[order]].tolist(),
            T["user_names"][c.run_user[rep_o]].tolist(),
            T["org_names"][c.org[order]].tolist(),
            c.in_idx[order].tolist(),
            c.out_val[order].tolist(),
            T["messages"][c.err_idx[order]].tolist(),
            T["messages"][c.blk_idx[order]].tolist(),
            T["agent_env"][agent_o].tolist(),
            T["agent_region"][agent_o].tolist(),
            np.array(AGENT_VERSIONS, dtype=object)[np.minimum((c.x[order] * 8).astype(np.int64), 7)].tolist(),
            c.is_llm[order].tolist(),
            c.prompt[order].tolist(),
            c.completion[order].tolist(),
            self._compliance_of(c, order),
        )
        inputs = T["inputs"]
        outputs = T["output"]
        output_keys = T["output_key"]
        models = T["model"]
        if len(self.costs) > 500_000:
            self.costs.clear()
        costs = self.costs
        cost_of = costs.get
        records: list[dict[str, Any]] = []
        append = records.append
        for (rid, run_id, stamp, name, a, ag, oc, m, dur, rk, user, og, ii, ov, em, br,
             env, region, ver, llm, pt, ct, cp) in columns:
            if oc == 0:
                output = dict(outputs[a])
                key = output_keys[a]
                if key is not None:
                    output[key] = ov
            else:
                output = None
            cost = cost_of(m)
            if cost is None:
                cost = costs[m] = Decimal(m) / _MILLION
            if llm:
                metadata = {"environment": env, "agent_version": ver, "region": region,
                            "model": models[a], "prompt_tokens": pt, "completion_tokens": ct,
                            "total_tokens": pt + ct}
            else:
                metadata = {"environment": env, "agent_version": ver, "region": region}
            append({
                "id": rid,
                "run_id": run_id,
                "timestamp": stamp,
                "action_name": name,
                "agent_id": ag,
                "outcome": OUTCOMES[oc],
                "cost_usd": cost,
                "duration_ms": dur,
                "risk_level": rk,
                "user_id": user,
                "org_id": og,
                "input": dict(inputs[ii]),
                "output": output,
                "error_message": em,
                "blocked_reason": br,
                "metadata": metadata,
                "compliance": cp,
            })
        return records


class _Draws:
    """The arrays one chunk's stages draw and share (one attribute per quantity)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __getattr__(self, name: str) -> Any:  # pragma: no cover - a stage read before it was drawn
        raise AttributeError(f"{name} is not drawn yet in this chunk")


def generate_actions(*, actions: int = 200_000, seed: int = 42, end: _dt.date | None = None,
                     batch_size: int = 50_000) -> Iterator[list[dict[str, Any]]]:
    """Yield the demo actions in batches (lists) of LedgerEntry ingest dicts.

    Exactly `actions` records in all, in batches of `batch_size` (the last one may be
    shorter), roughly chronological. Deterministic for a given `(seed, actions, end)`:
    `batch_size` only changes how the same records are cut into lists. `end` (default:
    today, UTC) is the last day covered; the data spans the 18 months up to it and never
    lies after its 23:59:59.999999 UTC, nor after the current time.
    """
    if isinstance(actions, bool) or not isinstance(actions, int) or actions < 0:
        raise ValueError("actions must be a whole number >= 0")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError("batch_size must be a whole number >= 1")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError("seed must be a whole number")
    plan = _Plan(actions, seed, end)
    return _batches(plan, batch_size)


def _batches(plan: _Plan, batch_size: int) -> Iterator[list[dict[str, Any]]]:
    pending: list[dict[str, Any]] = []
    for chunk in plan.chunks():
        if not pending and len(chunk) == batch_size:
            yield chunk
            continue
        pending.extend(chunk)
        start = 0
        while len(pending) - start >= batch_size:
            yield pending[start:start + batch_size]
            start += batch_size
        if start:
            del pending[:start]
    if pending:
        yield pending
