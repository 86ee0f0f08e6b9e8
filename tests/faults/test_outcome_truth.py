"""A write caught by a stalled Postgres is answered truthfully and lands at most once.

Each test holds the command's COMMIT in flight (a deferred trigger waits for a lock the
test holds), pauses Postgres with SIGSTOP, takes the answer, resumes Postgres and lets
the COMMIT go on, then follows the README's advice: after 503 send the command again;
after 504 (outcome unknown) send it again with the `Idempotency-Key` of the answer;
after 409 (the first is still running) wait and send it again with the same key. It
always ends with exactly one event written.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import httpx
import psycopg

from adapters.embedded.process import ServerProcess
from adapters.settings import Settings
from entrypoints.http.auth import Role
from tests.faults.conftest import paused, resume
from tests.faults.servers import serve_command_api

CUSTOMER = {"name": "Ivo Rossi", "email": "ivo@example.ch", "postal_code": "6900",
            "canton": "TI"}
TOUCHPOINT = {"kind": "call", "channel": "phone"}
HOLD = 4711  # advisory lock the deferred trigger waits for
ANSWER_BOUND = 6.0  # seconds: a loose "did not hang"


async def test_a_retry_with_the_same_key_after_a_stall_writes_once(
    own_postgres: tuple[Settings, ServerProcess], bearer: Any
) -> None:
    own, server = own_postgres
    headers = {**bearer(Role.SALES_MANAGER), "Idempotency-Key": "call-1"}
    # A real server: the in-process test client blocks the test's loop during a request.
    with serve_command_api(own) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as commands:
            customer = (await commands.post("/api/v1/customers", json=CUSTOMER,
                                            headers=bearer(Role.SALES_MANAGER))).json()["id"]
            path = f"/api/v1/customers/{customer}/touchpoints"

            first, seconds = await _stalled_command(own, server, commands, path, TOUCHPOINT, headers)
            final = await _follow_advice(commands, path, TOUCHPOINT, headers, first)

    assert _events(own, customer, "TouchpointRecorded") == 1
    assert final.status_code == 200 and final.json()["version"] == 2
    assert first.status_code in (200, 503, 504), first.text
    assert seconds < ANSWER_BOUND


async def test_without_a_key_the_answer_says_how_to_retry_without_a_double_write(
    own_postgres: tuple[Settings, ServerProcess], bearer: Any
) -> None:
    own, server = own_postgres
    headers = bearer(Role.SALES_MANAGER)
    # A real server: the in-process test client blocks the test's loop during a request.
    with serve_command_api(own) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as commands:
            customer = (await commands.post("/api/v1/customers", json=CUSTOMER,
                                            headers=headers)).json()["id"]
            path = f"/api/v1/customers/{customer}/touchpoints"

            first, seconds = await _stalled_command(own, server, commands, path, TOUCHPOINT, headers)
            final = await _follow_advice(commands, path, TOUCHPOINT, headers, first)

    assert _events(own, customer, "TouchpointRecorded") == 1
    assert final.status_code == 200
    if first.status_code == 504:
        assert first.json()["type"] == "urn:cis:problem:outcome-unknown"
        assert first.headers["idempotency-key"]
    assert seconds < ANSWER_BOUND


async def test_a_stalled_erasure_is_recorded_once_and_its_key_destroyed(
    own_postgres: tuple[Settings, ServerProcess], bearer: Any
) -> None:
    own, server = own_postgres
    headers = {**bearer(Role.DPO), "Idempotency-Key": "erase-1"}
    # A real server: the in-process test client blocks the test's loop during a request.
    with serve_command_api(own) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as commands:
            customer = (await commands.post("/api/v1/customers", json=CUSTOMER,
                                            headers=bearer(Role.SALES_MANAGER))).json()["id"]
            path = f"/api/v1/dsg/customers/{customer}/erasure"
            why = {"reason": "request"}

            first, seconds = await _stalled_command(own, server, commands, path, why, headers)
            final = await _follow_advice(commands, path, why, headers, first)

    assert _events(own, customer, "PersonalDataErased") == 1
    assert final.status_code == 200
    assert _key_destroyed(own, customer)
    assert seconds < ANSWER_BOUND


async def _stalled_command(own: Settings, server: ServerProcess, client: Any, path: str,
                           body: Any, headers: dict[str, str]) -> tuple[Any, float]:
    """Send the command, pause Postgres while its COMMIT waits; (answer, seconds)."""
    assert own.database_url
    with psycopg.connect(own.database_url, autocommit=True) as holder:
        _hold_commits(holder)
        started = time.monotonic()
        sending = asyncio.create_task(client.post(path, json=body, headers=headers))
        await asyncio.to_thread(_wait_for_a_held_commit, own.database_url)
        # Resumed after at most 12 s even if the API hangs (then the bound fails).
        with paused(server), _resume_after(server, 12):
            answer = await sending
            seconds = time.monotonic() - started
        holder.execute("SELECT pg_advisory_unlock(%s)", (HOLD,))  # the COMMIT goes on
    return answer, seconds


async def _follow_advice(client: Any, path: str, body: Any, headers: dict[str, str],
                         answer: Any) -> Any:
    deadline = time.monotonic() + 40
    while answer.status_code in (409, 503, 504) and time.monotonic() < deadline:
        if answer.status_code == 504:
            headers = {**headers, "Idempotency-Key": answer.headers["idempotency-key"]}
        await asyncio.sleep(float(answer.headers.get("retry-after", 1)))
        answer = await client.post(path, json=body, headers=headers)
    return answer


def _hold_commits(holder: psycopg.Connection[Any]) -> None:
    """Every COMMIT that wrote events waits for the advisory lock `holder` takes."""
    holder.execute(f"""
        CREATE OR REPLACE FUNCTION hold_commit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_advisory_xact_lock_shared({HOLD}); RETURN NULL; END $$""")
    holder.execute("DROP TRIGGER IF EXISTS hold_commit ON cis_events")
    holder.execute("CREATE CONSTRAINT TRIGGER hold_commit AFTER INSERT ON cis_events "
                   "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION hold_commit()")
    holder.execute("SELECT pg_advisory_lock(%s)", (HOLD,))


def _wait_for_a_held_commit(url: str) -> None:
    deadline = time.monotonic() + 10
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                               "AND NOT granted").fetchone()
            if row and row[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the command's COMMIT never waited")


class _resume_after:
    """SIGCONT after `seconds` even if the test is stuck (paused() resumes normally)."""

    def __init__(self, server: ServerProcess, seconds: float) -> None:
        self._timer = threading.Timer(seconds, lambda: resume(server))

    def __enter__(self) -> None:
        self._timer.start()

    def __exit__(self, *_: object) -> None:
        self._timer.cancel()


def _events(own: Settings, customer: str, topic: str) -> int:
    assert own.database_url
    with psycopg.connect(own.database_url) as conn:
        row = conn.execute("SELECT count(*) FROM cis_events WHERE originator_id = %s "
                           "AND topic LIKE %s", (customer, f"%{topic}")).fetchone()
    return int(row[0]) if row else 0


def _key_destroyed(own: Settings, customer: str) -> bool:
    assert own.database_url
    with psycopg.connect(own.database_url) as conn:
        row = conn.execute("SELECT wrapped IS NULL FROM cis_data_keys WHERE subject = %s",
                           (customer,)).fetchone()
    return bool(row and row[0])
