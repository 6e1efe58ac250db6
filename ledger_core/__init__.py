"""Agent Activity Ledger core: storage, scoped queries, ingest. No Streamlit, no HTTP."""
from .errors import (
    ExportLimitExceeded,
    LedgerError,
    LedgerValidationError,
    NotFound,
    RateLimitExceeded,
    UnknownPrincipal,
)
from .ingest import IngestReport, Refusal
from .ledger import Ledger
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
    "ComplianceMetadata", "EntryFilters", "EntryIn", "ExportLimitExceeded", "IngestReport",
    "Ledger", "LedgerEntry", "LedgerError", "LedgerPage", "LedgerQuery", "LedgerValidationError",
    "NotFound", "Principal", "RateLimitExceeded", "Refusal", "UnknownPrincipal",
]
