"""`cis score fit` on generated demo data: it finds the demo's signal, records the model
as an event, refuses a worse one unless forced, and refuses too little data."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

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
from domain.meta import EventMeta
from domain.scoring_model import ScoringModel
from domain.scoring_prior import PRIOR_VERSION
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
