"""Random command sequences against the catalogue aggregates, checked against models.

One machine per aggregate (VehicleModel, CantonIncentive). Names,
descriptions and amounts are drawn so that valid, unchanged and invalid
input all occur; refused commands must raise the expected domain error and
leave the aggregate exactly as it was; after every step, replaying all events
so far must rebuild an equal aggregate.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Callable

import pytest
from eventsourcing.domain import Aggregate, CanMutateAggregate
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from domain.catalogue import CantonIncentive, VehicleModel
from domain.errors import DomainError, InvalidTransition, InvalidValue
from domain.meta import EventMeta
from domain.values import CANTON_CODES, Canton, ModelCode, Money

METAS = st.builds(
    EventMeta, actor=st.sampled_from(["admin", "root"]), correlation_id=st.uuids().map(str)
)
MODEL_CODES = st.from_regex(r"[A-Z][A-Z0-9-]{1,19}", fullmatch=True).map(ModelCode.parse)
CANTONS = st.sampled_from(CANTON_CODES).map(Canton)
AMOUNTS = st.one_of(st.just(0), st.integers(0, 20_000_000)).map(Money)
MACHINE_SETTINGS = settings(max_examples=50, stateful_step_count=20, deadline=None)


def texts(current: str, max_length: int) -> st.SearchStrategy[str]:
    """Text around the rules: the current value (maybe padded), valid, blank, too long, odd."""
    return st.one_of(
        st.just(current),
        st.just(f"  {current}\t"),
        st.text(min_size=1, max_size=20),
        st.text(alphabet="abc ", min_size=max_length - 2, max_size=max_length + 2),
        st.sampled_from(["", "   ", "a\nb", "\x00"]),
    )


def is_valid_text(raw: str, max_length: int) -> bool:
    """The rule, restated: trimmed, 1..max_length characters, no control characters."""
    text = raw.strip()
    return 0 < len(text) <= max_length and not any(unicodedata.category(ch) == "Cc" for ch in text)


class _CatalogueMachine(RuleBasedStateMachine):
    """Shared bookkeeping: run a command, expecting success or a given refusal."""

    def __init__(self) -> None:
        super().__init__()
        self.aggregate: Aggregate | None = None
        self.events: list[CanMutateAggregate[uuid.UUID]] = []

    def _start(self, aggregate: Aggregate) -> None:
        self.aggregate = aggregate
        self.events = list(aggregate.collect_events())
        assert len(self.events) == 1

    def _run(
        self,
        call: Callable[[], object],
        meta: EventMeta,
        *,
        error: type[DomainError] | None,
        field: str = "",
        result: object = None,
    ) -> bool:
        """Run ``call``; return whether it recorded an event."""
        aggregate = self.aggregate
        assert aggregate is not None
        before = dict(aggregate.__dict__)
        version = aggregate.version
        if error is not None:
            with pytest.raises(DomainError) as refused:
                call()
            assert type(refused.value) is error
            if field:
                assert isinstance(refused.value, InvalidValue)
                assert refused.value.field == field
            assert aggregate.__dict__ == before
            assert aggregate.version == version
            return False
        assert call() == result
        new = aggregate.collect_events()
        if result is False:
            assert new == []
            assert aggregate.__dict__ == before
            return False
        assert len(new) == 1
        assert new[0].meta == meta  # type: ignore[attr-defined]
        assert aggregate.version == version + 1
        self.events.extend(new)
        return True

    @invariant()
    def replay_rebuilds_an_equal_aggregate(self) -> None:
        if self.aggregate is None:
            return
        assert self.aggregate.version == len(self.events)
        rebuilt = None
        for e in self.events:
            rebuilt = e.mutate(rebuilt)
        assert rebuilt is not None
        assert rebuilt.__dict__ == self.aggregate.__dict__


class VehicleModelMachine(_CatalogueMachine):
    def __init__(self) -> None:
        super().__init__()
        self.name = ""
        self.list_price = Money.zero()
        self.withdrawn = False

    @property
    def model(self) -> VehicleModel:
        assert isinstance(self.aggregate, VehicleModel)
        return self.aggregate

    @initialize(code=MODEL_CODES, data=st.data(), price=AMOUNTS, meta=METAS)
    def list_model(
        self, code: ModelCode, data: st.DataObject, price: Money, meta: EventMeta
    ) -> None:
        name = data.draw(texts("EV One", 100), label="name")
        if not is_valid_text(name, 100):
            with pytest.raises(InvalidValue) as refused:
                VehicleModel.list(code=code, name=name, list_price=price, meta=meta)
            assert refused.value.field == "name"
            name = "EV One"
        self._start(VehicleModel.list(code=code, name=name, list_price=price, meta=meta))
        assert self.model.id == VehicleModel.id_for(code)
        self.name, self.list_price = name.strip(), price

    @rule(data=st.data(), keep_price=st.booleans(), price=AMOUNTS, meta=METAS)
    def change(self, data: st.DataObject, keep_price: bool, price: Money, meta: EventMeta) -> None:
        name = data.draw(texts(self.name, 100), label="name")
        new_price = self.list_price if keep_price else price
        unchanged = name.strip() == self.name and new_price == self.list_price
        changed = self._run(
            lambda: self.model.change(name=name, list_price=new_price, meta=meta),
            meta,
            error=(
                InvalidTransition
                if self.withdrawn
                else None
                if is_valid_text(name, 100)
                else InvalidValue
            ),
            field="" if self.withdrawn else "name",
            result=not unchanged,
        )
        if changed:
            self.name, self.list_price = name.strip(), new_price

    @rule(meta=METAS)
    def withdraw(self, meta: EventMeta) -> None:
        error = InvalidTransition if self.withdrawn else None
        if self._run(lambda: self.model.withdraw(meta=meta), meta, error=error):
            self.withdrawn = True

    @invariant()
    def matches_the_model(self) -> None:
        if self.aggregate is None:
            return
        assert self.model.name == self.name
        assert self.model.list_price == self.list_price
        assert self.model.list_price.rappen >= 0
        assert self.model.withdrawn is self.withdrawn
        assert 0 < len(self.model.name) <= 100


class CantonIncentiveMachine(_CatalogueMachine):
    def __init__(self) -> None:
        super().__init__()
        self.amount = Money.zero()
        self.description = ""
        self.ended = False

    @property
    def incentive(self) -> CantonIncentive:
        assert isinstance(self.aggregate, CantonIncentive)
        return self.aggregate

    @initialize(canton=CANTONS, data=st.data(), amount=AMOUNTS, meta=METAS)
    def declare(self, canton: Canton, data: st.DataObject, amount: Money, meta: EventMeta) -> None:
        description = data.draw(texts("Bonus", 500), label="description")
        if not is_valid_text(description, 500):
            with pytest.raises(InvalidValue) as refused:
                CantonIncentive.declare(
                    canton=canton, amount=amount, description=description, meta=meta
                )
            assert refused.value.field == "description"
            description = "Bonus"
        self._start(
            CantonIncentive.declare(
                canton=canton, amount=amount, description=description, meta=meta
            )
        )
        assert self.incentive.id == CantonIncentive.id_for(canton)
        self.amount, self.description = amount, description.strip()

    @rule(data=st.data(), keep_amount=st.booleans(), amount=AMOUNTS, meta=METAS)
    def change(
        self, data: st.DataObject, keep_amount: bool, amount: Money, meta: EventMeta
    ) -> None:
        description = data.draw(texts(self.description, 500), label="description")
        new_amount = self.amount if keep_amount else amount
        unchanged = description.strip() == self.description and new_amount == self.amount
        changed = self._run(
            lambda: self.incentive.change(amount=new_amount, description=description, meta=meta),
            meta,
            error=(
                InvalidTransition
                if self.ended
                else None
                if is_valid_text(description, 500)
                else InvalidValue
            ),
            field="" if self.ended else "description",
            result=not unchanged,
        )
        if changed:
            self.amount, self.description = new_amount, description.strip()

    @rule(meta=METAS)
    def end(self, meta: EventMeta) -> None:
        error = InvalidTransition if self.ended else None
        if self._run(lambda: self.incentive.end(meta=meta), meta, error=error):
            self.ended = True

    @invariant()
    def matches_the_model(self) -> None:
        if self.aggregate is None:
            return
        assert self.incentive.amount == self.amount
        assert self.incentive.amount.rappen >= 0
        assert self.incentive.description == self.description
        assert self.incentive.ended is self.ended


TestVehicleModelMachine = VehicleModelMachine.TestCase
TestVehicleModelMachine.settings = MACHINE_SETTINGS
TestCantonIncentiveMachine = CantonIncentiveMachine.TestCase
TestCantonIncentiveMachine.settings = MACHINE_SETTINGS


def test_ids_do_not_depend_on_the_run() -> None:
    """uuid5 of a fixed namespace: the same code gives the same id (and a version 5 UUID)."""
    code = ModelCode.parse("EV-ONE")
    assert VehicleModel.id_for(code) == VehicleModel.id_for(ModelCode.parse("ev-one"))
    assert VehicleModel.id_for(code).version == 5
    assert isinstance(CantonIncentive.id_for(Canton("GE")), uuid.UUID)
