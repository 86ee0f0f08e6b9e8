"""The DSG requests reach the notification consumer's store: the access report lists
what was sent and what is due, and the erasure cancels what is still to be sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.settings import Settings
from entrypoints.dsg_report.wiring import access_reports
from entrypoints.dsg_wiring import build_dsg
from tests.factories import META
from tests.integration.test_notifications import list_model, register
from tests.mail import mails_to, running_notifications, wait_for


async def test_the_report_lists_the_mails_and_the_erasure_cancels_the_pending_reminder(
    settings: Settings, smtp_sink: tuple[str, Path]
) -> None:
    async with running_notifications(settings, *smtp_sink) as harness:
        app, own = harness.app, harness.settings
        customer, address = register(app)
        app.book_test_drive(customer, model=list_model(app),
                            scheduled_at=datetime.now(UTC).replace(microsecond=0)
                            + timedelta(days=3), meta=META)
        await harness.publish()
        await wait_for(lambda: len(mails_to(harness.mail_dir, address)) == 1)
        await harness.settled(customer)  # marked sent a moment after the sink has it
        assert own.database_url is not None

        report = access_reports(own, own.database_url, app).export(
            customer, reason="request 12", meta=META)
        assert [(n.kind, n.status) for n in report.notifications] == [
            ("test_drive_confirmation", "sent"), ("test_drive_reminder", "pending")]
        sent = report.notifications[0]
        assert sent.language == "de" and sent.message_id and sent.finished_at is not None

        dsg = build_dsg(own, app)
        try:
            erased = dsg.erasures.erase(customer, meta=META, reason="request 12")
        finally:
            dsg.close()
        assert erased.notifications.pending_cancelled == 1
        assert erased.notifications.bodies_deleted == 0

        after = access_reports(own, own.database_url, app).export(
            customer, reason="request 12", meta=META)
        assert [(n.kind, n.status) for n in after.notifications] == [
            ("test_drive_confirmation", "sent"), ("test_drive_reminder", "cancelled")]
