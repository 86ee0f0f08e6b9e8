"""Searching customers by name, e-mail or company through the blind index: whole words
and word beginnings, whatever the case or accents; never a sealed value's middle."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest

from adapters.settings import Settings
from application.services import CustomerIntelligence
from domain.values import CompanyUID, Email, PersonName
from entrypoints.http.auth import Role
from tests.factories import registration


@pytest.fixture(scope="module")
def found(app: CustomerIntelligence) -> dict[str, Any]:
    """Two customers with words no other test uses."""
    word = "Qx" + uuid.uuid4().hex[:8]  # one word of both names, unique to this run
    zoe = app.register_customer(**registration(
        name=PersonName.parse(f"Zoë {word}-Lüdenscheid"),
        email=Email.parse(f"zoe.{word.lower()}@beispiel-{word.lower()}.ch")))
    firm = app.register_customer(**registration(
        name=PersonName.parse(f"Hans {word}"), email=Email.parse(f"h{word.lower()}@firma.ch"),
        company_name=f"Brünnli{word} Garage AG", company_uid=CompanyUID.parse("CHE-109.322.551")))
    return {"word": word, "zoe": str(zoe.id), "firm": str(firm.id), "position": firm.position}


async def _search(query_api: Any, bearer: Any, found: dict[str, Any], q: str) -> set[str]:
    response = await query_api.get("/api/v1/customers", headers=bearer(Role.SALES_MANAGER),
                                   params={"q": q, "limit": 200,
                                           "min_position": found["position"]})
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]} & {found["zoe"], found["firm"]}


@pytest.mark.parametrize(("q", "who"), [
    ("{word}", {"zoe", "firm"}),
    ("{lower}", {"zoe", "firm"}),  # case folded
    ("{word} zo", {"zoe"}),  # every word, each as a word or a beginning
    ("ZOE {word}", {"zoe"}),  # accents stripped: Zoë
    ("ludensch", {"zoe"}),  # a beginning of a word, accent or not
    ("zoe.{lower}@beispiel-{lower}.ch", {"zoe"}),  # the whole address
    ("beispiel {word}", {"zoe"}),  # a word of the address's domain
    ("brunnli{lower}", {"firm"}),  # the company's name
    ("garage {word}", {"firm"}),
    ("denscheid {word}", set()),  # the middle of a word is not found (it was, with ILIKE)
    ("{word} anna", set()),
])
async def test_search_finds_words_and_their_beginnings(
    query_api: Any, bearer: Any, found: dict[str, Any], q: str, who: set[str]
) -> None:
    text = q.format(word=found["word"], lower=found["word"].lower())
    assert await _search(query_api, bearer, found, text) == {found[w] for w in who}


async def test_search_answers_the_profiles_in_clear_as_before(
    query_api: Any, bearer: Any, found: dict[str, Any]
) -> None:
    response = await query_api.get("/api/v1/customers", headers=bearer(Role.SALES_MANAGER),
                                   params={"q": found["word"], "min_position": found["position"]})
    (firm,) = [item for item in response.json()["items"] if item["id"] == found["firm"]]
    profile = await query_api.get(f"/api/v1/customers/{found['firm']}",
                                  headers=bearer(Role.SALES_MANAGER))
    assert profile.json() == firm
    assert set(firm) == {"id", "kind", "name", "email", "phone", "company_name", "postal_code",
                         "canton", "language", "salesperson", "stage", "consents", "erased",
                         "registered_at", "last_activity_at", "version", "position",
                         "legal_hold"}
    assert firm["legal_hold"] is None  # only an erased buyer's fields are under hold
    assert (firm["name"], firm["email"], firm["phone"]) == (
        f"Hans {found['word']}", f"h{found['word'].lower()}@firma.ch", None)


async def test_the_index_holds_no_word_in_clear(
    query_api: Any, bearer: Any, found: dict[str, Any], settings: Settings
) -> None:
    await _search(query_api, bearer, found, found["word"])  # caught up
    assert settings.database_url
    with psycopg.connect(settings.database_url) as conn:
        row = conn.execute("SELECT name, email, name_terms, email_terms "
                           "FROM rm_customers.customers WHERE customer_id = %s",
                           (found["zoe"],)).fetchone()
    assert row is not None
    stored = b"".join([row[0], row[1], *row[2], *row[3]])
    for word in ("zoe", found["word"].lower(), "beispiel", "ludenscheid"):
        assert word.encode() not in stored.lower()
