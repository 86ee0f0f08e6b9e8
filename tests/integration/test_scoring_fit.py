"""`cis score fit` on generated demo data: it finds the demo's signal, records the model
as an event, refuses a worse one unless forced, and refuses too little data; what it
learns from is what was known before each outcome, never the outcome itself."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.settings import Settings
from application.scoring import ScoringLog
from application.scoring_fit import (
    NotEnoughData,
    fit_model,
    fit_scoring_model,
    labelled_examples,
)
from application.services import CustomerIntelligence
from domain.customer_facts import Channel, ConsentPurpose, TouchpointKind
from domain.journey import Stage
from domain.lead_features import stage_rank
from domain.meta import EventMeta
from domain.sale import CancelReason
from domain.scoring_model import ScoringModel
from domain.scoring_prior import PRIOR_VERSION
from domain.values import Canton, Email, Language, ModelCode, Money, PersonName, PostalCode
from entrypoints.bootstrap import build_application
from entrypoints.demo import load_demo
from tests.databases import own_store

DEMO_CUSTOMERS, SEED = 250, 5


@pytest.fixture(scope="module")
def demo(settings: Settings) -> Iterator[CustomerIntelligence]:
    cis = build_application(own_store(settings), pool_size=2)
    load_demo(cis, customers=DEMO_CUSTOMERS, seed=SEED)
    yield cis
    cis.close()


def test_a_fit_on_demo_data_finds_its_signal_and_is_recorded_as_an_event(
    demo: CustomerIntelligence
) -> None:
    report = fit_scoring_model(demo, by="manager-mia")

    metrics = report.metrics
    assert metrics["auc_holdout"] >= 0.7, metrics
    assert metrics["n"] == metrics["n_train"] + metrics["n_holdout"] >= 50
    assert len(metrics["calibration_holdout"]) >= 3
    assert report.activated, report.reason
    assert report.current_version == PRIOR_VERSION
    # The demo's truth: a completed, well-rated test drive makes signing likelier.
    assert report.model.weights["test_drive_rating"] > 0
    # Recorded in the log, with who ran it; from now on the model that scores.
    model, fitted = ScoringLog(demo).active_model()
    assert model == report.model and fitted.fitted_by == "manager-mia"
    assert fitted.metrics["auc_holdout"] == metrics["auc_holdout"]
    described = ScoringLog(demo).describe()
    assert described["version"] == report.model.version and not described["prior"]
    assert "test drive rating" in {f["label"] for f in described["features"]}


def test_a_worse_fit_is_recorded_but_not_activated_unless_forced(
    demo: CustomerIntelligence
) -> None:
    # An active model that has seen the hold-out too: no honest fit beats it there.
    examples, _ = labelled_examples(demo)
    oracle = fit_model(examples, "oracle-1")
    meta = EventMeta(actor="test", correlation_id="oracle")
    line: ScoringModel = demo.repository.get(ScoringModel.id_for())
    line.record_fit(model=oracle, metrics={}, window_from=examples[0].moment,
                    window_to=examples[-1].moment, activated=True, forced=True, meta=meta)
    demo.save(line)

    refused = fit_scoring_model(demo, by="manager-mia")
    assert not refused.activated
    assert refused.metrics["auc_holdout"] < refused.metrics["current_auc_holdout"]
    assert "not activated: worse than the active model" in refused.reason
    assert ScoringLog(demo).active_model()[0] == oracle  # recorded, not activated
    assert demo.repository.get(ScoringModel.id_for()).fits == 3

    forced = fit_scoring_model(demo, by="manager-mia", force=True)
    assert forced.activated and "forced" in forced.reason
    assert ScoringLog(demo).active_model()[0] == forced.model


def test_too_little_data_is_refused_clearly_and_nothing_is_recorded(settings: Settings) -> None:
    cis = build_application(own_store(settings), pool_size=2)
    try:
        load_demo(cis, customers=12, seed=3)
        with pytest.raises(NotEnoughData, match=r"too little data to fit: \d+ labelled "
                                                r"customers .* at least 50"):
            fit_scoring_model(cis, by="manager-mia")
        assert ScoringLog(cis).active_model()[1] is None
    finally:
        cis.close()


def test_cis_score_fit_on_cis_demo_data_reports_its_fit_and_activates_it(
    settings: Settings
) -> None:
    # What the README tells an operator to run, as they would: `cis demo` with its
    # defaults, then `cis score fit`.
    env = {**os.environ, **own_store(settings).as_env()}

    def cis(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "entrypoints.cli", *args], env=env,
                              capture_output=True, text=True, timeout=300, check=False)

    assert cis("demo").returncode == 0
    fitted = cis("score", "fit", "--by", "manager-mia")

    assert fitted.returncode == 0, fitted.stdout + fitted.stderr
    report = fitted.stdout
    assert "model fit-1: " in report and "hold-out AUC" in report, report
    assert "calibration (predicted→observed, by fifths)" in report
    assert "activated: at least as good as the active model on the hold-out" in report


def test_a_fit_learns_from_what_was_known_before_the_outcome_never_from_the_outcome(
    settings: Settings
) -> None:
    meta = EventMeta(actor="sara", correlation_id="leakage")
    model = ModelCode.parse("EV-LEAK")
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    cis = build_application(own_store(settings), pool_size=2)
    try:
        cis.put_model(code=model, name="Leak EV", list_price=Money.chf(50_000), meta=meta)

        def lead(number: int) -> Any:
            customer = cis.register_customer(
                name=PersonName.parse(f"Leak Test {number}"),
                email=Email.parse(f"leak{number}@example.ch"),
                postal_code=PostalCode.parse("8001"), canton=Canton.parse("ZH"),
                language=Language.DE, salesperson="sara", meta=meta).id
            cis.grant_consent(customer, purpose=ConsentPurpose.PROFILING, meta=meta)
            cis.record_vehicle_interest(customer, model=model, meta=meta)
            return customer

        # Signed: a test drive rated 3 before the sale; after it was opened, two showroom
        # visits, a second interest and a drive rated 5, then the contract.
        signed = lead(1)
        drive = cis.book_test_drive(signed, model=model, scheduled_at=soon, meta=meta).id
        cis.complete_test_drive(signed, drive, rating=3, notes=None, meta=meta)
        sale = cis.open_sale(customer_id=signed, model=model, meta=meta).id
        for _ in range(2):
            cis.record_touchpoint(signed, kind=TouchpointKind.SHOWROOM_VISIT,
                                  channel=Channel.SHOWROOM, note=None, meta=meta)
        cis.record_vehicle_interest(signed, model=model, meta=meta)
        again = cis.book_test_drive(signed, model=model, scheduled_at=soon, meta=meta).id
        cis.complete_test_drive(signed, again, rating=5, notes=None, meta=meta)
        cis.quote_sale(sale, price=Money.chf(50_000), discount=Money.chf(0), incentives=None,
                       meta=meta)
        cis.reserve_sale(sale, deposit=Money.chf(2_000), meta=meta)
        cis.sign_contract(sale, final_price=Money.chf(50_000), meta=meta)
        # Lost: the cancelled sale is the outcome, not a sale "lost before".
        lost = lead(2)
        cis.cancel_sale(cis.open_sale(customer_id=lost, model=model, meta=meta).id,
                        reason=next(iter(CancelReason)), meta=meta)

        examples, _ = labelled_examples(cis)
    finally:
        cis.close()

    by_label = {x.label: x.features for x in examples}
    assert sorted(by_label) == [0, 1] and len(examples) == 2
    won = by_label[1]
    assert won["stage"] == won["furthest_stage"] == stage_rank(Stage.TEST_DRIVE)
    assert (won["test_drive_rating"], won["interests"], won["touchpoints_30d_showroom_visit"]) \
        == (3.0, 1.0, 0.0)
    gone = by_label[0]
    assert gone["stage"] == stage_rank(Stage.ENGAGED) and gone["lost_before"] == 0.0
