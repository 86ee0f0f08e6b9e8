"""The signed export's file format: a hash chain closed by a signed manifest, checked
without a database. Any change to the bytes is found and named."""

from __future__ import annotations

import hashlib
import itertools
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from adapters.audit.signed_file import (
    GENESIS,
    Chain,
    parse_private_key,
    parse_public_key,
    public_key_text,
    split_lines,
    verify_lines,
)

KEY = Ed25519PrivateKey.generate()
OTHER_KEY = Ed25519PrivateKey.generate()


def _export(events: int = 6, key: Ed25519PrivateKey = KEY) -> bytes:
    chain = Chain(key, time_range=("2026-01-01T00:00:00+00:00", None),
                  filters={"kind": None, "id": None})
    lines = [chain.event_line({"position": 10 + 3 * n, "type": "Registered",
                               "data": {"n": n, "note": "ä ✓"}}) for n in range(events)]
    return b"".join([*lines, chain.manifest_line()])


def _verify(data: bytes, key: Ed25519PrivateKey = KEY) -> list[str]:
    return verify_lines(split_lines(data), key.public_key()).problems


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")[:-1]


def _joined(lines: list[bytes]) -> bytes:
    return b"".join(line + b"\n" for line in lines)


def test_an_unaltered_file_verifies_and_says_how_many_events() -> None:
    data = _export()

    verdict = verify_lines(split_lines(data), KEY.public_key())

    assert verdict.valid, verdict.problems
    assert verdict.count == 6


def test_the_chain_starts_at_the_documented_genesis_and_links_each_line() -> None:
    lines = _lines(_export())

    assert hashlib.sha256(b"cis-audit-export/1").hexdigest() == GENESIS
    assert json.loads(lines[0])["prev"] == GENESIS
    for before, line in itertools.pairwise(lines[:-1]):
        assert json.loads(line)["prev"] == hashlib.sha256(before).hexdigest()
    manifest = json.loads(lines[-1])
    assert manifest["head"] == hashlib.sha256(lines[-2]).hexdigest()
    assert (manifest["count"], manifest["first_position"], manifest["last_position"]) == (6, 10, 25)


def test_an_empty_export_verifies_with_the_genesis_as_head() -> None:
    data = _export(events=0)

    assert _verify(data) == []
    assert json.loads(data)["head"] == GENESIS


@given(st.data())
def test_changing_any_one_byte_of_any_line_is_found(data: st.DataObject) -> None:
    original = _export()
    lines = _lines(original)
    number = data.draw(st.integers(0, len(lines) - 1), label="line")
    start = sum(len(line) + 1 for line in lines[:number])
    # Any byte of the line, its newline included.
    offset = start + data.draw(st.integers(0, len(lines[number])), label="byte")
    new = data.draw(st.integers(0, 255).filter(lambda b: b != original[offset]), label="to")
    changed = original[:offset] + bytes([new]) + original[offset + 1:]

    assert _verify(changed) != []


def test_a_changed_line_is_named_by_the_line_after_it() -> None:
    lines = _lines(_export())
    lines[2] = lines[2].replace(b'"n":2', b'"n":7')

    assert _verify(_joined(lines)) == ["line 4: prev does not match the SHA-256 of line 3"]


def test_a_removed_line_is_found_where_the_chain_breaks_and_in_the_count() -> None:
    lines = _lines(_export())
    del lines[3]

    assert _verify(_joined(lines)) == ["line 4: prev does not match the SHA-256 of line 3",
                                       "manifest: count 6 but 5 event lines"]


def test_lines_cut_from_the_start_break_the_genesis() -> None:
    lines = _lines(_export())

    problems = _verify(_joined(lines[1:]))

    assert "line 1: prev is not the genesis hash (lines removed from the start?)" in problems


def test_two_swapped_lines_are_found() -> None:
    lines = _lines(_export())
    lines[1], lines[2] = lines[2], lines[1]

    problems = _verify(_joined(lines))

    assert "line 2: prev does not match the SHA-256 of line 1" in problems
    assert "line 3: position 13 is not after position 16 of line 2" in problems


def test_a_changed_manifest_does_not_verify() -> None:
    lines = _lines(_export())
    manifest = json.loads(lines[-1])
    manifest["count"] = 5
    lines[-1] = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()

    problems = _verify(_joined(lines))

    assert problems == ["manifest: count 5 but 6 event lines",
                        "signature does not verify with this key"]


def test_a_missing_manifest_is_named() -> None:
    lines = _lines(_export())

    problems = _verify(_joined(lines[:-1]))

    assert problems[0].startswith("manifest: line 6, the last, lacks count")


def test_a_file_signed_with_another_key_does_not_verify() -> None:
    problems = _verify(_export(key=OTHER_KEY))

    assert len(problems) == 1
    assert problems[0].startswith("signature does not verify with this key (key ")


def test_a_line_that_is_not_json_is_named() -> None:
    lines = _lines(_export())
    lines[4] = b"{not json"

    assert "line 5: not JSON" in _verify(_joined(lines))


def test_keys_are_base64_of_32_raw_bytes() -> None:
    seed = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
    public = public_key_text(parse_private_key(seed).public_key())

    assert parse_public_key(public).public_bytes_raw() == parse_private_key(
        seed).public_key().public_bytes_raw()
    with pytest.raises(ValueError, match="base64 of 32 bytes"):
        parse_private_key("AAEC")
    with pytest.raises(ValueError, match="not base64"):
        parse_public_key("not a key!")
