"""The shape of a language's catalogue: `Texts` (headings and sentences) and `labels`."""

from __future__ import annotations

from typing import TypedDict

__all__ = ["Catalogue", "Texts"]


class Texts(TypedDict):
    title: str
    intro: str
    prepared_on: str
    reference: str
    controller: str
    dpo_contact: str
    rights: str
    erased_heading: str
    erased_text: str
    erased_reason: str
    redacted_note: str
    profile: str
    profile_history: str
    address_history: str
    preferences: str
    interests: str
    touchpoints: str
    test_drives: str
    sales: str
    consents: str
    consents_now: str
    assignments: str
    score: str
    score_value: str
    score_none: str
    score_logic: str
    score_logic_earlier: str
    score_logic_text: str
    notifications: str
    notifications_none: str
    accesses: str
    recipients: str
    recipients_note: str
    retention: str
    retention_hold: str
    retention_no_hold: str
    purposes: str
    sources: str
    sources_text: str
    none: str
    yes: str
    no: str
    col_when: str
    col_by: str
    col_change: str
    col_field: str
    col_value: str
    col_model: str
    col_kind: str
    col_channel: str
    col_note: str
    col_status: str
    col_rating: str
    col_scheduled: str
    col_list_price: str
    col_price: str
    col_discount: str
    col_incentives: str
    col_deposit: str
    col_final_price: str
    col_vin: str
    col_delivered_on: str
    col_cancel_reason: str
    col_purpose: str
    col_role: str
    col_action: str
    col_reason: str
    col_name: str
    col_personal_data: str
    col_description: str
    col_rule: str
    col_due_on: str
    col_erasure_due: str
    col_next_step: str
    col_legal_basis: str
    col_contribution: str
    col_feature: str
    col_weight: str
    col_probability: str
    col_computed_at: str
    col_budget: str
    col_salesperson: str
    col_subject: str
    col_stage: str
    budget_from: str
    budget_open: str


class Catalogue(TypedDict):
    texts: Texts
    labels: dict[str, str]
