"""Every query parameter of the query API: bad values are a 400 naming the parameter.

Control characters (NUL above all, which Postgres text cannot hold) never reach the
database; numbers out of range, unknown enum values and cursors this API did not give
out are refused the same way. Nothing a client puts in a query string is a 500.
"""

from __future__ import annotations

import base64
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from entrypoints.http.auth import Role

# Fixed, not random: it is in the test ids, which every test process must agree on.
SOME_ID = "24948c74-ae77-4f71-9f05-4d301f1e788e"

# (path, parameter, bad value)
BAD: list[tuple[str, str, str]] = [
    ("/customers", "q", "a\x00b"),
    ("/customers", "q", "ab\x1b[31m"),
    ("/customers", "q", "ab\x7f"),
    ("/customers", "q", "ab\x85"),  # a C1 control character
    ("/customers", "canton", "\x00"),
    ("/customers", "canton", "XX"),
    ("/customers", "stage", "nirvana"),
    ("/customers", "salesperson", "sara\x00"),
    ("/customers", "salesperson", "sa\nra"),
    ("/customers", "cursor", "\x00"),
    ("/customers", "cursor", "bm90IGEgY3Vyc29y"),  # base64 of "not a cursor"
    ("/customers", "cursor", base64.urlsafe_b64encode(b"2026-01-01|" + SOME_ID.encode()
                                                      + b"|x").decode()),
    ("/customers", "cursor", base64.urlsafe_b64encode(
        ("2026-01-01T00:00:00+00:00\x00|" + SOME_ID).encode()).decode()),
    ("/customers", "cursor", base64.urlsafe_b64encode(b"\xff\xfe|x").decode()),
    ("/customers", "limit", "0"),
    ("/customers", "limit", "201"),
    ("/customers", "limit", "-1"),
    ("/customers", "limit", "ten"),
    ("/customers", "limit", "1" * 40),
    ("/customers", "min_position", "-1"),
    ("/customers", "min_position", "9" * 40),
    ("/customers", "min_position", str(2**63)),
    (f"/customers/{SOME_ID}", "min_position", "-5"),
    (f"/customers/{SOME_ID}", "min_position", "9" * 40),
    (f"/customers/{SOME_ID}/journey", "min_position", "-5"),
    (f"/customers/{SOME_ID}/journey", "min_position", str(2**63)),
    ("/dashboards/funnel", "group_by", "colour"),
    ("/dashboards/funnel", "group_by", "canton\x00"),
    ("/dashboards/funnel", "min_position", "-1"),
    ("/dashboards/funnel", "min_position", "9" * 40),
    ("/dashboards/cantons", "min_position", str(2**64)),
    ("/dashboards/test-drives", "group_by", "salesperson"),
    ("/dashboards/test-drives", "min_position", "-1"),
    ("/dashboards/salespeople", "min_position", "x"),
]


@pytest.mark.parametrize(("path", "parameter", "value"), BAD,
                         ids=[f"{p}?{n}={v!r}" for p, n, v in BAD])
async def test_a_bad_query_parameter_is_a_400_naming_it(
    query_api: Any, bearer: Any, path: str, parameter: str, value: str
) -> None:
    response = await query_api.get(f"/api/v1{path}", params={parameter: value},
                                   headers=bearer(Role.SALES_MANAGER, "mia"))
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert parameter in [error["field"] for error in response.json()["errors"]], response.text


async def test_ordinary_text_still_searches(query_api: Any, bearer: Any) -> None:
    for text in ("Zoë Müller", "o'brien", "50%_off", "\\\\", "日本語"):
        response = await query_api.get("/api/v1/customers", params={"q": text},
                                       headers=bearer(Role.SALES_MANAGER, "mia"))
        assert response.status_code == 200, (text, response.text)


TEXT_PARAMETERS = [("/customers", name) for name in ("q", "canton", "salesperson", "cursor",
                                                     "stage", "limit", "min_position")] + [
    ("/dashboards/funnel", "group_by"), ("/dashboards/test-drives", "group_by")]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
# Lone surrogates are left out: no client can put them into a URL (UTF-8 cannot encode them).
@given(where=st.sampled_from(TEXT_PARAMETERS), value=st.text(st.one_of(
    st.characters(exclude_categories=["Cs"]), st.characters(max_codepoint=0xa0),
    st.sampled_from("\x00%_\\|=")), max_size=12))
async def test_no_query_text_is_a_server_error(
    query_api: Any, bearer: Any, where: tuple[str, str], value: str
) -> None:
    path, parameter = where
    response = await query_api.get(f"/api/v1{path}", params={parameter: value},
                                   headers=bearer(Role.SALES_MANAGER, "mia"))
    assert response.status_code in (200, 400), (parameter, value, response.text)
    if response.status_code == 400:
        assert parameter in [error["field"] for error in response.json()["errors"]]


async def test_cursor_pages_walk_every_customer_once(
    command_api: Any, query_api: Any, bearer: Any
) -> None:
    owner = f"pager-{uuid4().hex[:6]}"
    position = 0
    for n in range(3):
        created = await command_api.post("/api/v1/customers", headers=bearer(
            Role.SALESPERSON, owner), json={"name": f"Page Kunde {n}", "email": f"p{n}@example.ch",
                                            "postal_code": "8001", "canton": "ZH"})
        position = created.json()["position"]
    seen: list[str] = []
    params: dict[str, Any] = {"salesperson": owner, "limit": 1, "min_position": position}
    while True:
        page = (await query_api.get("/api/v1/customers", params=params,
                                    headers=bearer(Role.SALES_MANAGER, "mia"))).json()
        seen += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        params = {"salesperson": owner, "limit": 1, "cursor": page["next_cursor"]}
    assert len(seen) == len(set(seen)) == 3
