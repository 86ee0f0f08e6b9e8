"""Event-to-mail latency on a real `cis up`: from a test drive's HTTP answer (201) to its
confirmation's `.eml` written by the embedded SMTP sink (which writes before it answers
250, so this is also "until SMTP accepted"). Bookings one after another, customers in
all five languages.

Run: `.venv/bin/python -m tests.e2e.mail_latency [BOOKINGS]` (default 50); it starts
its own `cis up` in a temporary data directory and prints p50, p90, p99 and max.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from entrypoints.http.auth import Role, issue_token
from tests.e2e.test_cis_up import Stack

LANGUAGES = ("de", "fr", "it", "rm", "en")


def _mail_to(mail_dir: Path, address: str, seen: set[Path], until: float) -> Path:
    while time.time() < until:
        for path in mail_dir.glob("*.eml"):
            if path not in seen:
                seen.add(path)
                if address.encode() in path.read_bytes():
                    return path
        time.sleep(0.002)
    raise AssertionError(f"no mail within 10 s for booking {address.split('@')[0]}")


def measure(bookings: int, data_dir: Path) -> list[float]:
    """Milliseconds from each booking's answer to its mail in the sink."""
    stack = Stack(data_dir)
    try:
        command = stack.endpoints["command_api"]
        admin = {"Authorization": "Bearer " + issue_token(
            (data_dir / "secrets" / "jwt_secret").read_text().strip(), subject="root",
            role=Role.ADMIN, ttl=timedelta(minutes=30))}
        httpx.put(f"{command}/api/v1/catalog/models/EV-ONE", headers=admin,
                  json={"name": "Volta Uno", "list_price": 4_990_000}).raise_for_status()
        with httpx.Client(headers=stack.auth, timeout=10) as http:
            people = []
            for n in range(bookings):
                address = f"latency{n}-{uuid.uuid4().hex[:6]}@example.ch"
                answer = http.post(f"{command}/api/v1/customers", json={
                    "name": "Lea Latenz", "email": address, "postal_code": "8001",
                    "canton": "ZH", "language": LANGUAGES[n % len(LANGUAGES)]})
                answer.raise_for_status()
                people.append((answer.json()["id"], address))
            at = (datetime.now(UTC) + timedelta(days=5)).isoformat()
            seen: set[Path] = set()
            took = []
            for customer, address in people:
                answer = http.post(f"{command}/api/v1/customers/{customer}/test-drives",
                                   json={"model": "EV-ONE", "scheduled_at": at})
                accepted = time.time()
                answer.raise_for_status()
                mail = _mail_to(data_dir / "mail", address, seen, accepted + 10)
                took.append((mail.stat().st_mtime - accepted) * 1000)
        return took
    finally:
        stack.stop()


def main() -> None:
    bookings = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    with tempfile.TemporaryDirectory(prefix="cis-mail-latency-") as where:
        took = sorted(measure(bookings, Path(where)))
    cuts = statistics.quantiles(took, n=100, method="inclusive")
    line = (f"{len(took)} bookings: p50 {statistics.median(took):.0f} ms, "
            f"p90 {cuts[89]:.0f} ms, p99 {cuts[98]:.0f} ms, max {took[-1]:.0f} ms")
    print(line)  # noqa: T201 - the measurement is its report


if __name__ == "__main__":
    main()
