"""The vehicle identification number (VIN) of a delivered car."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Self

from domain.errors import InvalidValue

__all__ = ["VIN", "check_digit"]

_VIN_LENGTH: Final = 17
# ISO 3779: the letters I, O and Q are never used (too easily read as 1 and 0).
_VIN_RE: Final = re.compile(r"[A-HJ-NPR-Z0-9]{17}")

# Regions whose VINs must carry a check digit: the first character of the
# world manufacturer identifier (WMI) is 1-5 for North America.
_CHECK_DIGIT_REGIONS: Final = frozenset("12345")
_CHECK_DIGIT_INDEX: Final = 8  # position 9, counted from 1

# North American (49 CFR 565) transliteration of letters to numbers.
_TRANSLITERATION: Final[dict[str, int]] = {
    **{str(digit): digit for digit in range(10)},
    "A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 6, "G": 7, "H": 8,
    "J": 1, "K": 2, "L": 3, "M": 4, "N": 5, "P": 7, "R": 9,
    "S": 2, "T": 3, "U": 4, "V": 5, "W": 6, "X": 7, "Y": 8, "Z": 9,
}  # fmt: skip
# Weight of each position; the check digit's own position weighs 0.
_WEIGHTS: Final = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def check_digit(vin: str) -> str:
    """The check digit for a 17-character VIN ('0'-'9' or 'X' for ten).

    Position 9 itself is ignored (its weight is 0), so this works on any
    well-formed VIN, whatever it currently holds there.
    """
    total = sum(_TRANSLITERATION[ch] * w for ch, w in zip(vin, _WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


@dataclass(frozen=True, slots=True)
class VIN:
    """A vehicle identification number: 17 of A-Z (without I, O, Q) and 0-9.

    ISO 3779 defines position 9 only as part of the vehicle descriptor, so
    manufacturers outside North America may put any valid character there;
    European VINs often have a letter or 'Z' filler. North American VINs
    (first character 1-5) must carry the 49 CFR 565 check digit there, and an
    importer also brings in cars built for that market, so for those the check
    digit is enforced and a mistyped VIN is caught early. Elsewhere a mismatch
    is not an error, since it would refuse valid European VINs.

    The plain constructor trusts its input (values read back from stored
    events); untrusted input goes through :meth:`parse`.
    """

    value: str

    @classmethod
    def parse(cls, raw: str, *, field: str = "vin") -> Self:
        """Trim and upper-case ``raw``, then check it; raise InvalidValue(field)."""
        if not isinstance(raw, str):
            raise InvalidValue(field, "must be text")
        # Checked before upper(): it maps some non-ASCII letters (e.g. "ſ" to
        # "S") onto the VIN alphabet.
        if not raw.isascii():
            raise InvalidValue(field, "must contain only letters A-Z and digits")
        text = raw.strip().upper()
        if len(text) != _VIN_LENGTH:
            raise InvalidValue(field, f"must be {_VIN_LENGTH} characters")
        if not _VIN_RE.fullmatch(text):
            raise InvalidValue(field, "must contain only letters and digits, without I, O or Q")
        if text[0] in _CHECK_DIGIT_REGIONS and text[_CHECK_DIGIT_INDEX] != check_digit(text):
            raise InvalidValue(field, "check digit (position 9) is wrong for a North American VIN")
        return cls(text)

    def __str__(self) -> str:
        return self.value
