"""`cis audit export | verify | public-key`: the signed export of the event log.

`export` reads the log (the configured Postgres, else the data dir's embedded one);
`verify` and `public-key` need no database: a file and a key are enough.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import BinaryIO
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from tqdm import tqdm

from adapters.audit.log_export import KINDS, ExportQuery, export_lines, log_recorder, parse_moment
from adapters.audit.signed_file import (
    key_id,
    parse_private_key,
    parse_public_key,
    public_key_text,
    verify_lines,
)
from adapters.embedded.postgres import postgres_of
from adapters.settings import Settings

__all__ = ["register"]


def register(audit: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `export`, `verify` and `public-key` to the `cis audit` group; each sets `run`."""
    export = audit.add_parser("export", help="write a signed JSON Lines file of the event log")
    export.add_argument("--from", dest="start", type=_moment, metavar="T1",
                        help="events at or after this time (ISO-8601 with offset, or a date)")
    export.add_argument("--to", dest="end", type=_moment, metavar="T2",
                        help="events before this time (default: up to now)")
    export.add_argument("--kind", choices=list(KINDS), help="only this kind of aggregate")
    export.add_argument("--id", dest="aggregate_id", type=UUID, metavar="ID",
                        help="only the events of this aggregate")
    export.add_argument("-o", "--output", required=True, type=Path, metavar="FILE")
    export.set_defaults(run=_export)
    verify = audit.add_parser("verify", help="check an export's hash chain and signature")
    verify.add_argument("file", type=Path, metavar="FILE")
    verify.add_argument("--public-key", metavar="K",
                        help="base64 public key (default: the configured signing key's)")
    verify.set_defaults(run=_verify)
    public_key = audit.add_parser("public-key", help="print the export signing key's public key")
    public_key.set_defaults(run=_public_key)


def _moment(text: str) -> datetime:
    try:
        return parse_moment(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _export(args: argparse.Namespace, settings: Settings) -> int:
    try:
        query = ExportQuery(start=args.start, end=args.end, kind=args.kind,
                            aggregate_id=args.aggregate_id)
        key = parse_private_key(settings.audit_signing_key)
    except ValueError as error:
        print(f"cis: {error}", file=sys.stderr)
        return 2
    output: Path = args.output
    draft = output.with_name(f".{output.name}.{os.getpid()}.partial")
    with postgres_of(settings) as url:
        recorder = log_recorder(url)
        try:
            head = recorder.max_notification_id() or 0
            with tqdm(total=head, desc="export", unit="ev", unit_scale=True,
                      file=sys.stderr) as bar, draft.open("wb") as file:
                for line in export_lines(recorder, query, key, head=head, progress=bar.update):
                    file.write(line)
        except BaseException:
            draft.unlink(missing_ok=True)  # never a file that looks like a finished export
            raise
        finally:
            recorder.datastore.close()
    # Only a complete file takes the name: a cut-off export leaves nothing behind.
    draft.replace(output)
    print(f"wrote {output}: events of positions up to {head}, signed by key "
          f"{key_id(key.public_key())}")
    return 0



def _verify(args: argparse.Namespace, settings: Settings) -> int:
    try:
        public_key: Ed25519PublicKey = (
            parse_public_key(args.public_key) if args.public_key
            else parse_private_key(settings.audit_signing_key).public_key())
    except ValueError as error:
        print(f"cis: {error}", file=sys.stderr)
        return 2
    path: Path = args.file
    try:
        with path.open("rb") as file:
            verdict = verify_lines(_lines(file), public_key)
    except OSError as error:
        print(f"cis: cannot read {path}: {error.strerror}", file=sys.stderr)
        return 2
    if verdict.valid:
        print(f"{path}: valid, {verdict.count} events, signed by key {key_id(public_key)}")
        return 0
    for problem in verdict.problems:
        print(f"{path}: {problem}")
    print(f"{path}: does not verify")
    return 1


def _lines(file: BinaryIO) -> Iterator[bytes]:
    """A file's lines without their `\\n`, one at a time."""
    for raw in file:
        yield raw[:-1] if raw.endswith(b"\n") else raw


def _public_key(args: argparse.Namespace, settings: Settings) -> int:
    try:
        key = parse_private_key(settings.audit_signing_key)
    except ValueError as error:
        print(f"cis: {error}", file=sys.stderr)
        return 2
    print(public_key_text(key.public_key()))
    return 0
