"""Value objects: small, immutable, validated on the way in.

Each value object has a classmethod ``parse(raw, *, field=...)`` that checks and
normalises untrusted input and raises :class:`~domain.errors.InvalidValue`
naming ``field``; ``str(value)`` is the canonical form, and
``parse(str(value)) == value``. Error messages never repeat the input, so they
are safe to log and to show a caller even when the input is personal data.

The plain constructors are meant for trusted, already canonical data (such as
values read back from stored events). ``Money`` and ``Canton`` still check
their invariants there, since arithmetic and lookups depend on them.

The only I/O is reading ``data/ch_postal_codes.csv`` once, on first use
(see ``data/ATTRIBUTION.md`` for its source and ODbL licence).
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import Final, Self

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum.ch import uid as _ch_uid
from stdnum.exceptions import ValidationError as _StdnumValidationError

from domain.errors import InvalidValue
from domain.text import checked_text

__all__ = [
    "CANTON_CODES",
    "Canton",
    "CompanyName",
    "CompanyUID",
    "Email",
    "Language",
    "ModelCode",
    "Money",
    "PersonName",
    "Phone",
    "PostalCode",
    "check_postal_code_in_canton",
]

# Longest raw text any parser looks at; longer input is refused before any
# library sees it (cheap guard against pathological input).
_MAX_RAW_LENGTH: Final = 1000


def _require_text(raw: object, field: str) -> str:
    if not isinstance(raw, str):
        raise InvalidValue(field, "must be text")
    if len(raw) > _MAX_RAW_LENGTH:
        raise InvalidValue(field, "is too long")
    return raw


# --------------------------------------------------------------------------- #
# Language
# --------------------------------------------------------------------------- #


class Language(StrEnum):
    """A language the business speaks with customers (ISO 639-1 code)."""

    DE = "de"
    FR = "fr"
    IT = "it"
    RM = "rm"
    EN = "en"

    @classmethod
    def parse(cls, raw: str, *, field: str = "language") -> Language:
        text = _require_text(raw, field).strip().lower()
        try:
            return cls(text)
        except ValueError:
            raise InvalidValue(field, "must be one of de, fr, it, rm, en") from None


# --------------------------------------------------------------------------- #
# Canton
# --------------------------------------------------------------------------- #

CANTON_CODES: Final[tuple[str, ...]] = (
    "AG", "AI", "AR", "BE", "BL", "BS", "FR", "GE", "GL", "GR", "JU", "LU", "NE",
    "NW", "OW", "SG", "SH", "SO", "SZ", "TG", "TI", "UR", "VD", "VS", "ZG", "ZH",
)  # fmt: skip

# Official names in the four national languages, plus the usual English name.
_CANTON_NAMES: Final[Mapping[str, Mapping[Language, str]]] = {
    code: dict(zip((Language.DE, Language.FR, Language.IT, Language.RM, Language.EN), names,
                   strict=True))
    for code, names in {
        "AG": ("Aargau", "Argovie", "Argovia", "Argovia", "Aargau"),
        "AI": (
            "Appenzell Innerrhoden",
            "Appenzell Rhodes-Intérieures",
            "Appenzello Interno",
            "Appenzell Dadens",
            "Appenzell Innerrhoden",
        ),
        "AR": (
            "Appenzell Ausserrhoden",
            "Appenzell Rhodes-Extérieures",
            "Appenzello Esterno",
            "Appenzell Dadora",
            "Appenzell Ausserrhoden",
        ),
        "BE": ("Bern", "Berne", "Berna", "Berna", "Bern"),
        "BL": (
            "Basel-Landschaft",
            "Bâle-Campagne",
            "Basilea Campagna",
            "Basilea-Champagna",
            "Basel-Landschaft",
        ),
        "BS": ("Basel-Stadt", "Bâle-Ville", "Basilea Città", "Basilea-Citad", "Basel-Stadt"),
        "FR": ("Freiburg", "Fribourg", "Friburgo", "Friburg", "Fribourg"),
        "GE": ("Genf", "Genève", "Ginevra", "Genevra", "Geneva"),
        "GL": ("Glarus", "Glaris", "Glarona", "Glaruna", "Glarus"),
        "GR": ("Graubünden", "Grisons", "Grigioni", "Grischun", "Graubünden"),
        "JU": ("Jura", "Jura", "Giura", "Giura", "Jura"),
        "LU": ("Luzern", "Lucerne", "Lucerna", "Lucerna", "Lucerne"),
        "NE": ("Neuenburg", "Neuchâtel", "Neuchâtel", "Neuchâtel", "Neuchâtel"),
        "NW": ("Nidwalden", "Nidwald", "Nidvaldo", "Sutsilvania", "Nidwalden"),
        "OW": ("Obwalden", "Obwald", "Obvaldo", "Sursilvania", "Obwalden"),
        "SG": ("St. Gallen", "Saint-Gall", "San Gallo", "Son Gagl", "St. Gallen"),
        "SH": ("Schaffhausen", "Schaffhouse", "Sciaffusa", "Schaffusa", "Schaffhausen"),
        "SO": ("Solothurn", "Soleure", "Soletta", "Soloturn", "Solothurn"),
        "SZ": ("Schwyz", "Schwytz", "Svitto", "Sviz", "Schwyz"),
        "TG": ("Thurgau", "Thurgovie", "Turgovia", "Turgovia", "Thurgau"),
        "TI": ("Tessin", "Tessin", "Ticino", "Tessin", "Ticino"),
        "UR": ("Uri", "Uri", "Uri", "Uri", "Uri"),
        "VD": ("Waadt", "Vaud", "Vaud", "Vad", "Vaud"),
        "VS": ("Wallis", "Valais", "Vallese", "Vallais", "Valais"),
        "ZG": ("Zug", "Zoug", "Zugo", "Zug", "Zug"),
        "ZH": ("Zürich", "Zurich", "Zurigo", "Turitg", "Zurich"),
    }.items()
}


@dataclass(frozen=True, slots=True)
class Canton:
    """One of the 26 Swiss cantons, by its two-letter upper-case code."""

    code: str

    def __post_init__(self) -> None:
        if self.code not in _CANTON_NAMES:
            raise InvalidValue("canton", "is not a Swiss canton code")

    @classmethod
    def parse(cls, raw: str, *, field: str = "canton") -> Self:
        code = _require_text(raw, field).strip().upper()
        if code not in _CANTON_NAMES:
            raise InvalidValue(field, "is not a Swiss canton code")
        return cls(code)

    def name_in(self, language: str) -> str:
        """The canton's name in ``language`` (de, fr, it, rm; en also works)."""
        return _CANTON_NAMES[self.code][Language.parse(language)]

    def __str__(self) -> str:
        return self.code


# --------------------------------------------------------------------------- #
# PostalCode
# --------------------------------------------------------------------------- #

_POSTAL_CODE_RE: Final = re.compile(r"[0-9]{4}")


@dataclass(frozen=True, slots=True)
class _PostalEntry:
    cantons: frozenset[str]
    localities: tuple[str, ...]


@functools.cache
def _postal_index() -> Mapping[str, _PostalEntry]:
    """Postal code -> cantons and localities, read once from the packaged CSV."""
    package = __package__ or "domain"
    source = resources.files(package).joinpath("data").joinpath("ch_postal_codes.csv")
    text = source.read_text(encoding="utf-8")
    cantons: dict[str, set[str]] = {}
    localities: dict[str, list[str]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        code, canton = row["postal_code"], row["canton"]
        cantons.setdefault(code, set()).add(canton)
        localities.setdefault(code, []).append(row["locality"])
    return {
        code: _PostalEntry(frozenset(cantons[code]), tuple(sorted(set(localities[code]))))
        for code in cantons
    }


@dataclass(frozen=True, slots=True)
class PostalCode:
    """A Swiss postal code (PLZ/NPA/NAP): four digits, known to the Swiss Post."""

    code: str

    @classmethod
    def parse(cls, raw: str, *, field: str = "postal_code") -> Self:
        code = _require_text(raw, field).strip()
        if not _POSTAL_CODE_RE.fullmatch(code):
            raise InvalidValue(field, "must be four digits")
        if code not in _postal_index():
            raise InvalidValue(field, "is not a Swiss postal code")
        return cls(code)

    def _entry(self) -> _PostalEntry:
        entry = _postal_index().get(self.code)
        if entry is None:
            raise InvalidValue("postal_code", "is not a Swiss postal code")
        return entry

    def cantons(self) -> frozenset[str]:
        """Codes of the canton(s) this postal code lies in (a few span two)."""
        return self._entry().cantons

    def localities(self) -> tuple[str, ...]:
        """Locality names served by this postal code, sorted."""
        return self._entry().localities

    def __str__(self) -> str:
        return self.code


def check_postal_code_in_canton(
    postal_code: PostalCode, canton: Canton, *, field: str = "postal_code"
) -> None:
    """Raise InvalidValue(field) unless ``postal_code`` lies (partly) in ``canton``."""
    if canton.code not in postal_code.cantons():
        raise InvalidValue(field, "does not belong to the given canton")


# --------------------------------------------------------------------------- #
# Email
# --------------------------------------------------------------------------- #


@dataclass(frozen=True, slots=True)
class Email:
    """An e-mail address, syntactically valid, in email-validator's normal form."""

    address: str

    @classmethod
    def parse(cls, raw: str, *, field: str = "email") -> Self:
        text = _require_text(raw, field).strip()
        try:
            result = validate_email(text, check_deliverability=False)
        except EmailNotValidError:
            raise InvalidValue(field, "not a valid e-mail address") from None
        return cls(result.normalized)

    def __str__(self) -> str:
        return self.address


# --------------------------------------------------------------------------- #
# Phone
# --------------------------------------------------------------------------- #


_PHONE_DEFAULT_REGION: Final = "CH"


@dataclass(frozen=True, slots=True)
class Phone:
    """A valid telephone number in E.164 form; numbers without a prefix are Swiss."""

    e164: str

    @classmethod
    def parse(cls, raw: str, *, field: str = "phone") -> Self:
        text = _require_text(raw, field)
        try:
            number = phonenumbers.parse(text, _PHONE_DEFAULT_REGION)
        except phonenumbers.NumberParseException:
            raise InvalidValue(field, "not a valid phone number") from None
        if not phonenumbers.is_valid_number(number):
            raise InvalidValue(field, "not a valid phone number")
        return cls(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))

    def __str__(self) -> str:
        return self.e164


# --------------------------------------------------------------------------- #
# CompanyUID
# --------------------------------------------------------------------------- #


@dataclass(frozen=True, slots=True)
class CompanyUID:
    """A Swiss business identification number (UID), as ``CHE-123.456.789``."""

    uid: str

    @classmethod
    def parse(cls, raw: str, *, field: str = "company_uid") -> Self:
        text = _require_text(raw, field)
        try:
            compact = _ch_uid.validate(text)
        except (_StdnumValidationError, ValueError):
            raise InvalidValue(field, "not a valid Swiss company UID") from None
        return cls(_ch_uid.format(compact))

    def __str__(self) -> str:
        return self.uid


# --------------------------------------------------------------------------- #
# Money
# --------------------------------------------------------------------------- #

# "1234", "1234.5", "1234.50", "1'234.50", optionally after "CHF"; the Swiss
# thousands separator may be ' or ’ and, if used, must group by three.
_MONEY_RE: Final = re.compile(
    r"(?:CHF\s*)?(?P<francs>[0-9]{1,3}(?:['’][0-9]{3})+|[0-9]+)(?:\.(?P<cents>[0-9]{1,2}))?",
    re.IGNORECASE,
)
_MAX_MONEY_TEXT: Final = 40


# Largest amount: CHF 999'999'999'999.99, well inside a signed 64-bit integer.
_MAX_RAPPEN: Final = 10**14 - 1


def _require_rappen(value: object, field: str) -> int:
    # bool is an int subclass; float is never accepted (money is exact).
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(field, "must be a whole number of Rappen")
    if value < 0:
        raise InvalidValue(field, "must not be negative")
    if value > _MAX_RAPPEN:
        raise InvalidValue(field, "is too large")
    return value


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """An amount in Swiss francs, held exactly as a whole number of Rappen.

    Never negative, at most CHF 999'999'999'999.99; going past either bound
    (also by ``+`` or ``-``) raises InvalidValue.
    """

    rappen: int

    def __post_init__(self) -> None:
        _require_rappen(self.rappen, "amount")

    @classmethod
    def parse(cls, raw: int | str, *, field: str = "amount") -> Self:
        """An ``int`` is taken as Rappen; text as francs ("CHF 1'234.50", "12.5")."""
        if isinstance(raw, str):
            text = raw.strip()
            if len(text) > _MAX_MONEY_TEXT:
                raise InvalidValue(field, "is too long")
            match = _MONEY_RE.fullmatch(text)
            if match is None:
                raise InvalidValue(field, "is not an amount in CHF")
            francs = int(match["francs"].replace("'", "").replace("’", ""))
            cents = int((match["cents"] or "0").ljust(2, "0"))
            return cls(_require_rappen(francs * 100 + cents, field))
        return cls(_require_rappen(raw, field))

    @classmethod
    def chf(cls, francs: int, *, field: str = "amount") -> Self:
        """Whole francs: ``Money.chf(12)`` is CHF 12.00."""
        return cls(_require_rappen(_require_rappen(francs, field) * 100, field))

    @classmethod
    def zero(cls) -> Self:
        return cls(0)

    @property
    def francs(self) -> int:
        """The whole-franc part."""
        return self.rappen // 100

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.rappen + other.rappen)

    def __sub__(self, other: Money) -> Money:
        """Raises InvalidValue("amount") if the result would be negative."""
        if not isinstance(other, Money):
            return NotImplemented
        if other.rappen > self.rappen:
            raise InvalidValue("amount", "would become negative")
        return Money(self.rappen - other.rappen)

    def __str__(self) -> str:
        francs, cents = divmod(self.rappen, 100)
        return f"CHF {francs:,}.{cents:02d}".replace(",", "'")


# --------------------------------------------------------------------------- #
# ModelCode
# --------------------------------------------------------------------------- #

_MODEL_CODE_RE: Final = re.compile(r"[A-Z][A-Z0-9-]{1,19}")


@dataclass(frozen=True, slots=True)
class ModelCode:
    """A vehicle model code: 2-20 of A-Z, 0-9 and '-', starting with a letter."""

    code: str

    @classmethod
    def parse(cls, raw: str, *, field: str = "model_code") -> Self:
        code = _require_text(raw, field).strip().upper()
        # re's [A-Z] is ASCII only; upper() can turn e.g. "ß" into "SS", which the
        # isascii check on the raw text rules out before it matters.
        if not raw.isascii() or not _MODEL_CODE_RE.fullmatch(code):
            raise InvalidValue(
                field,
                "must be 2-20 letters, digits or dashes, starting with a letter",
            )
        return cls(code)

    def __str__(self) -> str:
        return self.code


# --------------------------------------------------------------------------- #
# PersonName
# --------------------------------------------------------------------------- #

_MAX_NAME_LENGTH: Final = 200


@dataclass(frozen=True, slots=True)
class PersonName:
    """A person's name (or part of one): free text of 1-200 characters on one line."""

    value: str

    @classmethod
    def parse(cls, raw: str, *, field: str = "name") -> Self:
        return cls(checked_text(raw, field=field, max_length=_MAX_NAME_LENGTH))

    def __str__(self) -> str:
        return self.value


# --------------------------------------------------------------------------- #
# CompanyName
# --------------------------------------------------------------------------- #

_MAX_COMPANY_NAME_LENGTH: Final = 200


@dataclass(frozen=True, slots=True)
class CompanyName:
    """A company's name as in the commercial register: free text of 1-200 characters on
    one line. Personal data for a sole proprietorship, whose name must hold the
    owner's surname (OR Art. 945), so it is always sealed; a type of its own so the
    blind index knows to index it."""

    value: str

    @classmethod
    def parse(cls, raw: str, *, field: str = "company_name") -> Self:
        return cls(checked_text(raw, field=field, max_length=_MAX_COMPANY_NAME_LENGTH))

    def __str__(self) -> str:
        return self.value
