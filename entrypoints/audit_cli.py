"""`cis audit state KIND ID --version N | --as-of T`: an aggregate as it stood, as JSON.

The same answer as `GET /api/v1/audit/{kind}/{id}/state`, read from the event store,
and recorded on the subject's access trail like any audit read (actor: `--by`, by
default the login name; the DPO must give `--reason`).
"""

from __future__ import annotations

import argparse
import getpass
import sys
import uuid
from datetime import datetime

import msgspec

from adapters.settings import ResolvedSettings
from application.audit import AUDITED_KINDS, REASON_REQUIRED_FOR, StateAt
from application.errors import NotFound
from domain.errors import InvalidValue
from domain.meta import EventMeta

__all__ = ["add_state_command", "run_state"]

ROLES = ("auditor", "dpo", "admin")


def add_state_command(audit: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `state` under the `cis audit` group."""
    state = audit.add_parser("state", help="an aggregate as it stood at a version or a moment")
    state.add_argument("kind", choices=sorted(AUDITED_KINDS))
    state.add_argument("id", type=uuid.UUID, metavar="ID")
    when = state.add_mutually_exclusive_group(required=True)
    when.add_argument("--version", type=_version, help="the aggregate version (1 = created)")
    when.add_argument("--as-of", type=_moment, metavar="T",
                      help="ISO-8601 with time zone: after the last event at or before T")
    state.add_argument("--role", choices=ROLES, default="auditor",
                       help="in which role you read: personal fields are shown to the dpo "
                            "only (default auditor)")
    state.add_argument("--reason", help="why (required for the dpo; kept on the access trail)")
    state.add_argument("--by", help="who reads (default: the login name)")


def run_state(args: argparse.Namespace, settings: ResolvedSettings) -> int:
    from entrypoints.bootstrap import build_application

    if args.role in REASON_REQUIRED_FOR and not (args.reason or "").strip():
        sys.stderr.write(f"cis: audit state as {args.role} needs --reason TEXT\n")
        return 2
    meta = EventMeta(actor=args.by or getpass.getuser(), correlation_id=f"cli-{uuid.uuid4()}")
    reveal = args.role == "dpo"
    cis = build_application(settings, pool_size=2)
    try:
        state: StateAt = (
            cis.state_at_version(args.kind, args.id, args.version, reveal=reveal)
            if args.version is not None
            else cis.state_as_of(args.kind, args.id, args.as_of, reveal=reveal))
        cis.record_access(args.id, subject_kind=args.kind, action="state", role=args.role,
                          reason=args.reason, meta=meta)
    except (NotFound, InvalidValue) as refused:
        sys.stderr.write(f"cis: {refused}\n")
        return 1
    finally:
        cis.close()
    sys.stdout.write(msgspec.json.encode(state).decode() + "\n")
    return 0


def _version(text: str) -> int:
    if not text.isdigit() or int(text) == 0:
        raise argparse.ArgumentTypeError(f"a version from 1 on, not {text!r}")
    return int(text)


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"an ISO-8601 time, not {text!r}") from None
    if moment.utcoffset() is None:
        raise argparse.ArgumentTypeError("the time needs a time zone, e.g. ...+01:00 or ...Z")
    return moment
