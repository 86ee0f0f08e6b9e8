"""The DSG access report as the DPO gets it from the application: every section, the
sales with their prices, the trail of who looked, an erased customer's redacted report."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import msgspec

from adapters.settings import Settings
from application.dsg_access import AccessReports
from application.services import CustomerIntelligence
from domain.customer_facts import Budget, Channel, ConsentPurpose, TouchpointKind
from domain.meta import EventMeta
from domain.personal import REDACTED
from domain.sale import CancelReason
from domain.values import Canton, CompanyUID, Email, Language, ModelCode, Money, Phone, PostalCode
from domain.vin import VIN
from entrypoints.dsg_report.html import render_html
from entrypoints.dsg_report.wiring import access_reports
from tests.factories import META, registration, soon

DORA = EventMeta(actor="dora", correlation_id="dsg-request-1")
MODEL = ModelCode.parse("EXPORT-EV")
COMPANY = "Muster Elektrotechnik"


def _reports(settings: Settings, app: CustomerIntelligence) -> AccessReports:
    return access_reports(settings, settings.database_url, app)  # type: ignore[arg-type]


def _full_history(app: CustomerIntelligence) -> tuple[Any, Any]:
    app.put_model(code=MODEL, name="Export EV", list_price=Money.chf(50_000), meta=META)
    # A sole proprietorship, named after its owner (OR Art. 945): its name is personal.
    customer = app.register_customer(**registration(
        phone=Phone.parse("044 668 18 00"), street="Bahnhofstrasse 1",
        company_name=COMPANY, company_uid=CompanyUID.parse("CHE-109.322.551"))).id
    app.change_contact(customer, email=Email.parse("anna.neu@example.ch"),
                       phone=Phone.parse("079 123 45 67"), meta=META)
    app.change_address(customer, street="Seestrasse 7", postal_code=PostalCode.parse("3011"),
                       canton=Canton.parse("BE"), meta=META)
    app.change_preferences(customer, language=Language.FR,
                           budget=Budget(Money.chf(40_000), Money.chf(55_000)), meta=META)
    app.record_vehicle_interest(customer, model=MODEL, meta=META)
    app.record_touchpoint(customer, kind=TouchpointKind.CALL, channel=Channel.PHONE,
                          note="Ruft abends an", meta=META)
    drive = app.book_test_drive(customer, model=MODEL, scheduled_at=soon(), meta=META).id
    app.complete_test_drive(customer, drive, rating=4, notes="Mochte die Sitze", meta=META)
    app.grant_consent(customer, purpose=ConsentPurpose.MARKETING, meta=META)
    app.withdraw_consent(customer, purpose=ConsentPurpose.MARKETING, meta=META)
    sale = app.open_sale(customer_id=customer, model=MODEL, meta=META).id
    app.quote_sale(sale, price=Money.chf(48_000), discount=Money.chf(2_000),
                   incentives=None, meta=META)
    app.sign_contract(sale, final_price=Money.chf(47_500), meta=META)
    app.deliver_sale(sale, vin=VIN.parse("WVWZZZ1KZ6W000001"), delivered_on=date.today(),
                     meta=META)
    lost = app.open_sale(customer_id=customer, model=MODEL, meta=META).id
    app.cancel_sale(lost, reason=CancelReason.OTHER, meta=META)
    return customer, sale


def test_the_report_holds_every_section_of_a_full_history(
        settings: Settings, app: CustomerIntelligence) -> None:
    customer, sale = _full_history(app)

    report = _reports(settings, app).export(customer, reason="request of 1 Dec", meta=DORA)
    doc = msgspec.to_builtins(report)

    assert [c["email"] for c in doc["profile_history"]] == ["anna.muster@example.ch",
                                                            "anna.neu@example.ch"]
    assert [a["street"] for a in doc["address_history"]] == ["Bahnhofstrasse 1",
                                                             "Seestrasse 7"]
    assert doc["profile"]["stage"] == "delivered"
    assert (doc["profile"]["company_name"], doc["profile"]["company_uid"]) == (
        COMPANY, "CHE-109.322.551")
    assert doc["preferences_history"][-1]["budget"] == {"minimum": 4_000_000,
                                                        "maximum": 5_500_000}
    assert doc["touchpoints"][0]["note"] == "Ruft abends an"
    assert doc["test_drives"][0]["notes"] == "Mochte die Sitze"
    assert doc["test_drives"][0]["rating"] == 4
    assert [c["change"] for c in doc["consents"]] == ["granted", "withdrawn"]
    delivered = next(s for s in doc["sales"] if s["id"] == str(sale))
    assert (delivered["quoted_price"], delivered["discount"], delivered["final_price"]) == (
        4_800_000, 200_000, 4_750_000)
    assert [s["status"] for s in delivered["history"]] == ["open", "quoted", "contracted",
                                                           "delivered"]
    assert {s["status"] for s in doc["sales"]} == {"delivered", "cancelled"}
    assert doc["accesses"][-1] | {"occurred_at": None} == {
        "occurred_at": None, "actor": "dora", "role": "dpo", "action": "access_export",
        "subject_kind": "customers", "reason": "request of 1 Dec"}
    assert doc["retention"]["purpose"] == "customer_care"
    assert doc["retention"]["held_until"] is not None
    assert doc["erased"] is None


def test_an_erased_customer_gets_a_report_that_says_so_with_redacted_values(
        settings: Settings, app: CustomerIntelligence) -> None:
    customer, _ = _full_history(app)
    app.erase_customer(customer, meta=DORA, reason="erasure request of 30 Nov")

    report = _reports(settings, app).export(customer, reason="access after erasure",
                                            meta=DORA)

    assert report.erased is not None
    assert (report.erased.requested_by, report.erased.reason) == ("dora",
                                                                  "erasure request of 30 Nov")
    assert report.profile.name == report.profile.email == report.profile.company_name == REDACTED
    assert report.profile.company_uid == "CHE-109.322.551"  # register data, not personal
    assert {c.email for c in report.profile_history} == {REDACTED}
    assert report.touchpoints[0].note == REDACTED
    assert report.test_drives[0].notes == REDACTED
    assert report.sales[0].final_price == 4_750_000  # amounts are no personal data
    body = msgspec.json.encode(report)
    for personal in (b"Anna Muster", b"anna.neu@example.ch", b"Seestrasse", b"Ruft abends",
                     COMPANY.encode()):
        assert personal not in body
    assert [a.action for a in report.accesses][-2:] == ["erasure", "access_export"]
    for language in Language:  # and the document to hand over says so, in every language
        html = render_html(report, language)
        assert 'id="erased"' in html and "erasure request of 30 Nov" in html
        assert "Anna Muster" not in html and COMPANY not in html


def test_an_unknown_customer_is_not_found_and_leaves_no_trail(
        settings: Settings, app: CustomerIntelligence) -> None:
    import uuid

    import pytest

    from application.errors import NotFound

    unknown = uuid.uuid4()
    with pytest.raises(NotFound):
        _reports(settings, app).export(unknown, reason="typo", meta=DORA)
    assert app.accesses(unknown)[0] == []


async def test_the_report_explains_the_stored_score_with_the_active_models_logic(
        settings: Settings, app: CustomerIntelligence) -> None:
    import asyncio

    from psycopg_pool import AsyncConnectionPool

    from adapters.postgres.scores import ScoreStore, ScoreUpdate
    from application.scoring import ScoringLog
    from domain.lead_features import FEATURES

    customer = app.register_customer(**registration()).id
    app.grant_consent(customer, purpose=ConsentPurpose.PROFILING, meta=META)
    app.record_touchpoint(customer, kind=TouchpointKind.CALL, channel=Channel.PHONE,
                          note=None, meta=META)
    log = ScoringLog(app)
    assert settings.database_url is not None
    async with AsyncConnectionPool(settings.database_url, min_size=1, max_size=1) as pool:
        store = ScoreStore(pool)
        # Two scores, as the scoring consumer stores them after each event.
        for position in (app.recorder.max_notification_id() - 1,
                         app.recorder.max_notification_id()):
            at = await asyncio.to_thread(log.score_at, customer, position)
            assert at is not None and at.score is not None
            await store.save_once("scoring", uuid.uuid4(), [ScoreUpdate(
                customer, at.position, at.moment, at.salesperson, at.score)])

    report = _reports(settings, app).export(customer, reason="request 3", meta=META)

    score = report.score
    assert score.score == at.score.score and score.model_version == at.score.model_version
    assert score.base is not None
    logit = score.base + sum(c.contribution for c in score.contributions)
    assert abs(logit - at.score.logit) < 1e-6  # the explanation adds up to the logit
    assert len(score.history) == 2
    assert [f.name for f in score.logic.features] == [f.name for f in FEATURES]
    html = render_html(report, Language.DE)
    assert "Probefahrt gemacht" in html and "Beitrag (Log-Odds)" in html


async def test_each_score_is_explained_by_the_model_that_made_it(settings: Settings) -> None:
    """A score stored under one model and listed after another was activated: the report
    gives the logic of both, the active one and the one behind the stored scores."""
    import asyncio
    from datetime import UTC, datetime

    from psycopg_pool import AsyncConnectionPool

    from adapters.postgres.scores import ScoreStore, ScoreUpdate
    from application.scoring import ScoringLog
    from domain.lead_model import LeadModel
    from domain.scoring_model import ScoringModel
    from domain.scoring_prior import PRIOR
    from entrypoints.bootstrap import build_application
    from tests.databases import own_store

    own = await asyncio.to_thread(own_store, settings)
    app = build_application(own, pool_size=1)
    try:
        customer = app.register_customer(**registration()).id
        app.grant_consent(customer, purpose=ConsentPurpose.PROFILING, meta=META)
        at = await asyncio.to_thread(ScoringLog(app).score_at, customer,
                                     app.recorder.max_notification_id())
        assert at is not None and at.score is not None
        assert at.score.model_version == PRIOR.version
        assert own.database_url is not None
        async with AsyncConnectionPool(own.database_url, min_size=1, max_size=1) as pool:
            await ScoreStore(pool).save_once("scoring", uuid.uuid4(), [ScoreUpdate(
                customer, at.position, at.moment, at.salesperson, at.score)])
        line = ScoringModel.start(meta=META)
        now = datetime.now(UTC)
        line.record_fit(model=LeadModel("fit-later", PRIOR.intercept - 1, dict(PRIOR.weights),
                                        dict(PRIOR.means)),
                        metrics={}, window_from=now, window_to=now, activated=True,
                        forced=False, meta=META)
        app.save(line)

        score = _reports(own, app).export(customer, reason="request 4", meta=META).score
        assert score.model_version == PRIOR.version
        assert score.logic.version == "fit-later"
        assert [(m.version, m.prior) for m in score.earlier_models] == [(PRIOR.version, True)]
        assert score.earlier_models[0].base == PRIOR.base
        html = render_html(_reports(own, app).export(customer, reason="request 5", meta=META),
                           Language.EN)
        assert f"Earlier model that computed earlier scores: {PRIOR.version}" in html
    finally:
        app.close()
