"""The signed audit export file: JSON Lines in a SHA-256 hash chain, closed by a signed manifest.

Pure: bytes in, bytes out, no database. The format (version `cis-audit-export/1`):

* every line is one JSON object in canonical form (keys sorted, no whitespace, UTF-8)
  followed by `\\n`;
* each event line carries `prev`: the SHA-256 (hex) of the previous line's bytes
  without its `\\n`; the first line's `prev` is `GENESIS`, the SHA-256 of the text
  `cis-audit-export/1` (so a file cut from the front does not verify);
* the last line is the manifest: `format`, `count`, `first_position`, `last_position`,
  `from`, `to`, `filters`, `head` (the SHA-256 of the last event line, `GENESIS` when
  there is none), `key_id` and `signature`, the Ed25519 signature (base64) over the
  canonical JSON of the manifest's other fields.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

__all__ = ["FORMAT", "GENESIS", "Chain", "Verdict", "canonical", "key_id", "parse_private_key",
           "parse_public_key", "public_key_text", "verify_lines"]

FORMAT = "cis-audit-export/1"
GENESIS = hashlib.sha256(FORMAT.encode()).hexdigest()
MANIFEST_FIELDS = ("count", "filters", "first_position", "format", "from", "head", "key_id",
                   "last_position", "signature", "to")
MOST_PROBLEMS = 20  # a file broken everywhere is reported by its first problems

_encode = msgspec.json.Encoder(order="sorted").encode
_decode = msgspec.json.Decoder().decode


def canonical(obj: Any) -> bytes:
    """The one byte form of a JSON value: keys sorted, no whitespace, UTF-8."""
    return _encode(obj)


def _sha256(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


# -- keys ----------------------------------------------------------------------------

def parse_private_key(text: str) -> Ed25519PrivateKey:
    """CIS_AUDIT_SIGNING_KEY: base64 of the 32-byte raw Ed25519 private key (the seed),
    e.g. `openssl rand -base64 32`."""
    raw = _base64_of(text, "CIS_AUDIT_SIGNING_KEY")
    if len(raw) != 32:
        raise ValueError(f"CIS_AUDIT_SIGNING_KEY must be base64 of 32 bytes, not {len(raw)}")
    return Ed25519PrivateKey.from_private_bytes(raw)


def parse_public_key(text: str) -> Ed25519PublicKey:
    """A public key as `cis audit public-key` prints it: base64 of the 32 raw bytes."""
    raw = _base64_of(text, "the public key")
    if len(raw) != 32:
        raise ValueError(f"the public key must be base64 of 32 bytes, not {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def _base64_of(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"{what} is not base64") from None


def public_key_text(key: Ed25519PublicKey) -> str:
    return base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def key_id(key: Ed25519PublicKey) -> str:
    """A short name of a public key (first 16 hex of its SHA-256), to tell keys apart."""
    return _sha256(key.public_bytes(Encoding.Raw, PublicFormat.Raw))[:16]


# -- writing -------------------------------------------------------------------------

@dataclass(slots=True)
class Chain:
    """Writes the lines of one export: each event chained to the one before, then the
    manifest, signed. Holds only the running hash and the counts."""

    key: Ed25519PrivateKey
    time_range: tuple[str | None, str | None]
    filters: dict[str, str | None]
    head: str = GENESIS
    count: int = 0
    first_position: int | None = None
    last_position: int | None = None

    def event_line(self, event: dict[str, Any]) -> bytes:
        line = canonical({**event, "prev": self.head})
        self.head = _sha256(line)
        self.count += 1
        position = event["position"]
        if self.first_position is None:
            self.first_position = position
        self.last_position = position
        return line + b"\n"

    def manifest_line(self) -> bytes:
        manifest: dict[str, Any] = {
            "format": FORMAT, "count": self.count, "first_position": self.first_position,
            "last_position": self.last_position, "from": self.time_range[0],
            "to": self.time_range[1], "filters": self.filters, "head": self.head,
            "key_id": key_id(self.key.public_key()),
        }
        signature = self.key.sign(canonical(manifest))
        return canonical({**manifest, "signature": base64.b64encode(signature).decode()}) + b"\n"


# -- verifying -----------------------------------------------------------------------

@dataclass(slots=True)
class Verdict:
    """What verification found: no problems means the file is as it was signed."""

    problems: list[str] = field(default_factory=list)
    count: int = 0
    first_position: int | None = None

    @property
    def valid(self) -> bool:
        return not self.problems

    def add(self, problem: str) -> None:
        if len(self.problems) < MOST_PROBLEMS:
            self.problems.append(problem)


def split_lines(data: bytes) -> Iterator[bytes]:
    """The lines of a file's bytes, without their `\\n` (a last line without one kept)."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return iter(lines)


def verify_lines(lines: Iterable[bytes], public_key: Ed25519PublicKey) -> Verdict:
    """Check the chain, the manifest and its signature; streams (keeps one line back)."""
    verdict = Verdict()
    previous: tuple[int, bytes, dict[str, Any] | None] | None = None  # number, bytes, parsed
    last_position: tuple[int, int] | None = None  # line number, position
    head = GENESIS
    for number, line in enumerate(lines, start=1):
        if previous is not None:
            verdict.count += 1
            last_position = _check_event(verdict, *previous, head, last_position)
            head = _sha256(previous[1])
        previous = (number, line, _parsed(verdict, number, line))
    if previous is None:
        verdict.add("the file is empty: no manifest")
        return verdict
    _check_manifest(verdict, *previous, head, last_position, public_key)
    return verdict


def _parsed(verdict: Verdict, number: int, line: bytes) -> dict[str, Any] | None:
    try:
        obj = _decode(line)
    except (msgspec.DecodeError, UnicodeDecodeError):
        verdict.add(f"line {number}: not JSON")
        return None
    if not isinstance(obj, dict):
        verdict.add(f"line {number}: not a JSON object")
        return None
    return obj


def _check_event(verdict: Verdict, number: int, line: bytes, event: dict[str, Any] | None,
                 head: str, last: tuple[int, int] | None) -> tuple[int, int] | None:
    if event is None:
        return last
    if "signature" in event:
        verdict.add(f"line {number}: a manifest before the last line")
        return last
    if event.get("prev") != head:
        verdict.add(f"line {number}: prev is not the genesis hash (lines removed from the start?)"
                    if number == 1 else
                    f"line {number}: prev does not match the SHA-256 of line {number - 1}")
    position = event.get("position")
    if type(position) is not int:
        verdict.add(f"line {number}: no position")
        return last
    if last is None:
        verdict.first_position = position
    elif position <= last[1]:
        verdict.add(f"line {number}: position {position} is not after position {last[1]} "
                    f"of line {last[0]}")
    return number, position


def _check_manifest(verdict: Verdict, number: int, line: bytes, manifest: dict[str, Any] | None,
                    head: str, last: tuple[int, int] | None,
                    public_key: Ed25519PublicKey) -> None:
    if manifest is None:
        verdict.add(f"manifest: line {number}, the last, is not a manifest")
        return
    missing = [name for name in MANIFEST_FIELDS if name not in manifest]
    if missing:
        verdict.add(f"manifest: line {number}, the last, lacks {', '.join(missing)}")
        return
    if manifest["format"] != FORMAT:
        verdict.add(f"manifest: format {manifest['format']!r}, this tool reads {FORMAT!r}")
    if canonical(manifest) != line:
        verdict.add("manifest: not in canonical form (changed after signing)")
    if manifest["count"] != verdict.count:
        verdict.add(f"manifest: count {manifest['count']} but {verdict.count} event lines")
    if manifest["first_position"] != verdict.first_position:
        verdict.add(f"manifest: first_position {manifest['first_position']} but the first "
                    f"event line has position {verdict.first_position}")
    if manifest["last_position"] != (None if last is None else last[1]):
        verdict.add(f"manifest: last_position {manifest['last_position']} but the last "
                    f"event line has position {None if last is None else last[1]}")
    if manifest["head"] != head:
        verdict.add(f"manifest: head does not match the SHA-256 of line {number - 1}"
                    if number > 1 else "manifest: head is not the genesis hash")
    _check_signature(verdict, manifest, public_key)


def _check_signature(verdict: Verdict, manifest: dict[str, Any],
                     public_key: Ed25519PublicKey) -> None:
    signed = {name: value for name, value in manifest.items() if name != "signature"}
    try:
        signature = base64.b64decode(str(manifest["signature"]), validate=True)
        public_key.verify(signature, canonical(signed))
    except (binascii.Error, ValueError, InvalidSignature):
        ours = key_id(public_key)
        named = manifest.get("key_id")
        verdict.add("signature does not verify with this key" + (
            f" (key {ours}; the manifest names key {named})" if named != ours else ""))
