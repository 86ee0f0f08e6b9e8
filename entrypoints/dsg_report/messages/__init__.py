"""The access report's words in each language the business speaks: de, fr, it, rm, en.

One typed catalogue per language: `Texts` (headings, sentences; `{name}` placeholders
are filled by the template) is a TypedDict, so mypy refuses a language that misses one;
`labels` translate the codes of the JSON document (`channel.phone`, `sale.quoted`), and
a unit test checks every code the domain knows has a label in every language. Romansh is
Rumantsch Grischun, addressing the person formally (Vus), as the other languages do.
"""

from __future__ import annotations

from typing import Final

from domain.values import Language
from entrypoints.dsg_report.messages import de, en, fr, it, rm
from entrypoints.dsg_report.messages.catalogue import Catalogue, Texts

__all__ = ["CATALOGUES", "Catalogue", "Texts"]

CATALOGUES: Final[dict[Language, Catalogue]] = {
    Language.DE: de.CATALOGUE, Language.FR: fr.CATALOGUE, Language.IT: it.CATALOGUE,
    Language.RM: rm.CATALOGUE, Language.EN: en.CATALOGUE,
}
