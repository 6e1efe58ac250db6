"""Agent Activity Ledger core: storage, scoped queries, ingest. No Streamlit, no HTTP."""
from .access.admin import Admin
from .access.ratelimit import RateLimiter
from .config import database_url, secret
from .contract.models import (
    ComplianceMetadata,
    EntryFilters,
    EntryIn,
    LedgerEntry,
    LedgerPage,
    LedgerQuery,
    Principal,
)
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
from .formats.export import Export
from .formats.export_log import ExportLogRecord
from .ledger import Ledger
from .read.facets import Facets
from .read.runs import RunDetail, RunPage, RunsQuery, RunSummary
from .read.stats import LedgerStats, StatsRequest
from .write.ingest import IngestReport, Refusal

__all__ = [
    "Admin", "Facets", "database_url", "secret", "Forbidden", "LoginLocked",
    "RunDetail", "RunPage", "RunSummary", "RunsQuery",
    "ComplianceMetadata", "EntryFilters", "EntryIn", "Export", "ExportLimitExceeded", "ExportLogRecord",
    "IngestReport", "LedgerStats", "RateLimiter", "StatsRequest",
    "Ledger", "LedgerEntry", "LedgerError", "LedgerPage", "LedgerQuery", "LedgerValidationError",
    "NotFound", "Principal", "RateLimitExceeded", "Refusal", "UnknownPrincipal",
]
