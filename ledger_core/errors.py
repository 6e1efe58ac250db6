"""The errors `ledger_core` raises; pages and the API turn them into messages and statuses."""
from __future__ import annotations


class LedgerError(Exception):
    """Base class: `code` is machine-readable, `message` is for a person."""

    code = "ledger_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field}


class LedgerValidationError(LedgerError, ValueError):
    """Invalid input; `field` names the parameter at fault."""

    code = "invalid_parameter"


class ExportLimitExceeded(LedgerValidationError):
    code = "export_limit_exceeded"


class UnknownPrincipal(LedgerError, LookupError):
    """No such user (or the credentials do not match one)."""

    code = "unknown_user"


class NotFound(LedgerError, LookupError):
    code = "not_found"


class RateLimitExceeded(LedgerError):
    """Too many calls; `retry_after` is whole seconds until the next call is allowed."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Forbidden(LedgerError, PermissionError):
    """Authenticated, but not allowed to do this (an API answers 403)."""

    code = "forbidden"


class LoginLocked(RateLimitExceeded):
    """Too many failed logins for this username; `retry_after` seconds until it may try again."""

    code = "login_locked"
