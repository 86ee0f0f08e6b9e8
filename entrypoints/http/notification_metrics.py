"""The notification consumer's figures on the query API's /metrics, from its outbox.

The consumer serves no HTTP; its outbox in Postgres holds what it did:

* `cis_notifications_sent_total{template,language}`: messages the SMTP server accepted;
* `cis_notifications_failed_attempts_total{template}`: attempts that did not get through
  (SMTP down, 4xx, 5xx);
* `cis_notifications_dead_lettered`: messages given up on and parked on CIS_DLQ;
* `cis_notifications_oldest_due_reminder_age_seconds`: how late the oldest reminder
  that is due but not sent is (0 when none is late): alert when it grows.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from adapters.postgres.notifications import OutboxFigures, outbox_figures

__all__ = ["NotificationMetrics"]


class NotificationMetrics(Collector):
    def __init__(self, registry: CollectorRegistry) -> None:
        self._figures = OutboxFigures({}, {}, 0, 0.0)
        registry.register(self)

    async def refresh(self, database_url: str) -> None:
        self._figures = await outbox_figures(database_url, datetime.now(UTC))

    def collect(self) -> Iterator[Metric]:
        f = self._figures
        sent = CounterMetricFamily("cis_notifications_sent", "E-mails the SMTP server accepted",
                                   labels=["template", "language"])
        for (template, language), count in sorted(f.sent.items()):
            sent.add_metric([template, language], count)
        failed = CounterMetricFamily("cis_notifications_failed_attempts",
                                     "Attempts to send that did not get through",
                                     labels=["template"])
        for template, count in sorted(f.failed_attempts.items()):
            failed.add_metric([template], count)
        yield sent
        yield failed
        yield GaugeMetricFamily("cis_notifications_dead_lettered",
                                "E-mails given up on, parked on CIS_DLQ", value=f.dead_lettered)
        yield GaugeMetricFamily("cis_notifications_oldest_due_reminder_age_seconds",
                                "How late the oldest due, unsent reminder is",
                                value=f.oldest_due_reminder_seconds)
