"""Customer aggregate rules, without I/O."""

from __future__ import annotations

import pytest

from domain.customer import Customer
from domain.errors import InvalidValue
from domain.values import Canton, PostalCode
from tests.factories import META, registration


def test_registering_records_one_event_with_the_customer_data() -> None:
    customer = Customer.register(**registration())

    events = customer.collect_events()
    assert [type(e).__name__ for e in events] == ["Registered"]
    assert str(customer.canton) == "ZH"
    assert str(customer.postal_code) == "8001"
    assert customer.version == 1
    assert events[0].meta == META  # type: ignore[attr-defined]


def test_postal_code_of_another_canton_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidValue) as refused:
        Customer.register(**registration(canton=Canton.parse("GE")))
    assert refused.value.field == "postal_code"


def test_replaying_the_events_rebuilds_an_equal_customer() -> None:
    customer = Customer.register(**registration(postal_code=PostalCode.parse("1201"),
                                                canton=Canton.parse("GE")))
    events = customer.collect_events()

    replayed = None
    for event in events:
        replayed = event.mutate(replayed)

    assert replayed is not None
    assert replayed.__dict__ == customer.__dict__
