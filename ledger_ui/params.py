"""A page's filters <-> the URL's query parameters (`st.query_params`).

Each page declares its fields once (`UrlForm`): the request parameter name (also the URL
key), the widget's value type and its default. Before the widgets are drawn, `load()`
puts the URL's values into the widgets' session state whenever the URL is not the one
the page last wrote (a pasted or typed URL, a link from another page, a reload, the
navigation); after the widgets, `request()` gives the parameters for the Ledger call and
`save()` writes the non-default ones back into the URL. So a view is a shareable URL, and
the widgets stay the source of truth while a person uses them.

URL values are validated by the core's own request model (`LedgerQuery`), so a bad value
is reported with the same field-named message as the Python API and the REST API give,
and is left out rather than guessed at.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Iterable, Sequence

import streamlit as st

from ledger_core import LedgerError, LedgerQuery

Parser = Callable[[str], Any]


class BadParameter(ValueError):
    """A URL value a page cannot use; the message names the field and says why."""


@dataclass(frozen=True)
class Field:
    name: str
    parse: Parser
    default: Any = None
    encode: Callable[[Any], str] = str


def _query_value(name: str, raw: str) -> Any:
    try:
        return getattr(LedgerQuery.parse(**{name: raw}), name)
    except LedgerError as exc:
        raise BadParameter(exc.message) from None


def text(name: str) -> Field:
    """Free text (search, run id, action name, agent id): checked by the query model."""
    def parse(raw: str) -> Any:
        _query_value(name, raw)
        return raw
    return Field(name, parse)


def choice(name: str, options: Sequence[str], default: str | None = None) -> Field:
    def parse(raw: str) -> Any:
        if raw not in options:
            raise BadParameter(f"{name}: {raw!r} is not one of {', '.join(options)}")
        return raw
    return Field(name, parse, default)


def several(name: str, options: Sequence[str]) -> Field:
    """One value or several joined by commas (`high,critical`): a list in `options`' order."""
    def parse(raw: str) -> Any:
        chosen = _query_value(name, raw)  # the model's message names the bad value
        return [option for option in options if option in (chosen or ())]

    def encode(values: Any) -> str:  # in the options' order, however they were picked
        return ",".join(option for option in options if option in values)
    return Field(name, parse, [], encode)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def shown(value: Any) -> str:
    """A field's value in a caption: dates as YYYY-MM-DD, lists joined by commas."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return str(value)


def day(name: str) -> Field:
    """A whole day (YYYY-MM-DD): a start date means from 00:00 UTC, an end date the whole day."""
    def parse(raw: str) -> Any:
        _query_value(name, raw)  # the model's message for what it refuses
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            raise BadParameter(f"{name}: {raw!r} has a time; this page filters whole days "
                               "(YYYY-MM-DD)") from None
    return Field(name, parse, None, lambda value: value.isoformat())


def cost(name: str) -> Field:
    def parse(raw: str) -> Any:
        amount = float(_query_value(name, raw))
        if not math.isfinite(amount):
            raise BadParameter(f"{name}: {raw!r} is out of range")
        return amount
    return Field(name, parse, None, lambda value: format(value, "g"))


def whole(name: str, default: int, low: int, high: int) -> Field:
    def parse(raw: str) -> Any:
        try:
            value = int(raw.strip())
        except ValueError:
            raise BadParameter(f"{name}: {raw!r} is not a whole number") from None
        if not low <= value <= high:
            raise BadParameter(f"{name}: must be between {low:,} and {high:,}")
        return value
    return Field(name, parse, default)


def query_whole(name: str, default: int) -> Field:
    """page / page_size: the query model's bounds."""
    return Field(name, lambda raw: int(_query_value(name, raw)), default)


class UrlForm:
    """The fields of one page, their widgets' session-state keys and the URL."""

    def __init__(self, prefix: str, fields: Iterable[Field]) -> None:
        self.prefix = prefix
        self.fields = {field.name: field for field in fields}
        self._url_key = f"{prefix}._url"
        self._problems_key = f"{prefix}._problems"
        self._signature_key = f"{prefix}._signature"
        self._clean_key = f"{prefix}._clean"
        self.fresh = False  # set by load(): whether this run took the values from the URL

    def key(self, name: str) -> str:
        """The widget key of field `name` (pass it as `key=` when drawing the widget)."""
        return f"{self.prefix}.{name}"

    def _url(self) -> dict[str, str]:
        return {name: value for name, value in st.query_params.to_dict().items() if name in self.fields}

    def load(self) -> list[str]:
        """Before drawing the widgets: take the URL's values when the URL is new to this page.
        Returns the problems with the URL (one message per unusable parameter)."""
        url = self._url()
        ready = all(self.key(name) in st.session_state for name in self.fields)
        self.fresh = not (ready and st.session_state.get(self._url_key) == url)
        if not self.fresh:
            return list(st.session_state.get(self._problems_key, []))
        problems: list[str] = []
        for name, field in self.fields.items():
            value = field.default
            if name in url:
                try:
                    value = field.parse(url[name])
                except BadParameter as exc:
                    problems.append(str(exc))
            st.session_state[self.key(name)] = value
        st.session_state[self._url_key] = url
        st.session_state[self._problems_key] = problems
        st.session_state[self._signature_key] = self.signature()
        st.session_state[self._clean_key] = self._encoded()
        return problems

    def value(self, name: str) -> Any:
        return st.session_state.get(self.key(name), self.fields[name].default)

    def set(self, name: str, value: Any) -> None:
        st.session_state[self.key(name)] = value

    def signature(self, exclude: Iterable[str] = ("page",)) -> tuple[Any, ...]:
        skip = set(exclude)
        return tuple((name, self.value(name)) for name in self.fields if name not in skip)

    def changed_since_last_run(self, exclude: Iterable[str] = ("page",)) -> bool:
        """Whether the filters (all fields but `exclude`) changed since the previous run of
        the page; e.g. to go back to the first page after a filter change."""
        now = self.signature(exclude)
        before = st.session_state.get(self._signature_key)
        st.session_state[self._signature_key] = now
        return before is not None and before != now

    def request(self, *, only: Iterable[str] | None = None) -> dict[str, Any]:
        """The Ledger call's keyword arguments: fields whose value is not empty (dates as
        YYYY-MM-DD, several values joined by commas; the ledger's request model's rules apply)."""
        names = list(only) if only is not None else list(self.fields)
        out: dict[str, Any] = {}
        for name in names:
            value = self.value(name)
            if _empty(value):
                continue
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, (list, tuple)):
                value = self.fields[name].encode(value)
            out[name] = value
        return out

    def _encoded(self, exclude: Iterable[str] = ()) -> dict[str, str]:
        url: dict[str, str] = {}
        skip = set(exclude)
        for name, field in self.fields.items():
            if name in skip:
                continue
            value = self.value(name)
            if _empty(value) or value == field.default:
                continue
            url[name] = field.encode(value)
        return url

    def save(self, *, exclude: Iterable[str] = ()) -> None:
        """Write the non-default values (but `exclude`) into the URL, only when they changed.
        The URL's problems are forgotten once the person changes a filter."""
        url = self._encoded(exclude)
        if st.session_state.get(self._clean_key) != self._encoded():
            st.session_state[self._problems_key] = []
        st.session_state[self._url_key] = url
        if self._url() != url:
            st.query_params.from_dict(url)

    def active(self, labels: dict[str, str], *, skip: Iterable[str] = ()) -> list[str]:
        """The active filters as "label = value" captions (for "no results" and captions)."""
        skipped = set(skip)
        out = []
        for name, label in labels.items():
            if name in skipped or name not in self.fields:
                continue
            value = self.value(name)
            if _empty(value) or value == self.fields[name].default:
                continue
            out.append(f"{label} = {shown(value)}")
        return out
