"""`Ledger`: the public Python API that pages, the REST API, the CLI and notebooks share."""
from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from .access import accounts, logins
from .config import RateLimits, database_url
from .contract.models import LedgerPage, LedgerQuery, Principal
from .errors import LedgerError, UnknownPrincipal
from .read.query import run_query
from .store import migrate
from .store.db import make_engine, write_transaction
from .write import ingest as ingest_module

if TYPE_CHECKING:
    from .access.admin import Admin
    from .formats.export import Export
    from .formats.export_log import ExportLogRecord
    from .read.facets import Facets
    from .read.runs import RunDetail, RunPage
    from .read.stats import LedgerStats


class Ledger:
    """One ledger database.

    >>> ledger = Ledger("sqlite:///data/ledger.db")
    >>> me = ledger.principal("alice")
    >>> page = ledger.query(me, outcome="error", page_size=50)
    """

    def __init__(self, url: str | None = None, *, engine: Engine | None = None,
                 rate_limits: RateLimits | None | str = "env") -> None:
        """`rate_limits`: per-user limits (SPEC section 6); "env" reads them from the
        environment (defaults 1000/600/100 an hour), None turns them off (scripts, tests)."""
        self.url = url or database_url()
        self.engine = engine or make_engine(self.url)
        self.rate_limits: RateLimits | None = (
            RateLimits.from_env() if rate_limits == "env" else rate_limits  # type: ignore[assignment]
        )
        from .access.ratelimit import RateLimiter

        # Per-user budgets shared through the database (None: limits off). Tests may swap
        # its `clock`, or assign a RateLimiter of their own.
        self.limiter: RateLimiter | None = (
            RateLimiter(self.engine, self.rate_limits) if self.rate_limits is not None else None
        )
        # Wall clock for login lockouts (tests may swap it).
        self.clock: Callable[[], float] = time.time

    @classmethod
    def from_env(cls, **kwargs: Any) -> "Ledger":
        """The ledger at `LEDGER_DATABASE_URL` (default: the SQLite file under `data/`)."""
        return cls(database_url(), **kwargs)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def init(self) -> None:
        """Create or upgrade the schema (Alembic migrations)."""
        migrate.upgrade(self.engine)
        ingest_module.ensure_indexes(self.engine, analyze=False)

    def dispose(self) -> None:
        self.engine.dispose()

    # --- who is asking ----------------------------------------------------------------

    def principal(self, username: str) -> Principal:
        """The principal for a username (carries user, organization and role)."""
        with self.engine.connect() as conn:
            record = accounts.get_user(conn, username)
        assert record is not None
        return record.principal()

    def authenticate(self, username: str, password: str) -> Principal:
        """The principal for a username and password, counting failures (SPEC section 6):
        `UnknownPrincipal` when they do not match, `LoginLocked` (with `retry_after`) after
        10 failures in 15 minutes, for 15 minutes, whatever the password."""
        with self.engine.connect() as conn:
            logins.check_not_locked(conn, username, self.clock())
            try:
                principal = accounts.authenticate(conn, username, password)
            except UnknownPrincipal:
                failed = True
            else:
                failed = False
        self.record_login(username, success=not failed)
        if failed:
            raise UnknownPrincipal("invalid username or password")
        return principal

    def login_retry_after(self, username: str) -> int:
        """0 if `username` may log in now, else seconds until its lock ends."""
        with self.engine.connect() as conn:
            return logins.retry_after(conn, username, self.clock())

    def record_login(self, username: str, *, success: bool) -> None:
        """Count a failed login, or clear the count after a successful one (for a login
        form that checks the password itself, such as streamlit-authenticator's)."""
        with write_transaction(self.engine) as conn:
            if success:
                logins.record_success(conn, username)
            else:
                logins.record_failure(conn, username, self.clock())

    def principal_for_api_key(self, key: str) -> Principal:
        with self.engine.connect() as conn:
            return accounts.principal_for_api_key(conn, key)

    # --- reading ----------------------------------------------------------------------

    def query(self, principal: Principal, **params: Any) -> LedgerPage:
        """One page of the ledger, scoped to `principal` (SPEC section 3 parameters)."""
        self._check_rate(principal, "query")
        request = LedgerQuery.parse(**params)
        with self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                return run_query(conn, principal, request)

    def stats(self, principal: Principal, *, start_date: Any = None, end_date: Any = None,
              agent_id: Any = None, **unexpected: Any) -> "LedgerStats":
        """Aggregate statistics scoped to `principal` (SPEC section 4); see `stats.LedgerStats`.

        Only start_date, end_date and agent_id are accepted (same rules as the query);
        anything else raises `LedgerValidationError` naming the field.
        """
        self._check_rate(principal, "stats")
        from .read.stats import StatsRequest, run_stats

        request = StatsRequest.parse(start_date=start_date, end_date=end_date, agent_id=agent_id,
                                     **unexpected)
        with self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                try:
                    return run_stats(conn, principal, request)
                except OperationalError as exc:
                    if "integer overflow" not in str(exc.orig):
                        raise
                    # SQLite sums costs as 64-bit counts of 1e-10 USD.
                    raise LedgerError(
                        "the costs in this selection add up to more than the SQLite store can sum "
                        "($922,337,203); narrow the dates or the agent, or use PostgreSQL"
                    ) from None

    def export(self, principal: Principal, format: str = "jsonl", limit: int = 10_000,
               **filters: Any) -> "Export":
        """A streamed export scoped to `principal` (SPEC section 5); see `export.Export`.

        Iterate it for `bytes` chunks; `.total`, `.truncated`, `.rows`, `.media_type`,
        `.filename` and `.headers` are known before the first chunk. Filters: outcome,
        action_name, agent_id, start_date, end_date. `limit` is 1..100,000 (above:
        `ExportLimitExceeded`). Recorded in the export log.
        """
        self._check_rate(principal, "export")
        from .formats.export import start_export

        return start_export(self.engine, principal, format=format, limit=limit, **filters)

    def export_log(self, principal: Principal, limit: int = 100) -> "list[ExportLogRecord]":
        """The newest exports `principal` may see, newest first: all for a superuser, the
        organization's for an org admin, the user's own for a user."""
        from .formats.export_log import read_export_log

        return read_export_log(self.engine, principal, limit)

    def runs(self, principal: Principal, **params: Any) -> "RunPage":
        """Runs in scope, newest first: page, page_size (1..500, default 50), agent_id,
        start_date / end_date (when the run started; the query's date rules), status."""
        self._check_rate(principal, "query")
        from .read.runs import RunsQuery, list_runs

        request = RunsQuery.parse(**params)
        with self._snapshot() as conn:
            return list_runs(conn, principal, request)

    def run(self, principal: Principal, run_id: Any, *, limit: Any = None) -> "RunDetail":
        """One run and its actions in order (at most `limit`, default 1,000, up to 10,000);
        `NotFound` when it does not exist or is outside the caller's scope."""
        self._check_rate(principal, "query")
        from .read.runs import get_run, parse_action_limit, parse_run_id

        run_id, limit = parse_run_id(run_id), parse_action_limit(limit)
        with self._snapshot() as conn:
            return get_run(conn, principal, run_id, limit)

    def facets(self, principal: Principal) -> "Facets":
        """The action names and agent ids present in the caller's scope (for pickers)."""
        from .read.facets import read_facets

        with self.engine.connect() as conn:
            return read_facets(conn, principal)

    def admin(self, actor: Principal) -> "Admin":
        """Account and API-key administration as `actor` (`Forbidden` for a plain user)."""
        from .access.admin import Admin

        return Admin(self.engine, actor)

    def _snapshot(self):  # type: ignore[no-untyped-def]
        from contextlib import contextmanager

        @contextmanager
        def snapshot():  # type: ignore[no-untyped-def]
            with self.engine.connect() as conn:
                if conn.dialect.name == "postgresql":
                    conn = conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    yield conn

        return snapshot()

    def _check_rate(self, principal: Principal, kind: str) -> None:
        """Spend one call of `kind` ("query", "stats", "export") or raise `RateLimitExceeded`."""
        if self.limiter is not None:
            self.limiter.hit(principal.user_id, kind)

    # --- writing ----------------------------------------------------------------------

    def ingest(self, records: Iterable[Any], *, owner: Principal | None = None,
               progress: ingest_module.ProgressCallback | None = None,
               bulk: bool = False) -> ingest_module.IngestReport:
        """Append records (dicts in LedgerEntry form); idempotent on `id`. `bulk`: a large
        first load into an empty ledger, building the query indexes once at the end."""
        return ingest_module.ingest(self.engine, records, owner=owner, progress=progress, bulk=bulk)

    def ingest_file(self, path: str | Path, *, owner: Principal | None = None,
                    progress: ingest_module.ProgressCallback | None = None) -> ingest_module.IngestReport:
        """Append the LedgerEntry records of a JSONL file."""
        return ingest_module.ingest_file(self.engine, path, owner=owner, progress=progress)

    # --- accounts ---------------------------------------------------------------------

    def add_user(self, username: str, *, org_id: str, role: str, password: str | None = None,
                 display_name: str | None = None, email: str | None = None) -> accounts.UserRecord:
        """Add a user (and the organization, if new)."""
        password_hash = accounts.hash_password(password) if password is not None else None
        with self.engine.begin() as conn:
            return accounts.add_user(conn, username, org_id=org_id, role=role, password_hash=password_hash,
                                     display_name=display_name, email=email)

    def ensure_org(self, org_id: str, name: str | None = None, tier: str = "standard") -> bool:
        with self.engine.begin() as conn:
            return accounts.ensure_org(conn, org_id, name, tier)

    def users(self, org_id: str | None = None) -> list[accounts.UserRecord]:
        with self.engine.connect() as conn:
            return accounts.list_users(conn, org_id)

    def set_role(self, username: str, role: str) -> None:
        with self.engine.begin() as conn:
            accounts.set_role(conn, username, role)

    def set_password(self, username: str, password: str) -> None:
        password_hash = accounts.hash_password(password)
        with self.engine.begin() as conn:
            accounts.set_password_hash(conn, username, password_hash)

    def create_api_key(self, username: str, name: str | None = None) -> tuple[accounts.ApiKeyRecord, str]:
        with self.engine.begin() as conn:
            return accounts.create_api_key(conn, username, name)

    def api_keys(self, username: str | None = None) -> list[accounts.ApiKeyRecord]:
        with self.engine.connect() as conn:
            return accounts.list_api_keys(conn, username)

    def revoke_api_key(self, key_id: str) -> bool:
        with self.engine.begin() as conn:
            return accounts.revoke_api_key(conn, key_id)
