"""An `AccessReports` for the configured system: its controller, its score store, and
the recipients of derived data as this deployment declares them (streams, consumers,
read models), so the report names what really runs."""

from __future__ import annotations

from adapters.nats.streams import DLQ_STREAM, EVENTS_STREAM
from adapters.postgres.lead_score_reading import PostgresLeadScores
from adapters.postgres.notifications import CONSUMER as NOTIFICATIONS_CONSUMER
from adapters.postgres.sent_notifications import PostgresSentNotifications
from adapters.settings import Settings
from application.access_report import ControllerIdentity, Recipient
from application.dsg_access import AccessReports
from application.services import CustomerIntelligence
from entrypoints.dsg_wiring import retention_policy
from entrypoints.workers.scoring import CONSUMER as SCORING_CONSUMER
from projections.registry import READ_MODELS

__all__ = ["access_reports", "recipients"]

_READ_MODEL_PURPOSE = {
    "customers": "the customer profile staff search and read (personal fields included)",
    "journeys": "the timeline and stage of each customer's journey, without personal data",
    "dashboards": "sales figures by canton, model, salesperson and period, without "
                  "personal data",
}


def recipients() -> list[Recipient]:
    """Where data derived from a customer's goes: the NATS stream and its consumers get
    integration events without personal data; only the `customers` read model shows it."""
    return [
        Recipient(name=EVENTS_STREAM, kind="stream", personal_data=False,
                  description="NATS JetStream stream of integration events: ids, canton, "
                  "model, amounts, ratings and dates; never a name, e-mail, phone, street, "
                  "note or VIN"),
        Recipient(name=SCORING_CONSUMER, kind="consumer", personal_data=False,
                  description=f"reads {EVENTS_STREAM} and stores the lead score by "
                  "customer id"),
        Recipient(name=NOTIFICATIONS_CONSUMER, kind="consumer", personal_data=False,
                  description=f"reads {EVENTS_STREAM} and sends e-mails by customer id; "
                  "opens the e-mail address through the application at send time and "
                  "stores no message body"),
        Recipient(name=DLQ_STREAM, kind="stream", personal_data=False,
                  description=f"integration events a consumer could not process, kept "
                  f"for inspection (copies of {EVENTS_STREAM} messages)"),
        *(Recipient(name=model.name, kind="read_model",
                    personal_data=model.stores_personal_data,
                    description=_READ_MODEL_PURPOSE.get(model.name, "a read model"))
          for model in READ_MODELS),
    ]


def controller_of(settings: Settings) -> ControllerIdentity:
    return ControllerIdentity(name=settings.controller_name,
                              address=settings.controller_address,
                              email=settings.controller_email)


def access_reports(settings: Settings, database_url: str,
                   cis: CustomerIntelligence) -> AccessReports:
    return AccessReports(cis=cis, scores=PostgresLeadScores(database_url),
                         notifications=PostgresSentNotifications(database_url),
                         controller=controller_of(settings), recipients=recipients(),
                         policy=retention_policy(settings))
