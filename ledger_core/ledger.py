"""`Ledger`: the public Python API that pages, the REST API, the CLI and notebooks share."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, Iterable

from sqlalchemy import Engine

from .access import accounts, logins
from .access.admin import Admin
from .access.ratelimit import RateLimiter
from .config import RateLimits, database_url
from .contract.common import Principal
from .contract.compliance import ComplianceRequest, ComplianceSummary
from .contract.export import AuditPackRequest, ExportLogRecord, ExportRequest
from .contract.facets import Facets
from .contract.ingest import IngestReport
from .contract.integrity import Checkpoint, LedgerVerification
from .contract.query import LedgerPage, LedgerQuery
from .contract.runs import RunDetail, RunPage, RunRequest, RunsQuery
from .contract.stats import DurationBucket, LedgerStats, StatsRequest, StatsView
from .errors import Forbidden, UnknownPrincipal
from .formats.audit_pack import AuditPack, build_audit_pack
from .formats.export import Export, start_export
from .formats.export_log import read_export_log
from .integrity import checkpoints as checkpoint_store
from .integrity.keys import configured_verify_keys
from .integrity.verify import Progress as VerifyProgress
from .integrity.verify import verify_ledger
from .read.compliance import compliance_summary, has_access
from .read.durations import duration_histogram
from .read.facets import read_facets
from .read.query import run_query
from .read.runs import get_run, list_runs
from .read.stats import run_stats, run_stats_view
from .store import migrate
from .store.db import backend_name, make_engine, read_snapshot, write_transaction
from .write import ingest as ingest_module


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
        # Per-user budgets shared through the database (None: limits off). Tests may swap
        # its `clock`, or assign a RateLimiter of their own.
        self.limiter: RateLimiter | None = (
            RateLimiter(self.engine, self.rate_limits) if self.rate_limits is not None else None
        )
        # Wall clock for login lockouts (tests may swap it).
        self.clock: Callable[[], float] = time.time
        # A malformed LEDGER_SIGNING_KEY / LEDGER_VERIFY_KEY is refused now, not at the first ingest.
        configured_verify_keys()

    @classmethod
    def from_env(cls, **kwargs: Any) -> "Ledger":
        """The ledger at `LEDGER_DATABASE_URL` (default: the SQLite file under `data/`)."""
        return cls(database_url(), **kwargs)

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return backend_name(self.engine)

    def init(self) -> None:
        """Create or upgrade the schema (Alembic migrations)."""
        migrate.upgrade(self.engine)
        ingest_module.ensure_indexes(self.engine, analyze=False)

    def ensure_schema(self) -> bool:
        """Upgrade the schema when it is behind this code (a server started on a database
        that an older version wrote, without `init`): the migrations `init` runs, no index
        builds. -> whether it upgraded."""
        if migrate.current_revision(self.engine) == migrate.head_revision():
            return False
        migrate.upgrade(self.engine)
        return True

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
            # A name no account can have (NUL, too long, not text) is said to be the fault:
            # that tells nothing about which accounts exist.
            raise UnknownPrincipal("invalid username or password",
                                   field=None if logins.countable(username) else "username")
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

    # --- reading: validate the request, spend one call of the caller's budget, read one snapshot

    def query(self, principal: Principal, **params: Any) -> LedgerPage:
        """One page of the ledger, scoped to `principal` (SPEC section 3 parameters)."""
        request = LedgerQuery.parse(**params)
        self._check_rate(principal, "query")
        with read_snapshot(self.engine) as conn:
            return run_query(conn, principal, request)

    def stats(self, principal: Principal, **params: Any) -> LedgerStats:
        """Aggregate statistics scoped to `principal` (SPEC section 4); see `LedgerStats`.

        Accepted (same rules as the query): start_date, end_date, agent_id and the risk and
        compliance filters (SPEC section 3b); anything else raises `LedgerValidationError`
        naming the field.
        """
        request = StatsRequest.parse(**params)
        self._check_rate(principal, "stats")
        with read_snapshot(self.engine) as conn:
            return run_stats(conn, principal, request)

    def stats_view(self, principal: Principal, **params: Any) -> StatsView:
        """The stats and the duration histogram of one request, as the Stats page shows them
        (see `StatsView`): the parameters and rules of `stats`, one rate-limit call, one
        snapshot. With a risk or compliance filter the entries are read once for both."""
        request = StatsRequest.parse(**params)
        self._check_rate(principal, "stats")
        with read_snapshot(self.engine) as conn:
            return run_stats_view(conn, principal, request)

    def duration_histogram(self, principal: Principal, **params: Any) -> list[DurationBucket]:
        """How many matching actions took how long (log-spaced buckets, see `DurationBucket`),
        with the stats' parameters and rules. Part of a stats view: no extra rate-limit call."""
        request = StatsRequest.parse(**params)
        with read_snapshot(self.engine) as conn:
            return duration_histogram(conn, principal, request)

    def compliance(self, principal: Principal, **params: Any) -> ComplianceSummary:
        """The compliance summary of the actions in scope (see `ComplianceSummary`):
        start_date, end_date, agent_id and the compliance filters. Org admins and
        superusers; a plain user only in an Enterprise organization (else `Forbidden`).
        Counts against the stats rate limit."""
        request = ComplianceRequest.parse(**params)
        self._check_rate(principal, "stats")
        with read_snapshot(self.engine) as conn:
            return compliance_summary(conn, principal, request)

    def may_see_compliance(self, principal: Principal) -> bool:
        """Whether `principal` may ask for `compliance` (org admins, superusers, and the users
        of an Enterprise organization): lets a page or a menu decide without a refusal.
        Spends no rate-limit call."""
        with self.engine.connect() as conn:
            return has_access(conn, principal)

    def export(self, principal: Principal, **params: Any) -> Export:
        """A streamed export scoped to `principal` (SPEC section 5); see `formats.export.Export`.

        Iterate it for `bytes` chunks; `.total`, `.truncated`, `.rows`, `.media_type`,
        `.filename` and `.headers` are known before the first chunk. Parameters: format
        (jsonl, json, csv), limit (1..100,000; above: `ExportLimitExceeded`), and the
        filters outcome, action_name, agent_id, start_date, end_date. Recorded in the
        export log.
        """
        request = ExportRequest.parse(**params)
        self._check_rate(principal, "export")
        return start_export(self.engine, principal, request)

    def audit_pack(self, principal: Principal, **params: Any) -> AuditPack:
        """A compliance audit pack (see `formats.audit_pack`): the matching entries as CSV
        and JSONL, a manifest with the files' SHA-256, the entries' chain positions and
        hashes and the latest checkpoints, and a README for the auditor. Parameters: limit
        and the filters of an export. Counts as an export (rate limit, export log)."""
        request = AuditPackRequest.parse(**params)
        self._check_rate(principal, "export")
        return build_audit_pack(self.engine, principal, request, checkpoints=_latest_checkpoint_dicts)

    def export_log(self, principal: Principal, limit: int = 100) -> list[ExportLogRecord]:
        """The newest exports `principal` may see, newest first: all for a superuser, the
        organization's for an org admin, the user's own for a user."""
        return read_export_log(self.engine, principal, limit)

    def runs(self, principal: Principal, **params: Any) -> RunPage:
        """Runs in scope, newest first: page, page_size (1..500, default 50), agent_id,
        start_date / end_date (when the run started; the query's date rules), status."""
        request = RunsQuery.parse(**params)
        self._check_rate(principal, "query")
        with read_snapshot(self.engine) as conn:
            return list_runs(conn, principal, request)

    def run(self, principal: Principal, run_id: Any, *, limit: Any = None) -> RunDetail:
        """One run and its actions in order (at most `limit`, default 1,000, up to 10,000);
        `NotFound` when it does not exist or is outside the caller's scope."""
        request = RunRequest.parse(run_id=run_id, limit=limit)
        self._check_rate(principal, "query")
        with read_snapshot(self.engine) as conn:
            return get_run(conn, principal, request)

    def facets(self, principal: Principal) -> Facets:
        """The action names and agent ids present in the caller's scope (for pickers)."""
        with read_snapshot(self.engine) as conn:
            return read_facets(conn, principal)

    # --- integrity (SPEC section 7; docs/integrity.md) ------------------------------------

    def verify(self, principal: Principal, *, org_id: str | None = None, verify_key: str | None = None,
               progress: VerifyProgress | None = None) -> LedgerVerification:
        """Verify the hash chains: an org admin their organization's, a superuser every
        organization's (or `org_id`'s); a plain user gets `Forbidden`. Every hash is
        recomputed and every link, checkpoint and chain head checked; `.ok`, per
        organization the first damage, `.to_json()`. Counts against the export budget
        (it reads every entry). `verify_key`: public key(s) to check the signed
        checkpoints with instead of `LEDGER_VERIFY_KEY`."""
        orgs = checkpoint_store.orgs_in_scope(principal)
        if org_id is not None:
            if orgs is not None and org_id not in orgs:
                raise Forbidden(f"an org admin verifies only their own organization ({principal.org_id!r})",
                                field="org_id")
            orgs = [org_id]
        self._check_rate(principal, "export")
        return verify_ledger(self.engine, orgs, verify_key=verify_key, progress=progress)

    def latest_checkpoints(self, principal: Principal) -> list[Checkpoint]:
        """The newest signed checkpoint of each organization in scope (an org admin's own,
        a superuser's all; `Forbidden` for a plain user), by organization id: each
        `to_json()` gives org_id, seq (= count), entry_id, hash, signed_at, signature
        (base64) and public_key_fingerprint. None for an organization never signed."""
        orgs = checkpoint_store.orgs_in_scope(principal)
        with read_snapshot(self.engine) as conn:
            return checkpoint_store.latest_checkpoints(conn, orgs)

    def admin(self, actor: Principal) -> Admin:
        """Account and API-key administration as `actor` (`Forbidden` for a plain user)."""
        return Admin(self.engine, actor)

    def _check_rate(self, principal: Principal, kind: str) -> None:
        """Spend one call of `kind` ("query", "stats", "export") or raise `RateLimitExceeded`."""
        if self.limiter is not None:
            self.limiter.hit(principal.user_id, kind)

    # --- writing ----------------------------------------------------------------------

    def ingest(self, records: Iterable[Any], *, owner: Principal | None = None,
               progress: ingest_module.ProgressCallback | None = None,
               bulk: bool = False) -> IngestReport:
        """Append records (dicts in LedgerEntry form); idempotent on `id`: an identical
        re-sent record is a duplicate, the same id with other content a refused conflict
        (`Refusal.conflict`). Timestamps must lie between 2000-01-01 and one day ahead of the
        clock. `bulk`: a large first load into an empty ledger, building the query indexes
        once at the end."""
        return ingest_module.ingest(self.engine, records, owner=owner, progress=progress, bulk=bulk)

    def ingest_file(self, path: str | Path, *, owner: Principal | None = None,
                    progress: ingest_module.ProgressCallback | None = None) -> IngestReport:
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


def _latest_checkpoint_dicts(conn: Any, org_ids: list[str]) -> list[dict[str, Any]]:
    """The audit pack's manifest entry: each organization's latest signed checkpoint."""
    return [checkpoint.to_dict() for checkpoint in checkpoint_store.latest_checkpoints(conn, org_ids)]
