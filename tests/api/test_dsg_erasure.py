"""`POST /api/v1/dsg/customers/{id}/erasure`: who may, what it answers, and repeating it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from redis import Redis

from adapters.settings import Settings
from application.services import CustomerIntelligence
from domain.values import CompanyUID, ModelCode, Money, Phone
from entrypoints.http.auth import Role
from tests.factories import META, registration

WHY = {"reason": "request of 2026-11-30, art. 32 DSG"}


def _erase(customer: UUID | str) -> str:
    return f"/api/v1/dsg/customers/{customer}/erasure"


def _customer(app: CustomerIntelligence, *, contract: bool = False) -> UUID:
    customer = app.register_customer(**registration(street="Bahnhofstrasse 1")).id
    if contract:
        code = ModelCode.parse(f"EV-E{uuid4().hex[:6].upper()}")
        app.put_model(code=code, name="Erasure EV", list_price=Money.chf(40_000), meta=META)
        sale = app.open_sale(customer_id=customer, model=code, meta=META)
        app.quote_sale(sale.id, price=Money.chf(40_000), discount=Money.zero(),
                       incentives=Money.zero(), meta=META)
        app.sign_contract(sale.id, final_price=Money.chf(39_000), meta=META)
    return customer


def _execute(settings: Settings, sql: str, *params: Any) -> Any:
    assert settings.database_url
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else cursor.rowcount


@pytest.mark.parametrize("role", [Role.SALESPERSON, Role.SALES_MANAGER, Role.AUDITOR,
                                  Role.ADMIN])
async def test_only_the_dpo_erases(command_api: Any, bearer: Any, app: CustomerIntelligence,
                                   role: Role) -> None:
    customer = _customer(app)
    refused = await command_api.post(_erase(customer), json=WHY, headers=bearer(role))
    assert refused.status_code == 403, refused.text
    assert not app.get_customer(customer).erased
    assert app.accesses(customer)[0] == []


async def test_the_answer_says_what_each_store_lost_and_a_repeat_answers_the_same(
        command_api: Any, bearer: Any, app: CustomerIntelligence, settings: Settings) -> None:
    customer = _customer(app)
    _execute(settings, "INSERT INTO read.lead_scores (customer_id, score, probability, "
             "contributions, position) VALUES (%s, 25, 0.25, '{}', 1)", customer)
    _execute(settings, "INSERT INTO read.lead_score_history (customer_id, position, score, "
             "probability, base, logit, contributions, model_version, moment) "
             "VALUES (%s, 1, 25, 0.25, -1.1, -1.1, '[]', 'prior', now())", customer)
    redis = Redis.from_url(settings.redis_url or "")
    redis.set(f"test|profile|{customer}", b"cached")

    first = await command_api.post(_erase(customer), json=WHY, headers=bearer(Role.DPO, "dora"))

    assert first.status_code == 200, first.text
    answer = first.json()
    assert answer["already_erased"] is False and answer["data_key"] == "destroyed"
    assert answer["hold"] is None
    assert answer["consumers"] == [{"consumer": "scoring",
                                    "table": "read.lead_scores, read.lead_score_history",
                                    "rows_deleted": 2, "note": answer["consumers"][0]["note"]}]
    assert answer["cache"]["entries_evicted"] == 1 and not redis.exists(f"test|profile|{customer}")
    assert answer["notifications"]["bodies_deleted"] == 0
    assert answer["notifications"]["pending_cancelled"] == 0  # no mail was due
    assert "no bodies are stored" in answer["notifications"]["note"]
    assert {m["read_model"] for m in answer["read_models"]} == {"customers", "journeys",
                                                                "dashboards"}
    for table in ("read.lead_scores", "read.lead_score_history"):
        assert _execute(settings, f"SELECT count(*) FROM {table} WHERE customer_id = %s",
                        customer) == [(0,)]
    version = app.get_customer(customer).version

    again = await command_api.post(_erase(customer), json={"reason": "asked twice"},
                                   headers=bearer(Role.DPO, "dora"))

    assert again.status_code == 200, again.text
    repeated = again.json()
    assert repeated["already_erased"] is True
    for same in ("position", "erased_at", "data_key", "hold", "consumers", "cache"):
        assert repeated[same] == answer[same], same
    assert app.get_customer(customer).version == version  # nothing new written
    trail = app.accesses(customer)[0]
    assert [(a.actor, a.role, a.action, a.reason) for a in trail] == [
        ("dora", "dpo", "erasure", WHY["reason"])]


async def test_a_buyer_is_erased_keeping_the_books_fields_and_the_answer_says_until_when(
        command_api: Any, bearer: Any, app: CustomerIntelligence) -> None:
    customer = _customer(app, contract=True)

    answer = await command_api.post(_erase(customer), json=WHY, headers=bearer(Role.DPO))

    assert answer.status_code == 200, answer.text
    hold = answer.json()["hold"]
    assert hold["legal_basis"] == "OR Art. 958f"
    assert hold["held_until"].endswith("-12-31")
    assert {"name", "street", "postal_code", "canton"} <= set(hold["fields"])
    erased = app.get_customer(customer)
    assert str(erased.name.value) == "Anna Muster" and erased.email.value is None


@pytest.mark.parametrize(("body", "status"), [
    ({}, 400), ({"reason": ""}, 400), ({"reason": "x" * 501}, 400),
    ({"reason": "ok", "extra": 1}, 400), ({"reason": "   "}, 422),
    ({"reason": "line\nbreak"}, 422)])
async def test_an_erasure_without_a_proper_reason_is_refused_and_erases_nothing(
        command_api: Any, bearer: Any, app: CustomerIntelligence, body: dict[str, Any],
        status: int) -> None:
    customer = _customer(app)
    refused = await command_api.post(_erase(customer), json=body, headers=bearer(Role.DPO))
    assert refused.status_code == status, refused.text
    assert refused.json()["errors"][0]["field"] == "reason" or status == 400
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert not app.get_customer(customer).erased


@pytest.mark.parametrize("reason", [
    "request of Anna Muster, 2026-11-30", "asked by ANNA MÜSTER", "anna.muster@example.ch wrote",
    "called from 079 123 45 67", "letter to Bahnhofstrasse 1",
    "invoice of Zbinden Elektro Sanitär"])  # a sole proprietorship's name is its owner's
async def test_a_reason_quoting_the_customer_is_refused_as_it_outlives_the_erasure(
        command_api: Any, bearer: Any, app: CustomerIntelligence, reason: str) -> None:
    """The reason is kept in clear on the access trail and with the answer, after the
    erasure too: it may not name the person it erases."""
    customer = app.register_customer(**registration(
        street="Bahnhofstrasse 1", phone=Phone.parse("+41 79 123 45 67"),
        company_name="Zbinden Elektro Sanitär", company_uid=CompanyUID.parse("CHE-109.322.551"))).id
    refused = await command_api.post(_erase(customer), json={"reason": reason},
                                     headers=bearer(Role.DPO))
    assert refused.status_code == 422, refused.text
    error = refused.json()["errors"][0]
    assert error["field"] == "reason" and "case number" in error["message"]
    assert not app.get_customer(customer).erased and app.accesses(customer)[0] == []
    fine = await command_api.post(_erase(customer), json={"reason": "case 2026-117, art. 32"},
                                  headers=bearer(Role.DPO))
    assert fine.status_code == 200, fine.text


@pytest.mark.parametrize("body", [None, b"", b"null"])
async def test_an_erasure_without_a_body_says_the_reason_is_required(
        command_api: Any, bearer: Any, app: CustomerIntelligence, body: bytes | None) -> None:
    customer = _customer(app)
    sent = {} if body is None else {"content": body, "headers": {
        **bearer(Role.DPO), "Content-Type": "application/json"}}
    refused = await command_api.post(_erase(customer), **({"headers": bearer(Role.DPO)}
                                                          | sent))
    assert refused.status_code == 400, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    error = refused.json()["errors"][0]
    assert error["field"] == "reason" and '{"reason": "..."}' in error["message"]
    assert not app.get_customer(customer).erased


async def test_an_unknown_customer_is_404(command_api: Any, bearer: Any) -> None:
    response = await command_api.post(_erase(uuid4()), json=WHY, headers=bearer(Role.DPO))
    assert response.status_code == 404, response.text


async def test_the_profile_of_a_buyer_under_hold_shows_no_held_field_but_says_until_when(
        command_api: Any, query_api: Any, bearer: Any, app: CustomerIntelligence) -> None:
    """The profile serves sales, which has ended: it shows no held field, but says that
    the books keep them, why and until when (the DPO reads them in the export)."""
    buyer, lead = _customer(app, contract=True), _customer(app)
    answers = [await command_api.post(_erase(c), json=WHY, headers=bearer(Role.DPO))
               for c in (buyer, lead)]
    assert [a.status_code for a in answers] == [200, 200]
    hold = answers[0].json()["hold"]
    manager = bearer(Role.SALES_MANAGER)
    position = max(a.json()["position"] for a in answers)

    held, erased = [(await query_api.get(f"/api/v1/customers/{c}", headers=manager,
                                         params={"min_position": position})).json()
                    for c in (buyer, lead)]

    assert (held["erased"], held["name"], held["email"]) == (True, None, None)
    assert held["legal_hold"] == {"held_until": hold["held_until"],
                                  "legal_basis": "OR Art. 958f", "fields": hold["fields"]}
    assert erased["erased"] is True and erased["legal_hold"] is None
    found = (await query_api.get("/api/v1/customers", headers=manager,
                                 params={"limit": 200})).json()["items"]
    assert [c["legal_hold"] for c in found if c["id"] == str(buyer)] == [held["legal_hold"]]

    ended = app.end_legal_hold(buyer, today=date.fromisoformat(hold["held_until"])
                               + timedelta(days=1), meta=META, reason="hold ran out")
    after = (await query_api.get(f"/api/v1/customers/{buyer}", headers=manager,
                                 params={"min_position": ended.position})).json()
    assert after["erased"] is True and after["legal_hold"] is None
