"""Our replay (`application.replay`) rebuilds every aggregate exactly as the library's
`project_aggregate` does: random histories of a customer, of a sale and of the
customer's access trail on the real event store, every version loaded four ways (our replay and the library's, from
snapshots taken every 3 events and from the first event) and compared field by field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

import pytest
from eventsourcing.application import (
    AggregateNotFoundError,
    ProjectorFunction,
    project_aggregate,
)
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from adapters.postgres.config import eventsourcing_env
from adapters.settings import Settings
from application.replay import replay
from application.services import APPLICATION_NAME, CustomerIntelligence
from domain.audit_trail import AccessTrail
from domain.catalogue import CantonIncentive, VehicleModel
from domain.customer import Customer
from domain.customer_facts import Channel, ConsentPurpose, TouchpointKind
from domain.errors import DomainError
from domain.sale import CancelReason, Sale
from domain.values import Email, ModelCode, Money, Phone
from domain.vin import VIN
from entrypoints.bootstrap import data_keys
from tests.factories import META, registration, soon

MODEL = ModelCode.parse("EV-REPLAY")
LIBRARY: ProjectorFunction[Any, Any] = project_aggregate
OURS: ProjectorFunction[Any, Any] = replay


class FrequentSnapshots(CustomerIntelligence):
    name = APPLICATION_NAME  # the same log and snapshot tables
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = dict.fromkeys(
        (Customer, Sale, VehicleModel, CantonIncentive, AccessTrail), 3)


class NoSnapshots(CustomerIntelligence):
    name = APPLICATION_NAME
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {}


@pytest.fixture(scope="module")
def apps(settings: Settings) -> Iterator[tuple[CustomerIntelligence, CustomerIntelligence]]:
    assert settings.database_url
    env = eventsourcing_env(settings.database_url, pool_size=2)
    with_snapshots = FrequentSnapshots(env=env, cipher=data_keys(settings))
    without = NoSnapshots(env=env, cipher=data_keys(settings))
    with_snapshots.put_model(code=MODEL, name="Replay EV", list_price=Money.chf(40_000),
                             meta=META)
    yield with_snapshots, without
    with_snapshots.close()
    without.close()


Command = Callable[[CustomerIntelligence, UUID, UUID], object]

CUSTOMER_COMMANDS: list[Command] = [
    lambda app, c, _: app.record_touchpoint(c, kind=TouchpointKind.CALL, channel=Channel.PHONE,
                                            note="called back", meta=META),
    lambda app, c, _: app.record_touchpoint(c, kind=TouchpointKind.WEBSITE_VISIT,
                                            channel=Channel.WEB, note=None, meta=META),
    lambda app, c, _: app.record_vehicle_interest(c, model=MODEL, meta=META),
    lambda app, c, _: app.book_test_drive(c, model=MODEL, scheduled_at=soon(), meta=META),
    lambda app, c, _: app.grant_consent(c, purpose=ConsentPurpose.MARKETING, meta=META),
    lambda app, c, _: app.withdraw_consent(c, purpose=ConsentPurpose.MARKETING, meta=META),
    lambda app, c, _: app.change_contact(c, email=Email.parse("neu@example.ch"),
                                         phone=Phone.parse("044 668 18 00"), meta=META),
    lambda app, c, _: app.assign_salesperson(c, salesperson="otto", meta=META),
    lambda app, c, _: app.record_access(c, subject_kind="customers", action="history",
                                        role="auditor", reason="audit 7", meta=META),
]
SALE_COMMANDS: list[Command] = [
    lambda app, _, s: app.quote_sale(s, price=Money.chf(39_000), discount=Money.chf(1_000),
                                     incentives=Money.zero(), meta=META),
    lambda app, _, s: app.quote_sale(s, price=Money.chf(37_000), discount=Money.chf(3_000),
                                     incentives=Money.chf(500), meta=META),
    lambda app, _, s: app.reserve_sale(s, deposit=Money.chf(2_000), meta=META),
    lambda app, _, s: app.sign_contract(s, final_price=Money.chf(38_500), meta=META),
    lambda app, _, s: app.deliver_sale(s, vin=VIN.parse("WVWZZZ1KZ6W000001"),
                                       delivered_on=date.today(), meta=META),
    lambda app, _, s: app.cancel_sale(s, reason=CancelReason.CUSTOMER_WITHDREW, meta=META),
]
ERASE: Command = lambda app, c, _: app.erase_customer(c, meta=META)  # noqa: E731


def _state(aggregate: Any) -> dict[str, Any]:
    return dict(vars(aggregate))


def _loaded(app: CustomerIntelligence, aggregate_id: UUID, version: int | None,
            projector: ProjectorFunction[Any, Any]) -> dict[str, Any]:
    return _state(app.repository.get(aggregate_id, version=version, projector_func=projector))


def _assert_every_version_the_same(apps: tuple[CustomerIntelligence, CustomerIntelligence],
                                   aggregate_id: UUID, kind: type[Any]) -> None:
    snapshotting, plain = apps
    latest = plain.repository.get(aggregate_id).version
    for version in [*range(1, latest + 1), None]:
        library = _loaded(plain, aggregate_id, version, LIBRARY)
        assert _loaded(plain, aggregate_id, version, OURS) == library
        assert _loaded(snapshotting, aggregate_id, version, OURS) == library
        assert _loaded(snapshotting, aggregate_id, version, LIBRARY) == library
    # What the use cases load: the default projector, from the latest snapshot.
    assert _state(snapshotting._get(aggregate_id, kind)) == \
        _loaded(plain, aggregate_id, None, LIBRARY)


def _trail(app: CustomerIntelligence, subject_id: UUID) -> AccessTrail | None:
    try:
        trail: AccessTrail = app.repository.get(AccessTrail.id_for(subject_id))
    except AggregateNotFoundError:
        return None
    return trail


@given(customer_steps=st.lists(st.sampled_from(range(len(CUSTOMER_COMMANDS))), max_size=14),
       sale_steps=st.lists(st.sampled_from(range(len(SALE_COMMANDS))), max_size=8),
       erase=st.booleans())
@hypothesis_settings(max_examples=12, deadline=None)
def test_our_replay_rebuilds_what_the_library_rebuilds(
        apps: tuple[CustomerIntelligence, CustomerIntelligence], customer_steps: list[int],
        sale_steps: list[int], erase: bool) -> None:
    app = apps[0]
    customer_id = app.register_customer(**registration(street="Hauptgasse 1")).id
    sale_id = app.open_sale(customer_id=customer_id, model=MODEL, meta=META).id
    commands = [CUSTOMER_COMMANDS[i] for i in customer_steps] + \
        [SALE_COMMANDS[i] for i in sale_steps] + ([ERASE] if erase else [])
    for command in commands:
        try:
            command(app, customer_id, sale_id)
        except DomainError:
            pass  # refused: nothing written
    _assert_every_version_the_same(apps, customer_id, Customer)
    _assert_every_version_the_same(apps, sale_id, Sale)
    if _trail(app, customer_id) is not None:  # looked at, or erased
        _assert_every_version_the_same(apps, AccessTrail.id_for(customer_id), AccessTrail)
