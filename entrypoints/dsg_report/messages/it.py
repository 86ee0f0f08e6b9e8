"""The access report in Italian."""

from __future__ import annotations

from typing import Final

from entrypoints.dsg_report.messages.catalogue import Catalogue

__all__ = ["CATALOGUE"]

CATALOGUE: Final[Catalogue] = {"texts": {
    "title": "Informazioni sui Suoi dati personali",
    "intro": "Questo documento risponde alla Sua richiesta d'informazioni secondo l'art. "
             "25 della legge federale sulla protezione dei dati (LPD). Elenca tutti i dati "
             "personali che {controller} tratta su di Lei, da dove provengono, per quali "
             "scopi sono trattati, chi riceve dati da essi derivati e per quanto tempo "
             "sono conservati.",
    "prepared_on": "Redatto il",
    "reference": "Riferimento",
    "controller": "Titolare del trattamento",
    "dpo_contact": "Contatto per la protezione dei dati",
    "rights": "Può chiederci di rettificare o cancellare i Suoi dati, oppure opporsi al "
              "loro trattamento: scriva a {email}.",
    "erased_heading": "I Suoi dati personali sono stati cancellati",
    "erased_text": "I Suoi dati personali sono stati cancellati il {date} (da {actor}).",
    "erased_reason": "Motivo registrato",
    "redacted_note": "I valori cancellati appaiono come «[redacted]».",
    "profile": "I Suoi dati come sono registrati oggi",
    "profile_history": "Nome e recapiti, come indicati",
    "address_history": "Indirizzi",
    "preferences": "Preferenze",
    "interests": "Modelli di veicoli che La interessano",
    "touchpoints": "Contatti con Lei",
    "test_drives": "Prove su strada",
    "sales": "Offerte e acquisti",
    "consents": "Consensi",
    "consents_now": "Consensi validi oggi",
    "assignments": "La Sua persona di contatto da noi",
    "score": "Punteggio del potenziale cliente (valutazione automatizzata)",
    "score_value": "Punteggio",
    "score_none": "Per Lei non è stato calcolato alcun punteggio.",
    "score_logic": "Come viene calcolato il punteggio",
    "score_logic_earlier": "Modello precedente, con cui sono stati calcolati punteggi precedenti:",
    "score_logic_text": (
        'Il punteggio è la stima, da 0 a 100, di un modello di regressione logistica '
        'della probabilità che Lei firmi un contratto nei prossimi mesi. Viene calcolato '
        'solo se Lei ha acconsentito alla profilazione, in base agli elementi della '
        'tabella seguente, tutti tratti dal Suo percorso con noi; ogni elemento alza o '
        'abbassa la stima secondo il suo peso (il contributo). Il modello è adattato '
        "sull'esito dei rapporti con clienti precedenti; fino al primo adattamento "
        'valgono pesi iniziali verificati. Nessuna decisione è presa automaticamente in '
        'base al punteggio: è mostrato solo al nostro team di vendita, per pianificare '
        'chi chiamare per primo.'
    ),
    "notifications": "Messaggi inviati a Lei",
    "notifications_none": "Non Le abbiamo inviato alcun messaggio tramite questo sistema.",
    "accesses": "Chi ha consultato i Suoi dati",
    "recipients": "Chi riceve dati derivati dai Suoi",
    "recipients_note": "I messaggi del nostro flusso interno di eventi (NATS) non "
                       "contengono dati personali: solo identificativi, cantone, modello, "
                       "importi, valutazioni e date.",
    "retention": "Per quanto tempo sono conservati i Suoi dati",
    "retention_hold": "Se oggi chiede la cancellazione dei Suoi dati, ciò che la "
                      "contabilità deve conservare ({fields}) è conservato fino al {date} "
                      "(art. 958f CO); tutto il resto è cancellato subito.",
    "retention_no_hold": "Se oggi chiede la cancellazione dei Suoi dati, tutto è cancellato "
                         "subito.",
    "purposes": "Perché trattiamo i Suoi dati",
    "sources": "Da dove provengono i Suoi dati",
    "sources_text": "Ogni voce qui sopra indica chi l'ha registrata e quando: il login "
                    "della collaboratrice o del collaboratore che ha inserito ciò che ci "
                    "ha comunicato. La ragione sociale e l'IDI di un'azienda possono "
                    "essere stati verificati nel registro di commercio (ZEFIX).",
    "none": "Nessuno.",
    "yes": "sì",
    "no": "no",
    "col_when": "Data",
    "col_by": "Registrato da",
    "col_change": "Modifica",
    "col_field": "Campo",
    "col_value": "Valore",
    "col_model": "Modello",
    "col_kind": "Tipo",
    "col_channel": "Canale",
    "col_note": "Nota",
    "col_status": "Stato",
    "col_rating": "Valutazione",
    "col_scheduled": "Appuntamento",
    "col_list_price": "Prezzo di listino",
    "col_price": "Prezzo offerto",
    "col_discount": "Sconto",
    "col_incentives": "Incentivi",
    "col_deposit": "Acconto",
    "col_final_price": "Prezzo finale",
    "col_vin": "Numero d'identificazione del veicolo",
    "col_delivered_on": "Consegnato il",
    "col_cancel_reason": "Motivo dell'annullamento",
    "col_purpose": "Scopo",
    "col_role": "Ruolo",
    "col_action": "Azione",
    "col_reason": "Motivo",
    "col_name": "Nome",
    "col_personal_data": "Contiene dati personali",
    "col_description": "Descrizione",
    "col_rule": "Regola",
    "col_due_on": "Scadenza",
    "col_erasure_due": "Cancellati, senza ulteriore attività, il",
    "col_next_step": "Prossimo passo",
    "col_legal_basis": "Base giuridica",
    "col_contribution": 'Contributo (log-odds)',
    "col_feature": 'Criterio',
    "col_weight": 'Peso',
    "col_probability": "Probabilità",
    "col_computed_at": "Calcolato il",
    "col_budget": "Budget",
    "col_salesperson": "Persona di contatto",
    "col_subject": "Oggetto",
    "col_stage": "Fase",
    "budget_from": "da {minimum}",
    "budget_open": "aperto",
}, "labels": {
    "feature.stage": 'fase',
    "feature.furthest_stage": 'fase più avanzata raggiunta',
    "feature.test_drive_completed": 'prova su strada effettuata',
    "feature.test_drive_rating": 'valutazione della prova su strada',
    "feature.no_shows": 'prove su strada mancate',
    "feature.cancellations": 'prove su strada annullate',
    "feature.interests": 'interessi per veicoli',
    "feature.distinct_models": 'modelli diversi di interesse',
    "feature.touchpoints_30d_website_visit": 'visite al sito web negli ultimi 30 giorni',
    "feature.touchpoints_30d_showroom_visit": 'visite allo showroom negli ultimi 30 giorni',
    "feature.touchpoints_30d_configurator": 'configurazioni negli ultimi 30 giorni',
    "feature.touchpoints_30d_brochure": 'opuscoli negli ultimi 30 giorni',
    "feature.touchpoints_30d_call": 'telefonate negli ultimi 30 giorni',
    "feature.touchpoints_30d_email": 'e-mail negli ultimi 30 giorni',
    "feature.touchpoints_30d_event": 'eventi negli ultimi 30 giorni',
    "feature.days_since_activity": "giorni dall'ultimo contatto",
    "feature.budget_ratio": 'budget rispetto al prezzo di listino',
    "feature.is_business": 'cliente aziendale',
    "feature.incentive_available": 'incentivo cantonale disponibile',
    "feature.lost_before": 'una vendita già persa',
    "notification.test_drive_confirmation": 'conferma della prova su strada',
    "notification.test_drive_reminder": 'promemoria della prova su strada',
    "notification.sale_quoted": 'offerta',
    "notification.contract_signed": 'contratto firmato',
    "notification.sale_delivered": 'consegna',
    "notification.canton_incentive": 'incentivo cantonale (marketing)',
    "delivery.pending": 'in attesa',
    "delivery.sent": 'inviato',
    "delivery.skipped": 'non inviato',
    "delivery.cancelled": 'annullato',
    "delivery.failed": 'non riuscito',
    "field.name": "Nome", "field.email": "E-mail", "field.phone": "Telefono",
    "field.street": "Via", "field.postal_code": "Numero postale", "field.canton": "Cantone",
    "field.language": "Lingua", "field.kind": "Tipo di cliente",
    "field.company_name": "Azienda", "field.company_uid": "IDI dell'azienda",
    "field.company_contact": "Contatto nell'azienda",
    "field.salesperson": "Persona di contatto", "field.stage": "Fase",
    "field.registered_at": "Registrato il", "field.sales": "Vendite",
    "kind.private": "privato", "kind.business": "cliente aziendale",
    "touchpoint.website_visit": "visita del sito web",
    "touchpoint.showroom_visit": "visita allo showroom",
    "touchpoint.configurator": "configuratore", "touchpoint.brochure": "opuscolo",
    "touchpoint.call": "telefonata", "touchpoint.email": "e-mail", "touchpoint.event": "evento",
    "channel.web": "web", "channel.showroom": "showroom", "channel.phone": "telefono",
    "channel.email": "e-mail", "channel.mail": "posta", "channel.event": "evento",
    "channel.dealer": "concessionario",
    "test_drive.booked": "prenotata", "test_drive.completed": "effettuata",
    "test_drive.cancelled": "annullata", "test_drive.missed": "non presentato",
    "sale.open": "aperta", "sale.quoted": "offerta fatta", "sale.reserved": "riservata",
    "sale.contracted": "contratto firmato", "sale.delivered": "consegnata",
    "sale.cancelled": "annullata",
    "cancel.customer_withdrew": "ritirata da Lei",
    "cancel.lost_to_competitor": "acquisto altrove",
    "cancel.financing_declined": "finanziamento rifiutato",
    "cancel.no_stock": "non disponibile", "cancel.other": "altro motivo",
    "consent.marketing": "marketing", "consent.profiling": "profilazione",
    "change.registered": "registrazione", "change.contact_changed": "recapiti modificati",
    "change.address_changed": "indirizzo modificato",
    "change.preferences_changed": "preferenze modificate", "change.granted": "dato",
    "change.withdrawn": "revocato",
    "stage.lead": "primo contatto", "stage.engaged": "interessato",
    "stage.test_drive": "prova su strada", "stage.negotiation": "trattativa",
    "stage.reserved": "riservato", "stage.contracted": "contratto firmato",
    "stage.delivered": "consegnato", "stage.lost": "nessun acquisto",
    "stage.dormant": "nessun contatto recente",
    "role.salesperson": "vendita", "role.sales_manager": "direzione vendite",
    "role.auditor": "revisione", "role.dpo": "consulente per la protezione dei dati",
    "role.admin": "amministrazione",
    "action.history": "cronologia consultata", "action.state": "stato precedente consultato",
    "action.export": "esportazione di revisione", "action.erasure": "cancellazione",
    "action.access_export": "informazioni (questo documento)",
    "subject.customers": "i Suoi dati di cliente", "subject.sales": "una vendita",
    "purpose.prospecting": "consulenza prima dell'acquisto",
    "purpose.customer_care": "acquisto e assistenza clienti",
    "purpose.books": "libri contabili", "purpose.lead_scoring": "punteggio del potenziale "
    "cliente", "purpose.marketing": "marketing",
    "purpose_text.prospecting": "Consigliarla nell'acquisto di un veicolo elettrico: "
    "contatti, prove su strada, offerte.",
    "purpose_text.customer_care": "Eseguire il contratto d'acquisto: riservazione, "
    "contratto, consegna e assistenza successiva.",
    "purpose_text.books": "Tenere i libri contabili richiesti dalla legge.",
    "purpose_text.lead_scoring": "Pianificare il nostro lavoro di vendita con un punteggio "
    "(vedi sopra).",
    "purpose_text.marketing": "Informazioni su offerte e incentivi, solo con il Suo "
    "consenso.",
    "basis.prospecting": "misure precontrattuali su Sua richiesta (art. 31 cpv. 2 lett. a "
    "LPD)",
    "basis.customer_care": "contratto con Lei (art. 31 cpv. 2 lett. a LPD)",
    "basis.books": "obbligo legale (art. 958f CO)",
    "basis.lead_scoring": "interesse privato preponderante (art. 31 cpv. 1 LPD)",
    "basis.marketing": "il Suo consenso (art. 31 cpv. 1 LPD)",
    "rule.prospecting": "Cancellati {months} mesi dopo l'ultima attività, o su Sua "
    "richiesta.",
    "rule.customer_care": "Cancellati {months} mesi dopo l'ultima attività, o su Sua "
    "richiesta; ciò che la contabilità richiede di un contratto è conservato fino alla "
    "fine del suo esercizio più {years} anni.",
    "rule.books": "È conservato solo ciò che la contabilità richiede di un contratto, fino "
    "alla fine del suo esercizio più {years} anni.",
    "next.keep": "conservati", "next.erase": "cancellazione",
    "next.erase_keeping_held": "cancellazione, tranne ciò che serve alla contabilità",
    "next.end_hold": "fine dell'obbligo di conservazione",
    "recipient_kind.stream": "flusso di eventi", "recipient_kind.consumer": "servizio",
    "recipient_kind.read_model": "vista interna",
    "recipient.notifications": (
        'Le invia e-mail sulle Sue prenotazioni e sul Suo contratto, ed e-mail di marketing '
        "se vi ha acconsentito; legge il Suo indirizzo e-mail solo al momento dell'invio e "
        'non conserva alcun testo dei messaggi.'
    ),
    "recipient.CIS_EVENTS": "Il nostro flusso interno di eventi: identificativi, cantone, "
    "modello, importi, valutazioni e date, mai un nome, un indirizzo e-mail, un numero di "
    "telefono, una via, una nota o un numero di veicolo.",
    "recipient.scoring": "Calcola il punteggio dal flusso di eventi e lo registra con il "
    "Suo numero di cliente.",
    "recipient.CIS_DLQ": "Copie di eventi che un servizio non ha potuto elaborare, "
    "conservate per verifica.",
    "recipient.customers": "Il Suo profilo di cliente, che il nostro team cerca e consulta.",
    "recipient.journeys": "Lo svolgimento del Suo percorso con noi, senza dati personali.",
    "recipient.dashboards": "Cifre di vendita per cantone, modello e periodo, senza dati "
    "personali.",
    "language.de": "tedesco", "language.fr": "francese", "language.it": "italiano",
    "language.rm": "romancio", "language.en": "inglese",
}}
