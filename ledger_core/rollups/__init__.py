"""Rollups: per-period aggregates of the ledger, kept in the same transaction as ingest.

Nine tables (`store.schema.ROLLUP_TABLES`), each with a row per grain ("day" and
"month", or "day" only where said), organization, user, period and a few keys:

- `rollup_outcomes` (agent, outcome): count, exact cost, duration sum, first and last
  timestamp, count per risk level;
- `rollup_actions` (agent, action name): count, exact cost;
- `rollup_action_outcomes` (agent, action name, outcome): count, for the totals of a
  query that filters on an action and an outcome, or searches with a term that matches
  an outcome;
- `rollup_runs` (agent, run id): count, for the distinct runs;
- `rollup_durations` (agent, or all agents, duration bucket): count, for the percentiles
  (`buckets`: 8 per power of two; they locate a percentile, which is then read exactly).
- `rollup_compliance` (agent, action name, outcome, risk level, compliance profile):
  count, for the compliance summary and the totals of a compliance filter, or of a risk
  filter with a search or an action name (a risk filter otherwise adds up
  `rollup_outcomes`' counts per risk level), and `rollup_outcomes`' measures, for the
  stats of a risk or compliance filter; `profiles`: a profile is what those filters read
  of an entry's compliance metadata;
- `rollup_compliance_runs` (agent, risk level, profile, run id; day rows only) and
  `rollup_compliance_durations` (agent, risk level, profile, duration bucket): count, the
  distinct runs and the percentiles of those stats, and their duration chart;
- `rollup_compliance_days` (risk level, profile; day rows only): count, exact cost,
  errors, blocked actions, first and last timestamp, the daily series of those stats
  (`rollup_compliance` with an agent filter, which this table does not keep).

`maintain.record` adds a batch of stored entries to them (called by ingest, so they are
never stale); `maintain.backfill` builds them from existing entries (migration 0007),
`maintain.backfill_counts` a count-only one in two grouped inserts (migration 0010),
`maintain.backfill_compliance_days` the daily series from `rollup_compliance` (0022).
`read` answers stats, query totals and facets from them when every filter of the request
is on the allowlist (`read.ROLLUP_FILTERS`: agent, risk and compliance; for counts,
outcome, action name and search too, alone or together; the stats read the tables of the
first of `read.FAMILIES` that answers); a range that starts or ends within a
day reads its whole days from them and its partial days from the entries
(`read.split_days`); anything else goes to the raw table. Whole months come from month
rows, the remaining days from day rows, so a whole-ledger request reads a few thousand
rows instead of every entry; for counts and sums, a month mostly in the range is its
month row less its other days (`read.period_spans`). The Stats page's duration chart
adds up the duration buckets (`read.durations_below`).
"""
