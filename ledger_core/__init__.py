"""Agent Activity Ledger core: storage, scoped queries, stats, export, ingest, accounts.
No Streamlit, no HTTP: the pages, the REST API, the command line and notebooks all call
`Ledger` (see `ledger.py`) and the request and response models of `contract/`."""
from .access.admin import Admin
from .access.ratelimit import RateLimiter, RateLimitStatus
from .config import database_url, secret
from .contract.common import Principal
from .contract.compliance import ComplianceRequest, ComplianceSummary, RiskyName
from .contract.entry import ComplianceMetadata, EntryIn, LedgerEntry
from .contract.export import AuditPackRequest, ExportLogRecord, ExportRequest
from .contract.facets import Facets
from .contract.ingest import IngestReport, Refusal
from .contract.query import EntryFilters, LedgerPage, LedgerQuery
from .contract.runs import RunDetail, RunPage, RunRequest, RunsQuery, RunSummary
from .contract.stats import DurationBucket, LedgerStats, StatsRequest, StatsView
from .errors import (
    ConfigurationError,
    ExportLimitExceeded,
    FileUnreadable,
    Forbidden,
    LedgerError,
    LedgerValidationError,
    LoginLocked,
    NotFound,
    RateLimitExceeded,
    UnknownPrincipal,
)
from .formats.audit_pack import AuditPack
from .formats.export import Export
from .ledger import Ledger

__all__ = [
    "Admin", "AuditPack", "AuditPackRequest",
    "ComplianceMetadata", "ComplianceRequest", "ComplianceSummary", "ConfigurationError", "DurationBucket",
    "EntryFilters", "EntryIn", "Export",
    "ExportLimitExceeded", "ExportLogRecord", "ExportRequest", "Facets", "FileUnreadable", "Forbidden",
    "IngestReport", "Ledger", "LedgerEntry", "LedgerError", "LedgerPage", "LedgerQuery", "LedgerStats",
    "LedgerValidationError", "LoginLocked", "NotFound", "Principal", "RateLimitExceeded", "RateLimitStatus",
    "RateLimiter",
    "Refusal", "RiskyName", "RunDetail", "RunPage", "RunRequest", "RunSummary", "RunsQuery", "StatsRequest",
    "StatsView",
    "UnknownPrincipal", "database_url", "secret",
]
