"""How our value objects are written into stored events (JSON via the library's transcoder)."""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain.meta import EventMeta
from domain.values import Canton, Email, PersonName, PostalCode

__all__ = ["register_value_transcodings"]


class _AsString(Transcoding):
    """A value object stored as its canonical string and parsed back."""

    def encode(self, obj: Any) -> str:
        return str(obj)

    def decode(self, data: Any) -> Any:
        return self.type.parse(data)


class CantonAsStr(_AsString):
    type = Canton
    name = "canton"


class PostalCodeAsStr(_AsString):
    type = PostalCode
    name = "plz"


class EmailAsStr(_AsString):
    type = Email
    name = "email"


class PersonNameAsStr(_AsString):
    type = PersonName
    name = "person_name"


class EventMetaAsDict(Transcoding):
    type = EventMeta
    name = "meta"

    def encode(self, obj: EventMeta) -> dict[str, str]:
        return {"actor": obj.actor, "correlation_id": obj.correlation_id}

    def decode(self, data: dict[str, str]) -> EventMeta:
        return EventMeta(actor=data["actor"], correlation_id=data["correlation_id"])


def register_value_transcodings(transcoder: JSONTranscoder) -> None:
    for transcoding in (
        CantonAsStr(),
        PostalCodeAsStr(),
        EmailAsStr(),
        PersonNameAsStr(),
        EventMetaAsDict(),
    ):
        transcoder.register(transcoding)
