"""Errors the HTTP layer raises itself, and how any error message is kept short.

Errors are answered in SPEC section 9's form, `{"error": {"code", "message", "field"}}`;
the status comes from `app.STATUS_BY_CODE`, the one table of codes.
"""
from __future__ import annotations

import re

MAX_MESSAGE_CHARS = 400
MAX_WORD_CHARS = 80
MAX_FIELD_CHARS = 64
_LONG_WORD = re.compile(r"\S{%d,}" % (MAX_WORD_CHARS + 1))


class ApiError(Exception):
    """An error answered as `{"error": {"code", "message", "field"}}`; `headers` are added."""

    def __init__(self, code: str, message: str, *, field: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or {}


def _cut_word(match: re.Match[str]) -> str:
    word = match.group(0)
    return f"{word[:MAX_WORD_CHARS - 20]}…[{len(word):,} characters]"


def shorten(message: str) -> str:
    """A message fit to send back: a long run of characters (an echoed parameter value)
    keeps its start and says how long it was; the whole stays under 400 characters."""
    text = _LONG_WORD.sub(_cut_word, message)
    if len(text) > MAX_MESSAGE_CHARS:
        suffix = f"…[{len(message):,} characters]"
        text = text[:MAX_MESSAGE_CHARS - len(suffix)] + suffix
    return text


def shorten_field(field: str | None) -> str | None:
    if field is None or len(field) <= MAX_FIELD_CHARS:
        return field
    return field[:MAX_FIELD_CHARS] + "…"
