"""The errors `ledger_core` raises. Each kind a caller may want to tell apart has its own
class and `code`; the REST API maps codes to HTTP statuses in one table, the pages show
`message`, the command line prints it."""
from __future__ import annotations


MAX_MESSAGE_CHARS = 1000
"""A message is cut to this length, a field name to `MAX_FIELD_CHARS`: a huge input (a
1 MB parameter, or a parameter name) is never echoed whole."""
MAX_FIELD_CHARS = 100


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    suffix = f"… ({len(text):,} characters)"
    return text[:limit - len(suffix)] + suffix


class LedgerError(Exception):
    """Base class: `code` is machine-readable, `message` is for a person, `field` names
    the parameter at fault (or None). Both are cut to a readable length."""

    code = "ledger_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        message = _cut(str(message), MAX_MESSAGE_CHARS)
        super().__init__(message)
        self.message = message
        self.field = field if field is None else _cut(str(field), MAX_FIELD_CHARS)

    def to_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field}


class LedgerValidationError(LedgerError, ValueError):
    """Invalid input; `field` names the parameter at fault. Nothing was read or changed."""

    code = "invalid_parameter"


class ExportLimitExceeded(LedgerValidationError):
    """An export asked for more rows than one export may hold; the message says how to proceed."""

    code = "export_limit_exceeded"


class UnknownPrincipal(LedgerError, LookupError):
    """No such user (or the credentials do not match one)."""

    code = "unknown_user"


class NotFound(LedgerError, LookupError):
    """No such thing, or not visible to the caller (the two are never told apart)."""

    code = "not_found"


class Forbidden(LedgerError, PermissionError):
    """Authenticated, but not allowed to do this (an API answers 403)."""

    code = "forbidden"


class RateLimitExceeded(LedgerError):
    """Too many calls; `retry_after` is whole seconds until the next call is allowed."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LoginLocked(RateLimitExceeded):
    """Too many failed logins for this username; `retry_after` seconds until it may try again."""

    code = "login_locked"


class FileUnreadable(LedgerError, OSError):
    """A file to ingest or verify cannot be read (missing, a directory, no permission)."""

    code = "file_unreadable"


class ConfigurationError(LedgerError):
    """A setting is missing or invalid (a secret, a rate limit, a key); the message names it."""

    code = "configuration"
