"""Whatever text a command accepts can be stored and projected.

Arbitrary text (control characters, surrogates, separators, combining marks, emoji)
goes into every text field of every command, through the use cases as the command
API calls them. A refusal must name that field; an acceptance must save in the real
Postgres event store, load back, and run through every read model's projection.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from adapters.settings import Settings
from application.services import CustomerIntelligence
from domain.customer_facts import Channel, TouchpointKind
from domain.errors import InvalidValue
from domain.values import Canton, CompanyUID, Email, ModelCode, Money, PersonName, Phone
from entrypoints.bootstrap import build_application, build_projector
from projections.registry import READ_MODELS
from projections.runner import BatchProjector
from tests.databases import own_store
from tests.factories import META, registration, soon

PROJECTING_TIMEOUT = 30.0  # a loose bound: a projector that hangs fails the property


@dataclass
class World:
    app: CustomerIntelligence
    projectors: list[BatchProjector]
    customer: UUID
    sale: UUID
    model: ModelCode


@pytest.fixture(scope="module")
def world(settings: Settings) -> Iterator[World]:
    own = own_store(settings)  # a store of its own: the session's projectors never see it
    app = build_application(own, pool_size=2)
    model = ModelCode.parse("EV-TEXT")
    app.put_model(code=model, name="Text EV", list_price=Money.chf(40_000), meta=META)
    customer = app.register_customer(**registration()).id
    sale = app.open_sale(customer_id=customer, model=model, meta=META).id
    projectors = [build_projector(own, read_model, app) for read_model in READ_MODELS]
    yield World(app, projectors, customer, sale, model)
    for projector in projectors:
        projector.tracking.datastore.close()
    app.close()


def _register(w: World, **fields: Any) -> object:
    return w.app.register_customer(**registration(**fields))


def _business(w: World, **fields: Any) -> object:
    return _register(w, company_uid=CompanyUID.parse("CHE-109.322.551"),
                     **{"company_name": "Muster AG", **fields})


def _complete(w: World, notes: str) -> object:
    drive = w.app.book_test_drive(w.customer, model=w.model, scheduled_at=soon(), meta=META)
    return w.app.complete_test_drive(w.customer, drive.id, rating=4, notes=notes, meta=META)


# Each command's text field, fed as the command API feeds it (value objects parsed first).
COMMANDS: dict[str, tuple[str, Callable[[World, str], object]]] = {
    "register name": ("name", lambda w, t: _register(w, name=PersonName.parse(t))),
    "register email": ("email", lambda w, t: _register(w, email=Email.parse(t))),
    "register phone": ("phone", lambda w, t: _register(w, phone=Phone.parse(t))),
    "register street": ("street", lambda w, t: _register(w, street=t)),
    "register salesperson": ("salesperson", lambda w, t: _register(w, salesperson=t)),
    "register company name": ("company_name", lambda w, t: _business(w, company_name=t)),
    "register company contact": ("company_contact", lambda w, t: _business(
        w, company_contact=PersonName.parse(t, field="company_contact"))),
    "change contact": ("email", lambda w, t: w.app.change_contact(
        w.customer, email=Email.parse(t), phone=None, meta=META)),
    "change address": ("street", lambda w, t: w.app.change_address(
        w.customer, street=t, postal_code=registration()["postal_code"],
        canton=registration()["canton"], meta=META)),
    "touchpoint": ("note", lambda w, t: w.app.record_touchpoint(
        w.customer, kind=TouchpointKind.CALL, channel=Channel.PHONE, note=t, meta=META)),
    "complete test drive": ("notes", _complete),
    "assign salesperson": ("salesperson", lambda w, t: w.app.assign_salesperson(
        w.customer, salesperson=t, meta=META)),
    "open sale": ("salesperson", lambda w, t: w.app.open_sale(
        customer_id=w.customer, model=w.model, salesperson=t, meta=META)),
    "put model": ("name", lambda w, t: w.app.put_model(
        code=w.model, name=t, list_price=Money.chf(40_000), meta=META)),
    "put incentive": ("description", lambda w, t: w.app.put_incentive(
        canton=Canton.parse("ZH"), amount=Money.zero(), description=t, meta=META)),
}

_nasty = st.characters(categories=["Cc", "Cs", "Cf", "Zl", "Zp", "Zs", "Mn", "Co", "So"])
texts = st.one_of(
    st.text(st.one_of(st.characters(), _nasty), max_size=40),  # st.characters(): no Cs
    st.from_regex(r"[A-Za-zÀ-ÿ .'-]{1,30}", fullmatch=True),  # ordinary, mostly accepted
    st.builds(lambda a, ch, b: a + ch + b, st.text(max_size=10), _nasty, st.text(max_size=10)),
)


def _project_everything(w: World) -> None:
    """Run every read model's projection up to the log's head, here, now."""
    head = w.app.recorder.max_notification_id()
    pool = ThreadPoolExecutor(max_workers=1)  # a thread, so a hang fails instead of hanging
    try:
        for projector in w.projectors:
            stopping = threading.Event()
            try:  # re-raises whatever the projection raised
                pool.submit(projector.run, stopping, until=head).result(PROJECTING_TIMEOUT)
            except FuturesTimeout:
                raise AssertionError(f"{projector.model.name} did not reach {head}") from None
            finally:
                stopping.set()
            assert projector.position() == head
    finally:
        pool.shutdown(wait=False)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(command=st.sampled_from(sorted(COMMANDS)), text=texts)
def test_accepted_text_is_stored_and_projected(world: World, command: str, text: str) -> None:
    field, run = COMMANDS[command]
    try:
        written: Any = run(world, text)
    except InvalidValue as refused:
        assert refused.field == field
        event("refused")
        return
    event("accepted")
    # Stored: it loads back from Postgres (decoded and unsealed) ...
    aggregate_id = (written[0] if isinstance(written, tuple) else written).id
    world.app.repository.get(aggregate_id)
    # ... and every read model projects it.
    _project_everything(world)
