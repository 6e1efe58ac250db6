"""Password guessing (SPEC section 6): failed logins counted per username in the database.

After `MAX_FAILURES` failures within `WINDOW_SECONDS`, that username is refused for
`LOCK_SECONDS` (`LoginLocked`, with `retry_after`), whatever the password. The count lives
in the `login_failures` table, so the browser app and the REST API share it and a restart
does not reset it. A success clears it. Unknown usernames are counted the same way (their
row is only kept while it matters), and checking a password for an unknown username costs
a bcrypt comparison against a dummy hash, so known and unknown usernames take the same time.
"""
from __future__ import annotations

import math

from sqlalchemy import Connection, delete, select, update

from ..contract.common import reject_nul
from ..errors import LoginLocked
from ..store.schema import login_failures as lf

MAX_FAILURES = 10
WINDOW_SECONDS = 15 * 60
LOCK_SECONDS = 15 * 60
MAX_USERNAME_LENGTH = 64


def countable(username: object) -> bool:
    """Whether a login name could exist at all (longer or odd names are refused uncounted:
    a NUL or a lone surrogate would make the database driver raise)."""
    if not isinstance(username, str) or not 0 < len(username) <= MAX_USERNAME_LENGTH:
        return False
    try:
        reject_nul(username)
    except ValueError:
        return False
    return True


def retry_after(conn: Connection, username: str, now: float) -> int:
    """0 if `username` may try to log in now, else whole seconds until it may."""
    if not countable(username):
        return 0
    locked_until = conn.execute(select(lf.c.locked_until).where(lf.c.username == username)).scalar()
    if locked_until is None or locked_until <= now:
        return 0
    return max(1, math.ceil(locked_until - now))


def check_not_locked(conn: Connection, username: str, now: float) -> None:
    wait = retry_after(conn, username, now)
    if wait:
        minutes = math.ceil(wait / 60)
        raise LoginLocked(
            f"Too many failed logins for {username!r}: this username is locked for "
            f"{minutes} more minute{'s' if minutes != 1 else ''}. Try again later.",
            retry_after=wait,
        )


def record_failure(conn: Connection, username: str, now: float) -> None:
    """Count one failure (in the caller's write transaction); lock at the limit."""
    if not countable(username):
        return
    row = conn.execute(select(lf.c.failures, lf.c.first_failed_at).where(lf.c.username == username)).first()
    if row is None:
        conn.execute(lf.insert().values(username=username, failures=1, first_failed_at=now, locked_until=None))
        return
    if row.first_failed_at <= now - WINDOW_SECONDS:
        failures, first = 1, now
    else:
        failures, first = row.failures + 1, row.first_failed_at
    locked_until = now + LOCK_SECONDS if failures >= MAX_FAILURES else None
    conn.execute(update(lf).where(lf.c.username == username)
                 .values(failures=failures, first_failed_at=first, locked_until=locked_until))


def record_success(conn: Connection, username: str) -> None:
    if not countable(username):
        return
    conn.execute(delete(lf).where(lf.c.username == username))
