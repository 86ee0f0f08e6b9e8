"""The Customer aggregate: a person or company on its journey towards an EV."""

from __future__ import annotations

from eventsourcing.domain import Aggregate, event

from domain.meta import EventMeta
from domain.values import Canton, Email, Language, PersonName, PostalCode, check_postal_code_in_canton

__all__ = ["Customer"]


class Customer(Aggregate):
    """Registered once; every later change is an event on it."""

    @event("Registered")
    def __init__(
        self,
        *,
        name: PersonName,
        email: Email,
        postal_code: PostalCode,
        canton: Canton,
        language: Language,
        meta: EventMeta,
    ) -> None:
        self.name = name
        self.email = email
        self.postal_code = postal_code
        self.canton = canton
        # Language is a str enum: JSON stores it as a plain string.
        self.language = Language(language)
        self.registered_by = meta.actor

    @classmethod
    def register(
        cls,
        *,
        name: PersonName,
        email: Email,
        postal_code: PostalCode,
        canton: Canton,
        language: Language,
        meta: EventMeta,
    ) -> Customer:
        check_postal_code_in_canton(postal_code, canton)
        return cls(
            name=name,
            email=email,
            postal_code=postal_code,
            canton=canton,
            language=language,
            meta=meta,
        )
