"""Agent Activity Ledger core: storage, scoped queries, ingest. No Streamlit, no HTTP."""
from .errors import (
    ExportLimitExceeded,
    Forbidden,
    LedgerError,
    LedgerValidationError,
    LoginLocked,
    NotFound,
    RateLimitExceeded,
    UnknownPrincipal,
)
from .admin import Admin
from .config import database_url, secret
from .facets import Facets
from .runs import RunDetail, RunPage, RunSummary, RunsQuery
from .export import Export
from .export_log import ExportLogRecord
from .ingest import IngestReport, Refusal
from .ledger import Ledger
from .ratelimit import RateLimiter
from .stats import LedgerStats, StatsRequest
from .models import (
    ComplianceMetadata,
    EntryFilters,
    EntryIn,
    LedgerEntry,
    LedgerPage,
    LedgerQuery,
    Principal,
)

__all__ = [
    "Admin", "Facets", "database_url", "secret", "Forbidden", "LoginLocked",
    "RunDetail", "RunPage", "RunSummary", "RunsQuery",
    "ComplianceMetadata", "EntryFilters", "EntryIn", "Export", "ExportLimitExceeded", "ExportLogRecord",
    "IngestReport", "LedgerStats", "RateLimiter", "StatsRequest",
    "Ledger", "LedgerEntry", "LedgerError", "LedgerPage", "LedgerQuery", "LedgerValidationError",
    "NotFound", "Principal", "RateLimitExceeded", "Refusal", "UnknownPrincipal",
]
