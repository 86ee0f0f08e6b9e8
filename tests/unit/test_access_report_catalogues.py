"""Every language of the access report names every code the document can hold: a code
the domain knows but a catalogue misses would show up untranslated in a letter."""

from __future__ import annotations

import string

import pytest

from application.access_report import Recipient
from application.dsg_access import processing_purposes
from application.notifications import Template
from domain.customer_facts import (
    Channel,
    ConsentPurpose,
    CustomerKind,
    TestDriveStatus,
    TouchpointKind,
)
from domain.journey import Stage
from domain.lead_features import FEATURES
from domain.retention import HELD_FIELDS, Action, Purpose
from domain.sale import CancelReason, SaleStatus
from domain.values import Language
from entrypoints.dsg_report.messages import CATALOGUES
from entrypoints.dsg_report.wiring import recipients
from entrypoints.http.auth import Role


def _codes() -> set[str]:
    codes = {f"kind.{k}" for k in CustomerKind} | {f"touchpoint.{k}" for k in TouchpointKind}
    codes |= {f"channel.{c}" for c in Channel} | {f"test_drive.{s}" for s in TestDriveStatus}
    codes |= {f"sale.{s}" for s in SaleStatus} | {f"cancel.{r}" for r in CancelReason}
    codes |= {f"consent.{p}" for p in ConsentPurpose} | {f"stage.{s}" for s in Stage}
    codes |= {f"role.{r}" for r in Role}
    codes |= {f"language.{lang}" for lang in Language} | {f"next.{a}" for a in Action}
    codes |= {f"purpose.{p}" for p in Purpose} | {f"rule.{p}" for p in Purpose}
    codes |= {f"field.{f}" for f in HELD_FIELDS}
    codes |= {f"notification.{t}" for t in Template}
    codes |= {f"delivery.{s}" for s in ("pending", "sent", "skipped", "cancelled", "failed")}
    codes |= {f"change.{c}" for c in ("registered", "contact_changed", "address_changed",
                                      "preferences_changed", "granted", "withdrawn")}
    codes |= {f"action.{a}" for a in ("history", "state", "export", "erasure",
                                      "access_export")}
    codes |= {f"{group}.{p.code}" for p in processing_purposes()
              for group in ("purpose", "purpose_text", "basis")}
    codes |= {f"feature.{f.name}" for f in FEATURES}
    found: list[Recipient] = recipients()
    codes |= {f"recipient.{r.name}" for r in found} | {f"recipient_kind.{r.kind}"
                                                        for r in found}
    return codes


@pytest.mark.parametrize("language", list(Language))
def test_every_code_has_a_label(language: Language) -> None:
    labels = CATALOGUES[language]["labels"]

    assert sorted(_codes() - labels.keys()) == []
    assert all(text.strip() for text in labels.values())


@pytest.mark.parametrize("language", list(Language))
def test_every_language_has_the_same_labels_and_placeholders(language: Language) -> None:
    english = CATALOGUES[Language.EN]

    def placeholders(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    catalogue = CATALOGUES[language]
    assert catalogue["labels"].keys() == english["labels"].keys()
    for key, text in english["texts"].items():
        assert placeholders(catalogue["texts"][key]) == placeholders(text), key  # type: ignore[literal-required]
    for key, text in english["labels"].items():
        assert placeholders(catalogue["labels"][key]) == placeholders(text), key
