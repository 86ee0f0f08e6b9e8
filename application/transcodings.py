"""How our value objects are written into stored events (JSON via the library's transcoder).

StrEnums need none: JSON stores them as strings and the aggregates restore their type.
"""

from __future__ import annotations

import base64
from typing import Any
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Transcoding

from application.keys import PersonalDataCipher
from domain.customer_facts import Budget, Company
from domain.meta import EventMeta
from domain.personal import Personal
from domain.values import (
    Canton,
    CompanyUID,
    Email,
    ModelCode,
    Money,
    PersonName,
    Phone,
    PostalCode,
)
from domain.vin import VIN

__all__ = ["SealedPersonal", "register_value_transcodings"]


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
    """Name and UID in clear; the contact person, a `Personal`, is sealed."""

    type = Company
    name = "company"

    def encode(self, obj: Company) -> dict[str, Any]:
        return {"name": obj.name, "uid": obj.uid, "contact": obj.contact}

    def decode(self, data: dict[str, Any]) -> Company:
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
        subject = UUID(hex=data["subject"])
        plain = self._cipher.open(subject, base64.b64decode(data["sealed"]))
        return Personal(subject, None if plain is None else self._transcoder.decode(plain))


def register_value_transcodings(transcoder: JSONTranscoder) -> None:
    for value_type, name in (
        (Canton, "canton"),
        (PostalCode, "plz"),
        (Email, "email"),
        (PersonName, "person_name"),
        (Phone, "phone"),
        (CompanyUID, "company_uid"),
        (ModelCode, "model_code"),
        (VIN, "vin"),
    ):
        transcoder.register(AsString(value_type, name))
    for transcoding in (MoneyAsRappen(), EventMetaAsDict(), BudgetAsDict(), CompanyAsDict()):
        transcoder.register(transcoding)
