"""Search over sealed personal data: a keyed blind index of normalised words.

After Paragon's CipherSweet: a value is never stored in clear, only HMACs of what a
search may ask for. Each value gives the HMAC-SHA256 (truncated to 128 bits) of every
word of it and of every beginning of a word (at least two characters), so a search for
"mu" or "muster" finds "Anna Müster". An e-mail address also gives its whole address.
Each field has a key of its own, derived from the index key, so equal words in two
fields (a name and an e-mail's local part) give unrelated terms.

Only the holder of the index key can compute a term: a copy of the table shows which
rows share a word (or a beginning of one) and how many words a value has, never the
words (README, "Search (blind index)").
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

from domain.values import CompanyName, Email, PersonName

__all__ = ["MIN_PREFIX", "BlindIndex", "SearchField", "Sought", "words"]

MIN_PREFIX = 2  # shorter beginnings would match most rows and tell nothing
MAX_WORD = 32  # longer words are indexed (and searched) by their first 32 characters
TERM_BYTES = 16
_NOT_ALNUM = re.compile(r"[\W_]+")
_WHOLE_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class SearchField(StrEnum):
    NAME = "name"
    EMAIL = "email"
    COMPANY = "company"


class Sought(NamedTuple):
    """One part of a search: a row matches it when it holds one of the `blind` terms."""

    blind: frozenset[bytes]


def words(text: str) -> list[str]:
    """The words of a text as the index sees them: accents stripped (NFKD without
    combining marks), case folded, split at every character that is not a letter or
    digit, each cut to `MAX_WORD` characters."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return [word[:MAX_WORD] for word in _NOT_ALNUM.split(plain) if word]


class BlindIndex:
    """Terms of values to store, and of searches to look them up with."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("a blind index key is 32 bytes")
        self._keys = {field: hmac.digest(key, f"cis/blind-index/v1/{field}".encode(), "sha256")
                      for field in SearchField}
        # Words repeat across customers (mail domains, common names, every beginning of
        # them): a replay computes each term once rather than once per customer.
        self._term = lru_cache(maxsize=1 << 16)(self._computed_term)

    @classmethod
    def from_hex(cls, text: str) -> BlindIndex:
        """CIS_BLIND_INDEX_KEY: 64 hexadecimal characters (32 bytes)."""
        try:
            key = bytes.fromhex(text.strip())
        except ValueError:
            key = b""
        if len(key) != 32:
            raise ValueError("CIS_BLIND_INDEX_KEY must be 64 hexadecimal characters (32 bytes)")
        return cls(key)

    def terms_of(self, value: object) -> frozenset[bytes]:
        """The terms to store for a personal value: a name's, an e-mail address's or a
        company name's; none for any other value (phone numbers, streets and notes are
        not searched)."""
        if isinstance(value, PersonName):
            return frozenset(self._prefixes(SearchField.NAME, words(str(value))))
        if isinstance(value, CompanyName):
            return frozenset(self._prefixes(SearchField.COMPANY, words(str(value))))
        if isinstance(value, Email):
            address = str(value)
            whole = self._term(SearchField.EMAIL, "@" + address.casefold())
            return frozenset((whole, *self._prefixes(SearchField.EMAIL, words(address))))
        return frozenset()

    def search(self, text: str) -> list[Sought]:
        """What a search asks for, part by part; a row matches when it matches every
        part. A whole e-mail address is looked up as that address; every other word as
        a word or a word's beginning in a name, an e-mail address or a company name.
        Words shorter than `MIN_PREFIX` are left out; empty when none is left."""
        wanted: list[Sought] = []
        for chunk in text.split():
            if _WHOLE_ADDRESS.match(chunk):
                address = self._term(SearchField.EMAIL, "@" + chunk.casefold())
                wanted.append(Sought(frozenset({address})))
                continue
            wanted += [Sought(frozenset(self._term(field, word) for field in SearchField))
                       for word in words(chunk) if len(word) >= MIN_PREFIX]
        return wanted

    def _prefixes(self, field: SearchField, found: Iterable[str]) -> Iterable[bytes]:
        for word in found:
            for end in range(min(MIN_PREFIX, len(word)), len(word) + 1):
                yield self._term(field, word[:end])

    def _computed_term(self, field: SearchField, text: str) -> bytes:
        return hmac.digest(self._keys[field], text.encode(), hashlib.sha256)[:TERM_BYTES]
