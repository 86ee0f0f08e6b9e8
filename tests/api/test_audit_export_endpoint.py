"""GET /api/v1/audit/export: the signed file over HTTP, for auditor, dpo and admin only."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import pytest

from adapters.audit.signed_file import parse_private_key, split_lines, verify_lines
from adapters.settings import Settings
from application.services import CustomerIntelligence
from domain.values import Phone
from entrypoints.http.auth import Role
from tests.factories import registration

EXPORT = "/api/v1/audit/export"


def _verdict(settings: Settings, body: bytes) -> list[str]:
    public_key = parse_private_key(settings.audit_signing_key).public_key()
    return verify_lines(split_lines(body), public_key).problems


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.DPO, Role.ADMIN])
async def test_readers_get_a_signed_file_of_the_events_they_asked_for(
        query_api: Any, bearer: Any, app: CustomerIntelligence, settings: Settings,
        role: Role) -> None:
    customer = app.register_customer(**registration(phone=Phone.parse("044 668 18 00"))).id

    answer = await query_api.get(EXPORT, params={"id": str(customer), "from": "2020-01-01",
                                                 "reason": "Q1 audit"},
                                 headers=bearer(role, "iris"))

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/x-ndjson")
    assert _verdict(settings, answer.content) == []
    lines = [json.loads(line) for line in split_lines(answer.content)]
    assert [line["type"] for line in lines[:-1]] == ["Registered"]
    assert lines[-1]["filters"] == {"kind": None, "id": str(customer)}
    assert lines[-1]["from"] == "2020-01-01T00:00:00+00:00"
    for personal in (b"Anna Muster", b"anna.muster@example.ch", b"+41446681800"):
        assert personal not in answer.content


@pytest.mark.parametrize("role", [Role.SALESPERSON, Role.SALES_MANAGER])
async def test_other_roles_are_refused(query_api: Any, bearer: Any, role: Role) -> None:
    answer = await query_api.get(EXPORT, headers=bearer(role, "sam"))

    assert answer.status_code == 403
    assert answer.headers["content-type"] == "application/problem+json"


async def test_without_a_token_it_is_401(query_api: Any) -> None:
    assert (await query_api.get(EXPORT)).status_code == 401


@pytest.mark.parametrize(("params", "named"), [
    ({"from": "yesterday"}, "from"),
    ({"to": "2026-03-01T10:00:00"}, "to"),  # no offset: which 10 o'clock?
    ({"from": "2026-03-02", "to": "2026-03-01"}, "from"),
    ({"kind": "people"}, "kind"),
    ({"id": "not-a-uuid"}, "id"),
])
async def test_bad_parameters_are_a_400_naming_the_parameter(
        query_api: Any, bearer: Any, params: dict[str, str], named: str) -> None:
    answer = await query_api.get(EXPORT, params=params, headers=bearer(Role.AUDITOR, "iris"))

    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert named in answer.text


async def test_the_whole_log_by_kind_verifies(query_api: Any, bearer: Any,
                                              app: CustomerIntelligence,
                                              settings: Settings) -> None:
    app.register_customer(**registration())

    answer = await query_api.get(EXPORT, params={"kind": "customers"},
                                 headers=bearer(Role.AUDITOR, "iris"))

    assert answer.status_code == 200
    assert _verdict(settings, answer.content) == []
    kinds = {json.loads(line).get("kind") for line in list(split_lines(answer.content))[:-1]}
    assert kinds == {"customers"}


async def test_an_export_is_on_the_access_trail_and_the_dpo_gives_a_reason(
        query_api: Any, bearer: Any, app: CustomerIntelligence) -> None:
    from entrypoints.query_api.audit_export import WHOLE_LOG_SUBJECT

    customer = app.register_customer(**registration()).id
    refused = await query_api.get(EXPORT, params={"id": str(customer)},
                                  headers=bearer(Role.DPO, "dora"))
    assert refused.status_code == 400, refused.text

    one = await query_api.get(EXPORT, params={"id": str(customer), "reason": "art. 25"},
                              headers=bearer(Role.DPO, "dora"))
    whole = await query_api.get(EXPORT, params={"from": "2020-01-01"},
                                headers=bearer(Role.AUDITOR, "erika"))
    assert one.status_code == whole.status_code == 200

    def trail(subject: UUID) -> list[tuple[str, str, str, str | None]]:
        return [(a.actor, a.role, a.action, a.reason) for a in app.accesses(subject, limit=500)[0]]

    assert trail(customer) == [("dora", "dpo", "export", "art. 25")]
    assert ("erika", "auditor", "export", None) in trail(WHOLE_LOG_SUBJECT)
