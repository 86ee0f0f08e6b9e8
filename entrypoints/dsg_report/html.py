"""The access report as a self-contained HTML document in the person's language.

No external resources (inline CSS, no scripts, no images), printable, and autoescaped:
notes are what staff typed and may contain anything, `<script>` included. Dates are
shown in Swiss time (Europe/Zurich) and amounts in CHF, both the way the language's
Swiss locale writes them (Babel's CLDR data: de_CH, fr_CH, it_CH, rm_CH, en_CH).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

import jinja2
from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

from application.access_report import AccessReport
from domain.values import Language
from entrypoints.dsg_report.messages import CATALOGUES

__all__ = ["render_html"]

SWISS_TIME = ZoneInfo("Europe/Zurich")


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("entrypoints.dsg_report", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True)


def _currency_pattern(locale: Locale) -> str:
    """The locale's currency pattern, with a space after a leading currency code: CLDR's
    rm_CH pattern (`¤#,##0.00`) would glue it to the figure (`CHF47 500,00`)."""
    pattern: str = locale.currency_formats["standard"].pattern
    if pattern.startswith("¤") and not pattern[1:2].isspace():
        pattern = "¤\u00a0" + pattern[1:]
    return pattern


def render_html(report: AccessReport, language: Language) -> str:
    """The report in `language` (the person's own, unless the DPO chose another)."""
    catalogue = CATALOGUES[language]
    locale = Locale.parse(f"{language.value}_CH")
    labels = catalogue["labels"]

    def when(moment: datetime | None) -> str:
        if moment is None:
            return ""
        return format_datetime(moment, format="medium", tzinfo=SWISS_TIME, locale=locale)

    def day(value: date | None) -> str:
        return "" if value is None else format_date(value, format="long", locale=locale)

    currency = _currency_pattern(locale)

    def chf(rappen: int | None) -> str:
        if rappen is None:
            return ""
        return format_currency(Decimal(rappen) / 100, "CHF", format=currency, locale=locale)

    def label(group: str, code: str | None) -> str:
        return "" if code is None else labels.get(f"{group}.{code}", code)

    def number(value: float | None) -> str:
        return "" if value is None else format_decimal(value, locale=locale)

    def fields(names: list[str]) -> str:
        return ", ".join(label("field", name) for name in names)

    template = _environment().get_template("access_report.html")
    return template.render(r=report, t=catalogue["texts"], lang=language.value, when=when,
                           day=day, chf=chf, label=label, number=number,
                           fields=fields)
