"""Stored forms of earlier versions, written as those versions wrote them."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from application.services import CustomerIntelligence
from domain.personal import Personal

__all__ = ["company_name_in_clear", "registered_v2"]


def company_name_in_clear(state: dict[str, Any], name: str) -> None:
    """A stored state's company as before the name was sealed (a plain string)."""
    company = state["company"]["_data_"]
    company["name"] = name


def registered_v2(app: CustomerIntelligence, like: UUID, customer_id: UUID,
                  company_name: str) -> StoredEvent:
    """`Registered` v2 of a new customer, as that version stored it: `like`'s registration
    (a business customer's), its personal fields sealed for `customer_id`, the company's
    name in clear."""
    transcoder = app.mapper.transcoder
    (stored,) = app.recorder.select_events(like, lte=1)
    state = transcoder.decode(stored.state)
    for key, value in state.items():
        if isinstance(value, Personal):
            state[key] = Personal(customer_id, value.value)
    state["class_version"] = 2
    encoded = json.loads(transcoder.encode(state))
    company_name_in_clear(encoded, company_name)
    encoded["company"]["_data_"]["contact"] = None
    return StoredEvent(customer_id, 1, stored.topic, json.dumps(encoded).encode())
