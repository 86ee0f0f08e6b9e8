"""Erasure reaches every copy, on the real stack.

A business customer with a full history (contact and address changed, touchpoint and
test drive with notes, a sale up to delivery, a lead score, cached dashboards, a profile
read) is erased by the DPO over the command API (the delivered sale keeps name, street
and company name for the books, sealed under a hold key); so is a business lead, with
nothing held. Both companies are sole proprietorships, named after their owner. Then the raw bytes of every store are searched for each personal value they
were ever given (as text, upper and lower case, hex as `pg_dump` prints bytea, base64
at every alignment): a `pg_dump` of the whole database, every Redis key and value,
every message of every JetStream stream, the logs (captured, and the servers' log
files), and Postgres' own files written meanwhile (WAL, table files). A `pg_dump`
taken before the erasure holds none of them either: the read models keep them sealed.
Then every read model is rebuilt from position 0: still nothing, and every dashboard
figure is as it was before the erasure.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import io
import logging
import subprocess
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
import nats.js.errors
import psycopg
import pytest
import redis
from litestar.testing import AsyncTestClient
from nats.js.api import DeliverPolicy
from psycopg_pool import AsyncConnectionPool

from adapters.embedded.postgres import postgres_binary
from adapters.nats.consumer import run_consumer
from adapters.nats.relay import Relay
from adapters.nats.streams import EVENTS_STREAM, consumer_config
from adapters.postgres.scores import ScoreStore
from adapters.settings import Settings
from application.scoring import ScoringLog
from domain.customer_facts import ConsentPurpose
from domain.meta import EventMeta
from domain.values import Canton, Email, ModelCode, Money, Phone, PostalCode
from domain.vin import VIN
from entrypoints.bootstrap import build_application, build_projector, build_tracking_recorder
from entrypoints.command_api.app import create_command_app
from entrypoints.http.auth import Role
from entrypoints.project_admin import rebuild
from entrypoints.query_api.app import create_query_app
from entrypoints.workers.notifications import NotificationWorker
from entrypoints.workers.scoring import LiveScoring
from projections.registry import READ_MODELS
from tests.databases import own_store
from tests.factories import soon
from tests.mail import mails_to
from tests.mail import wait_for as _wait
from tests.readmodels import caught_up

META = EventMeta(actor="proof-salesperson", correlation_id="proof-request")
DASHBOARDS = ["funnel?group_by=canton", "funnel?group_by=model", "funnel?group_by=salesperson",
              "funnel?group_by=period", "cantons", "test-drives?group_by=model",
              "test-drives?group_by=canton", "salespeople"]


def _personal_values() -> dict[str, str]:
    """Distinctive values, found nowhere by chance."""
    tag = uuid.uuid4().hex[:10]
    digits = str(uuid.uuid4().int)[:7]
    return {
        "name": f"Ylvana Quorbitz{tag}",
        "email": f"ylvana.{tag}@quorbitz-mail.ch",
        "new email": f"qy{tag}@beispiel-quorb.ch",
        "phone": f"+4179{digits}",
        "phone as stored": str(Phone.parse(f"+4179{digits}")),
        "street": f"Zwirblgasse {tag} 17",
        "new street": f"Quorbweg {tag} 3",
        "contact": f"Kontakt Xerbil{tag}",
        # A sole proprietorship's name holds its owner's surname (OR Art. 945).
        "company": f"Quorbitz{tag} Elektro",
        "lead name": f"Wendelin Zabrovsk{tag}",
        "lead email": f"w.{tag}@zabrovsk-mail.ch",
        "lead company": f"Zabrovsk{tag} Garage",
        "touchpoint note": f"wants a tow bar, note {tag}",
        "test drive notes": f"liked the seats, notes {tag}",
    }


def _forms(value: str) -> list[bytes]:
    """The value as raw bytes could hold it: as text in three cases, as hex (bytea in a
    dump) and as base64 at each alignment (the inner part that does not depend on it)."""
    text = value.encode()
    forms = {text, text.lower(), text.upper(), text.hex().encode()}
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + text)
        forms.add(encoded[4 if offset else 0:-4])
    return sorted(forms)


def _found(values: dict[str, str], blob: bytes) -> list[str]:
    return [what for what, value in values.items() if any(f in blob for f in _forms(value))]


def _pg_dump(url: str) -> bytes:
    return subprocess.run([postgres_binary("pg_dump"), "--dbname", url], check=True,
                          capture_output=True, timeout=30).stdout


def _redis_contents(url: str) -> bytes:
    """Every key of the server with its value, read by type."""
    client = redis.Redis.from_url(url)
    read = {b"string": client.get, b"hash": client.hgetall, b"list":
            lambda k: client.lrange(k, 0, -1), b"set": client.smembers,
            b"zset": lambda k: client.zrange(k, 0, -1, withscores=True)}
    parts = []
    for key in client.scan_iter(count=1000):
        kind = client.type(key)
        parts.append(key + b"=" + repr(read[kind](key) if kind in read else kind).encode())
    client.close()
    return b"\n".join(parts)


async def _nats_contents(url: str) -> bytes:
    """Every message (subject, headers and data) of every stream."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    parts = []
    try:
        for info in await js.streams_info():
            if not info.state.messages:
                continue
            for sequence in range(info.state.first_seq, info.state.last_seq + 1):
                try:
                    message = await js.get_msg(info.config.name or "", sequence)
                except nats.js.errors.NotFoundError:
                    continue  # deleted
                parts += [message.subject.encode(), repr(message.headers).encode(),
                          message.data or b""]
    finally:
        await nc.close()
    return b"\n".join(parts)


def _files_written_since(paths: Iterable[Path], since: float) -> bytes:
    return b"\n".join(path.read_bytes() for path in paths
                      if path.is_file() and path.stat().st_mtime >= since)


class _Stack:
    """The processes of `cis up` on a store of the test's own: projectors, relay,
    scoring and notification consumers and query API (NATS, Redis and the SMTP sink are
    the session's)."""

    def __init__(self, settings: Settings, smtp_url: str) -> None:
        self.settings = own_store(settings, smtp_url=smtp_url)
        self.app = build_application(self.settings, pool_size=2 + 2 * len(READ_MODELS))
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=build_projector(self.settings, m, self.app).run,
                                         args=(self.stopping,), daemon=True) for m in READ_MODELS]
        self.relay_tracking = build_tracking_recorder(self.settings, "relay")
        self.durable = f"scoring-proof-{uuid.uuid4().hex[:8]}"
        self.notify_durable = f"notify-proof-{uuid.uuid4().hex[:8]}"

    async def start(self) -> None:
        for thread in self.threads:
            thread.start()
        assert self.settings.nats_url and self.settings.database_url
        self.nc = await nats.connect(self.settings.nats_url)
        self.pool = AsyncConnectionPool(self.settings.database_url, min_size=1, max_size=2,
                                        open=False)
        await self.pool.open()
        self.halt = asyncio.Event()
        js = self.nc.jetstream()
        # The scoring consumer as `cis consume scoring` runs it.
        scoring = LiveScoring(ScoreStore(self.pool), ScoringLog(self.app), js)
        # The notification consumer as `cis consume notifications` runs it, from this
        # test's events on (the session's stream holds every test's).
        await js.add_consumer(EVENTS_STREAM, config=dataclasses.replace(
            consumer_config(self.notify_durable), deliver_policy=DeliverPolicy.NEW))
        notifications = NotificationWorker(self.settings, self.app, self.pool, js)
        self.workers = [asyncio.create_task(Relay(self.app, self.relay_tracking, js).run(self.halt)),
                        asyncio.create_task(run_consumer(js, self.durable, scoring.handle,
                                                         self.halt)),
                        asyncio.create_task(notifications.run(self.halt, self.notify_durable))]

    async def settled(self) -> None:
        """Every read model and the relay have passed the log's head."""
        for model in READ_MODELS:
            await asyncio.to_thread(caught_up, self.settings, self.app, model.name)
        head = self.app.recorder.max_notification_id() or 0
        for _ in range(300):
            if (await asyncio.to_thread(self.relay_tracking.max_tracking_id, "cis") or 0) >= head:
                return
            await asyncio.sleep(0.05)
        pytest.fail("the relay did not reach the head")

    def stop_projectors(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=10)

    async def stop(self) -> None:
        self.halt.set()
        await asyncio.gather(*self.workers)
        await self.nc.jetstream().delete_consumer(EVENTS_STREAM, self.durable)
        await self.nc.jetstream().delete_consumer(EVENTS_STREAM, self.notify_durable)
        await self.nc.close()
        await self.pool.close()
        self.stop_projectors()
        self.relay_tracking.datastore.close()
        self.app.close()


async def _registered_over_http(client: Any, headers: dict[str, str],
                               values: dict[str, str]) -> uuid.UUID:
    """Registration and a touchpoint through the command API (request logs, idempotency
    claims and their stored answers), after refused attempts that sent every value, each
    with an `Idempotency-Key`, one of them quoted in the answer (a 400 quotes a value
    that is none of an enum's)."""
    body = {"name": values["name"], "email": values["email"], "phone": values["phone"],
            "street": values["street"], "postal_code": "8001", "canton": "ZH",
            "company_name": values["company"], "company_uid": "CHE-109.322.551",
            "company_contact": values["contact"]}
    refused = await client.post("/api/v1/customers", json={**body, "canton": "BE"},
                                headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
    assert refused.status_code == 422, refused.text  # 8001 is not in BE
    registered = await client.post("/api/v1/customers", json=body,
                                   headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
    assert registered.status_code == 201, registered.text
    customer = uuid.UUID(registered.json()["id"])
    # The note typed into the wrong field: the 400 quotes it back to the caller.
    misplaced = await client.post(f"/api/v1/customers/{customer}/touchpoints",
                                  json={"kind": "call", "channel": values["touchpoint note"]},
                                  headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
    assert misplaced.status_code == 400, misplaced.text
    assert values["touchpoint note"] in misplaced.text
    touched = await client.post(f"/api/v1/customers/{customer}/touchpoints", headers=headers,
                                json={"kind": "showroom_visit", "channel": "showroom",
                                      "note": values["touchpoint note"]})
    assert touched.status_code == 200, touched.text
    return customer


async def _lead_over_http(client: Any, headers: dict[str, str],
                         values: dict[str, str]) -> uuid.UUID:
    """A business lead: registered, nothing sold, so its erasure holds nothing."""
    registered = await client.post("/api/v1/customers", headers=headers, json={
        "name": values["lead name"], "email": values["lead email"], "postal_code": "8001",
        "canton": "ZH", "company_name": values["lead company"],
        "company_uid": "CHE-109.322.551"})
    assert registered.status_code == 201, registered.text
    return uuid.UUID(registered.json()["id"])


def _history(app: Any, customer: uuid.UUID, values: dict[str, str]) -> None:
    """The rest of a journey through every kind of event, up to a delivered sale."""
    code = ModelCode.parse(f"EV-P{uuid.uuid4().hex[:4].upper()}")
    app.put_model(code=code, name="Proof EV", list_price=Money.chf(50_000), meta=META)
    app.change_contact(customer, email=Email.parse(values["new email"]), phone=None, meta=META)
    app.change_address(customer, street=values["new street"], postal_code=PostalCode.parse("3011"),
                       canton=Canton.parse("BE"), meta=META)
    app.grant_consent(customer, purpose=ConsentPurpose.PROFILING, meta=META)
    app.record_vehicle_interest(customer, model=code, meta=META)
    drive = app.book_test_drive(customer, model=code, scheduled_at=soon(1), meta=META).id
    app.complete_test_drive(customer, drive, rating=4, notes=values["test drive notes"], meta=META)
    sale = app.open_sale(customer_id=customer, model=code, meta=META).id
    app.quote_sale(sale, price=Money.chf(48_000), discount=Money.chf(1_000),
                   incentives=Money.zero(), meta=META)
    app.reserve_sale(sale, deposit=Money.chf(5_000), meta=META)
    app.sign_contract(sale, final_price=Money.chf(47_500), meta=META)
    app.deliver_sale(sale, vin=VIN.parse("WVWZZZ1KZ6W000001"),
                     delivered_on=datetime.now(UTC).date(), meta=META)


def _outbox_settled(conn: psycopg.Connection[Any], customer: uuid.UUID) -> bool:
    row = conn.execute(
        "SELECT bool_or(template = 'sale_delivered'), "
        "       bool_or(status = 'pending' AND due_at <= now()) "
        "FROM notify.outbox WHERE customer_id = %s", (customer,)).fetchone()
    return row is not None and row[0] is True and row[1] is False


async def _dashboards(client: Any, headers: dict[str, str]) -> dict[str, Any]:
    answers = {path: await client.get(f"/api/v1/dashboards/{path}", headers=headers)
               for path in DASHBOARDS}
    assert {a.status_code for a in answers.values()} == {200}
    return {path: answer.json() for path, answer in answers.items()}


@pytest.fixture(scope="module")
async def proof(settings: Settings, bearer: Any,
                smtp_sink: tuple[str, Path]) -> AsyncIterator[dict[str, Any]]:
    """Everything the tests search, gathered once: (the history, the dumps, the stores)."""
    values, seen = _personal_values(), dict[str, Any]()
    started = time.time()
    logged, handler = io.StringIO(), logging.StreamHandler()
    handler.stream = logged
    logging.getLogger().addHandler(handler)
    stack = await asyncio.to_thread(_Stack, settings, smtp_sink[0])  # migrating: a loop of its own
    mails = smtp_sink[1]
    url = stack.settings.database_url
    assert url and stack.settings.redis_url and stack.settings.nats_url
    manager = bearer(Role.SALES_MANAGER)
    try:
        with contextlib.redirect_stderr(logged):
            await stack.start()
            async with AsyncTestClient(app=create_command_app(stack.settings)) as commands:
                customer = await _registered_over_http(
                    commands, bearer(Role.SALESPERSON, "proof-salesperson"), values)
                lead = await _lead_over_http(
                    commands, bearer(Role.SALESPERSON, "proof-salesperson"), values)
            async with AsyncTestClient(app=create_query_app(stack.settings)) as client:
                # A history, scored, its profile read and the dashboards cached in Redis.
                await asyncio.to_thread(_history, stack.app, customer, values)
                await stack.settled()
                with psycopg.connect(url, autocommit=True) as conn:
                    await _wait(lambda: conn.execute("SELECT 1 FROM read.lead_scores WHERE "
                                                     "customer_id = %s", (customer,)).fetchone()
                                is not None, timeout=20)
                    # The customer's mail (confirmation, quote, contract, delivery) was sent:
                    # the consumer reached the delivery and has nothing left due (waiting
                    # for three of the four raced with the fourth).
                    await _wait(lambda: _outbox_settled(conn, customer), timeout=20)
                seen["mails before"] = len(mails_to(mails, values["new email"]))
                seen["profile"] = (await client.get(f"/api/v1/customers/{customer}",
                                                    headers=manager)).json()
                seen["search"] = (await client.get("/api/v1/customers", headers=manager,
                                                   params={"q": values["name"]})).json()
                seen["company search"] = (await client.get(
                    "/api/v1/customers", headers=manager,
                    params={"q": values["company"].split()[0]})).json()
                seen["lead profile"] = (await client.get(f"/api/v1/customers/{lead}",
                                                         headers=manager)).json()
                seen["before"] = await _dashboards(client, manager)
                seen["backup"] = _pg_dump(url)  # a backup, taken before the erasure

                # The erasure as the DPO asks for it (the delivered sale keeps the books'
                # fields, sealed under a hold key), and everything it reaches.
                async with AsyncTestClient(app=create_command_app(stack.settings)) as commands:
                    erasure = await commands.post(
                        f"/api/v1/dsg/customers/{customer}/erasure",
                        json={"reason": "DSG request (proof)"},
                        headers={**bearer(Role.DPO, "proof-dpo"),
                                 "Idempotency-Key": uuid.uuid4().hex})
                    assert erasure.status_code == 200 and "hold" in erasure.json(), erasure.text
                    seen["erasure"] = erasure.json()
                    lead_erasure = await commands.post(
                        f"/api/v1/dsg/customers/{lead}/erasure",
                        json={"reason": "DSG request (proof, lead)"},
                        headers={**bearer(Role.DPO, "proof-dpo"),
                                 "Idempotency-Key": uuid.uuid4().hex})
                    assert lead_erasure.status_code == 200, lead_erasure.text
                    seen["lead erasure"] = lead_erasure.json()
                await stack.settled()
                seen["erased profile"] = (await client.get(f"/api/v1/customers/{customer}",
                                                           headers=manager)).json()
                seen["erased lead profile"] = (await client.get(f"/api/v1/customers/{lead}",
                                                                headers=manager)).json()
                seen["erased company search"] = (await client.get(
                    "/api/v1/customers", headers=manager,
                    params={"q": values["company"].split()[0]})).json()
                seen["after"] = await _dashboards(client, manager)

                # Every read model rebuilt from position 0 (as `cis project rebuild` does
                # while the projectors stand by), then asked again.
                stack.stop_projectors()
                for model in READ_MODELS:
                    await asyncio.to_thread(rebuild, stack.settings, model.name)
                await stack.settled()
                seen["rebuilt"] = await _dashboards(client, manager)
                seen["rebuilt profile"] = (await client.get(f"/api/v1/customers/{customer}",
                                                            headers=manager)).json()
                seen["rebuilt lead profile"] = (await client.get(
                    f"/api/v1/customers/{lead}", headers=manager)).json()
            await asyncio.sleep(1.0)  # time for a mail that would (wrongly) go out again
            seen["mails after"] = len(mails_to(mails, values["new email"]))
            seen["dump"] = _pg_dump(url)
            seen["redis"] = _redis_contents(stack.settings.redis_url)
            seen["nats"] = await _nats_contents(stack.settings.nats_url)
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("CHECKPOINT")  # table pages on disk, dead rows included
            pgdata = stack.settings.data_dir / "postgres"
            seen["postgres files"] = _files_written_since(pgdata.rglob("*"), started)
            seen["log files"] = _files_written_since(
                (stack.settings.data_dir / "logs").glob("*.log"), 0)
    finally:
        with contextlib.redirect_stderr(logged):
            await stack.stop()
        logging.getLogger().removeHandler(handler)
    seen["logs"] = logged.getvalue().encode()
    yield {"values": values, "customer": customer, "lead": lead, **seen}


async def test_the_profile_was_shown_in_clear_and_reads_null_after_erasure(
    proof: dict[str, Any]
) -> None:
    values = proof["values"]
    assert (proof["profile"]["name"], proof["profile"]["email"]) == (values["name"],
                                                                     values["new email"])
    assert [item["id"] for item in proof["search"]["items"]] == [str(proof["customer"])]
    for profile in (proof["erased profile"], proof["rebuilt profile"]):
        assert (profile["name"], profile["email"], profile["phone"], profile["erased"]) == (
            None, None, None, True)
        assert (profile["canton"], profile["stage"]) == ("BE", "delivered")


async def test_the_company_names_were_shown_and_searched_in_clear_and_read_null_after(
    proof: dict[str, Any]
) -> None:
    """A sole proprietorship's name is its owner's: shown and found before the erasure,
    gone from the profile and the search after it (held or not)."""
    values = proof["values"]
    assert proof["profile"]["company_name"] == values["company"]
    assert proof["lead profile"]["company_name"] == values["lead company"]
    assert [item["id"] for item in proof["company search"]["items"]] == [str(proof["customer"])]
    assert proof["erased company search"]["items"] == []
    for profile in (proof["erased profile"], proof["rebuilt profile"],
                    proof["erased lead profile"], proof["rebuilt lead profile"]):
        assert (profile["company_name"], profile["erased"]) == (None, True)
    assert proof["lead erasure"]["hold"] is None  # no sale: nothing kept for the books
    assert proof["erased lead profile"]["legal_hold"] is None


async def test_the_erasure_kept_the_books_fields_under_a_hold_and_said_so(
    proof: dict[str, Any]
) -> None:
    """So the stores searched hold the held name and street too, sealed under the hold
    key: kept, yet in clear nowhere."""
    hold = proof["erasure"]["hold"]
    assert hold is not None and {"name", "street", "company_name"} <= set(hold["fields"])
    assert proof["erasure"]["data_key"] == "destroyed"
    for profile in (proof["erased profile"], proof["rebuilt profile"]):
        assert profile["legal_hold"]["held_until"] == hold["held_until"]


async def test_a_backup_taken_before_the_erasure_holds_no_personal_value(
    proof: dict[str, Any]
) -> None:
    assert b"rm_customers" in proof["backup"] and b"cis_events" in proof["backup"]
    assert _found(proof["values"], proof["backup"]) == []


@pytest.mark.parametrize("store", ["dump", "redis", "nats", "logs", "log files",
                                   "postgres files"])
async def test_after_the_erasure_and_a_rebuild_no_store_holds_a_personal_value(
    proof: dict[str, Any], store: str
) -> None:
    assert _found(proof["values"], proof[store]) == []


async def test_each_store_searched_holds_the_customers_traces(proof: dict[str, Any]) -> None:
    """So that finding nothing means something: the customer is there, unnamed."""
    customer = proof["customer"]
    for store in ("dump", "nats", "logs"):
        assert str(customer).encode() in proof[store], store
        assert str(proof["lead"]).encode() in proof[store], store
    assert customer.bytes in proof["postgres files"]
    assert b"dashboard" in proof["redis"].lower()
    assert b'"event": "request"' in proof["logs"]


async def test_mail_sent_before_the_erasure_is_never_sent_again(proof: dict[str, Any]) -> None:
    """The notification consumer's outbox is in the dumps searched above (it holds no
    body); here: neither the erasure, nor the rebuild, nor the replayed events send
    anything more. (The sink's .eml files are the recipient's mailbox, outside CIS.)"""
    assert proof["mails before"] >= 3
    assert proof["mails after"] == proof["mails before"]


async def test_every_dashboard_figure_is_unchanged_by_the_erasure_and_the_rebuild(
    proof: dict[str, Any]
) -> None:
    assert any(group["group"] == "BE" and group["counts"]["delivered"] >= 1
               for group in proof["before"]["funnel?group_by=canton"]["groups"])
    assert proof["after"] == proof["before"]
    assert proof["rebuilt"] == proof["before"]


def test_the_search_finds_every_form_it_looks_for() -> None:
    """The searcher itself: each form of a value is found where it is stored that way."""
    value = "Quorb Ylvana"
    for blob in (b"x" + value.upper().encode(), b"\\x" + value.encode().hex().encode(),
                 base64.b64encode(b"ab" + value.encode() + b"cd")):
        assert _found({"v": value}, blob) == ["v"]
