"""The notification consumer sends the right e-mail, in the customer's language, once.

Real parts throughout: the application writes events, they reach JetStream as the
relay publishes them, the consumer writes its outbox in Postgres, and the mail goes
over SMTP to our aiosmtpd sink, whose .eml files the tests read back.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from html import unescape
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import get_month_names

from adapters.settings import Settings
from application.notifications import Template
from application.services import CustomerIntelligence
from domain.customer_facts import ConsentPurpose
from domain.values import Canton, Email, Language, ModelCode, Money, PersonName, PostalCode
from domain.vin import VIN
from tests.factories import META, registration
from tests.mail import SettableClock, mails_to, running_notifications, wait_for

ZURICH = ZoneInfo("Europe/Zurich")
# (language, name, canton, postal code): one customer per language.
PEOPLE = [
    (Language.DE, "Anna Müller", "ZH", "8001"),
    (Language.FR, "Léa Dubois", "GE", "1204"),
    (Language.IT, "Giulia Rossi", "TI", "6900"),
    (Language.RM, "Chasper Caflisch", "GR", "7000"),
    (Language.EN, "Emma Smith", "BE", "3011"),
]
# What each language's subjects say, per template (in the order of `Template`).
SUBJECTS = {
    Language.DE: ["Probefahrt", "Erinnerung", "Offerte", "Kaufvertrag", "übergeben", "Kanton"],
    Language.FR: ["essai", "Rappel", "offre", "contrat", "remis", "canton"],
    Language.IT: ["prova su strada", "Promemoria", "offerta", "contratto", "consegnata",
                  "Cantone"],
    Language.RM: ["viadi d’emprova", "Regurdientscha", "offerta", "contract", "consegnà",
                  "chantun"],
    Language.EN: ["test drive", "Reminder", "quote", "contract", "handed over", "canton"],
}
# Babel's Swiss formats (no-break spaces where the locale puts them).
PRICE = {Language.DE: "CHF\xa048'000.00", Language.FR: "48'000,00\xa0CHF",
         Language.IT: "CHF\xa048'000.00", Language.RM: "CHF 48\u202f000,00",
         Language.EN: "CHF\xa048'000.00"}


def register(app: CustomerIntelligence, language: Language = Language.DE, name: str = "Anna Muster",
             canton: str = "ZH", postal_code: str = "8001", marketing: bool = False
             ) -> tuple[uuid.UUID, str]:
    address = f"kunde-{uuid.uuid4().hex[:10]}@example.ch"
    customer = app.register_customer(**registration(
        name=PersonName.parse(name), email=Email.parse(address), language=language,
        canton=Canton.parse(canton), postal_code=PostalCode.parse(postal_code))).id
    if marketing:
        app.grant_consent(customer, purpose=ConsentPurpose.MARKETING, meta=META)
    return customer, address


def list_model(app: CustomerIntelligence) -> ModelCode:
    code = ModelCode.parse(f"VOLTA-{uuid.uuid4().hex[:4].upper()}")
    app.put_model(code=code, name="Volta Étoile", list_price=Money(4_990_000), meta=META)
    return code


def text_and_html(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


async def test_each_trigger_sends_one_mail_in_each_language(
    settings: Settings, smtp_sink: tuple[str, Path]
) -> None:
    clock = SettableClock()
    async with running_notifications(settings, *smtp_sink, clock=clock) as harness:
        app = harness.app
        model = list_model(app)
        # In three days at 09:30 UTC: the mail must show Zurich's local time.
        at = (datetime.now(UTC) + timedelta(days=3)).replace(hour=9, minute=30, second=0,
                                                             microsecond=0)
        local = at.astimezone(ZURICH).strftime("%H:%M")
        people = []
        for language, name, canton, plz in PEOPLE:
            customer, address = register(app, language, name, canton, plz, marketing=True)
            app.book_test_drive(customer, model=model, scheduled_at=at, meta=META)
            app.put_incentive(canton=Canton.parse(canton), amount=Money(200_000),
                              description="Ohne Motorfahrzeugsteuer", meta=META)
            people.append((language, name, customer, address))
        await harness.publish()
        for _, _, _, address in people:  # confirmation and incentive: no contract yet
            await wait_for(lambda a=address: len(mails_to(harness.mail_dir, a)) == 2)
        delivered_on = date.today() + timedelta(days=10)
        for _, _, customer, _ in people:  # a sale each, through to delivery
            sale = app.open_sale(customer_id=customer, model=model, meta=META).id
            app.quote_sale(sale, price=Money(4_800_000), discount=Money(190_000),
                           incentives=Money(200_000), meta=META)
            app.sign_contract(sale, final_price=Money(4_750_000), meta=META)
            app.deliver_sale(sale, vin=VIN.parse("WVWZZZ1KZ6W000001"),
                             delivered_on=delivered_on, meta=META)
        await harness.publish()
        # The reminder is due a day before the drive: move the clock there.
        clock.set(at - timedelta(hours=24))
        harness.worker.dispatcher.wake()
        for language, name, customer, address in people:
            await wait_for(lambda a=address: len(mails_to(harness.mail_dir, a)) == 6)
            # The sink keeps a mail before it answers 250, so the last may be in the
            # mailbox a moment before its row is marked sent (with its Message-ID).
            await harness.settled(customer)
            mails = mails_to(harness.mail_dir, address)
            templates = await harness.templates_of(customer)
            by_template = {templates[m["Message-ID"]]: m for m in mails}
            assert sorted(by_template) == sorted(Template), "one mail per trigger"
            assert len(mails) == len(Template)
            for template, fragment in zip(Template, SUBJECTS[language], strict=True):
                mail = by_template[template]
                assert fragment.lower() in mail["Subject"].lower(), mail["Subject"]
                assert mail["Content-Language"] == language.value
                text, html = text_and_html(mail)
                assert name in text and name in html
            for template in (Template.TEST_DRIVE_CONFIRMATION, Template.TEST_DRIVE_REMINDER):
                text, html = text_and_html(by_template[template])
                assert "Volta Étoile" in text and local in text and local in html
                assert at.strftime("%H:%M") not in text  # never UTC
            text, html = text_and_html(by_template[Template.QUOTE])
            assert PRICE[language] in text and PRICE[language] in unescape(html)
            for amount in (chf(language, 1, 900), chf(language, 2, 0)):  # discount, incentive
                assert amount in text and amount in unescape(html)
            text, html = text_and_html(by_template[Template.CONTRACT])
            assert chf(language, 47, 500) in text and chf(language, 47, 500) in unescape(html)
            text, html = text_and_html(by_template[Template.INCENTIVE])
            assert chf(language, 2, 0) in text
            text, html = text_and_html(by_template[Template.DELIVERY])
            month = get_month_names("wide", "format", locale=f"{language.value}_CH")
            for part in (str(delivered_on.day), month[delivered_on.month],
                         str(delivered_on.year)):
                assert part in text and part in unescape(html)


def chf(language: Language, thousands: int, rest: int) -> str:
    """An amount of CHF as Babel writes it for the language's Swiss locale."""
    if language is Language.FR:
        return f"{thousands}'{rest:03d},00\xa0CHF"
    if language is Language.RM:
        return f"CHF {thousands}\u202f{rest:03d},00"
    return f"CHF\xa0{thousands}'{rest:03d}.00"
