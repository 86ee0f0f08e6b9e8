"""`cis dsg erase ID --reason TEXT` and `cis dsg retention --dry-run | --apply`.

The DPO's erasure from the command line answers what the HTTP erasure answers (the
same use case, `application.dsg.Erasures`). Retention lists or applies what the
policy erases today: no personal data in what it prints (ids, purposes, dates), a
progress bar on stderr, one transaction per customer, so a run cut short loses
nothing and the next one carries on. `--daily` is how `cis up` runs it.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime

import msgspec
import psycopg
import structlog
from tqdm import tqdm

from adapters.postgres.expired_claims import ExpiredClaims
from adapters.settings import ResolvedSettings, Settings
from adapters.shutdown import on_stop_signal
from application.errors import NotFound
from application.retention import Due, Retention
from domain.audit_trail import MAX_REASON_LENGTH
from domain.errors import DomainError
from domain.meta import EventMeta

__all__ = ["FIRST_DAILY_RUN_AFTER_SECONDS", "register"]

log = structlog.get_logger()
FIRST_DAILY_RUN_AFTER_SECONDS = 60.0  # after `cis up` starts: the read models catch up first
_DAY_SECONDS = 24 * 3600.0
_RETRY_SECONDS = 3600.0


def register(dsg: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `erase` and `retention` to the `cis dsg` group; each sets `run`."""
    erase = dsg.add_parser("erase", help="erase a customer's personal data (DSG Art. 32), "
                                         "keeping what the books hold; prints the answer")
    erase.add_argument("id", type=uuid.UUID, metavar="ID")
    erase.add_argument("--reason", required=True, type=_reason,
                       help="why (kept on the customer's access trail)")
    erase.add_argument("--by", help="who erases (default: the login name)")
    erase.set_defaults(run=_erase)
    retention = dsg.add_parser("retention", help="list or apply what the retention policy "
                                                 "erases today")
    mode = retention.add_mutually_exclusive_group(required=True)
    mode.add_argument("--dry-run", action="store_true", help="list only, change nothing")
    mode.add_argument("--apply", action="store_true", help="erase what is due")
    mode.add_argument("--daily", action="store_true",
                      help="apply now (after a minute) and then once a day, until stopped "
                           "(what `cis up` runs unless CIS_RETENTION_DAILY=false)")
    retention.add_argument("--first-run-after", type=_seconds, metavar="SECONDS",
                           default=FIRST_DAILY_RUN_AFTER_SECONDS,
                           help="with --daily: the first run this long after the start "
                                f"(default {FIRST_DAILY_RUN_AFTER_SECONDS:.0f})")
    retention.add_argument("--today", type=date.fromisoformat, metavar="YYYY-MM-DD",
                           help="decide as if today were this day (rehearsals and tests; "
                                "default: today in UTC)")
    retention.set_defaults(run=_retention)


def _reason(text: str) -> str:
    if not text.strip() or len(text) > MAX_REASON_LENGTH:
        raise argparse.ArgumentTypeError(f"1 to {MAX_REASON_LENGTH} characters")
    return text


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= _DAY_SECONDS:
        raise argparse.ArgumentTypeError("a number of seconds from 0 to 86400")
    return seconds


def _resolved(settings: Settings) -> ResolvedSettings | None:
    resolved = settings.resolved()
    if resolved is None:
        print("cis: set CIS_DATABASE_URL, CIS_NATS_URL and CIS_REDIS_URL, or run it next "
              "to `cis up`", file=sys.stderr)
    return resolved


def _erase(args: argparse.Namespace, settings: Settings) -> int:
    from entrypoints.bootstrap import build_application
    from entrypoints.dsg_wiring import build_dsg

    resolved = _resolved(settings)
    if resolved is None:
        return 2
    meta = EventMeta(actor=args.by or getpass.getuser(), correlation_id=f"cli-{uuid.uuid4()}")
    cis = build_application(resolved, pool_size=2)
    dsg = build_dsg(resolved, cis)
    try:
        report = dsg.erasures.erase(args.id, meta=meta, reason=args.reason)
    except NotFound as error:
        print(f"cis: {error}", file=sys.stderr)
        return 1
    except DomainError as error:
        print(f"cis: refused: {error}", file=sys.stderr)
        return 1
    finally:
        dsg.close()
        cis.close()
    print(msgspec.json.format(msgspec.json.encode(report), indent=2).decode())
    return 0


def _retention(args: argparse.Namespace, settings: Settings) -> int:
    from entrypoints.bootstrap import build_application
    from entrypoints.dsg_wiring import build_dsg

    resolved = _resolved(settings)
    if resolved is None:
        return 2
    today = _fixed(args.today) if args.today else _utc_today
    cis = build_application(resolved, pool_size=2)
    dsg = build_dsg(resolved, cis, today=today)
    try:
        if args.dry_run:
            _list(list(dsg.retention.due()), dsg.claims)
        elif args.apply:
            _apply(dsg.retention, dsg.claims)
        else:
            _daily(dsg.retention, dsg.claims, args.first_run_after)
    finally:
        dsg.close()
        cis.close()
    return 0


def _utc_today() -> date:
    return datetime.now(UTC).date()


def _fixed(day: date) -> Callable[[], date]:
    return lambda: day


def _list(due: list[Due], claims: ExpiredClaims) -> None:
    print(f"{'customer':36}  {'purpose':13}  {'action':18}  {'due':10}  held until")
    for item in due:
        held = item.held_until.isoformat() if item.held_until else "-"
        print(f"{item.customer_id!s:36}  {item.purpose.value:13}  {item.action.value:18}  "
              f"{item.due_on.isoformat():10}  {held}")
    counts = Counter(item.action.value for item in due)
    print(f"{len(due)} due: " + (", ".join(f"{n} {a}" for a, n in sorted(counts.items()))
                                 or "nothing") + " (dry run: nothing changed)")
    print(f"{claims.count()} idempotency claims older than {claims.hours:g} h would be dropped")


def _apply(retention: Retention, claims: ExpiredClaims) -> Counter[str]:
    started = time.monotonic()
    due = list(retention.due())
    counts: Counter[str] = Counter()
    run = f"retention-{uuid.uuid4()}"
    for item in tqdm(due, desc="retention", unit="customer", file=sys.stderr):
        outcome = retention.apply(item, correlation_id=run)
        counts[item.action.value if outcome.done else f"skipped ({outcome.note})"] += 1
    seconds = time.monotonic() - started
    done = ", ".join(f"{n} {a}" for a, n in sorted(counts.items())) or "nothing was due"
    print(f"retention applied: {done}; {len(due)} due, {seconds:.1f} s")
    dropped = claims.drop()
    print(f"idempotency claims older than {claims.hours:g} h: {dropped} dropped")
    counts["idempotency claims dropped"] = dropped
    return counts


def _daily(retention: Retention, claims: ExpiredClaims, first_run_after: float) -> None:
    stopping = threading.Event()
    # A run under way when stopped is ended by the watchdog: each customer's erasure is
    # its own transaction, and the next run carries on with what is still due.
    on_stop_signal(stopping.set)
    wait = first_run_after
    while not stopping.wait(wait):
        try:
            counts = _apply(retention, claims)
            log.info("retention run", **{k.replace(" ", "_"): v for k, v in counts.items()})
            wait = _DAY_SECONDS
        except (psycopg.Error, OSError) as error:  # a server away: try again in an hour
            log.error("retention run failed", error=type(error).__name__)
            wait = _RETRY_SECONDS
