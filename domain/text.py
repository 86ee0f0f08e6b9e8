"""Free text: the one rule for every text a person types (names, notes, street, ...).

Every free-text value the domain accepts goes through :func:`checked_text`, so
that whatever is accepted can be stored in the event store as JSON, in every
read model's Postgres text columns, and shown or logged without surprises.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from domain.errors import InvalidValue

__all__ = ["MAX_SALESPERSON_LENGTH", "checked_salesperson", "checked_text", "optional_text"]

MAX_SALESPERSON_LENGTH: Final = 100

# Control characters (C0 and C1: NUL, which Postgres text cannot hold, escape
# sequences that rewrite terminals and logs), surrogates (no UTF-8 encoding, so
# neither JSON nor Postgres can store them) and the Unicode line and paragraph
# separators (invisible line breaks in single-line fields). Format characters
# (Cf: zero-width joiners, soft hyphens) stay allowed: scripts and emoji need them.
_FORBIDDEN_TEXT_CATEGORIES: Final = frozenset({"Cc", "Cs", "Zl", "Zp"})
# What multi-line text (notes) may hold besides: line feeds and tabs.
_MULTILINE_CONTROLS: Final = frozenset("\n\t")


def checked_text(raw: object, *, field: str, max_length: int, multiline: bool = False) -> str:
    """``raw`` as the domain stores free text: NFC-normalised, trimmed, 1 to
    ``max_length`` characters, without control characters (see above).

    ``multiline`` text may hold line feeds and tabs; CR LF and CR become LF.
    Raises InvalidValue(field) otherwise; the message never repeats the input.
    """
    if not isinstance(raw, str):
        raise InvalidValue(field, "must be text")
    if len(raw) > 4 * max_length + 100:  # far too long: refused before any scan
        raise InvalidValue(field, f"must be at most {max_length} characters")
    text = raw.replace("\r\n", "\n").replace("\r", "\n") if multiline else raw
    allowed: frozenset[str] = _MULTILINE_CONTROLS if multiline else frozenset()
    if any(unicodedata.category(ch) in _FORBIDDEN_TEXT_CATEGORIES and ch not in allowed
           for ch in text.strip()):
        raise InvalidValue(field, "must not contain control characters")
    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        raise InvalidValue(field, "must not be empty")
    if len(text) > max_length:
        raise InvalidValue(field, f"must be at most {max_length} characters")
    return text


def optional_text(raw: object, *, field: str, max_length: int,
                  multiline: bool = False) -> str | None:
    """Like :func:`checked_text`, but None (or only whitespace) means no text: None."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return checked_text(raw, field=field, max_length=max_length, multiline=multiline)


def checked_salesperson(raw: object) -> str:
    """A salesperson: the subject of their token, as free text on one line."""
    return checked_text(raw, field="salesperson", max_length=MAX_SALESPERSON_LENGTH)
