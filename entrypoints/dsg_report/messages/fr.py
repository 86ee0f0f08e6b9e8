"""The access report in French."""

from __future__ import annotations

from typing import Final

from entrypoints.dsg_report.messages.catalogue import Catalogue

__all__ = ["CATALOGUE"]

CATALOGUE: Final[Catalogue] = {"texts": {
    "title": "Renseignements sur vos données personnelles",
    "intro": "Ce document répond à votre demande d'accès selon l'art. 25 de la loi "
             "fédérale sur la protection des données (LPD). Il énumère toutes les données "
             "personnelles que {controller} traite à votre sujet, leur provenance, les fins "
             "du traitement, qui reçoit des données qui en sont dérivées et combien de "
             "temps elles sont conservées.",
    "prepared_on": "Établi le",
    "reference": "Référence",
    "controller": "Responsable du traitement",
    "dpo_contact": "Contact pour la protection des données",
    "rights": "Vous pouvez nous demander de rectifier ou d'effacer vos données, ou vous "
              "opposer à leur traitement : écrivez à {email}.",
    "erased_heading": "Vos données personnelles ont été effacées",
    "erased_text": "Vos données personnelles ont été effacées le {date} (par {actor}).",
    "erased_reason": "Motif consigné",
    "redacted_note": "Les valeurs effacées apparaissent comme « [redacted] ».",
    "profile": "Vos données telles qu'enregistrées aujourd'hui",
    "profile_history": "Nom et coordonnées, tels qu'indiqués",
    "address_history": "Adresses",
    "preferences": "Préférences",
    "interests": "Modèles de véhicules qui vous intéressent",
    "touchpoints": "Contacts avec vous",
    "test_drives": "Essais routiers",
    "sales": "Offres et achats",
    "consents": "Consentements",
    "consents_now": "Consentements en vigueur aujourd'hui",
    "assignments": "Votre interlocuteur chez nous",
    "score": "Score de prospect (évaluation automatisée)",
    "score_value": "Score",
    "score_none": "Aucun score n'a été calculé pour vous.",
    "score_logic": "Comment le score est calculé",
    "score_logic_earlier": "Modèle antérieur, qui a calculé des scores précédents :",
    "score_logic_text": (
        "Le score est l'estimation, de 0 à 100, par un modèle de régression logistique, "
        "de la probabilité que vous signiez un contrat dans les prochains mois. Il n'est "
        'calculé que si vous avez consenti au profilage, à partir des éléments du tableau'
        ' ci-dessous, tous tirés de votre parcours avec nous ; chaque élément fait monter'
        " ou baisser l'estimation selon son poids (la contribution). Le modèle est ajusté"
        " sur l'issue des relations avec d'anciens clients ; avant le premier ajustement,"
        " des poids initiaux vérifiés s'appliquent. Aucune décision n'est prise "
        "automatiquement sur la base du score : il n'est montré qu'à notre équipe de "
        'vente, pour planifier qui appeler en premier.'
    ),
    "notifications": "Messages qui vous ont été envoyés",
    "notifications_none": "Nous ne vous avons envoyé aucun message par ce système.",
    "accesses": "Qui a consulté vos données",
    "recipients": "Qui reçoit des données dérivées des vôtres",
    "recipients_note": "Les messages de notre flux d'événements interne (NATS) ne "
                       "contiennent aucune donnée personnelle : seulement des "
                       "identifiants, le canton, le modèle, des montants, des évaluations "
                       "et des dates.",
    "retention": "Combien de temps vos données sont conservées",
    "retention_hold": "Si vous demandez aujourd'hui l'effacement de vos données, ce que la "
                      "comptabilité doit garder ({fields}) est conservé jusqu'au {date} "
                      "(art. 958f CO) ; tout le reste est effacé immédiatement.",
    "retention_no_hold": "Si vous demandez aujourd'hui l'effacement de vos données, tout "
                         "est effacé immédiatement.",
    "purposes": "Pourquoi nous traitons vos données",
    "sources": "D'où proviennent vos données",
    "sources_text": "Chaque entrée ci-dessus indique qui l'a saisie et quand : "
                    "l'identifiant de la collaboratrice ou du collaborateur qui a "
                    "enregistré ce que vous nous avez communiqué. La raison sociale et "
                    "l'IDE d'une entreprise ont pu être vérifiées au registre du commerce "
                    "(ZEFIX).",
    "none": "Aucun.",
    "yes": "oui",
    "no": "non",
    "col_when": "Date",
    "col_by": "Saisi par",
    "col_change": "Modification",
    "col_field": "Champ",
    "col_value": "Valeur",
    "col_model": "Modèle",
    "col_kind": "Type",
    "col_channel": "Canal",
    "col_note": "Note",
    "col_status": "Statut",
    "col_rating": "Évaluation",
    "col_scheduled": "Rendez-vous",
    "col_list_price": "Prix catalogue",
    "col_price": "Prix offert",
    "col_discount": "Rabais",
    "col_incentives": "Subventions",
    "col_deposit": "Acompte",
    "col_final_price": "Prix final",
    "col_vin": "Numéro d'identification du véhicule",
    "col_delivered_on": "Livré le",
    "col_cancel_reason": "Motif de l'annulation",
    "col_purpose": "Finalité",
    "col_role": "Rôle",
    "col_action": "Action",
    "col_reason": "Motif",
    "col_name": "Nom",
    "col_personal_data": "Contient des données personnelles",
    "col_description": "Description",
    "col_rule": "Règle",
    "col_due_on": "Échéance",
    "col_erasure_due": "Effacées, sans autre activité, le",
    "col_next_step": "Prochaine étape",
    "col_legal_basis": "Base juridique",
    "col_contribution": 'Contribution (log-odds)',
    "col_feature": 'Critère',
    "col_weight": 'Poids',
    "col_probability": "Probabilité",
    "col_computed_at": "Calculé le",
    "col_budget": "Budget",
    "col_salesperson": "Interlocuteur",
    "col_subject": "Objet",
    "col_stage": "Étape",
    "budget_from": "dès {minimum}",
    "budget_open": "ouvert",
}, "labels": {
    "feature.stage": 'étape',
    "feature.furthest_stage": 'étape la plus avancée atteinte',
    "feature.test_drive_completed": 'essai effectué',
    "feature.test_drive_rating": "évaluation de l'essai",
    "feature.no_shows": 'essais manqués',
    "feature.cancellations": 'essais annulés',
    "feature.interests": 'intérêts pour des véhicules',
    "feature.distinct_models": 'modèles différents qui vous intéressent',
    "feature.touchpoints_30d_website_visit": 'visites du site web ces 30 derniers jours',
    "feature.touchpoints_30d_showroom_visit": 'visites au showroom ces 30 derniers jours',
    "feature.touchpoints_30d_configurator": 'configurations ces 30 derniers jours',
    "feature.touchpoints_30d_brochure": 'brochures ces 30 derniers jours',
    "feature.touchpoints_30d_call": 'appels ces 30 derniers jours',
    "feature.touchpoints_30d_email": 'e-mails ces 30 derniers jours',
    "feature.touchpoints_30d_event": 'événements ces 30 derniers jours',
    "feature.days_since_activity": 'jours depuis le dernier contact',
    "feature.budget_ratio": 'budget par rapport au prix catalogue',
    "feature.is_business": 'client commercial',
    "feature.incentive_available": 'subvention cantonale disponible',
    "feature.lost_before": 'une vente déjà perdue',
    "notification.test_drive_confirmation": "confirmation de l'essai",
    "notification.test_drive_reminder": "rappel de l'essai",
    "notification.sale_quoted": 'offre',
    "notification.contract_signed": 'contrat signé',
    "notification.sale_delivered": 'livraison',
    "notification.canton_incentive": 'subvention cantonale (marketing)',
    "delivery.pending": 'en attente',
    "delivery.sent": 'envoyé',
    "delivery.skipped": 'non envoyé',
    "delivery.cancelled": 'annulé',
    "delivery.failed": 'échec',
    "field.name": "Nom", "field.email": "E-mail", "field.phone": "Téléphone",
    "field.street": "Rue", "field.postal_code": "Numéro postal", "field.canton": "Canton",
    "field.language": "Langue", "field.kind": "Type de client",
    "field.company_name": "Entreprise", "field.company_uid": "IDE de l'entreprise",
    "field.company_contact": "Contact dans l'entreprise", "field.salesperson": "Interlocuteur",
    "field.stage": "Étape", "field.registered_at": "Enregistré le", "field.sales": "Ventes",
    "kind.private": "particulier", "kind.business": "client commercial",
    "touchpoint.website_visit": "visite du site web",
    "touchpoint.showroom_visit": "visite au showroom",
    "touchpoint.configurator": "configurateur", "touchpoint.brochure": "brochure",
    "touchpoint.call": "appel", "touchpoint.email": "e-mail", "touchpoint.event": "événement",
    "channel.web": "web", "channel.showroom": "showroom", "channel.phone": "téléphone",
    "channel.email": "e-mail", "channel.mail": "poste", "channel.event": "événement",
    "channel.dealer": "concessionnaire",
    "test_drive.booked": "réservé", "test_drive.completed": "effectué",
    "test_drive.cancelled": "annulé", "test_drive.missed": "non présenté",
    "sale.open": "ouverte", "sale.quoted": "offre faite", "sale.reserved": "réservée",
    "sale.contracted": "contrat signé", "sale.delivered": "livrée", "sale.cancelled": "annulée",
    "cancel.customer_withdrew": "retirée par vous",
    "cancel.lost_to_competitor": "achat ailleurs",
    "cancel.financing_declined": "financement refusé",
    "cancel.no_stock": "pas en stock", "cancel.other": "autre motif",
    "consent.marketing": "marketing", "consent.profiling": "profilage",
    "change.registered": "enregistrement", "change.contact_changed": "coordonnées modifiées",
    "change.address_changed": "adresse modifiée",
    "change.preferences_changed": "préférences modifiées", "change.granted": "donné",
    "change.withdrawn": "retiré",
    "stage.lead": "premier contact", "stage.engaged": "intéressé",
    "stage.test_drive": "essai routier", "stage.negotiation": "négociation",
    "stage.reserved": "réservé", "stage.contracted": "contrat signé",
    "stage.delivered": "livré", "stage.lost": "pas d'achat",
    "stage.dormant": "pas de contact récent",
    "role.salesperson": "vente", "role.sales_manager": "direction des ventes",
    "role.auditor": "révision", "role.dpo": "conseiller à la protection des données",
    "role.admin": "administration",
    "action.history": "historique consulté", "action.state": "état antérieur consulté",
    "action.export": "export de révision", "action.erasure": "effacement",
    "action.access_export": "renseignements (ce document)",
    "subject.customers": "vos données de client", "subject.sales": "une vente",
    "purpose.prospecting": "conseil avant l'achat",
    "purpose.customer_care": "achat et suivi de la clientèle",
    "purpose.books": "livres comptables", "purpose.lead_scoring": "score de prospect",
    "purpose.marketing": "marketing",
    "purpose_text.prospecting": "Vous conseiller pour l'achat d'un véhicule électrique : "
    "contacts, essais routiers, offres.",
    "purpose_text.customer_care": "Exécuter le contrat d'achat : réservation, contrat, "
    "livraison et suivi.",
    "purpose_text.books": "Tenir les livres comptables exigés par la loi.",
    "purpose_text.lead_scoring": "Planifier notre travail de vente à l'aide d'un score de "
    "prospect (voir ci-dessus).",
    "purpose_text.marketing": "Informations sur les offres et les subventions, uniquement "
    "avec votre consentement.",
    "basis.prospecting": "mesures précontractuelles à votre demande (art. 31, al. 2, "
    "let. a, LPD)",
    "basis.customer_care": "contrat avec vous (art. 31, al. 2, let. a, LPD)",
    "basis.books": "obligation légale (art. 958f CO)",
    "basis.lead_scoring": "intérêt privé prépondérant (art. 31, al. 1, LPD)",
    "basis.marketing": "votre consentement (art. 31, al. 1, LPD)",
    "rule.prospecting": "Effacées {months} mois après la dernière activité, ou à votre "
    "demande.",
    "rule.customer_care": "Effacées {months} mois après la dernière activité, ou à votre "
    "demande ; ce dont la comptabilité a besoin d'un contrat est conservé jusqu'à la fin "
    "de son exercice plus {years} ans.",
    "rule.books": "Seul ce dont la comptabilité a besoin d'un contrat est conservé, jusqu'à "
    "la fin de son exercice plus {years} ans.",
    "next.keep": "conservées", "next.erase": "effacement",
    "next.erase_keeping_held": "effacement, sauf ce dont la comptabilité a besoin",
    "next.end_hold": "fin de l'obligation de conserver",
    "recipient_kind.stream": "flux d'événements", "recipient_kind.consumer": "service",
    "recipient_kind.read_model": "vue interne",
    "recipient.notifications": (
        'Vous envoie des e-mails sur vos réservations et votre contrat, et des e-mails de '
        "marketing si vous y avez consenti ; il ne lit votre adresse e-mail qu'au moment de "
        "l'envoi et ne conserve aucun texte de message."
    ),
    "recipient.CIS_EVENTS": "Notre flux d'événements interne : identifiants, canton, "
    "modèle, montants, évaluations et dates, jamais un nom, une adresse e-mail, un numéro "
    "de téléphone, une rue, une note ou un numéro de véhicule.",
    "recipient.scoring": "Calcule le score de prospect à partir du flux d'événements et "
    "l'enregistre sous votre numéro de client.",
    "recipient.CIS_DLQ": "Copies d'événements qu'un service n'a pas pu traiter, conservées "
    "pour examen.",
    "recipient.customers": "Votre profil de client, que notre équipe recherche et consulte.",
    "recipient.journeys": "Le déroulement de votre parcours chez nous, sans données "
    "personnelles.",
    "recipient.dashboards": "Chiffres de vente par canton, modèle et période, sans données "
    "personnelles.",
    "language.de": "allemand", "language.fr": "français", "language.it": "italien",
    "language.rm": "romanche", "language.en": "anglais",
}}
