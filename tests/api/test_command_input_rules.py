"""What the command API refuses before anything is written: control characters in any
free text (422), numbers and booleans sent as strings (400), unknown models (404) and
test drives and deliveries outside their windows (422)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from entrypoints.http.auth import Role

ALICE = "alice-rules"  # the salesperson owning the world's customer
JSON = {"content-type": "application/json"}


@dataclass
class World:
    """A private customer of ALICE with a booked test drive and an open sale."""

    customer: str
    drive: str
    sale: str
    model: str


def _in(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


@pytest.fixture
async def world(command_api: Any, bearer: Any) -> World:
    alice = bearer(Role.SALESPERSON, ALICE)
    model = f"EV-{uuid4().hex[:6].upper()}"
    listed = await command_api.put(f"/api/v1/catalog/models/{model}", headers=bearer(Role.ADMIN),
                                   json={"name": "Rule EV", "list_price": 5_000_000})
    assert listed.status_code == 201, listed.text
    customer = (await command_api.post("/api/v1/customers", headers=alice, json={
        "name": "Ruth Graf", "email": "ruth@example.ch", "postal_code": "9000",
        "canton": "SG"})).json()["id"]
    drive = (await command_api.post(f"/api/v1/customers/{customer}/test-drives", headers=alice,
                                    json={"model": model, "scheduled_at": _in(3)})).json()["id"]
    sale = (await command_api.post("/api/v1/sales", headers=alice,
                                   json={"customer_id": customer, "model": model})).json()["id"]
    return World(customer, drive, sale, model)


REGISTER = {"name": "Anna Muster", "email": "anna@example.ch", "postal_code": "8001",
            "canton": "ZH"}
BUSINESS = {**REGISTER, "company_name": "Muster AG", "company_uid": "CHE-109.322.551",
            "company_contact": "Max Muster"}

Case = tuple[str, Callable[[World], str], dict[str, Any], str]
# (method, path, a body valid but for `field`'s text, the free-text field)
TEXT_FIELDS: list[Case] = [
    ("post", lambda w: "/customers", REGISTER, "name"),
    ("post", lambda w: "/customers", {**REGISTER, "street": "Bahnhofstrasse 1"}, "street"),
    ("post", lambda w: "/customers", {**REGISTER, "salesperson": "mia"}, "salesperson"),
    ("post", lambda w: "/customers", BUSINESS, "company_name"),
    ("post", lambda w: "/customers", BUSINESS, "company_contact"),
    ("post", lambda w: f"/customers/{w.customer}/address",
     {"postal_code": "9000", "canton": "SG", "street": "Marktgasse 1"}, "street"),
    ("post", lambda w: f"/customers/{w.customer}/touchpoints",
     {"kind": "call", "channel": "phone", "note": "asked for a brochure"}, "note"),
    ("post", lambda w: f"/customers/{w.customer}/test-drives/{w.drive}/complete",
     {"rating": 4, "notes": "smooth ride"}, "notes"),
    ("post", lambda w: f"/customers/{w.customer}/assignment", {"salesperson": "otto"},
     "salesperson"),
    ("post", lambda w: "/sales", {"customer_id": "{customer}", "model": "{model}",
                                  "salesperson": "otto"}, "salesperson"),
    ("put", lambda w: f"/catalog/models/{w.model}", {"name": "Rule EV", "list_price": 5_000_000},
     "name"),
    ("put", lambda w: "/incentives/SG", {"amount": 0, "description": "none"}, "description"),
]
TEXT_IDS = [f"{case[0]}-{case[1](World('c', 't', 's', 'm')).split('/')[-1]}-{case[3]}"
            for case in TEXT_FIELDS]
# NUL (Postgres text cannot hold it), an escape (ANSI sequences), DEL, a C1 control,
# a line separator; and a lone surrogate, which no UTF-8 store can hold.
BAD_CHARACTERS = ["\u0000", "\u001b", "\u007f", "\u0085", "\u2028", "\ud800"]


@pytest.mark.parametrize("case", TEXT_FIELDS, ids=TEXT_IDS)
@pytest.mark.parametrize("bad", BAD_CHARACTERS, ids=lambda ch: f"U+{ord(ch):04X}")
async def test_control_characters_in_free_text_are_refused_naming_the_field(
    command_api: Any, bearer: Any, world: World, case: Case, bad: str
) -> None:
    method, path, template, field = case
    body = {key: value.format(customer=world.customer, model=world.model)
            if isinstance(value, str) else value for key, value in template.items()}
    text = str(body[field])
    refused = await command_api.request(
        method, "/api/v1" + path(world),
        headers={**bearer(Role.ADMIN, f"admin-{uuid4().hex[:6]}"), **JSON},
        content=json.dumps({**body, field: text[:2] + bad + text[2:]}).encode())  # \u escapes
    if bad == "\ud800":  # not even decodable as JSON text: a malformed body
        assert refused.status_code == 400, refused.text
        return
    assert refused.status_code == 422, refused.text
    assert field in [error["field"] for error in refused.json()["errors"]], refused.text


async def test_a_nul_in_the_assigned_salesperson_is_refused_and_nothing_is_written(
    command_api: Any, bearer: Any, world: World
) -> None:
    # The reproduction of issue 9: this answered 200 and stopped every projector.
    manager = bearer(Role.SALES_MANAGER, "mia-rules")
    url = f"/api/v1/customers/{world.customer}/assignment"
    refused = await command_api.post(url, json={"salesperson": "evil\u0000sp"}, headers=manager)
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": "salesperson",
                                         "message": "must not contain control characters"}]
    # Nothing was written: the next assignment is the customer's third event.
    again = await command_api.post(url, json={"salesperson": "bert-rules"}, headers=manager)
    assert again.status_code == 200 and again.json()["version"] == 3  # registered, booked


async def test_notes_may_span_lines(command_api: Any, bearer: Any, world: World) -> None:
    noted = await command_api.post(
        f"/api/v1/customers/{world.customer}/touchpoints",
        headers=bearer(Role.SALESPERSON, ALICE),
        json={"kind": "call", "channel": "phone", "note": "called back\r\n\t- wants a tow bar"})
    assert noted.status_code == 200, noted.text


Strict = tuple[str, Callable[[World], str], dict[str, Any], str]
# (method, path, a body with a number or boolean sent as a string, the field)
AS_STRINGS: list[Strict] = [
    ("post", lambda w: f"/sales/{w.sale}/quote", {"price": "4900000"}, "price"),
    ("post", lambda w: f"/sales/{w.sale}/quote", {"price": 4_900_000, "discount": "0"},
     "discount"),
    ("post", lambda w: f"/sales/{w.sale}/quote", {"price": 4_900_000.0}, "price"),
    ("post", lambda w: f"/sales/{w.sale}/quote", {"price": 4_900_000, "incentives": "0"},
     "incentives"),
    ("post", lambda w: f"/sales/{w.sale}/reserve", {"deposit": "100"}, "deposit"),
    ("post", lambda w: f"/sales/{w.sale}/contract", {"final_price": "100"}, "final_price"),
    ("post", lambda w: f"/customers/{w.customer}/preferences",
     {"language": "de", "budget_min": "100"}, "budget_min"),
    ("post", lambda w: f"/customers/{w.customer}/preferences",
     {"language": "de", "budget_max": "100"}, "budget_max"),
    ("post", lambda w: f"/customers/{w.customer}/test-drives/{w.drive}/complete",
     {"rating": "4"}, "rating"),
    ("post", lambda w: f"/customers/{w.customer}/consents",
     {"purpose": "marketing", "granted": "true"}, "granted"),
    ("put", lambda w: f"/catalog/models/{w.model}", {"name": "Rule EV", "list_price": "100"},
     "list_price"),
    ("put", lambda w: "/incentives/SG", {"amount": "100", "description": "x"}, "amount"),
]


@pytest.mark.parametrize("case", AS_STRINGS,
                         ids=[f"{case[0]}-{case[3]}-{type(case[2][case[3]]).__name__}"
                              for case in AS_STRINGS])
async def test_numbers_and_booleans_sent_as_strings_are_400_naming_the_field(
    command_api: Any, bearer: Any, world: World, case: Strict
) -> None:
    method, path, body, field = case
    refused = await command_api.request(method, "/api/v1" + path(world), json=body,
                                        headers=bearer(Role.ADMIN, f"admin-{uuid4().hex[:6]}"))
    assert refused.status_code == 400, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [error["field"] for error in refused.json()["errors"]] == [field]


async def test_unknown_models_are_404_for_interests_and_test_drives(
    command_api: Any, bearer: Any, world: World
) -> None:
    alice = bearer(Role.SALESPERSON, ALICE)
    interest = await command_api.post(f"/api/v1/customers/{world.customer}/interests",
                                      json={"model": "NOPE"}, headers=alice)
    drive = await command_api.post(f"/api/v1/customers/{world.customer}/test-drives",
                                   json={"model": "NOPE", "scheduled_at": _in(3)}, headers=alice)
    assert (interest.status_code, drive.status_code) == (404, 404), (interest.text, drive.text)
    known = await command_api.post(f"/api/v1/customers/{world.customer}/interests",
                                   json={"model": world.model}, headers=alice)
    assert known.status_code == 200, known.text


@pytest.mark.parametrize("scheduled_at", [
    "0001-01-01T10:00:00+00:00", "9999-12-31T10:00:00+00:00", _in(-31), _in(731)],
    ids=["year-1", "year-9999", "31-days-ago", "731-days-ahead"])
async def test_test_drives_outside_the_booking_window_are_422(
    command_api: Any, bearer: Any, world: World, scheduled_at: str
) -> None:
    refused = await command_api.post(f"/api/v1/customers/{world.customer}/test-drives",
                                     json={"model": world.model, "scheduled_at": scheduled_at},
                                     headers=bearer(Role.SALESPERSON, ALICE))
    assert refused.status_code == 422, refused.text
    assert [error["field"] for error in refused.json()["errors"]] == ["scheduled_at"]


@pytest.mark.parametrize("days", [-29, 729])
async def test_test_drives_inside_the_booking_window_are_booked(
    command_api: Any, bearer: Any, world: World, days: int
) -> None:
    booked = await command_api.post(f"/api/v1/customers/{world.customer}/test-drives",
                                    json={"model": world.model, "scheduled_at": _in(days)},
                                    headers=bearer(Role.SALESPERSON, ALICE))
    assert booked.status_code == 201, booked.text


@pytest.mark.parametrize("delivered_on", ["0001-01-01", "9999-12-31",
                                          (datetime.now(UTC) - timedelta(days=366)).date()
                                          .isoformat()])
async def test_deliveries_outside_the_delivery_window_are_422(
    command_api: Any, bearer: Any, world: World, delivered_on: str
) -> None:
    alice = bearer(Role.SALESPERSON, ALICE)
    for step, body in [("quote", {"price": 4_900_000, "incentives": 0}),
                       ("contract", {"final_price": 4_900_000})]:
        done = await command_api.post(f"/api/v1/sales/{world.sale}/{step}", json=body,
                                      headers=alice)
        assert done.status_code == 200, done.text
    refused = await command_api.post(f"/api/v1/sales/{world.sale}/deliver", headers=alice, json={
        "vin": "WVWZZZ1KZ6W000001", "delivered_on": delivered_on})
    assert refused.status_code == 422, refused.text
    assert [error["field"] for error in refused.json()["errors"]] == ["delivered_on"]
    delivered = await command_api.post(f"/api/v1/sales/{world.sale}/deliver", headers=alice,
                                       json={"vin": "WVWZZZ1KZ6W000001",
                                             "delivered_on": _in(0)[:10]})
    assert delivered.status_code == 200, delivered.text
