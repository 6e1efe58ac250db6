"""The command line: `python -m ledger_core COMMAND` (SPEC section 8)."""
from __future__ import annotations

import argparse
import getpass
import sys
import time
from datetime import date
from pathlib import Path
from typing import Sequence, TextIO

from sqlalchemy.exc import SQLAlchemyError

from .config import database_url
from .contract.common import ROLES
from .contract.ingest import IngestReport
from .errors import LedgerError
from .ledger import Ledger


def _progress_printer(stream: TextIO, every_seconds: float = 2.0):  # type: ignore[no-untyped-def]
    """A progress callback that prints at most every `every_seconds` (and once at the end)."""
    started = time.monotonic()
    last = [started]

    def show(line: int, report: IngestReport) -> None:
        now = time.monotonic()
        if line != -1 and now - last[0] < every_seconds:
            return
        last[0] = now
        rate = report.processed / max(now - started, 1e-9)
        prefix = "done" if line == -1 else "..."
        print(f"{prefix} {report.processed:,} records ({report.added:,} added, "
              f"{report.duplicates:,} duplicates, {report.refused:,} refused; {rate:,.0f}/s)",
              file=stream, flush=True)

    return show


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != password:
            raise LedgerError("the two passwords differ; nothing changed")
    if not password:
        raise LedgerError("the password must not be empty; nothing changed")
    return password


def cmd_init(ledger: Ledger, args: argparse.Namespace) -> int:
    ledger.init()
    print(f"schema is up to date at {ledger.engine.url.render_as_string(hide_password=True)}")
    return 0


def cmd_demo(ledger: Ledger, args: argparse.Namespace) -> int:
    from .demo.loader import load_demo

    load_demo(ledger, actions=args.actions, seed=args.seed, end=args.end, out=sys.stdout,
              progress=_progress_printer(sys.stderr))
    return 0


def cmd_ingest(ledger: Ledger, args: argparse.Namespace) -> int:
    owner = ledger.principal(args.owner) if args.owner else None
    report = ledger.ingest_file(args.file, owner=owner, progress=_progress_printer(sys.stderr))
    for refusal in report.refusals:
        print(f"refused {refusal}", file=sys.stderr)
    print(report.summary())
    return 1 if report.refused else 0


def cmd_user_add(ledger: Ledger, args: argparse.Namespace) -> int:
    password = _read_password(args)
    record = ledger.add_user(args.username, org_id=args.org, role=args.role, password=password,
                             display_name=args.name, email=args.email)
    print(f"added {record.role} {record.id!r} to organization {record.org_id!r}")
    return 0


def cmd_user_list(ledger: Ledger, args: argparse.Namespace) -> int:
    users = ledger.users(args.org)
    print(f"{'username':<20} {'organization':<16} {'role':<10} {'name':<24} email")
    for user in users:
        print(f"{user.id:<20} {user.org_id:<16} {user.role:<10} {user.display_name:<24} {user.email}")
    print(f"{len(users)} user(s)")
    return 0


def cmd_user_set_role(ledger: Ledger, args: argparse.Namespace) -> int:
    ledger.set_role(args.username, args.role)
    print(f"{args.username!r} is now {args.role}")
    return 0


def cmd_user_set_password(ledger: Ledger, args: argparse.Namespace) -> int:
    ledger.principal(args.username)
    ledger.set_password(args.username, _read_password(args))
    print(f"password of {args.username!r} changed")
    return 0


def cmd_apikey_create(ledger: Ledger, args: argparse.Namespace) -> int:
    record, key = ledger.create_api_key(args.username, args.name)
    print(f"API key {record.id} created for {record.user_id!r}. It is shown only this once; store it now:")
    print(key)
    return 0


def cmd_apikey_list(ledger: Ledger, args: argparse.Namespace) -> int:
    keys = ledger.api_keys(args.username)
    print(f"{'key id':<14} {'user':<20} {'created (UTC)':<20} {'status':<22} name")
    for key in keys:
        status = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
        print(f"{key.id:<14} {key.user_id:<20} {key.created_at:%Y-%m-%d %H:%M:%S}  {status:<22} {key.name or ''}")
    print(f"{len(keys)} key(s)")
    return 0


def cmd_apikey_revoke(ledger: Ledger, args: argparse.Namespace) -> int:
    if not ledger.revoke_api_key(args.key_id):
        raise LedgerError(f"no active API key with id {args.key_id!r}")
    print(f"API key {args.key_id} revoked")
    return 0


def cmd_export(ledger: Ledger, args: argparse.Namespace) -> int:
    """Write an export for `--user`'s scope, whole or not at all (a `.part` file until done)."""
    principal = ledger.principal(args.user)
    filters = {name: getattr(args, name) for name in EXPORT_FILTERS if getattr(args, name) is not None}
    export = ledger.export(principal, format=args.format, limit=args.limit, **filters)
    show = _export_progress(sys.stderr, export.rows)
    with export:
        if args.output == "-":
            for chunk in export:
                sys.stdout.buffer.write(chunk)
                show(export.rows_written)
            sys.stdout.buffer.flush()
        else:
            target = Path(args.output)
            partial = target.with_name(target.name + ".part")
            try:
                with open(partial, "wb") as handle:
                    for chunk in export:
                        handle.write(chunk)
                        show(export.rows_written)
                partial.replace(target)
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
    show(export.rows_written, final=True)
    where = "standard output" if args.output == "-" else args.output
    print(f"{export.rows_written:,} of {export.total:,} matching actions written to {where} ({export.format})",
          file=sys.stderr)
    if export.truncated:
        print(f"warning: the export is TRUNCATED at --limit {export.limit:,}: {export.total - export.rows:,} "
              "matching actions are not in the file. Narrow the dates or add filters, or export in batches.",
              file=sys.stderr)
    return 0


def _export_progress(stream: TextIO, total: int, every_seconds: float = 2.0):  # type: ignore[no-untyped-def]
    """Progress for exports of more than 20,000 rows, at most every `every_seconds`."""
    last = [time.monotonic()]

    def show(rows: int, final: bool = False) -> None:
        now = time.monotonic()
        if total <= 20_000 or final or now - last[0] < every_seconds:
            return
        last[0] = now
        print(f"... {rows:,} of {total:,} rows ({rows / total:.0%})", file=stream, flush=True)

    return show


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-29") from None


def _positive(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


EXPORT_FILTERS = ("outcome", "action_name", "agent_id", "start_date", "end_date", "risk_level", "min_risk",
                  "data_classification", "decision", "regulatory_framework", "pii_detected")


def add_compliance_filters(p: argparse.ArgumentParser) -> None:
    """The compliance filters of an export or an audit pack (checked by the ledger, which
    names a bad value)."""
    p.add_argument("--risk-level", dest="risk_level", help="low, medium, high, critical, or several: high,critical")
    p.add_argument("--min-risk", dest="min_risk", help="that level and above (low < medium < high < critical)")
    p.add_argument("--data-classification", dest="data_classification",
                   help="public, internal, confidential, restricted, or several joined by commas")
    p.add_argument("--decision", help="allow, deny or review")
    p.add_argument("--regulatory-framework", dest="regulatory_framework", help="e.g. GDPR (exact)")
    p.add_argument("--pii-detected", dest="pii_detected", help="true or false")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ledger_core",
        description="Agent Activity Ledger: set up the database, load data, manage users and API keys.",
    )
    parser.add_argument("--database-url", default=None,
                        help="SQLAlchemy URL (default: $LEDGER_DATABASE_URL, else the SQLite file under data/)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("init", help="create or upgrade the schema",
                            description="Create or upgrade the schema (Alembic migrations).")
    p.set_defaults(func=cmd_init)

    p = commands.add_parser("demo", help="load the deterministic demo data set",
                            description="Load demo organizations, users (with the demo passwords listed "
                                        "in README.md), runs and actions. Running it again adds nothing.")
    p.add_argument("--actions", type=_positive, default=200_000, help="number of actions (default 200000)")
    p.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    p.add_argument("--end", type=_iso_date, default=None,
                   help="last day of the 18 months of data (default: today, UTC)")
    p.set_defaults(func=cmd_demo)

    p = commands.add_parser("ingest", help="append actions from a JSONL file",
                            description="Append LedgerEntry records from a JSONL file (the format the JSONL "
                                        "export writes). Idempotent on id: an identical re-sent line is a "
                                        "duplicate, the same id with other content a conflict (refused, the "
                                        "fields that differ named, the stored action unchanged). Each bad line "
                                        "is reported with its number and reason and nothing of it is stored. "
                                        "Exit status 1 if any line was refused.")
    p.add_argument("file", help="path to a .jsonl file")
    p.add_argument("--owner", help="refuse records that do not belong to this user")
    p.set_defaults(func=cmd_ingest)

    user = commands.add_parser("user", help="add, list, set role, set password",
                               description="Manage users.")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    p = user_commands.add_parser("add", help="add a user (creates the organization if new)",
                                 description="Add a user. The password is read from a prompt (not echoed) "
                                             "or, with --password-stdin, from the first line of standard input.")
    p.add_argument("username")
    p.add_argument("--org", required=True, help="organization id, e.g. acme")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--name", help="display name")
    p.add_argument("--email")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.set_defaults(func=cmd_user_add)
    p = user_commands.add_parser("list", help="list users", description="List users.")
    p.add_argument("--org", help="only this organization")
    p.set_defaults(func=cmd_user_list)
    p = user_commands.add_parser("set-role", help="change a user's role", description="Change a user's role.")
    p.add_argument("username")
    p.add_argument("role", choices=ROLES)
    p.set_defaults(func=cmd_user_set_role)
    p = user_commands.add_parser("set-password", help="change a user's password",
                                 description="Change a user's password (prompt, or --password-stdin).")
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.set_defaults(func=cmd_user_set_password)

    apikey = commands.add_parser("apikey", help="create, list, revoke API keys",
                                 description="Manage API keys (stored hashed; a key is shown once).")
    key_commands = apikey.add_subparsers(dest="apikey_command", required=True, metavar="ACTION")
    p = key_commands.add_parser("create", help="create a key for a user",
                                description="Create an API key for USERNAME; the key is printed "
                                            "alone on the last line.")
    p.add_argument("username")
    p.add_argument("--name", help="a label, e.g. the script that uses it")
    p.set_defaults(func=cmd_apikey_create)
    p = key_commands.add_parser("list", help="list keys (never the keys themselves)", description="List API keys.")
    p.add_argument("username", nargs="?")
    p.set_defaults(func=cmd_apikey_list)
    p = key_commands.add_parser("revoke", help="revoke a key by its id", description="Revoke an API key by its id.")
    p.add_argument("key_id")
    p.set_defaults(func=cmd_apikey_revoke)
    p = commands.add_parser(
        "export", help="export a user's actions to a file (JSONL, JSON or CSV)",
        description="Write the export of SPEC section 5 for USER's scope: the same bytes as the REST API and the "
                    "app's download for that user. The file appears only once it is complete. The export is "
                    "recorded in the export log. A truncated export (more matches than --limit) is said so on "
                    "standard error.")
    p.add_argument("--user", required=True, help="whose scope (a user sees their own actions, an org admin "
                                                 "their organization's, a superuser everything)")
    p.add_argument("--format", default="jsonl", help="jsonl (default), json or csv")
    p.add_argument("--limit", default=10_000, help="at most this many rows, 1..100000 (default 10000)")
    p.add_argument("--outcome", help="success, error or blocked")
    p.add_argument("--action-name", dest="action_name", help="exact action name")
    p.add_argument("--agent-id", dest="agent_id", help="exact agent id")
    p.add_argument("--start-date", dest="start_date", help="ISO 8601; a date alone means 00:00 UTC")
    p.add_argument("--end-date", dest="end_date", help="ISO 8601; a date alone means the whole day")
    add_compliance_filters(p)
    p.add_argument("-o", "--output", required=True, help="file to write, or - for standard output")
    p.set_defaults(func=cmd_export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    ledger: Ledger | None = None
    try:
        ledger = Ledger(args.database_url or database_url(), rate_limits=None)
        ledger.init()
        return args.func(ledger, args)
    except LedgerError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    except SQLAlchemyError as exc:
        print(f"error: database error: {str(exc.orig if hasattr(exc, 'orig') and exc.orig else exc).splitlines()[0]}",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if ledger is not None:
            ledger.dispose()


if __name__ == "__main__":
    sys.exit(main())
