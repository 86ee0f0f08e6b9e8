"""`cis dsg export ID -o FILE [--format json|html] [--lang L] --reason TEXT [--by WHO]`.

The same report as `GET /api/v1/dsg/customers/{id}/export`, written to a file the DPO
can send as it is, and recorded on the customer's access trail like the API's (role
dpo, actor `--by`, by default the login name). Uses the configured Postgres, the one of
a running `cis up`, or else starts the data dir's embedded one for the time it takes.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import msgspec

from adapters.embedded.postgres import postgres_of
from adapters.settings import ResolvedSettings, Settings
from application.errors import NotFound
from domain.errors import InvalidValue
from domain.meta import EventMeta
from domain.values import Language

__all__ = ["register"]


def register(dsg: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `export` to the `cis dsg` group; it sets `run`."""
    export = dsg.add_parser("export", help="everything held about a customer (DSG Art. 25), "
                                           "as JSON or as an HTML document to hand over")
    export.add_argument("customer_id", type=uuid.UUID, metavar="ID")
    export.add_argument("-o", "--output", required=True, type=Path, metavar="FILE")
    export.add_argument("--format", choices=["json", "html"], default="json")
    export.add_argument("--lang", choices=[code.value for code in Language],
                        help="the HTML's language (default: the customer's)")
    export.add_argument("--reason", required=True,
                        help="why (e.g. the request's date and reference); kept on the "
                             "customer's access trail")
    export.add_argument("--by", help="who exports (default: the login name)")
    export.set_defaults(run=_export)


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from entrypoints.bootstrap import build_application
    from entrypoints.dsg_report.html import render_html
    from entrypoints.dsg_report.wiring import access_reports

    meta = EventMeta(actor=args.by or getpass.getuser(), correlation_id=f"cli-{uuid.uuid4()}")
    with _on_postgres(settings) as resolved:
        cis = build_application(resolved, pool_size=2)
        try:
            report = access_reports(resolved, resolved.database_url, cis).export(
                args.customer_id, reason=args.reason, meta=meta)
        except (NotFound, InvalidValue) as refused:
            sys.stderr.write(f"cis: {refused}\n")
            return 1
        finally:
            cis.close()
    language = Language(args.lang or report.language)
    body = (render_html(report, language).encode() if args.format == "html"
            else msgspec.json.format(msgspec.json.encode(report), indent=2))
    _write(args.output, body)
    shown_in = f", {language.value}" if args.format == "html" else ""
    sys.stdout.write(f"wrote {args.output}: access report of customer {args.customer_id} "
                     f"({report.events} events, {args.format}{shown_in})\n")
    return 0


def _write(output: Path, body: bytes) -> None:
    """Only a complete file takes the name."""
    draft = output.with_name(f".{output.name}.{os.getpid()}.partial")
    try:
        draft.write_bytes(body)
        draft.replace(output)
    finally:
        draft.unlink(missing_ok=True)


@contextmanager
def _on_postgres(settings: Settings) -> Iterator[ResolvedSettings]:
    """The settings with a Postgres to read: the configured one, or the data dir's
    embedded one while the export runs (the export needs neither NATS nor Redis)."""
    with postgres_of(settings) as url:
        yield settings.with_urls(url, settings.nats_url or "", settings.redis_url or "")
