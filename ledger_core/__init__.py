"""Agent Activity Ledger core: storage, scoped queries, ingest. No Streamlit, no HTTP."""
from .errors import (
    ExportLimitExceeded,
    LedgerError,
    LedgerValidationError,
    NotFound,
    RateLimitExceeded,
    UnknownPrincipal,
)
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
    "ComplianceMetadata", "EntryFilters", "EntryIn", "Export", "ExportLimitExceeded", "ExportLogRecord",
    "IngestReport", "LedgerStats", "RateLimiter", "StatsRequest",
    "Ledger", "LedgerEntry", "LedgerError", "LedgerPage", "LedgerQuery", "LedgerValidationError",
    "NotFound", "Principal", "RateLimitExceeded", "Refusal", "UnknownPrincipal",
]
