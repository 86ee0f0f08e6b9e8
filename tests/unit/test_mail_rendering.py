"""Every template renders in every language: subject, text and HTML say the same."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.mail.composing import compose
from adapters.mail.rendering import Renderer
from application.notifications import Template
from domain.values import Language

VALUES = {"name": "Anna <script>Muster</script> & Co", "model": "Volta", "list_price": 4_990_000,
          "scheduled_at": "2026-07-04T08:15:00+00:00", "price": 4_800_000,
          "discount": 190_000, "incentives": 0, "final_price": 4_750_000,
          "delivered_on": "2027-02-01", "canton": "Zürich", "amount": 0,
          "description": "Keine Steuer <b>2027</b>", "reply_to": "verkauf@cis.example"}
RENDERER = Renderer()


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("template", list(Template))
def test_each_template_renders_in_each_language(template: Template, language: Language) -> None:
    rendered = RENDERER.render(template, language, VALUES)
    assert rendered.subject and "\n" not in rendered.subject
    assert "Anna <script>Muster</script> & Co" in rendered.text  # plain text: as it is
    assert "<script>" not in rendered.html  # HTML: escaped
    assert "Anna &lt;script&gt;Muster&lt;/script&gt; &amp; Co" in rendered.html
    assert f'<html lang="{language.value}">' in rendered.html
    if template in (Template.TEST_DRIVE_CONFIRMATION, Template.TEST_DRIVE_REMINDER):
        assert "10:15" in rendered.text  # summer time in Zurich, not 08:15 UTC
        assert "08:15" not in rendered.text


def test_amounts_are_in_swiss_formats() -> None:
    de = RENDERER.render(Template.CONTRACT, Language.DE, VALUES).text
    fr = RENDERER.render(Template.CONTRACT, Language.FR, VALUES).text
    rm = RENDERER.render(Template.CONTRACT, Language.RM, VALUES).text
    assert "CHF\xa047'500.00" in de and "47'500,00\xa0CHF" in fr and "CHF 47\u202f500,00" in rm


def test_an_email_has_a_text_and_an_html_part_and_the_given_message_id() -> None:
    rendered = RENDERER.render(Template.QUOTE, Language.IT, VALUES)
    message = compose(rendered, sender="CIS <no-reply@cis.example>", to_name="Anna",
                      to_email="anna@example.ch", message_id="<x@cis.example>",
                      language="it", sent_at=datetime(2026, 12, 1, tzinfo=UTC),
                      reply_to="verkauf@cis.example", marketing=False)
    assert message["Message-ID"] == "<x@cis.example>"
    assert message["Reply-To"] == "verkauf@cis.example"  # a reply reaches somebody
    assert message["List-Unsubscribe"] is None  # a service mail is no list
    assert message["Content-Language"] == "it"
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain", "text/html"]


def _text(template: Template, language: Language) -> tuple[str, str]:
    values = {**VALUES, "name": "Anna Muster", "scheduled_at": "2026-12-04T09:15:00+00:00",
              "incentives": 200_000, "amount": 200_000}
    rendered = RENDERER.render(template, language, values)
    return rendered.subject, rendered.text


@pytest.mark.parametrize(("template", "language", "in_subject", "in_text"), [
    # German: the date is an apposition, closed by a comma; deducted *from* the price.
    (Template.TEST_DRIVE_CONFIRMATION, Language.DE, "bestätigt",
     "am Freitag, 4. Dezember 2026, um 10:15 Uhr."),
    (Template.DELIVERY, Language.DE, "Ihr Volta wurde Ihnen übergeben",
     "Am Montag, 1. Februar 2027, haben wir Ihnen Ihren Volta übergeben."),
    (Template.QUOTE, Language.DE, "Offerte", "er ist nicht vom Preis abgezogen"),
    # French and Italian running text: no comma after the weekday.
    (Template.TEST_DRIVE_CONFIRMATION, Language.FR, "confirmé",
     "le vendredi 4 décembre 2026 à 10:15."),
    # "Remise" alone reads as a discount in a sale's mail; a car's name has no fixed
    # gender, so nothing agrees with it.
    (Template.DELIVERY, Language.FR, "Remise de votre Volta", "Date de remise: lundi 1 février"),
    (Template.CONTRACT, Language.FR, "signé", "Félicitations pour l’achat de votre Volta!"),
    (Template.TEST_DRIVE_CONFIRMATION, Language.IT, "confermata",
     "per venerdì 4 dicembre 2026 alle ore 10:15."),
    (Template.CONTRACT, Language.IT, "è stato firmato", "Il contratto d’acquisto è stato firmato."),
    (Template.DELIVERY, Language.IT, "consegnata",
     "Le abbiamo consegnato la Sua Volta lunedì 1 febbraio 2027."),
    # Romansh (Rumantsch Grischun): elision before a vowel; a plain "if you cannot come".
    (Template.TEST_DRIVE_REMINDER, Language.RM, "Regurdientscha",
     "N’emblidai betg Voss permiss da manischar. Sche Vus na pudais betg vegnir,"),
    (Template.TEST_DRIVE_CONFIRMATION, Language.RM, "confermà",
     "per venderdi, ils 4 da december 2026, a las 10:15."),
    # Looking forward to a visit is "sa legrar sin" ("da" is being glad about a thing).
    (Template.TEST_DRIVE_CONFIRMATION, Language.RM, "confermà",
     "Nus ans legrain sin Vossa visita."),
    (Template.INCENTIVE, Language.RM, "Novitad: il chantun", "sustegna la cumpra"),
])
def test_the_wording_reads_right_to_a_native_reader(
    template: Template, language: Language, in_subject: str, in_text: str
) -> None:
    subject, text = _text(template, language)
    assert in_subject in subject
    assert in_text in text


@pytest.mark.parametrize(("language", "tomorrow", "today"), [
    (Language.DE, "morgen", "heute"), (Language.FR, "demain", "aujourd’hui"),
    (Language.IT, "domani", "oggi"), (Language.RM, "damaun", "oz"),
    (Language.EN, "tomorrow", "today")])
def test_a_reminder_says_tomorrow_on_time_and_today_when_late(
    language: Language, tomorrow: str, today: str
) -> None:
    on_time = RENDERER.render(Template.TEST_DRIVE_REMINDER, language, VALUES)
    late = RENDERER.render(Template.TEST_DRIVE_REMINDER, language, {**VALUES, "today": True})
    assert f" {tomorrow} " in on_time.subject and f" {tomorrow}," in on_time.text
    assert f" {today} " in late.subject and f" {today}," in late.text
    assert tomorrow not in late.subject + late.text


@pytest.mark.parametrize("language", list(Language))
def test_a_marketing_mail_says_how_to_unsubscribe_in_its_footer_and_header(
        language: Language) -> None:
    values = {**VALUES, "name": "Anna Muster", "amount": 200_000,
              "reply_to": "verkauf@cis.example"}
    rendered = RENDERER.render(Template.INCENTIVE, language, values)
    assert "verkauf@cis.example" in rendered.text and "verkauf@cis.example" in rendered.html
    message = compose(rendered, sender="CIS <no-reply@cis.example>", to_name="Anna",
                      to_email="anna@example.ch", message_id="<y@cis.example>",
                      language=language.value, sent_at=datetime(2026, 12, 1, tzinfo=UTC),
                      reply_to="verkauf@cis.example", marketing=True)
    assert message["List-Unsubscribe"] == "<mailto:verkauf@cis.example?subject=unsubscribe>"
    assert message["Reply-To"] == "verkauf@cis.example"
