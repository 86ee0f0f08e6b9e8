"""Render a notification in the customer's language: subject, plain text and HTML.

Each message is one Jinja2 template per language (`templates/<lang>/<name>.j2`) that
fills the blocks of its language's base (greeting, closing, footer), which extends a
layout given at render time: `layout.txt` for the plain-text part, `layout.html`
(autoescaped) for the HTML part. So a message is written once per language and its
two parts can never say different things. Dates are shown in Europe/Zurich time and
amounts in CHF, both formatted by Babel for the language's Swiss locale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.numbers import format_currency
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

from application.notifications import MARKETING, Template
from domain.values import Language

__all__ = ["TEMPLATES", "ZURICH", "Rendered", "Renderer", "locale_of"]

TEMPLATES = Path(__file__).parent / "templates"
ZURICH = ZoneInfo("Europe/Zurich")
# CLDR's Romansh pattern puts no space after "CHF"; the others' are as Swiss write them.
_CURRENCY_PATTERN: dict[Language, str | None] = {Language.RM: "¤ #,##0.00"}
# CLDR's fr_CH and it_CH put a comma after the weekday ("vendredi, 4 décembre"), which
# reads wrong in a sentence ("le vendredi 4 décembre à 10:15"): their general pattern.
_DATE_PATTERN: dict[Language, str] = {Language.FR: "EEEE d MMMM y", Language.IT: "EEEE d MMMM y"}


def locale_of(language: Language) -> str:
    return f"{language.value}_CH"


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str


class Renderer:
    def __init__(self, templates: Path = TEMPLATES) -> None:
        loader = FileSystemLoader(templates)
        options: dict[str, Any] = {"loader": loader, "undefined": StrictUndefined,
                                   "trim_blocks": True, "lstrip_blocks": True}
        self._text = Environment(autoescape=False, **options)  # noqa: S701 - plain text
        self._html = Environment(autoescape=True, **options)
        for env in (self._text, self._html):
            env.filters.update(money=_money, day=_day, time=_time, paragraphs=_paragraphs,
                               facts=_facts, lines=_lines)

    def render(self, template: Template, language: Language, values: dict[str, Any]) -> Rendered:
        """`values`: what the template shows (name, model, dates, amounts in Rappen)."""
        name = f"{language.value}/{template.value}.j2"
        common = {**values, "lang": language.value, "locale": locale_of(language),
                  "marketing": template in MARKETING}
        text_template = self._text.get_template(name)
        subject_block = text_template.blocks["subject"]
        subject = "".join(subject_block(text_template.new_context({**common,
                                                                    "layout": "layout.txt"})))
        text = text_template.render(**common, layout="layout.txt")
        html = self._html.get_template(name).render(**common, layout="layout.html")
        text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
        return Rendered(subject=" ".join(subject.split()), text=text, html=html)


@pass_context
def _money(context: Context, rappen: int) -> str:
    locale = context["locale"]
    pattern = _CURRENCY_PATTERN.get(Language(context["lang"]))
    return format_currency(Decimal(rappen) / 100, "CHF", format=pattern, locale=locale,
                           currency_digits=pattern is None)


@pass_context
def _day(context: Context, moment: datetime | date | str) -> str:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment) if "T" in moment else date.fromisoformat(moment)
    if isinstance(moment, datetime):
        moment = moment.astimezone(ZURICH).date()
    pattern = _DATE_PATTERN.get(Language(context["lang"]), "full")
    return format_date(moment, pattern, locale=context["locale"])


@pass_context
def _time(context: Context, moment: datetime | str) -> str:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return format_time(moment, "short", tzinfo=ZURICH, locale=context["locale"])


def _paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs (Markup stays Markup: no double escaping)."""
    return [part.strip() for part in text.split("\n\n") if part.strip()]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.strip().splitlines() if line.strip()]


def _facts(text: str) -> list[tuple[str, str]]:
    """`Label: value` lines as pairs, for the HTML table."""
    pairs = []
    for line in _lines(text):
        label, _, value = line.partition(": ")
        pairs.append((label, value))
    return pairs
