"""The audit endpoints: roles, masking, filters refused with 400, and a record of every read."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest

from application.services import CustomerIntelligence
from domain.values import ModelCode, Money, Phone
from entrypoints.http.auth import Role
from tests.factories import META, registration

READERS = [Role.AUDITOR, Role.DPO, Role.ADMIN]
OTHERS = [Role.SALESPERSON, Role.SALES_MANAGER]


def _customer(app: CustomerIntelligence) -> str:
    return str(app.register_customer(**registration(phone=Phone.parse("044 668 18 00"))).id)


def _paths(customer: str) -> list[str]:
    return [f"/api/v1/audit/customers/{customer}/events?reason=check",
            f"/api/v1/audit/customers/{customer}/state?version=1&reason=check",
            f"/api/v1/audit/access?subject={customer}"]


@pytest.mark.parametrize("role", READERS)
async def test_auditor_dpo_and_admin_read(query_api: Any, bearer: Any, app: CustomerIntelligence,
                                          role: Role) -> None:
    customer = _customer(app)
    for path in _paths(customer):
        response = await query_api.get(path, headers=bearer(role))
        assert response.status_code == 200, (path, response.text)


@pytest.mark.parametrize("role", OTHERS)
async def test_other_roles_are_refused(query_api: Any, bearer: Any, app: CustomerIntelligence,
                                       role: Role) -> None:
    customer = _customer(app)
    for path in _paths(customer):
        response = await query_api.get(path, headers=bearer(role))
        assert response.status_code == 403, (path, response.text)
    assert app.accesses(UUID(customer))[0] == []  # a refused read is no look


async def test_personal_fields_masked_for_auditor_and_admin_shown_to_dpo(
        query_api: Any, bearer: Any, app: CustomerIntelligence) -> None:
    customer = _customer(app)
    path = f"/api/v1/audit/customers/{customer}/events?reason=DSG%20request"
    names = {}
    for role in READERS:
        first = (await query_api.get(path, headers=bearer(role))).json()["items"][0]
        names[role] = (first["data"]["name"], first["data"]["phone"], first["data"]["canton"])
    assert names == {Role.AUDITOR: ("[masked]", "[masked]", "ZH"),
                     Role.ADMIN: ("[masked]", "[masked]", "ZH"),
                     Role.DPO: ("Anna Muster", "+41446681800", "ZH")}
    state = (await query_api.get(f"/api/v1/audit/customers/{customer}/state?version=1",
                                 headers=bearer(Role.AUDITOR))).json()
    assert state["version"] == 1 and state["state"]["email"] == "[masked]"


async def test_every_read_leaves_an_access_event_with_caller_and_reason(
        query_api: Any, bearer: Any, app: CustomerIntelligence) -> None:
    customer = _customer(app)
    await query_api.get(f"/api/v1/audit/customers/{customer}/events",
                        headers=bearer(Role.AUDITOR, "erika"))
    await query_api.get(f"/api/v1/audit/customers/{customer}/state?version=1&reason=DSG%2012",
                        headers=bearer(Role.DPO, "dora"))

    answer = (await query_api.get(f"/api/v1/audit/access?subject={customer}",
                                  headers=bearer(Role.ADMIN))).json()
    assert [(a["actor"], a["role"], a["action"], a["reason"]) for a in answer["items"]] == [
        ("erika", "auditor", "history", None), ("dora", "dpo", "state", "DSG 12")]
    assert all(a["correlation_id"] for a in answer["items"])


@pytest.mark.parametrize("query", [
    "state", "state?version=1&as_of=2026-01-01T00:00:00Z", "state?version=0",
    "state?as_of=yesterday", "state?as_of=2026-01-01T00:00:00",
    "events?type=Nonsense", "events?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
    "events?limit=0", "events?after_version=-1",
])
async def test_bad_parameters_are_400(query_api: Any, bearer: Any, app: CustomerIntelligence,
                                      query: str) -> None:
    customer = _customer(app)
    response = await query_api.get(f"/api/v1/audit/customers/{customer}/{query}",
                                   headers=bearer(Role.AUDITOR))
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_dpo_needs_a_reason(query_api: Any, bearer: Any, app: CustomerIntelligence) -> None:
    customer = _customer(app)
    for path in (f"/api/v1/audit/customers/{customer}/events",
                 f"/api/v1/audit/customers/{customer}/state?version=1"):
        response = await query_api.get(path, headers=bearer(Role.DPO))
        assert response.status_code == 400 and "reason" in response.text


async def test_unknown_ids_and_versions_are_404(query_api: Any, bearer: Any,
                                                app: CustomerIntelligence) -> None:
    customer = _customer(app)
    for path in (f"/api/v1/audit/customers/{uuid4()}/events",
                 f"/api/v1/audit/sales/{customer}/events",
                 f"/api/v1/audit/invoices/{customer}/events",
                 f"/api/v1/audit/customers/{customer}/state?version=9",
                 f"/api/v1/audit/customers/{customer}/state?as_of=2000-01-01T00:00:00Z"):
        response = await query_api.get(path, headers=bearer(Role.AUDITOR))
        assert response.status_code == 404, (path, response.text)


async def test_an_erasure_over_http_needs_a_reason_and_leaves_it_on_the_access_trail(
        command_api: Any, query_api: Any, bearer: Any, app: CustomerIntelligence) -> None:
    customer = _customer(app)
    erase = f"/api/v1/dsg/customers/{customer}/erasure"

    for body in ({}, {"reason": ""}):
        without = await command_api.post(erase, json=body, headers=bearer(Role.DPO, "dora"))
        assert without.status_code == 400, without.text
    assert not app.get_customer(UUID(customer)).erased

    erased = await command_api.post(erase, json={"reason": "request of 30.11."},
                                    headers=bearer(Role.DPO, "dora"))
    assert erased.status_code == 200, erased.text
    answer = (await query_api.get(f"/api/v1/audit/access?subject={customer}",
                                  headers=bearer(Role.AUDITOR))).json()
    assert [(a["actor"], a["role"], a["action"], a["reason"]) for a in answer["items"]] == [
        ("dora", "dpo", "erasure", "request of 30.11.")]


@pytest.mark.parametrize("kind", ["customers", "sales"])
async def test_a_reason_quoting_the_customer_is_refused_and_not_recorded(
        query_api: Any, bearer: Any, app: CustomerIntelligence, kind: str) -> None:
    """The reason stays on the access trail in clear, where no erasure reaches it."""
    customer = UUID(_customer(app))
    subject = customer
    if kind == "sales":
        code = ModelCode.parse(f"EV-A{uuid4().hex[:6].upper()}")
        app.put_model(code=code, name="Audit EV", list_price=Money.chf(40_000), meta=META)
        subject = app.open_sale(customer_id=customer, model=code, meta=META).id
    for role in (Role.DPO, Role.AUDITOR):
        response = await query_api.get(
            f"/api/v1/audit/{kind}/{subject}/events?reason=call%20from%20Anna%20Muster",
            headers=bearer(role))
        assert response.status_code in (400, 422), response.text
        assert "quotes the customer's name" in response.text
    trail = (await query_api.get(f"/api/v1/audit/access?subject={subject}",
                                 headers=bearer(Role.ADMIN))).json()
    assert trail["items"] == []
