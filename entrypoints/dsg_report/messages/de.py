"""The access report in German."""

from __future__ import annotations

from typing import Final

from entrypoints.dsg_report.messages.catalogue import Catalogue

__all__ = ["CATALOGUE"]

CATALOGUE: Final[Catalogue] = {"texts": {
    "title": "Auskunft über Ihre Personendaten",
    "intro": "Dieses Dokument beantwortet Ihr Auskunftsbegehren nach Art. 25 des "
             "Bundesgesetzes über den Datenschutz (DSG). Es führt alle Personendaten auf, "
             "die {controller} über Sie bearbeitet, woher sie stammen, wozu sie bearbeitet "
             "werden, wer daraus abgeleitete Daten erhält und wie lange sie aufbewahrt "
             "werden.",
    "prepared_on": "Erstellt am",
    "reference": "Referenz",
    "controller": "Verantwortliche",
    "dpo_contact": "Kontakt für den Datenschutz",
    "rights": "Sie können verlangen, dass wir Ihre Daten berichtigen oder löschen, oder "
              "der Bearbeitung widersprechen: schreiben Sie an {email}.",
    "erased_heading": "Ihre Personendaten wurden gelöscht",
    "erased_text": "Ihre Personendaten wurden am {date} gelöscht (ausgeführt von {actor}).",
    "erased_reason": "Festgehaltener Grund",
    "redacted_note": "Gelöschte Werte erscheinen als «[redacted]».",
    "profile": "Ihre Daten, wie sie heute gespeichert sind",
    "profile_history": "Name und Kontaktangaben, wie angegeben",
    "address_history": "Adressen",
    "preferences": "Präferenzen",
    "interests": "Fahrzeugmodelle, die Sie interessieren",
    "touchpoints": "Kontakte mit Ihnen",
    "test_drives": "Probefahrten",
    "sales": "Offerten und Käufe",
    "consents": "Einwilligungen",
    "consents_now": "Heute gültige Einwilligungen",
    "assignments": "Ihre Ansprechperson bei uns",
    "score": "Lead-Score (automatisierte Bewertung)",
    "score_value": "Score",
    "score_none": "Für Sie wurde kein Score berechnet.",
    "score_logic": "Wie der Score berechnet wird",
    "score_logic_earlier": "Früheres Modell, mit dem frühere Scores berechnet wurden:",
    "score_logic_text": (
        'Der Score ist die Schätzung eines logistischen Regressionsmodells, von 0 bis '
        '100, wie wahrscheinlich Sie in den nächsten Monaten einen Vertrag unterzeichnen.'
        ' Er wird nur berechnet, wenn Sie in das Profiling eingewilligt haben, aus den '
        'Angaben der Tabelle unten, jede aus Ihrem Weg mit uns; jede Angabe hebt oder '
        'senkt die Schätzung um ihr Gewicht (den Beitrag). Das Modell wird aus dem '
        'Ausgang früherer Kundenbeziehungen angepasst, bis zur ersten Anpassung gelten '
        'geprüfte Anfangsgewichte. Gestützt auf den Score wird keine Entscheidung '
        'automatisch getroffen: Er wird nur unserem Verkaufsteam angezeigt, um zu planen,'
        ' wen es zuerst anruft.'
    ),
    "notifications": "Nachrichten an Sie",
    "notifications_none": "Wir haben Ihnen über dieses System keine Nachrichten gesendet.",
    "accesses": "Wer auf Ihre Daten zugegriffen hat",
    "recipients": "Wer aus Ihren Daten abgeleitete Daten erhält",
    "recipients_note": "Nachrichten in unserem internen Ereignisstrom (NATS) enthalten "
                       "keine Personendaten: nur Kennungen, Kanton, Modell, Beträge, "
                       "Bewertungen und Daten.",
    "retention": "Wie lange Ihre Daten aufbewahrt werden",
    "retention_hold": "Verlangen Sie heute die Löschung, wird aufbewahrt, was die "
                      "Buchhaltung behalten muss ({fields}), bis am {date} (Art. 958f OR); "
                      "alles andere wird sofort gelöscht.",
    "retention_no_hold": "Verlangen Sie heute die Löschung, wird alles sofort gelöscht.",
    "purposes": "Wozu wir Ihre Daten bearbeiten",
    "sources": "Woher Ihre Daten stammen",
    "sources_text": "Jeder Eintrag oben nennt, wer ihn wann erfasst hat: das Login der "
                    "Mitarbeiterin oder des Mitarbeiters, die oder der Ihre Angaben "
                    "eingetragen hat. Firmenname und UID eines Unternehmens wurden "
                    "allenfalls im Handelsregister (ZEFIX) geprüft.",
    "none": "Keine.",
    "yes": "ja",
    "no": "nein",
    "col_when": "Datum",
    "col_by": "Erfasst von",
    "col_change": "Änderung",
    "col_field": "Feld",
    "col_value": "Wert",
    "col_model": "Modell",
    "col_kind": "Art",
    "col_channel": "Kanal",
    "col_note": "Notiz",
    "col_status": "Status",
    "col_rating": "Bewertung",
    "col_scheduled": "Termin",
    "col_list_price": "Listenpreis",
    "col_price": "Offertpreis",
    "col_discount": "Rabatt",
    "col_incentives": "Förderbeiträge",
    "col_deposit": "Anzahlung",
    "col_final_price": "Endpreis",
    "col_vin": "Fahrzeug-Identifizierungsnummer",
    "col_delivered_on": "Geliefert am",
    "col_cancel_reason": "Grund der Annullierung",
    "col_purpose": "Zweck",
    "col_role": "Rolle",
    "col_action": "Tätigkeit",
    "col_reason": "Grund",
    "col_name": "Name",
    "col_personal_data": "Enthält Personendaten",
    "col_description": "Beschreibung",
    "col_rule": "Regel",
    "col_due_on": "Fällig am",
    "col_erasure_due": "Gelöscht ohne weitere Aktivität am",
    "col_next_step": "Nächster Schritt",
    "col_legal_basis": "Rechtsgrundlage",
    "col_contribution": 'Beitrag (Log-Odds)',
    "col_feature": 'Merkmal',
    "col_weight": 'Gewicht',
    "col_probability": "Wahrscheinlichkeit",
    "col_computed_at": "Berechnet am",
    "col_budget": "Budget",
    "col_salesperson": "Ansprechperson",
    "col_subject": "Betreff",
    "col_stage": "Phase",
    "budget_from": "ab {minimum}",
    "budget_open": "offen",
}, "labels": {
    "feature.stage": 'Phase',
    "feature.furthest_stage": 'weiteste erreichte Phase',
    "feature.test_drive_completed": 'Probefahrt gemacht',
    "feature.test_drive_rating": 'Bewertung der Probefahrt',
    "feature.no_shows": 'verpasste Probefahrten',
    "feature.cancellations": 'abgesagte Probefahrten',
    "feature.interests": 'Fahrzeuginteressen',
    "feature.distinct_models": 'verschiedene Modelle im Interesse',
    "feature.touchpoints_30d_website_visit": 'Besuche der Website in den letzten 30 Tagen',
    "feature.touchpoints_30d_showroom_visit": 'Besuche im Showroom in den letzten 30 Tagen',
    "feature.touchpoints_30d_configurator": 'Konfigurationen in den letzten 30 Tagen',
    "feature.touchpoints_30d_brochure": 'Broschüren in den letzten 30 Tagen',
    "feature.touchpoints_30d_call": 'Anrufe in den letzten 30 Tagen',
    "feature.touchpoints_30d_email": 'E-Mails in den letzten 30 Tagen',
    "feature.touchpoints_30d_event": 'Veranstaltungen in den letzten 30 Tagen',
    "feature.days_since_activity": 'Tage seit dem letzten Kontakt',
    "feature.budget_ratio": 'Budget im Verhältnis zum Listenpreis',
    "feature.is_business": 'Geschäftskunde',
    "feature.incentive_available": 'kantonaler Förderbeitrag verfügbar',
    "feature.lost_before": 'früher ein Verkauf nicht zustande gekommen',
    "notification.test_drive_confirmation": 'Bestätigung der Probefahrt',
    "notification.test_drive_reminder": 'Erinnerung an die Probefahrt',
    "notification.sale_quoted": 'Offerte',
    "notification.contract_signed": 'Vertrag unterzeichnet',
    "notification.sale_delivered": 'Auslieferung',
    "notification.canton_incentive": 'Kantonaler Förderbeitrag (Werbung)',
    "delivery.pending": 'ausstehend',
    "delivery.sent": 'versandt',
    "delivery.skipped": 'nicht versandt',
    "delivery.cancelled": 'storniert',
    "delivery.failed": 'fehlgeschlagen',
    "field.name": "Name", "field.email": "E-Mail", "field.phone": "Telefon",
    "field.street": "Strasse", "field.postal_code": "Postleitzahl", "field.canton": "Kanton",
    "field.language": "Sprache", "field.kind": "Kundenart", "field.company_name": "Firma",
    "field.company_uid": "UID der Firma", "field.company_contact": "Kontakt in der Firma",
    "field.salesperson": "Ansprechperson", "field.stage": "Phase",
    "field.registered_at": "Registriert am", "field.sales": "Verkäufe",
    "kind.private": "Privatkunde", "kind.business": "Geschäftskunde",
    "touchpoint.website_visit": "Besuch der Website",
    "touchpoint.showroom_visit": "Besuch im Showroom",
    "touchpoint.configurator": "Konfigurator", "touchpoint.brochure": "Broschüre",
    "touchpoint.call": "Anruf", "touchpoint.email": "E-Mail",
    "touchpoint.event": "Veranstaltung",
    "channel.web": "Web", "channel.showroom": "Showroom", "channel.phone": "Telefon",
    "channel.email": "E-Mail", "channel.mail": "Post", "channel.event": "Veranstaltung",
    "channel.dealer": "Händler",
    "test_drive.booked": "gebucht", "test_drive.completed": "durchgeführt",
    "test_drive.cancelled": "abgesagt", "test_drive.missed": "nicht erschienen",
    "sale.open": "eröffnet", "sale.quoted": "Offerte gestellt", "sale.reserved": "reserviert",
    "sale.contracted": "Vertrag unterzeichnet", "sale.delivered": "geliefert",
    "sale.cancelled": "annulliert",
    "cancel.customer_withdrew": "von Ihnen zurückgezogen",
    "cancel.lost_to_competitor": "anderswo gekauft",
    "cancel.financing_declined": "Finanzierung abgelehnt",
    "cancel.no_stock": "nicht an Lager", "cancel.other": "anderer Grund",
    "consent.marketing": "Marketing", "consent.profiling": "Profiling",
    "change.registered": "Registrierung", "change.contact_changed": "Kontaktangaben geändert",
    "change.address_changed": "Adresse geändert",
    "change.preferences_changed": "Präferenzen geändert", "change.granted": "erteilt",
    "change.withdrawn": "widerrufen",
    "stage.lead": "Erstkontakt", "stage.engaged": "interessiert",
    "stage.test_drive": "Probefahrt", "stage.negotiation": "Verhandlung",
    "stage.reserved": "reserviert", "stage.contracted": "Vertrag unterzeichnet",
    "stage.delivered": "geliefert", "stage.lost": "kein Kauf",
    "stage.dormant": "kein Kontakt in letzter Zeit",
    "role.salesperson": "Verkauf", "role.sales_manager": "Verkaufsleitung",
    "role.auditor": "Revision", "role.dpo": "Datenschutzberatung",
    "role.admin": "Administration",
    "action.history": "Verlauf gelesen", "action.state": "früheren Stand gelesen",
    "action.export": "Revisionsexport", "action.erasure": "Löschung",
    "action.access_export": "Auskunft (dieses Dokument)",
    "subject.customers": "Ihre Kundendaten", "subject.sales": "ein Verkauf",
    "purpose.prospecting": "Beratung vor dem Kauf",
    "purpose.customer_care": "Kauf und Kundenbetreuung",
    "purpose.books": "Geschäftsbücher", "purpose.lead_scoring": "Lead-Scoring",
    "purpose.marketing": "Marketing",
    "purpose_text.prospecting": "Beratung beim Kauf eines Elektrofahrzeugs: Kontakte, "
    "Probefahrten, Offerten.",
    "purpose_text.customer_care": "Erfüllung des Kaufvertrags: Reservation, Vertrag, "
    "Lieferung und Betreuung danach.",
    "purpose_text.books": "Führen der Geschäftsbücher, wie das Gesetz es verlangt.",
    "purpose_text.lead_scoring": "Planung unserer Verkaufsarbeit mit einem Lead-Score "
    "(siehe oben).",
    "purpose_text.marketing": "Informationen über Angebote und Förderbeiträge, nur mit "
    "Ihrer Einwilligung.",
    "basis.prospecting": "vorvertragliche Massnahmen auf Ihren Wunsch (Art. 31 Abs. 2 "
    "Bst. a DSG)",
    "basis.customer_care": "Vertrag mit Ihnen (Art. 31 Abs. 2 Bst. a DSG)",
    "basis.books": "gesetzliche Pflicht (Art. 958f OR)",
    "basis.lead_scoring": "überwiegendes privates Interesse (Art. 31 Abs. 1 DSG)",
    "basis.marketing": "Ihre Einwilligung (Art. 31 Abs. 1 DSG)",
    "rule.prospecting": "Gelöscht {months} Monate nach der letzten Aktivität, oder auf "
    "Ihren Wunsch.",
    "rule.customer_care": "Gelöscht {months} Monate nach der letzten Aktivität, oder auf "
    "Ihren Wunsch; was die Buchhaltung von einem Vertrag braucht, bleibt bis zum Ende "
    "seines Geschäftsjahres plus {years} Jahre.",
    "rule.books": "Nur was die Buchhaltung von einem Vertrag braucht, bleibt, bis zum Ende "
    "seines Geschäftsjahres plus {years} Jahre.",
    "next.keep": "aufbewahrt", "next.erase": "Löschung",
    "next.erase_keeping_held": "Löschung ausser dem, was die Buchhaltung braucht",
    "next.end_hold": "Ende der Aufbewahrungspflicht",
    "recipient_kind.stream": "Ereignisstrom", "recipient_kind.consumer": "Dienst",
    "recipient_kind.read_model": "interne Ansicht",
    "recipient.notifications": (
        'Sendet Ihnen E-Mails zu Ihren Buchungen und Ihrem Vertrag, und Werbe-E-Mails, wenn '
        'Sie eingewilligt haben; er liest Ihre E-Mail-Adresse erst beim Versand und speichert'
        ' keinen Nachrichtentext.'
    ),
    "recipient.CIS_EVENTS": "Unser interner Ereignisstrom: Kennungen, Kanton, Modell, "
    "Beträge, Bewertungen und Daten, nie ein Name, eine E-Mail-Adresse, Telefonnummer, "
    "Strasse, Notiz oder Fahrzeugnummer.",
    "recipient.scoring": "Berechnet den Lead-Score aus dem Ereignisstrom und speichert ihn "
    "unter Ihrer Kundennummer.",
    "recipient.CIS_DLQ": "Kopien von Ereignissen, die ein Dienst nicht verarbeiten konnte, "
    "zur Prüfung aufbewahrt.",
    "recipient.customers": "Ihr Kundenprofil, das unser Team sucht und liest.",
    "recipient.journeys": "Der Verlauf Ihres Wegs mit uns, ohne Personendaten.",
    "recipient.dashboards": "Verkaufszahlen nach Kanton, Modell und Zeitraum, ohne "
    "Personendaten.",
    "language.de": "Deutsch", "language.fr": "Französisch", "language.it": "Italienisch",
    "language.rm": "Rätoromanisch", "language.en": "Englisch",
}}
