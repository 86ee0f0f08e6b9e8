"""GET /api/v1/dsg/customers/{id}/export: the answer to a DSG access request (Art. 25).

Role `dpo` only, with a `reason` (kept on the customer's access trail as action
`access_export`). JSON by default (`application/access_report.py` says its shape), or
the self-contained HTML document in the customer's language to hand over as it is:
`format=json|html`, else the `Accept` header decides (`text/html` preferred over
`application/json` gives HTML). `lang=de|fr|it|rm|en` overrides the customer's language.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter

from application.access_report import AccessReport
from application.dsg_access import AccessReports
from domain.meta import EventMeta
from domain.values import Language
from entrypoints.dsg_report.html import render_html
from entrypoints.http.auth import Caller, Role, require_roles
from entrypoints.http.openapi import query_responses
from entrypoints.http.request_id import current_request_id
from entrypoints.query_api.audit import AuditReads, Reason, checked_reason
from entrypoints.query_api.params import bad_parameter

__all__ = ["EXPORT_TIMEOUT_SECONDS", "AccessExports", "DsgExportController"]

EXPORT_TIMEOUT_SECONDS = 30.0  # a long history replays in well under this (README)
HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'"  # nothing runs, nothing loads
FORMATS = ("json", "html")
Req = Request[Caller, Any, Any]


class AccessExports:
    """The access reports, run in worker threads (bounded, a few at a time)."""

    def __init__(self, reports: AccessReports) -> None:
        self.reports = reports
        self._reads = AuditReads(reports.cis, concurrent=2, timeout=EXPORT_TIMEOUT_SECONDS)

    async def export(self, customer_id: UUID, caller: Caller, reason: str | None
                     ) -> AccessReport:
        meta = EventMeta(actor=caller.subject, correlation_id=current_request_id())
        return await self._reads.run(lambda _: self.reports.export(
            customer_id, reason=reason, meta=meta, role=caller.role.value))


def _responses() -> dict[int, ResponseSpec]:
    return {**query_responses(),
            200: ResponseSpec(data_container=AccessReport, media_type="application/json",
                              description="The access report as JSON; with `format=html` "
                              "(or `Accept: text/html`) the same as a self-contained HTML "
                              "document (text/html) in the customer's language.",
                              generate_examples=False)}


class DsgExportController(Controller):
    path = "/dsg/customers"
    tags = ["dsg"]
    guards = [require_roles(Role.DPO)]

    @get("/{customer_id:uuid}/export", summary="Everything held about a customer (DSG Art. 25)",
         responses=_responses(),
         description="Role dpo; `reason` is required and recorded on the customer's access "
         "trail. Profile and contact history with every value ever given (when, by whom), "
         "addresses, preferences, interests, touchpoints, test drives, sales with prices, "
         "consents, the lead score with the model's logic, notifications sent, who "
         "accessed the data, recipients, the retention rule, the controller. "
         "`format=json` (default) or `html`; `lang` overrides the customer's language.")
    async def export(
        self, request: Req, customer_id: UUID, access_exports: AccessExports,
        reason: Reason = None,
        format_: Annotated[str | None, Parameter(
            query="format", required=False, max_length=10,
            description="json (default) or html; without it, the Accept header decides")
        ] = None,
        lang: Annotated[str | None, Parameter(
            required=False, max_length=5,
            description="de, fr, it, rm or en (default: the customer's language)")] = None,
    ) -> Response[bytes]:
        reason = checked_reason(request.user, reason)
        as_html = _wants_html(request, format_)
        language = _language(lang)
        report = await access_exports.export(customer_id, request.user, reason)
        name = f"access-report-{customer_id}"
        if not as_html:
            return Response(msgspec.json.encode(report), media_type="application/json",
                            headers={"Content-Disposition": f'inline; filename="{name}.json"'})
        html = render_html(report, language or Language(report.language))
        return Response(html.encode(), media_type="text/html; charset=utf-8", headers={
            "Content-Disposition": f'inline; filename="{name}.html"',
            "Content-Security-Policy": HTML_POLICY})


def _wants_html(request: Req, format_: str | None) -> bool:
    if format_ is not None:
        if format_ not in FORMATS:
            bad_parameter("format", f"must be one of {', '.join(FORMATS)}")
        return format_ == "html"
    best = request.accept.best_match(["application/json", "text/html"],
                                     default="application/json")
    return best == "text/html"


def _language(lang: str | None) -> Language | None:
    if lang is None:
        return None
    try:
        return Language(lang)
    except ValueError:
        bad_parameter("lang", f"must be one of {', '.join(code.value for code in Language)}")
