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
          "description": "Keine Steuer <b>2027</b>"}
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
                      language="it", sent_at=datetime(2026, 12, 1, tzinfo=UTC))
    assert message["Message-ID"] == "<x@cis.example>"
    assert message["Content-Language"] == "it"
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain", "text/html"]
