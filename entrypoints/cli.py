"""The `cis` command: one entry for every process and tool."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import psycopg

from adapters.logging import configure_logging
from adapters.settings import ResolvedSettings, Settings
from adapters.startup import Dependency, DependencyUnreachable, wait_for_dependencies
from entrypoints.audit_cli import add_state_command
from entrypoints.audit_export_cli import register as register_audit_export
from entrypoints.benches.registry import ALL, BENCHES
from entrypoints.dsg_export_cli import register as register_dsg_export
from entrypoints.http.auth import Role, issue_token
from entrypoints.keys_cli import register as register_keys
from entrypoints.retention_cli import register as register_retention
from entrypoints.score_cli import register as register_score

__all__ = ["main"]
# Commands that use servers already running (configured, or those of a running `cis up`).
ON_RUNNING_SERVERS = ("api", "project", "relay", "consume", "mail")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cis", description="EV Customer Intelligence")
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start everything (embedded servers when no URL is set)")
    up.add_argument("--demo", action="store_true",
                    help="load generated demo data when the event log is empty")
    demo = commands.add_parser("demo", help="load generated demo data (labelled as demo)")
    demo.add_argument("--customers", type=int, default=200)
    api = commands.add_parser("api", help="run one HTTP API")
    api.add_argument("which", choices=["command", "query"])
    project = commands.add_parser(
        "project", help="read models: run [NAME ...], status, rebuild NAME, "
                        "skip NAME --position N --reason TEXT")
    project.add_argument("action", choices=["run", "status", "rebuild", "skip"])
    project.add_argument("names", nargs="*", metavar="NAME",
                         help="run: the read models to project (default: all, in one process); "
                              "rebuild: the one to rebuild; skip: the one (or `relay`) "
                              "to get past an event")
    project.add_argument("--position", type=_positive,
                         help="skip: the position of the event the read model cannot project")
    project.add_argument("--reason", help="skip: why (kept with the skip, not logged)")
    project.add_argument("--by", help="skip: who decided (default: the login name)")
    project.add_argument("--processes", type=_positive, default=1,
                         help="rebuild: processes sharing the catch-up, each taking a share "
                              "of the customers (default 1; each reads the whole log, so "
                              "more pay off for large logs on machines with more cores)")
    commands.add_parser("relay", help="publish the log to NATS JetStream")
    consume = commands.add_parser("consume", help="run a JetStream consumer")
    consume.add_argument("which", choices=["scoring", "notifications"])
    mail = commands.add_parser("mail", help="notifications: list what was sent (no bodies)")
    mail.add_argument("action", choices=["list"])
    mail.add_argument("--limit", type=_positive, default=50, help="newest first (default 50)")
    mail.add_argument("--customer", help="only this customer's (an id)")
    commands.add_parser("migrate", help="create tables and streams")
    bench = commands.add_parser("bench", help="benchmarks: our path next to its baseline, "
                                              "one run each; tables printed, JSON written")
    bench.add_argument("which", choices=[*BENCHES, "all"],
                       help="; ".join(f"{name}: {b.help}" for name, b in BENCHES.items())
                       + f"; all: {', '.join(ALL)} with sizes that fit in 10 minutes")
    bench.add_argument("--events", type=_positive,
                       help="the size of the bench's data (its own default otherwise): "
                            "events written for catch-up, audit-export and relay, the one "
                            "customer's events for audit-state, erasure and replay, "
                            "commands for append, commands and fan-out")
    bench.add_argument("--out", type=Path,
                       help="where the JSON goes (default <data dir>/bench)")
    audit = commands.add_parser("audit", help="audit: state, export, verify, public-key")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    add_state_command(audit_commands)
    register_audit_export(audit_commands)
    # DSG (the data-protection officer's) commands: each module adds its own
    # subcommands and sets `run(args, settings) -> int`.
    dsg = commands.add_parser("dsg", help="data protection (DSG): access export, erasure, "
                                          "retention")
    dsg_commands = dsg.add_subparsers(dest="dsg_command", required=True)
    register_dsg_export(dsg_commands)
    register_retention(dsg_commands)
    register_keys(commands)
    register_score(commands)
    token = commands.add_parser("token", help="print a bearer token")
    token.add_argument("--role", required=True, choices=[r.value for r in Role])
    token.add_argument("--sub", required=True, help="the subject, e.g. a salesperson's login")
    token.add_argument("--hours", type=float, default=24.0)
    return parser


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) == 0:
        raise argparse.ArgumentTypeError(f"a whole number above 0, not {text!r}")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ValueError as bad:  # a setting refused: named, without a traceback
        print(f"cis: {bad}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, json=args.command != "up" or not sys.stdout.isatty())
    if args.command != "up" and not settings.has_all_urls():
        # Next to a running `cis up`: use its servers, never start a second Postgres
        # on the same data directory.
        settings = _urls_of_running_stack(settings)
    # `cis audit state` replays through the application; export and verify need no
    # running servers (export starts the data dir's Postgres when none is configured).
    on_running = args.command in ON_RUNNING_SERVERS or (
        args.command == "audit" and args.audit_command == "state")
    if on_running:
        resolved = settings.resolved()
        if resolved is None:
            print("cis: set CIS_DATABASE_URL, CIS_NATS_URL and CIS_REDIS_URL, "
                  "or use `cis up` to start embedded servers", file=sys.stderr)
            return 2
        return _on_running_servers(args, resolved)
    match args.command:
        case "up":
            from entrypoints.up import run_up

            return run_up(settings, demo=args.demo)
        case "token":
            if not 0 < args.hours <= settings.token_max_ttl_hours:
                print(f"cis: --hours must be above 0 and at most {settings.token_max_ttl_hours:g} "
                      "(CIS_TOKEN_MAX_TTL_HOURS); the APIs refuse longer-lived tokens",
                      file=sys.stderr)
                return 2
            print(issue_token(settings.jwt_secret, subject=args.sub, role=Role(args.role),
                              ttl=timedelta(hours=args.hours)))
        case "bench":
            from adapters.embedded.stack import embedded_stack
            from entrypoints.benches.registry import run_all, run_bench
            from entrypoints.benches.report import BenchOptions

            with embedded_stack(settings) as resolved:
                options = BenchOptions(args.events, args.out or resolved.data_dir / "bench",
                                       quick=args.which == "all")
                if args.which == "all":
                    return run_all(resolved, options)
                run_bench(args.which, resolved, options)
        case "audit" | "dsg" | "keys" | "score":
            return int(args.run(args, settings))  # each subcommand sets `run`
        case "demo":
            from adapters.embedded.stack import embedded_stack
            from entrypoints.bootstrap import build_application
            from entrypoints.demo import load_demo
            from entrypoints.migrate import migrate

            with embedded_stack(settings) as resolved:
                migrate(resolved)
                cis = build_application(resolved, pool_size=2)
                try:
                    load_demo(cis, args.customers)
                finally:
                    cis.close()
        case "migrate":
            from adapters.embedded.stack import embedded_stack
            from entrypoints.migrate import migrate

            with embedded_stack(settings) as resolved:
                if not _servers_answer("migrate", resolved):
                    return 2
                migrate(resolved)
    return 0


def _dependencies(command: str, settings: ResolvedSettings) -> list[tuple[Dependency, str]]:
    """The servers `command` cannot start without (Redis only warned about)."""
    needs = [(Dependency.POSTGRES, settings.database_url)]
    if command in ("relay", "consume", "migrate"):
        needs.append((Dependency.NATS, settings.nats_url))
    if command == "api":
        needs.append((Dependency.REDIS, settings.redis_url))
    return needs


def _servers_answer(command: str, settings: ResolvedSettings) -> bool:
    try:
        wait_for_dependencies(_dependencies(command, settings), settings.startup_timeout)
    except DependencyUnreachable as missing:
        print(f"cis: {missing}", file=sys.stderr)
        return False
    return True


def _on_running_servers(args: argparse.Namespace, settings: ResolvedSettings) -> int:
    """The commands that never start a server of their own."""
    if not _servers_answer(args.command, settings):
        return 2
    match args.command:
        case "api":
            _serve_api(args.which, settings)
        case "project":
            return _project(args, settings)
        case "relay":
            from entrypoints import worker_metrics
            from entrypoints.workers.relay import main as run_relay

            worker_metrics.relay(settings)
            run_relay(settings)
        case "consume" if args.which == "notifications":
            if settings.smtp_url is None:
                print("cis: set CIS_SMTP_URL (smtp:// or smtps://), or use `cis up`, which "
                      "starts a local SMTP sink", file=sys.stderr)
                return 2
            from adapters.smtp.connection import parse_smtp_url

            try:
                parse_smtp_url(settings.smtp_url)
            except ValueError as wrong:
                print(f"cis: {wrong}", file=sys.stderr)
                return 2
            from entrypoints import worker_metrics
            from entrypoints.workers.notifications import main as run_notifications

            worker_metrics.consumer(settings, "notifications")
            run_notifications(settings)
        case "consume":
            from entrypoints import worker_metrics
            from entrypoints.workers.scoring import main as run_scoring

            worker_metrics.consumer(settings, "scoring")
            run_scoring(settings)
        case "mail":
            from entrypoints.mail_cli import list_mail

            return list_mail(settings, limit=args.limit, customer=args.customer)
        case "audit":
            from entrypoints.audit_cli import run_state

            return run_state(args, settings)
    return 0


def _project(args: argparse.Namespace, settings: ResolvedSettings) -> int:
    from entrypoints import project_admin
    from entrypoints.workers.projector import main as run_projectors
    from projections.registry import READ_MODELS, read_model
    from projections.runner import PoisonEvent

    action = args.action
    if action == "skip" and args.names == ["relay"]:
        return _skip(args, settings, "relay")  # the relay stalls like a read model
    try:
        models = [read_model(name) for name in args.names]
    except KeyError as unknown:
        print(f"cis: {unknown.args[0]}", file=sys.stderr)
        return 2
    if action == "run":
        from entrypoints import worker_metrics

        worker_metrics.projector(settings, models or READ_MODELS)
        run_projectors(settings, models or READ_MODELS)
    elif action == "status":
        project_admin.status(settings)
    elif len(models) != 1:
        print(f"cis: project {action} needs the name of one read model", file=sys.stderr)
        return 2
    elif action == "skip":
        return _skip(args, settings, models[0].name)
    else:
        try:
            project_admin.rebuild(settings, models[0].name, processes=args.processes)
        except PoisonEvent as poison:
            print(f"cis: rebuild failed, the live tables are untouched: {poison}; see "
                  f"`cis project skip {poison.read_model} --position {poison.position}`",
                  file=sys.stderr)
            return 1
    return 0


def _skip(args: argparse.Namespace, settings: ResolvedSettings, name: str) -> int:
    import getpass

    from entrypoints import project_admin

    if args.position is None or not args.reason:
        print("cis: project skip needs --position N and --reason TEXT", file=sys.stderr)
        return 2
    try:
        project_admin.skip(settings, name, args.position, by=args.by or getpass.getuser(),
                           reason=args.reason)
    except project_admin.SkipRefused as refused:
        print(f"cis: {refused}", file=sys.stderr)
        return 1
    print(f"{name} skips the event at position {args.position} (it stays in the log)")
    return 0


def _urls_of_running_stack(settings: Settings) -> Settings:
    """Next to a running `cis up`, use the servers it started (run/endpoints.json)."""
    import json

    path = settings.data_dir / "run" / "endpoints.json"
    if not path.exists():
        return settings
    endpoints = json.loads(path.read_text())
    try:
        psycopg.connect(endpoints["database_url"], connect_timeout=2).close()
    except psycopg.OperationalError:
        return settings  # left behind by a stack that is no longer running
    found = settings.with_urls(settings.database_url or endpoints["database_url"],
                               settings.nats_url or endpoints["nats_url"],
                               settings.redis_url or endpoints["redis_url"])
    return replace(found, smtp_url=settings.smtp_url or endpoints.get("smtp_url"))


def _serve_api(which: str, settings: ResolvedSettings) -> None:
    if which == "command":
        from entrypoints.command_api.app import create_command_app

        app, port = create_command_app(settings), settings.command_port
    else:
        from entrypoints.query_api.app import create_query_app

        app, port = create_query_app(settings), settings.query_port
    from entrypoints.http.serving import serve

    serve(app, settings.host, port)


if __name__ == "__main__":
    sys.exit(main())
