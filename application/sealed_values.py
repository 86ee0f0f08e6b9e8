"""Personal values in read models: kept sealed while projecting, opened on read."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder

from application.blind_index import BlindIndex
from application.keys import PersonalDataCipher, SubjectErased
from application.transcodings import MsgspecJSONTranscoder, Sealed, register_value_transcodings
from domain.customer_facts import Company
from domain.personal import Personal

__all__ = ["KeepingSealedMapper", "SealedValues"]


class KeepingSealedMapper(Mapper[UUID]):
    """The mapper of read models that store personal data: its transcoder reads each
    sealed field as `Sealed` (`KeptSealed`); a field an old event version held in clear
    (upcast into a `Personal`, as `Registered` v1's name and e-mail) is sealed here under
    its subject's key, so no read model ever gets a value in clear; so is a company's
    name that `Registered` v2 held in clear."""

    def __init__(self, transcoder: Transcoder, *, cipher: PersonalDataCipher,
                 index: BlindIndex, like: Mapper[UUID]) -> None:
        super().__init__(transcoder, compressor=like.compressor, cipher=like.cipher)
        self._personal_cipher = cipher
        self._index = index

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        event = super().to_domain_event(stored_event)
        for name, value in vars(event).items():
            if type(value) is Personal:
                object.__setattr__(event, name, self._sealed(value))  # events are frozen
            elif type(value) is Company and type(value.name) is Personal:
                company = Company(cast(Any, self._sealed(value.name)), value.uid, value.contact)
                object.__setattr__(event, name, company)
        return event

    def _sealed(self, value: Personal[Any]) -> Sealed:
        if value.value is None:
            return Sealed(value.subject, None, frozenset())
        try:
            plain = self.transcoder.encode(value.value)
            ciphertext = self._personal_cipher.seal(value.subject, plain)
        except SubjectErased:  # erased since: keep nothing, its erasure follows in the log
            return Sealed(value.subject, None, frozenset())
        return Sealed(value.subject, ciphertext, self._index.terms_of(value.value))


class SealedValues:
    """Opens a stored ciphertext (an event's, copied as it is) with its subject's data
    key; None once the key is erased. `close` closes the cipher (for a caller that gave
    it a cipher of its own; the query API shares its application's)."""

    def __init__(self, cipher: PersonalDataCipher) -> None:
        self._cipher = cipher
        # The sealed bytes hold the value as the event's transcoder encoded it.
        self._transcoder = MsgspecJSONTranscoder()
        register_value_transcodings(self._transcoder)

    def prefetch(self, subjects: Iterable[UUID]) -> None:
        """Load these subjects' keys in one query (before opening a page of rows)."""
        self._cipher.prefetch(subjects)

    def open(self, subject: UUID, ciphertext: bytes | None) -> Any:
        if ciphertext is None:
            return None
        plain = self._cipher.open(subject, bytes(ciphertext))
        return None if plain is None else self._transcoder.decode(plain)

    def close(self) -> None:
        self._cipher.close()
