"""`cis keys rotate | status | erase-restored`: the master keys and the data keys they wrap.

All three need only Postgres: the configured one (or that of a running `cis up`), else the
data dir's embedded one for the time it takes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from contextlib import ExitStack

import psycopg
from tqdm import tqdm

from adapters.crypto import MasterKeyRing, parse_key_ring
from adapters.embedded.postgres import postgres_of
from adapters.postgres.key_restore import erase_restored_keys
from adapters.postgres.key_rotation import RotationReport, key_census, rotate_data_keys
from adapters.settings import Settings

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `keys` group (`rotate`, `status`, `erase-restored`); each sets `run`."""
    keys = commands.add_parser("keys", help="master and data keys: rotate, status, "
                                            "erase-restored")
    actions = keys.add_subparsers(dest="keys_command", required=True)
    rotate = actions.add_parser(
        "rotate", help="re-wrap every data key under CIS_MASTER_KEY, online, resumable")
    rotate.add_argument("--batch-size", type=_batch_size, default=1000,
                        help="data keys per transaction (default 1000)")
    rotate.set_defaults(run=_guarded(_rotate))
    status = actions.add_parser("status", help="how many data keys each master key wraps")
    status.set_defaults(run=_guarded(_status))
    restored = actions.add_parser(
        "erase-restored", help="after restoring the key table from a backup: destroy again "
                               "the keys of every customer the log says was erased")
    restored.set_defaults(run=_guarded(_erase_restored))


Command = Callable[[argparse.Namespace, Settings], int]


def _guarded(command: Command) -> Command:
    """A command that says what stopped it instead of a traceback."""

    def run(args: argparse.Namespace, settings: Settings) -> int:
        try:
            return command(args, settings)
        except KeyboardInterrupt:
            print("cis: interrupted; every batch done so far stays done: run it again to "
                  "go on", file=sys.stderr)
            return 130
        except psycopg.OperationalError as error:
            print(f"cis: the database does not answer: {type(error).__name__}",
                  file=sys.stderr)
            return 1

    return run


def _batch_size(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 100_000:
        raise argparse.ArgumentTypeError(f"a whole number from 1 to 100000, not {text!r}")
    return int(text)


def _ring(settings: Settings) -> MasterKeyRing | None:
    try:
        return parse_key_ring(settings.master_key, settings.previous_master_keys)
    except ValueError as error:
        print(f"cis: {error}", file=sys.stderr)
        return None


def _rotate(args: argparse.Namespace, settings: Settings) -> int:
    ring = _ring(settings)
    if ring is None:
        return 2
    with postgres_of(settings) as url, ExitStack() as stack:
        bars: list[tqdm[None]] = []  # once the rotation knows how many rows are to do

        def start(total: int) -> None:
            bars.append(stack.enter_context(
                tqdm(total=total, desc="re-wrap", unit="key", file=sys.stderr)))

        report = rotate_data_keys(url, ring, batch_size=args.batch_size, on_start=start,
                                  on_batch=lambda done: bars[0].update(done))  # noqa: PLW0108 - made by start
    _print_report(report)
    return 0 if report.complete else 1


def _print_report(report: RotationReport) -> None:
    rate = report.rewrapped / report.seconds if report.seconds > 0 else 0.0
    print(f"active master key {report.active_id}")
    print(f"  re-wrapped       {report.rewrapped:>10,}")
    print(f"  already current  {report.already_current:>10,}")
    print(f"  erased (skipped) {report.erased_skipped:>10,}")
    print(f"  time             {report.seconds:>10.1f} s ({rate:,.0f} keys/s)")
    for key_id, count in report.unopened.items():
        named = key_id or "(before key ids)"
        print(f"cis: {count:,} data keys are wrapped by master key {named}, which is not in "
              "the ring: add it to CIS_PREVIOUS_MASTER_KEYS and run again", file=sys.stderr)
    if report.still_locked:
        print(f"cis: {report.still_locked:,} data keys were locked by other transactions "
              "throughout: run again", file=sys.stderr)


def _status(args: argparse.Namespace, settings: Settings) -> int:
    ring = _ring(settings)
    if ring is None:
        return 2
    with postgres_of(settings) as url, psycopg.connect(url) as conn:
        census = key_census(conn)
    configured = set(ring.ids)
    print(f"{'master key':<18} {'data keys':>10}")
    for key_id in sorted({*configured, *census.by_key}, key=lambda k: (k is None, k or "")):
        role = ("active" if key_id == ring.active_id else "previous" if key_id in configured
                else "wrapped before key ids" if key_id is None else "NOT CONFIGURED")
        print(f"{key_id or '-':<18} {census.by_key.get(key_id, 0):>10,}  {role}")
    print(f"{'erased':<18} {census.erased:>10,}  tombstones (no key)")
    stale = census.stale(ring.active_id)
    print(f"{stale:,} data keys not under the active key"
          + ("" if stale else ": the previous master keys can be retired"))
    return 0


def _erase_restored(args: argparse.Namespace, settings: Settings) -> int:
    with postgres_of(settings) as url:
        destroyed = erase_restored_keys(url)
    print(f"destroyed {destroyed.erased:,} data keys of customers the log says were erased, "
          f"{destroyed.holds_ended:,} hold key{'' if destroyed.holds_ended == 1 else 's'} "
          "of holds it says have ended")
    return 0

