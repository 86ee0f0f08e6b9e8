"""The access report in English."""

from __future__ import annotations

from typing import Final

from entrypoints.dsg_report.messages.catalogue import Catalogue

__all__ = ["CATALOGUE"]

CATALOGUE: Final[Catalogue] = {"texts": {
    "title": "Information about your personal data",
    "intro": "This document answers your request for access under Art. 25 of the Swiss "
             "Federal Act on Data Protection (FADP). It lists all the personal data "
             "{controller} holds about you, where it came from, why it is processed, who "
             "receives data derived from it and how long it is kept.",
    "prepared_on": "Prepared on",
    "reference": "Reference",
    "controller": "Controller",
    "dpo_contact": "Contact for data protection",
    "rights": "You may ask us to correct or erase your data, or object to its processing: "
              "write to {email}.",
    "erased_heading": "Your personal data has been erased",
    "erased_text": "Your personal data was erased on {date} (carried out by {actor}).",
    "erased_reason": "Reason recorded",
    "redacted_note": "Values that were erased appear as “[redacted]”.",
    "profile": "Your data as held today",
    "profile_history": "Name and contact details, as given",
    "address_history": "Addresses",
    "preferences": "Preferences",
    "interests": "Vehicle models you are interested in",
    "touchpoints": "Contacts with you",
    "test_drives": "Test drives",
    "sales": "Offers and purchases",
    "consents": "Consents",
    "consents_now": "Consents in force today",
    "assignments": "Your contact person with us",
    "score": "Lead score (automated assessment)",
    "score_value": "Score",
    "score_none": "No score has been computed for you.",
    "score_logic": "How the score is computed",
    "score_logic_earlier": "Earlier model that computed earlier scores:",
    "score_logic_text": (
        "The score is a logistic regression model's estimate, from 0 to 100, of how "
        'likely you are to sign a contract within the next months. It is computed only if'
        ' you consented to profiling, from the facts listed in the table below, each '
        'taken from your journey with us; each fact moves the estimate up or down by its '
        'weight (the contribution). The model is fitted from the outcomes of past '
        'customers, or uses reviewed starting weights until the first fit. No decision is'
        ' taken automatically on the score: it is shown to our sales staff only, to plan '
        'whom to call first.'
    ),
    "notifications": "Messages sent to you",
    "notifications_none": "We have not sent you any messages through this system.",
    "accesses": "Who accessed your data",
    "recipients": "Who receives data derived from yours",
    "recipients_note": "Messages on our internal event stream (NATS) carry no personal "
                       "data: only ids, canton, model, amounts, ratings and dates.",
    "retention": "How long your data is kept",
    "retention_hold": "If you ask us to erase your data today, what the accounts must "
                      "keep ({fields}) is kept until {date} (Swiss Code of Obligations, "
                      "Art. 958f); everything else is erased at once.",
    "retention_no_hold": "If you ask us to erase your data today, all of it is erased at "
                         "once.",
    "purposes": "Why we process your data",
    "sources": "Where your data came from",
    "sources_text": "Each entry above names who recorded it and when: the login of the "
                    "member of our staff who entered what you told us. The company name "
                    "and UID of a business may have been checked in the Swiss commercial "
                    "register (ZEFIX).",
    "none": "None.",
    "yes": "yes",
    "no": "no",
    "col_when": "Date",
    "col_by": "Entered by",
    "col_change": "Change",
    "col_field": "Field",
    "col_value": "Value",
    "col_model": "Model",
    "col_kind": "Kind",
    "col_channel": "Channel",
    "col_note": "Note",
    "col_status": "Status",
    "col_rating": "Rating",
    "col_scheduled": "Appointment",
    "col_list_price": "List price",
    "col_price": "Price offered",
    "col_discount": "Discount",
    "col_incentives": "Incentives",
    "col_deposit": "Deposit",
    "col_final_price": "Final price",
    "col_vin": "Vehicle identification number",
    "col_delivered_on": "Delivered on",
    "col_cancel_reason": "Reason for cancelling",
    "col_purpose": "Purpose",
    "col_role": "Role",
    "col_action": "Action",
    "col_reason": "Reason",
    "col_name": "Name",
    "col_personal_data": "Holds personal data",
    "col_description": "Description",
    "col_rule": "Rule",
    "col_due_on": "Due on",
    "col_erasure_due": "Erased, without further activity, on",
    "col_next_step": "Next step",
    "col_legal_basis": "Legal basis",
    "col_contribution": 'Contribution (log-odds)',
    "col_feature": 'Feature',
    "col_weight": 'Weight',
    "col_probability": "Probability",
    "col_computed_at": "Computed on",
    "col_budget": "Budget",
    "col_salesperson": "Contact person",
    "col_subject": "Subject",
    "col_stage": "Stage",
    "budget_from": "from {minimum}",
    "budget_open": "open",
}, "labels": {
    "feature.stage": 'journey stage',
    "feature.furthest_stage": 'furthest stage reached',
    "feature.test_drive_completed": 'test drive completed',
    "feature.test_drive_rating": 'test drive rating',
    "feature.no_shows": 'missed test drives',
    "feature.cancellations": 'cancelled test drives',
    "feature.interests": 'vehicle interests',
    "feature.distinct_models": 'distinct models of interest',
    "feature.touchpoints_30d_website_visit": 'website visits in the last 30 days',
    "feature.touchpoints_30d_showroom_visit": 'showroom visits in the last 30 days',
    "feature.touchpoints_30d_configurator": 'configurator uses in the last 30 days',
    "feature.touchpoints_30d_brochure": 'brochures in the last 30 days',
    "feature.touchpoints_30d_call": 'calls in the last 30 days',
    "feature.touchpoints_30d_email": 'e-mails in the last 30 days',
    "feature.touchpoints_30d_event": 'events in the last 30 days',
    "feature.days_since_activity": 'days since the last activity',
    "feature.budget_ratio": 'budget against the list price',
    "feature.is_business": 'business customer',
    "feature.incentive_available": 'cantonal incentive available',
    "feature.lost_before": 'a sale lost before',
    "notification.test_drive_confirmation": 'test drive confirmation',
    "notification.test_drive_reminder": 'test drive reminder',
    "notification.sale_quoted": 'quote',
    "notification.contract_signed": 'contract signed',
    "notification.sale_delivered": 'delivery',
    "notification.canton_incentive": 'cantonal incentive (marketing)',
    "delivery.pending": 'pending',
    "delivery.sent": 'sent',
    "delivery.skipped": 'not sent',
    "delivery.cancelled": 'cancelled',
    "delivery.failed": 'failed',
    "field.name": "Name", "field.email": "E-mail", "field.phone": "Phone",
    "field.street": "Street", "field.postal_code": "Postal code", "field.canton": "Canton",
    "field.language": "Language", "field.kind": "Customer type",
    "field.company_name": "Company", "field.company_uid": "Company UID",
    "field.company_contact": "Contact at the company", "field.salesperson": "Contact person",
    "field.stage": "Stage", "field.registered_at": "Registered on", "field.sales": "Sales",
    "kind.private": "private", "kind.business": "business",
    "touchpoint.website_visit": "website visit", "touchpoint.showroom_visit": "showroom visit",
    "touchpoint.configurator": "configurator", "touchpoint.brochure": "brochure",
    "touchpoint.call": "call", "touchpoint.email": "e-mail", "touchpoint.event": "event",
    "channel.web": "web", "channel.showroom": "showroom", "channel.phone": "phone",
    "channel.email": "e-mail", "channel.mail": "post", "channel.event": "event",
    "channel.dealer": "dealer",
    "test_drive.booked": "booked", "test_drive.completed": "completed",
    "test_drive.cancelled": "cancelled", "test_drive.missed": "missed",
    "sale.open": "opened", "sale.quoted": "offer made", "sale.reserved": "reserved",
    "sale.contracted": "contract signed", "sale.delivered": "delivered",
    "sale.cancelled": "cancelled",
    "cancel.customer_withdrew": "you withdrew", "cancel.lost_to_competitor":
    "bought elsewhere", "cancel.financing_declined": "financing declined",
    "cancel.no_stock": "not in stock", "cancel.other": "other reason",
    "consent.marketing": "marketing", "consent.profiling": "profiling",
    "change.registered": "registration", "change.contact_changed": "contact details changed",
    "change.address_changed": "address changed",
    "change.preferences_changed": "preferences changed", "change.granted": "granted",
    "change.withdrawn": "withdrawn",
    "stage.lead": "first contact", "stage.engaged": "interested",
    "stage.test_drive": "test drive", "stage.negotiation": "in negotiation",
    "stage.reserved": "vehicle reserved", "stage.contracted": "contract signed",
    "stage.delivered": "vehicle delivered", "stage.lost": "no purchase",
    "stage.dormant": "no recent contact",
    "role.salesperson": "salesperson", "role.sales_manager": "sales manager",
    "role.auditor": "auditor", "role.dpo": "data protection officer",
    "role.admin": "administrator",
    "action.history": "read the history", "action.state": "read a past state",
    "action.export": "audit export", "action.erasure": "erasure",
    "action.access_export": "access report (this document)",
    "subject.customers": "your customer data", "subject.sales": "a sale",
    "purpose.prospecting": "advice before a purchase",
    "purpose.customer_care": "purchase and customer care",
    "purpose.books": "business records", "purpose.lead_scoring": "lead scoring",
    "purpose.marketing": "marketing",
    "purpose_text.prospecting": "Advising you as a prospective buyer of an electric "
    "vehicle: contacts, test drives, offers.",
    "purpose_text.customer_care": "Performing the purchase contract: reservation, "
    "contract, delivery and care afterwards.",
    "purpose_text.books": "Keeping the business records the law requires.",
    "purpose_text.lead_scoring": "Planning our sales work with a lead score (see above).",
    "purpose_text.marketing": "Information about offers and incentives, only while you "
    "consent.",
    "basis.prospecting": "pre-contractual measures at your request (FADP Art. 31(2)(a))",
    "basis.customer_care": "contract with you (FADP Art. 31(2)(a))",
    "basis.books": "legal obligation (Code of Obligations, Art. 958f)",
    "basis.lead_scoring": "overriding private interest (FADP Art. 31(1))",
    "basis.marketing": "your consent (FADP Art. 31(1))",
    "rule.prospecting": "Erased {months} months after the last activity, or on your "
    "request.",
    "rule.customer_care": "Erased {months} months after the last activity, or on your "
    "request; what the accounts need of a contract is kept until the end of its business "
    "year plus {years} years.",
    "rule.books": "Only what the accounts need of a contract is kept, until the end of its "
    "business year plus {years} years.",
    "next.keep": "kept", "next.erase": "erasure", "next.erase_keeping_held":
    "erasure, keeping what the accounts need", "next.end_hold": "end of the hold",
    "recipient_kind.stream": "event stream", "recipient_kind.consumer": "service",
    "recipient_kind.read_model": "internal view",
    "recipient.notifications": (
        'Sends you e-mails about your bookings and your contract, and marketing e-mails if '
        'you agreed to them; it reads your e-mail address only when sending and keeps no '
        'message text.'
    ),
    "recipient.CIS_EVENTS": "Our internal event stream: ids, canton, model, amounts, "
    "ratings and dates, never a name, e-mail, phone, street, note or vehicle number.",
    "recipient.scoring": "Computes the lead score from the event stream and stores it "
    "under your customer number.",
    "recipient.CIS_DLQ": "Copies of events a service could not process, kept for "
    "inspection.",
    "recipient.customers": "Your customer profile, which our staff search and read.",
    "recipient.journeys": "The course of your journey with us, without personal data.",
    "recipient.dashboards": "Sales figures by canton, model and period, without personal "
    "data.",
    "language.de": "German", "language.fr": "French", "language.it": "Italian",
    "language.rm": "Romansh", "language.en": "English",
}}
