"""Access-trail events pass the read models and the relay without effect."""

from __future__ import annotations

from uuid import uuid4

from adapters.settings import Settings
from application.publishing import to_integration_event
from application.services import CustomerIntelligence
from domain.audit_trail import AccessTrail
from domain.meta import EventMeta
from projections.registry import READ_MODELS
from tests.factories import registration
from tests.readmodels import caught_up

LOOKER = EventMeta(actor="erika", correlation_id="look-1")


def test_read_models_project_past_access_events(app: CustomerIntelligence, settings: Settings,
                                                 projectors: None) -> None:
    customer_id = app.register_customer(**registration()).id
    written = app.record_access(customer_id, subject_kind="customers", action="history",
                                role="auditor", reason=None, meta=LOOKER)
    for model in READ_MODELS:
        assert caught_up(settings, app, model.name) >= written.position


def test_access_events_are_never_published() -> None:
    trail = AccessTrail.open(subject_id=uuid4(), meta=LOOKER)
    trail.record(role="dpo", action="erasure", subject_kind="customers", reason="DSG art. 32",
                 meta=LOOKER)
    events = trail.collect_events()
    assert len(events) == 2
    assert [to_integration_event(event, 1) for event in events] == [None, None]

