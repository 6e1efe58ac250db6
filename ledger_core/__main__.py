"""The command line: `python -m ledger_core COMMAND` (SPEC section 8)."""
from __future__ import annotations

import argparse
import getpass
import json
import sys
import time
import zipfile
from datetime import date
from pathlib import Path
from typing import Sequence, TextIO

from sqlalchemy.exc import SQLAlchemyError

from .config import SECRETS_PATH, database_url
from .contract.common import ROLES
from .contract.ingest import IngestReport
from .errors import LedgerError
from .ledger import Ledger
from .write.ingest import BUILDING_INDEXES


def _progress_printer(stream: TextIO, every_seconds: float = 2.0, total: int | None = None):  # type: ignore[no-untyped-def]
    """A progress callback that prints at most every `every_seconds` (and once at the end).

    With `total` (the records expected) each report is a bar with the share done and the
    time left; on a terminal it is redrawn in place, elsewhere (a log) printed as lines."""
    started = time.monotonic()
    last = [started]
    in_place = total is not None and stream.isatty()

    def show(line: int, report: IngestReport) -> None:
        now = time.monotonic()
        if line == BUILDING_INDEXES:
            print("building the query indexes and the planner's statistics "
                  "(up to a minute per million actions)...", file=stream, flush=True)
            return
        if line != -1 and now - last[0] < every_seconds:
            return
        last[0] = now
        message = progress_line(report, now - started, total, final=line == -1)
        if in_place:
            print("\r" + message, end="\n" if line == -1 else "", file=stream, flush=True)
        else:
            print(message, file=stream, flush=True)

    return show


def progress_line(report: IngestReport, elapsed: float, total: int | None, *, final: bool = False) -> str:
    """`... 250,000 of 1,000,000 [#####...............]  25%, 12 s left (...; 4,000/s)`."""
    rate = report.processed / max(elapsed, 1e-9)
    counts = (f"({report.added:,} added, {report.duplicates:,} duplicates, {report.refused:,} refused; "
              f"{rate:,.0f}/s)")
    prefix = "done" if final else "..."
    if not total:
        return f"{prefix} {report.processed:,} records {counts}"
    share = min(report.processed / total, 1.0)
    bar = "#" * round(share * 20)
    left = "" if final or rate <= 0 else f", {_duration((total - report.processed) / rate)} left"
    return f"{prefix} {report.processed:,} of {total:,} records [{bar:<20}] {share:4.0%}{left} {counts}"


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


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
              progress=_progress_printer(sys.stderr, total=args.actions))
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


def cmd_audit_pack(ledger: Ledger, args: argparse.Namespace) -> int:
    """Write an audit pack for `--user`'s scope, whole or not at all."""
    principal = ledger.principal(args.user)
    filters = {name: getattr(args, name) for name in EXPORT_FILTERS if getattr(args, name) is not None}
    with ledger.audit_pack(principal, limit=args.limit, **filters) as pack:
        pack.save(args.output)
    print(f"audit pack with {pack.rows:,} of {pack.total:,} matching actions written to {args.output} "
          "(entries.csv, entries.jsonl, manifest.json, README.txt)", file=sys.stderr)
    if pack.truncated:
        print(f"warning: the pack is TRUNCATED at --limit {args.limit}: {pack.total - pack.rows:,} matching "
              "actions are not in it. Narrow the dates or add filters.", file=sys.stderr)
    return 0


def cmd_verify(ledger: Ledger | None, args: argparse.Namespace) -> int:
    """Verify the database's chains, or with --file an export; 0 intact, 1 damaged."""
    if args.file:
        return _verify_file(args)
    assert ledger is not None
    from .integrity.report import ledger_report
    from .integrity.verify import verify_ledger

    show = _verify_progress(sys.stderr)
    result = verify_ledger(ledger.engine, [args.org] if args.org else None, verify_key=args.verify_key,
                           progress=show)
    if args.json:
        print(result.to_json())
    else:
        print("\n".join(ledger_report(result)))
    return 0 if result.ok else 1


def _verify_file(args: argparse.Namespace) -> int:
    from .errors import FileUnreadable
    from .integrity.lines import verify_lines
    from .integrity.report import file_report

    if zipfile.is_zipfile(args.file):
        return _verify_pack(args)
    if args.org or args.verify_key:
        raise LedgerError("--org and --verify-key apply to the database's chains, not to --file")
    try:
        with open(args.file, "rb") as handle:
            result = verify_lines(handle, allow_gaps=args.allow_gaps)
    except OSError as exc:
        raise FileUnreadable(f"cannot read {args.file}: {exc.strerror or exc}") from None
    if args.json:
        print(result.to_json())
    else:
        print("\n".join(file_report(result, args.file)))
    return 0 if result.ok else 1


def _verify_pack(args: argparse.Namespace) -> int:
    """`verify --file PACK.zip`: an audit pack, with its checkpoints' signatures."""
    from .integrity.pack import verify_audit_pack

    if args.org:
        raise LedgerError("--org applies to the database's chains, not to --file")
    result = verify_audit_pack(args.file, verify_key=args.verify_key)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        print("\n".join(result.problems + result.notes))
        verdict = "intact" if result.ok else f"NOT intact: {len(result.problems):,} problem(s)"
        print(f"{args.file}: audit pack with {result.rows:,} entries checked, {verdict}")
    return 0 if result.ok else 1


def _verify_progress(stream: TextIO, every_seconds: float = 2.0):  # type: ignore[no-untyped-def]
    started = time.monotonic()
    last = [started]
    done_by_org: dict[str, int] = {}

    def show(org_id: str, done: int, total: int) -> None:
        done_by_org[org_id] = done
        now = time.monotonic()
        if now - last[0] < every_seconds and done < total:
            return
        last[0] = now
        share = f" of {total:,}" if total else ""
        rate = sum(done_by_org.values()) / max(now - started, 1e-9)
        print(f"... {org_id}: {done:,}{share} entries verified ({rate:,.0f} entries/s overall)",
              file=stream, flush=True)

    return show


def cmd_keygen(ledger: Ledger | None, args: argparse.Namespace) -> int:
    from .integrity.keys import fingerprint, generate_key_pair, load_signing_key, write_secrets

    private, public = generate_key_pair()
    fingerprint_text = fingerprint(load_signing_key(private).public)
    if args.write_secrets:
        target = Path(args.write_secrets)
        write_secrets(target, private, public)
        print(f"Ed25519 key pair (fingerprint {fingerprint_text}) written to {target} "
              "as ledger_signing_key and ledger_verify_key")
        print(f"LEDGER_VERIFY_KEY={public}")
        return 0
    print(f"# Ed25519 key pair for signed checkpoints, fingerprint {fingerprint_text}")
    print("# The private key signs at ingest: keep it secret, where ingest runs (environment or")
    print("# .streamlit/secrets.toml as ledger_signing_key), never in the repository or the database.")
    print(f"LEDGER_SIGNING_KEY={private}")
    print("# The public key verifies the checkpoints: give it to whoever runs verify (and auditors).")
    print(f"LEDGER_VERIFY_KEY={public}")
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


def add_selection_filters(p: argparse.ArgumentParser) -> None:
    """The filters of an export or an audit pack (checked by the ledger, which names a bad value)."""
    p.add_argument("--outcome", help="success, error or blocked")
    p.add_argument("--action-name", dest="action_name", help="exact action name")
    p.add_argument("--agent-id", dest="agent_id", help="exact agent id")
    p.add_argument("--start-date", dest="start_date", help="ISO 8601; a date alone means 00:00 UTC")
    p.add_argument("--end-date", dest="end_date", help="ISO 8601; a date alone means the whole day")
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
        description="Agent Activity Ledger: set up the database, load data, manage users and API keys, "
                    "verify the hash chains.",
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
    add_selection_filters(p)
    p.add_argument("-o", "--output", required=True, help="file to write, or - for standard output")
    p.set_defaults(func=cmd_export)
    p = commands.add_parser(
        "audit-pack", help="write a compliance audit pack (zip) for a user's scope",
        description="Write an audit pack for USER's scope: one zip with the matching actions as entries.csv and "
                    "entries.jsonl, a manifest.json (who, when, filters, row count, truncation, each file's "
                    "SHA-256, the entries' chain positions and hashes, the latest signed checkpoints) and a "
                    "README.txt for the auditor. Check it with `verify --file PACK.zip`. Recorded in the "
                    "export log.")
    p.add_argument("--user", required=True, help="whose scope (as for export)")
    p.add_argument("--limit", default=10_000, help="at most this many actions, 1..100000 (default 10000)")
    add_selection_filters(p)
    p.add_argument("-o", "--output", required=True, help="the zip file to write")
    p.set_defaults(func=cmd_audit_pack)

    p = commands.add_parser(
        "verify", help="verify the hash chains (or an export with --file)",
        description="Check every organization's hash chain: each entry's hash recomputed from its stored fields, "
                    "each link, the sequence numbers, the chain head and every signed checkpoint. Reports the first "
                    "broken link per organization (entry id, seq, expected and found hash). With --file, checks a "
                    "JSONL export or an audit pack offline instead. Exit status 0 when everything is intact, 1 when "
                    "anything is "
                    "damaged, 2 on an error. Progress goes to standard error.")
    p.add_argument("--org", help="only this organization")
    p.add_argument("--file", help="a JSONL export or an audit pack (.zip) to check offline (no database needed)")
    p.add_argument("--allow-gaps", dest="allow_gaps", action="store_true",
                   help="with --file: a filtered export holds pieces of the chain; count the breaks between "
                        "them instead of reporting them")
    p.add_argument("--verify-key", dest="verify_key",
                   help="public key(s) to check checkpoints with (default: $LEDGER_VERIFY_KEY or secrets, and the "
                        "signing key's public half)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_verify)

    p = commands.add_parser(
        "keygen", help="make an Ed25519 key pair for signed checkpoints",
        description="Print a new Ed25519 key pair: LEDGER_SIGNING_KEY (private: base64 of the 32-byte seed) and "
                    "LEDGER_VERIFY_KEY (public: base64 of the 32 raw bytes). With --write-secrets, add them to "
                    ".streamlit/secrets.toml (or the given file) instead of printing the private key.")
    p.add_argument("--write-secrets", dest="write_secrets", nargs="?", const=str(SECRETS_PATH), default=None,
                   metavar="PATH", help="add the keys to this secrets.toml (default .streamlit/secrets.toml); "
                                        "refused if it already holds one")
    p.set_defaults(func=cmd_keygen)
    return parser


def _needs_database(args: argparse.Namespace) -> bool:
    return not (args.command == "keygen" or (args.command == "verify" and args.file))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    ledger: Ledger | None = None
    try:
        if not _needs_database(args):
            return args.func(None, args)
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
