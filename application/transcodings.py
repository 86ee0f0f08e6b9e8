"""How our value objects are written into stored events (JSON via the library's transcoder).

StrEnums need none: JSON stores them as strings and the aggregates restore their type.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.persistence import JSONTranscoder, Transcoding

from application.blind_index import BlindIndex
from application.keys import PersonalDataCipher
from domain.customer_facts import Budget, Company
from domain.meta import EventMeta
from domain.personal import Personal
from domain.values import (
    Canton,
    CompanyName,
    CompanyUID,
    Email,
    ModelCode,
    Money,
    PersonName,
    Phone,
    PostalCode,
)
from domain.vin import VIN

__all__ = ["KeptSealed", "LeftSealed", "MsgspecJSONTranscoder", "Sealed", "SealedPersonal",
           "register_value_transcodings"]


class MsgspecJSONTranscoder(JSONTranscoder):
    """The library's JSON transcoder, decoding with msgspec.

    Stored events keep the library's format (`{"_type_": ..., "_data_": ...}` for
    registered types), so either transcoder reads what the other wrote. Replaying the
    log decodes every event: msgspec parses a stored event in ≈ 1.6 µs where the
    standard `json` module with an object hook takes ≈ 7 µs; the `_type_` objects are
    then revived bottom-up, as the hook would.
    """

    def __init__(self) -> None:
        super().__init__()
        self._parse = msgspec.json.Decoder().decode

    def decode(self, data: bytes) -> Any:
        try:
            parsed = self._parse(data)
        except msgspec.DecodeError:
            # What `json` writes but JSON does not allow (Infinity, lone surrogates):
            # never in our events, but the library's reader would read it.
            return super().decode(data)
        return self._revive(parsed)

    def _revive(self, obj: Any) -> Any:
        """Replace each `{"_type_": name, "_data_": data}` (inner ones first) by the value
        its transcoding decodes; everything else stays as parsed."""
        if type(obj) is list:
            return [self._revive(item) for item in obj]
        if type(obj) is not dict:
            return obj
        for key, value in obj.items():
            if type(value) is list:
                obj[key] = self._revive(value)
            elif type(value) is dict:
                # Typed values are mostly leaves (a timestamp, a canton): decoded here
                # rather than in a call of their own, which halves the calls per event.
                obj[key] = self._typed(value) if _is_typed(value) else self._revive(value)
        return self._typed(obj) if _is_typed(obj) else obj

    def _typed(self, obj: dict[str, Any]) -> Any:
        data = obj["_data_"]
        if type(data) is dict or type(data) is list:
            obj["_data_"] = self._revive(data)
        transcoding = self.names.get(obj["_type_"])
        if transcoding is None:
            return self._decode_obj(obj)  # raises the library's "not deserializable"
        return transcoding.decode(obj["_data_"])


def _is_typed(obj: dict[str, Any]) -> bool:
    return len(obj) == 2 and "_type_" in obj and "_data_" in obj


class AsString(Transcoding):
    """A value object stored as its canonical string.

    Read back through the plain constructor, not `parse`: what we stored was validated
    when it was written, and validating every value again (e-mail syntax, PLZ lookups)
    would cost most of the time of replaying the log.
    """

    def __init__(self, value_type: type, name: str) -> None:
        self.type = value_type
        self.name = name

    def encode(self, obj: Any) -> str:
        return str(obj)

    def decode(self, data: Any) -> Any:
        return self.type(data)


class MoneyAsRappen(Transcoding):
    type = Money
    name = "chf_rappen"

    def encode(self, obj: Money) -> int:
        return obj.rappen

    def decode(self, data: int) -> Money:
        return Money(data)


class EventMetaAsDict(Transcoding):
    type = EventMeta
    name = "meta"

    def encode(self, obj: EventMeta) -> dict[str, str]:
        return {"actor": obj.actor, "correlation_id": obj.correlation_id}

    def decode(self, data: dict[str, str]) -> EventMeta:
        return EventMeta(actor=data["actor"], correlation_id=data["correlation_id"])


class BudgetAsDict(Transcoding):
    type = Budget
    name = "budget"

    def encode(self, obj: Budget) -> dict[str, Any]:
        return {"minimum": obj.minimum, "maximum": obj.maximum}

    def decode(self, data: dict[str, Any]) -> Budget:
        return Budget(data["minimum"], data["maximum"])


class CompanyAsDict(Transcoding):
    """The UID in clear; the name and the contact person, `Personal` values, sealed."""

    type = Company
    name = "company"

    def encode(self, obj: Company) -> dict[str, Any]:
        return {"name": obj.name, "uid": obj.uid, "contact": obj.contact}

    def decode(self, data: dict[str, Any]) -> Company | dict[str, Any]:
        if isinstance(data["name"], str):
            # Stored with the name in clear (`Registered` v2, a customer's snapshot v1):
            # only the event's or snapshot's upcast knows whose name it is.
            return data
        return Company(data["name"], data["uid"], data["contact"])


class SealedPersonal(Transcoding):
    """A `Personal` value stored encrypted with its subject's data key (AES-256-GCM).

    The inner value is encoded by the same transcoder (so any registered type can be
    personal), then sealed; the subject id stays in clear to find the key. Once the
    key is erased the value decodes as `Personal(subject, None)`: redacted, while the
    rest of the event loads as before.
    """

    type = Personal
    name = "sealed"

    def __init__(self, transcoder: JSONTranscoder, cipher: PersonalDataCipher) -> None:
        self._transcoder = transcoder
        self._cipher = cipher

    def encode(self, obj: Personal[Any]) -> dict[str, str]:
        if obj.value is None:
            raise ValueError("a redacted value cannot be stored again")
        sealed = self._cipher.seal(obj.subject, self._transcoder.encode(obj.value))
        return {"subject": obj.subject.hex, "sealed": base64.b64encode(sealed).decode()}

    def decode(self, data: dict[str, str]) -> Personal[Any]:
        subject = _subject(data["subject"])
        plain = self._cipher.open(subject, base64.b64decode(data["sealed"]))
        return Personal(subject, None if plain is None else self._transcoder.decode(plain))


class LeftSealed(Transcoding):
    """Reads a sealed `Personal` value without opening it: `Personal(subject, None)`.

    For readers that show no personal data (most read models): every personal field
    reads as redacted, whether or not its subject was erased. Never writes.
    """

    type = Personal
    name = "sealed"

    def encode(self, obj: Personal[Any]) -> dict[str, str]:
        raise TypeError("a reader that leaves personal data sealed cannot write it")

    def decode(self, data: dict[str, str]) -> Personal[Any]:
        return Personal(_subject(data["subject"]), None)


@dataclass(frozen=True, slots=True)
class Sealed:
    """A personal value as a read model stores it: the event's ciphertext as it is,
    under the subject's data key (so erasing the key shreds this copy and every backup
    of it), and the blind-index terms of the value (none for a value that is not
    searched, or whose key is gone)."""

    subject: UUID
    ciphertext: bytes | None  # None: nothing left to keep (an erased old clear value)
    terms: frozenset[bytes]


class KeptSealed(Transcoding):
    """Reads a sealed `Personal` value as `Sealed`: its ciphertext, kept as it is, and
    its blind-index terms. For read models that store personal data: they never get a
    value in clear. The value is opened here only to derive its terms (which also finds
    a damaged seal, as for a reader that opens it). Never writes.
    """

    type = Personal
    name = "sealed"

    def __init__(self, transcoder: JSONTranscoder, cipher: PersonalDataCipher,
                 index: BlindIndex) -> None:
        self._transcoder = transcoder
        self._cipher = cipher
        self._index = index

    def encode(self, obj: Personal[Any]) -> dict[str, str]:
        raise TypeError("a reader that keeps personal data sealed cannot write it")

    def decode(self, data: dict[str, str]) -> Sealed:
        subject = _subject(data["subject"])
        ciphertext = base64.b64decode(data["sealed"])
        plain = self._cipher.open(subject, ciphertext)
        terms = (frozenset() if plain is None
                 else self._index.terms_of(self._transcoder.decode(plain)))
        return Sealed(subject, ciphertext, terms)


@lru_cache(maxsize=4096)
def _subject(hex_id: str) -> UUID:
    # An event seals several fields of one subject, and a replay meets the same
    # subjects again and again: parsing a UUID costs more than opening the field.
    return UUID(hex=hex_id)


def register_value_transcodings(transcoder: JSONTranscoder) -> None:
    for value_type, name in (
        (Canton, "canton"),
        (PostalCode, "plz"),
        (Email, "email"),
        (PersonName, "person_name"),
        (Phone, "phone"),
        (CompanyUID, "company_uid"),
        (CompanyName, "company_name"),
        (ModelCode, "model_code"),
        (VIN, "vin"),
    ):
        transcoder.register(AsString(value_type, name))
    for transcoding in (MoneyAsRappen(), EventMetaAsDict(), BudgetAsDict(), CompanyAsDict()):
        transcoder.register(transcoding)
