"""Column types that behave the same on SQLite and PostgreSQL."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal, localcontext

from sqlalchemy import JSON, BigInteger, DateTime, Numeric, Text
from sqlalchemy.types import TypeDecorator

COST_SCALE = 10
"""Decimal places kept for `cost_usd`; a cost with more places is refused at ingest."""

MAX_COST = Decimal(10) ** 8
"""Costs (and cost filter bounds) must be below this. SQLite keeps a cost as a 64-bit
count of 10^-10 USD, so it cannot hold $922,337,203.69 or more; PostgreSQL's
`numeric(22, 10)` stops at $10^12. 10^8 fits both. (A SQLite `sum()` of this column
still overflows past $922,337,203.69 in total.)"""

_COST_FACTOR = Decimal(10) ** COST_SCALE


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime.

    PostgreSQL stores `timestamptz`; SQLite stores naive UTC text with microseconds
    (`YYYY-MM-DD HH:MM:SS.ffffff`), which sorts and compares correctly as text.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class ExactDecimal(TypeDecorator):
    """A non-binary decimal with `COST_SCALE` places.

    PostgreSQL: `numeric(22, 10)`. SQLite has no decimal type, so the value is kept as
    an integer count of 10^-10 USD: exact for storage, comparison and `sum()`.
    """

    impl = Numeric(22, COST_SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect):  # type: ignore[no-untyped-def]
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(22, COST_SCALE, asdecimal=True))

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if not isinstance(value, Decimal):
            value = Decimal(str(value))
        if dialect.name == "sqlite":
            return int((value * _COST_FACTOR).to_integral_value())
        return value

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if dialect.name == "sqlite":
            if isinstance(value, str):  # `store.db.exact_sum`: exact decimal text
                return Decimal(value)
            if isinstance(value, float):
                # avg() of scaled integers: not exact, but only ever used for display.
                return Decimal(repr(value)) / _COST_FACTOR
            return Decimal(int(value)).scaleb(-COST_SCALE)
        return Decimal(value)


def normalize_decimal(value: Decimal | int | str | None) -> Decimal:
    """An exact amount (a Decimal, an integer sum, decimal text or None for "nothing") as
    a normalised Decimal: `0.0123000000` -> `0.0123`, `100.0000000000` -> `100` (not
    `1E+2`, which `normalize` gives), None -> `0`. Exact at any size (60 digits).

    Tiny amounts still print in exponent form with `str` (`1E-10`); `format_decimal` never does.
    """
    if value is None:
        return Decimal(0)
    with localcontext() as ctx:
        ctx.prec = 60
        amount = Decimal(value).normalize()
        if not amount:
            return Decimal(0)
        return amount.quantize(Decimal(1)) if amount.as_tuple().exponent > 0 else amount


def format_decimal(value: Decimal) -> str:
    return format(normalize_decimal(value), "f")


class CanonicalJSON(TypeDecorator):
    """A JSON value kept as its exact canonical text (compact, keys sorted, non-ASCII as is).

    PostgreSQL: `json`, which keeps the text it was given (`jsonb` would reorder keys and
    respace). SQLite: `TEXT`; a column declared `JSON` would get NUMERIC affinity, which
    turns a top-level number into an INTEGER or REAL and loses digits. Ingest writes the
    text it hashed; reading gives the Python value back.
    """

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect):  # type: ignore[no-untyped-def]
        if dialect.name == "postgresql":
            return dialect.type_descriptor(JSON())
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        if dialect.name == "postgresql":
            return value
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is None or dialect.name == "postgresql":
            return value
        return json.loads(value)
