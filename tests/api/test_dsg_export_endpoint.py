"""GET /api/v1/dsg/customers/{id}/export: the access report for the DPO only, as JSON or
as an HTML document in the customer's language, each export on the access trail."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from application.services import CustomerIntelligence
from domain.customer_facts import Channel, TouchpointKind
from domain.values import Language
from entrypoints.http.auth import Role
from tests.factories import META, registration

HEADINGS = {  # (the document's title, the heading of the touchpoints)
    "de": ("Auskunft über Ihre Personendaten", "Kontakte mit Ihnen"),
    "fr": ("Renseignements sur vos données personnelles", "Contacts avec vous"),
    "it": ("Informazioni sui Suoi dati personali", "Contatti con Lei"),
    "rm": ("Infurmaziun davart Vossas datas persunalas", "Contacts cun Vus"),
    "en": ("Information about your personal data", "Contacts with you"),
}
NOTE = "<script>alert('x')</script> & <b>bold</b>"


def _url(customer: uuid.UUID) -> str:
    return f"/api/v1/dsg/customers/{customer}/export"


def _customer(app: CustomerIntelligence, language: str = "de") -> uuid.UUID:
    customer = app.register_customer(**registration(language=Language(language))).id
    app.record_touchpoint(customer, kind=TouchpointKind.CALL, channel=Channel.PHONE,
                          note=NOTE, meta=META)
    return customer


async def test_the_dpo_gets_the_json_report_and_the_export_is_on_the_trail(
        query_api: Any, bearer: Any, app: CustomerIntelligence) -> None:
    customer = _customer(app)

    answer = await query_api.get(_url(customer), params={"reason": "request of 1 Dec"},
                                 headers=bearer(Role.DPO, "dora"))

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    doc = answer.json()
    assert doc["customer_id"] == str(customer)
    assert doc["profile"]["name"] == "Anna Muster"
    assert doc["touchpoints"][0]["note"] == NOTE
    assert doc["accesses"][-1]["actor"] == "dora"
    trail = [(a.actor, a.role, a.action, a.reason) for a in app.accesses(customer)[0]]
    assert trail == [("dora", "dpo", "access_export", "request of 1 Dec")]


@pytest.mark.parametrize("language", list(HEADINGS))
async def test_the_html_is_in_the_customers_language_and_escapes_notes(
        query_api: Any, bearer: Any, app: CustomerIntelligence, language: str) -> None:
    customer = _customer(app, language)

    answer = await query_api.get(_url(customer), params={"reason": "r", "format": "html"},
                                 headers=bearer(Role.DPO, "dora"))

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in answer.headers["content-security-policy"]
    html = answer.text
    assert f'<html lang="{language}">' in html
    title, touchpoints = HEADINGS[language]
    assert f"<h1>{title}</h1>" in html
    assert touchpoints in html
    assert "<script>" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "http://" not in html and "https://" not in html  # nothing to load from outside


async def test_lang_overrides_and_accept_negotiates(
        query_api: Any, bearer: Any, app: CustomerIntelligence) -> None:
    customer = _customer(app, "de")
    dpo = bearer(Role.DPO, "dora")

    romansh = await query_api.get(_url(customer), params={"reason": "r", "lang": "rm",
                                                          "format": "html"}, headers=dpo)
    browser = await query_api.get(_url(customer), params={"reason": "r"}, headers={
        **dpo, "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    anything = await query_api.get(_url(customer), params={"reason": "r"},
                                   headers={**dpo, "Accept": "*/*"})

    assert '<html lang="rm">' in romansh.text
    assert browser.headers["content-type"].startswith("text/html")
    assert '<html lang="de">' in browser.text
    assert anything.headers["content-type"] == "application/json"


@pytest.mark.parametrize("role", [Role.SALESPERSON, Role.SALES_MANAGER, Role.AUDITOR,
                                  Role.ADMIN])
async def test_other_roles_are_refused_and_leave_no_trail(
        query_api: Any, bearer: Any, app: CustomerIntelligence, role: Role) -> None:
    customer = _customer(app)

    answer = await query_api.get(_url(customer), params={"reason": "curious"},
                                 headers=bearer(role, "sam"))

    assert answer.status_code == 403
    assert answer.headers["content-type"] == "application/problem+json"
    assert app.accesses(customer)[0] == []


@pytest.mark.parametrize(("params", "named"), [
    ({}, "reason"),
    ({"reason": "  "}, "reason"),
    ({"reason": "r", "format": "pdf"}, "format"),
    ({"reason": "r", "lang": "es"}, "lang"),
])
async def test_bad_parameters_are_a_400_naming_them(
        query_api: Any, bearer: Any, app: CustomerIntelligence, params: dict[str, str],
        named: str) -> None:
    customer = _customer(app)

    answer = await query_api.get(_url(customer), params=params,
                                 headers=bearer(Role.DPO, "dora"))

    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert named in answer.json()["detail"]
    assert app.accesses(customer)[0] == []


async def test_an_unknown_customer_is_a_404(query_api: Any, bearer: Any) -> None:
    answer = await query_api.get(_url(uuid.uuid4()), params={"reason": "r"},
                                 headers=bearer(Role.DPO, "dora"))

    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"


async def test_without_a_token_it_is_401(query_api: Any) -> None:
    assert (await query_api.get(_url(uuid.uuid4()))).status_code == 401


async def test_a_reason_quoting_the_customer_is_refused_as_it_outlives_an_erasure(
        query_api: Any, bearer: Any, app: CustomerIntelligence) -> None:
    customer = _customer(app)

    answer = await query_api.get(_url(customer), params={"reason": "Anna Muster asked"},
                                 headers=bearer(Role.DPO, "dora"))

    assert answer.status_code == 422, answer.text
    error = answer.json()["errors"][0]
    assert error["field"] == "reason" and "case number" in error["message"]
    assert app.accesses(customer)[0] == []
