"""Catalogue rules (vehicle models, cantonal incentives), without I/O."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from domain.catalogue import CantonIncentive, VehicleModel
from domain.errors import InvalidTransition, InvalidValue
from domain.meta import EventMeta
from domain.values import CANTON_CODES, Canton, ModelCode, Money
from tests.aggregates import assert_unchanged, event_names, replayed

META = EventMeta(actor="test-admin", correlation_id="test-request")
CODE = ModelCode.parse("EV-ONE")
ZH = Canton.parse("ZH")


def listed(**overrides: Any) -> VehicleModel:
    values: dict[str, Any] = {
        "code": CODE,
        "name": "EV One Long Range",
        "list_price": Money.chf(40_000),  # made up
        "meta": META,
    }
    values.update(overrides)
    return VehicleModel.list(**values)


def declared(**overrides: Any) -> CantonIncentive:
    values: dict[str, Any] = {
        "canton": ZH,
        "amount": Money.chf(1_000),  # made up
        "description": "One-off purchase bonus",
        "meta": META,
    }
    values.update(overrides)
    return CantonIncentive.declare(**values)


# --------------------------------------------------------------------------- #
# Ids
# --------------------------------------------------------------------------- #


def test_ids_are_derived_from_the_natural_key_and_never_change() -> None:
    # Pinned: stored aggregates are found by these ids.
    assert VehicleModel.id_for(ModelCode.parse("ID4")) == uuid.UUID(
        "87e456ce-930e-5f61-a8b7-a3cecf827662"
    )
    assert CantonIncentive.id_for(ZH) == uuid.UUID("3d8d8068-38c9-56fd-8217-e4b30776b984")


def test_ids_are_distinct_per_key_and_per_kind() -> None:
    model_ids = {VehicleModel.id_for(ModelCode.parse(c)) for c in ("AB", "AB-1", "ZH", "GE")}
    incentive_ids = {CantonIncentive.id_for(Canton(c)) for c in CANTON_CODES}
    assert len(model_ids) == 4
    assert len(incentive_ids) == len(CANTON_CODES)
    assert not model_ids & incentive_ids


def test_the_aggregate_ids_are_the_derived_ones() -> None:
    assert listed().id == VehicleModel.id_for(CODE)
    assert declared().id == CantonIncentive.id_for(ZH)


# --------------------------------------------------------------------------- #
# VehicleModel
# --------------------------------------------------------------------------- #


def test_listing_records_code_name_and_price() -> None:
    model = listed(name="  EV One  ")
    events = model.collect_events()
    assert [type(e).__name__ for e in events] == ["Listed"]
    assert events[0].meta == META  # type: ignore[attr-defined]
    assert model.code == CODE
    assert model.name == "EV One"
    assert model.list_price == Money.chf(40_000)
    assert model.withdrawn is False


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "EV\nOne", "EV\x00One"])
def test_a_model_name_must_be_1_to_100_printable_characters(name: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        listed(name=name)
    assert refused.value.field == "name"


def test_a_name_of_100_characters_is_accepted() -> None:
    assert listed(name="x" * 100).name == "x" * 100


def test_changing_records_the_new_name_and_price() -> None:
    model = listed()
    model.collect_events()
    assert model.change(name="EV One Performance", list_price=Money.chf(45_000), meta=META)
    assert event_names(model) == ["Changed"]
    assert model.name == "EV One Performance"
    assert model.list_price == Money.chf(45_000)


def test_changing_only_the_price_is_a_change() -> None:
    model = listed()
    model.collect_events()
    assert model.change(name=model.name, list_price=Money.chf(39_000), meta=META) is True
    assert event_names(model) == ["Changed"]


def test_changing_to_the_same_values_records_nothing() -> None:
    model = listed()
    model.collect_events()
    version = model.version
    assert model.change(name=f" {model.name} ", list_price=model.list_price, meta=META) is False
    assert model.pending_events == []
    assert model.version == version


def test_a_change_with_an_invalid_name_is_refused() -> None:
    model = listed()
    model.collect_events()
    refused = assert_unchanged(
        model, lambda: model.change(name=" ", list_price=Money.zero(), meta=META), InvalidValue
    )
    assert isinstance(refused, InvalidValue)
    assert refused.field == "name"


def test_withdrawing_records_an_event_and_then_refuses_changes() -> None:
    model = listed()
    model.collect_events()
    model.withdraw(meta=META)
    assert event_names(model) == ["Withdrawn"]
    assert model.withdrawn is True

    refused = assert_unchanged(
        model,
        lambda: model.change(name="New", list_price=Money.zero(), meta=META),
        InvalidTransition,
    )
    assert "withdrawn" in str(refused)
    assert_unchanged(model, lambda: model.withdraw(meta=META), InvalidTransition)


def test_replaying_rebuilds_an_equal_model() -> None:
    model = listed()
    model.change(name="Renamed", list_price=Money.chf(1), meta=META)
    model.withdraw(meta=META)
    events = model.collect_events()
    assert [type(e).__name__ for e in events] == ["Listed", "Changed", "Withdrawn"]
    assert replayed(events).__dict__ == model.__dict__


# --------------------------------------------------------------------------- #
# CantonIncentive
# --------------------------------------------------------------------------- #


def test_declaring_records_canton_amount_and_description() -> None:
    incentive = declared(description="  Bonus  ")
    events = incentive.collect_events()
    assert [type(e).__name__ for e in events] == ["Declared"]
    assert events[0].meta == META  # type: ignore[attr-defined]
    assert incentive.canton == ZH
    assert incentive.amount == Money.chf(1_000)
    assert incentive.description == "Bonus"
    assert incentive.ended is False


def test_an_incentive_may_be_zero() -> None:
    assert declared(amount=Money.zero()).amount == Money.zero()


def test_an_incentive_can_never_be_negative_because_money_cannot() -> None:
    with pytest.raises(InvalidValue):
        Money(-1)


@pytest.mark.parametrize("description", ["", "  ", "x" * 501, "a\tb"])
def test_a_description_must_be_1_to_500_printable_characters(description: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        declared(description=description)
    assert refused.value.field == "description"


def test_a_description_of_500_characters_is_accepted() -> None:
    assert declared(description="x" * 500).description == "x" * 500


def test_changing_an_incentive_reports_whether_anything_changed() -> None:
    incentive = declared()
    incentive.collect_events()
    assert not incentive.change(
        amount=incentive.amount, description="One-off purchase bonus", meta=META
    )
    assert incentive.pending_events == []
    assert incentive.change(amount=Money.zero(), description="Nothing any more", meta=META)
    assert event_names(incentive) == ["Changed"]
    assert incentive.amount == Money.zero()
    assert incentive.description == "Nothing any more"


def test_a_change_with_an_invalid_description_is_refused() -> None:
    incentive = declared()
    incentive.collect_events()
    refused = assert_unchanged(
        incentive,
        lambda: incentive.change(amount=Money.zero(), description="", meta=META),
        InvalidValue,
    )
    assert isinstance(refused, InvalidValue)
    assert refused.field == "description"


def test_ending_records_an_event_and_then_refuses_changes() -> None:
    incentive = declared()
    incentive.collect_events()
    incentive.end(meta=META)
    assert event_names(incentive) == ["Ended"]
    assert incentive.ended is True
    refused = assert_unchanged(
        incentive,
        lambda: incentive.change(amount=Money.zero(), description="x", meta=META),
        InvalidTransition,
    )
    assert "ended" in str(refused)
    assert_unchanged(incentive, lambda: incentive.end(meta=META), InvalidTransition)


def test_replaying_rebuilds_an_equal_incentive() -> None:
    incentive = declared()
    incentive.change(amount=Money.chf(2), description="More", meta=META)
    incentive.end(meta=META)
    events = incentive.collect_events()
    assert [type(e).__name__ for e in events] == ["Declared", "Changed", "Ended"]
    assert replayed(events).__dict__ == incentive.__dict__
