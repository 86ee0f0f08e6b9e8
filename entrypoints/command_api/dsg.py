"""DSG requests over HTTP: erasure of a customer's personal data (the DPO's job)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, post
from litestar.exceptions import ValidationException

from application.dsg import ErasureReport, Erasures
from domain.audit_trail import MAX_REASON_LENGTH
from entrypoints.command_api.commanding import in_worker_thread, meta_of
from entrypoints.http.auth import Caller, Role, require_roles
from entrypoints.http.openapi import command_responses

__all__ = ["DsgCommands", "EraseCustomer"]


class EraseCustomer(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Why the DPO erases: kept on the customer's access trail with the erasure."""

    reason: Annotated[str, msgspec.Meta(
        min_length=1, max_length=MAX_REASON_LENGTH,
        examples=["request of 2026-11-30, art. 32 DSG"])]


_DESCRIPTION = """Role: dpo. Erases the customer's personal data in every store and
answers what was removed in each (no personal value in the answer):

- `data_key`: `destroyed` (in the transaction of the `PersonalDataErased` event; every
  past event stays readable with its personal fields redacted) or `already destroyed`.
- `hold`: null, or the fields the books keep (OR Art. 958f: a signed contract, 10 years
  from the end of its business year) sealed under a separate hold key, `held_until` (the
  hold's last day) and `legal_basis`; `cis dsg retention --apply` ends it after that.
- `read_models`: per read model what happens and whether its projector has projected
  the erasure at `position` yet (`customers` holds only ciphertext, unreadable at once,
  and empties it asynchronously; `journeys` and `dashboards` hold no personal data).
- `consumers`: the scoring consumer's rows deleted (a score is derived personal data).
- `cache`: Redis entries naming the customer evicted (dashboards hold no personal data).
- `notifications`: stored bodies deleted (none are stored: 0) and pending mails and
  reminders cancelled.

`reason` is recorded on the customer's access trail in the erasure's transaction, with
the caller. Idempotent: a repeated request answers 200 with the first answer and
`already_erased: true`, and writes nothing."""


async def require_reason(request: Request[Any, Any, Any]) -> None:
    """A `before_request` hook: without a body (or `null`) the erasure names what is
    missing, instead of the framework's word for a handler's body (`data`). Only for
    the POST: the controller's OPTIONS (CORS preflight, Allow) has no body."""
    if request.method == "POST" and (await request.body()).strip() in (b"", b"null"):
        raise ValidationException("invalid input in reason", extra=[{
            "key": "reason", "message": 'is required: send {"reason": "..."} saying why the '
                                        "data is erased (kept on the access trail)"}])


# An erasure is about fifteen round trips (the key, the hold, the scores, the cache, the
# mail, its answer), each bounded by the query timeout: on a busy machine it may outlast
# the 3 s of a command. Past its deadline after its write had landed, the DPO would get
# the bare written answer instead of the report. Still within the claim's lease (15 s).
ERASURE_TIMEOUT_SECONDS = 8.0


class DsgCommands(Controller):
    path = "/dsg/customers"
    tags = ["DSG"]
    guards = [require_roles(Role.DPO)]
    before_request = require_reason  # type: ignore[assignment]

    @post("/{customer_id:uuid}/erasure", status_code=200, responses=command_responses(),
          summary="Erase a customer's personal data", description=_DESCRIPTION)
    async def erase(self, customer_id: UUID, request: Request[Caller, Any, Any],
                    erasures: Erasures, data: EraseCustomer) -> ErasureReport:
        meta = meta_of(request)
        return await in_worker_thread(
            lambda: erasures.erase(customer_id, meta=meta, reason=data.reason),
            seconds=ERASURE_TIMEOUT_SECONDS)
