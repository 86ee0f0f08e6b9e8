"""The access report in Romansh (Rumantsch Grischun)."""

from __future__ import annotations

from typing import Final

from entrypoints.dsg_report.messages.catalogue import Catalogue

__all__ = ["CATALOGUE"]

CATALOGUE: Final[Catalogue] = {"texts": {
    "title": "Infurmaziun davart Vossas datas persunalas",
    "intro": "Quest document respunda a Vossa dumonda d'infurmaziun tenor l'art. 25 da la "
             "Lescha federala davart la protecziun da datas (LPD). El enumerescha tut las "
             "datas persunalas che {controller} elavura davart Vus, danunder ch'ellas "
             "derivan, per tge intents ch'ellas vegnan elavuradas, tgi che retschaiva datas "
             "derivadas e quant ditg ch'ellas vegnan conservadas.",
    "prepared_on": "Fatg ils",
    "reference": "Referenza",
    "controller": "Post responsabel",
    "dpo_contact": "Contact per la protecziun da datas",
    "rights": "Vus pudais pretender che nus curregian u stizzian Vossas datas, u As "
              "opponer a lur elavuraziun: scrivai a {email}.",
    "erased_heading": "Vossas datas persunalas èn vegnidas stizzadas",
    "erased_text": "Vossas datas persunalas èn vegnidas stizzadas ils {date} (exequì da "
                   "{actor}).",
    "erased_reason": "Motiv registrà",
    "redacted_note": "Valurs stizzadas cumparan sco «[redacted]».",
    "profile": "Vossas datas sco ch'ellas èn memorisadas oz",
    "profile_history": "Num e datas da contact, sco indicads",
    "address_history": "Adressas",
    "preferences": "Preferenzas",
    "interests": "Models da vehichels che As interessan",
    "touchpoints": "Contacts cun Vus",
    "test_drives": "Cursas d'emprova",
    "sales": "Offertas e cumpras",
    "consents": "Consentiments",
    "consents_now": "Consentiments valaivels oz",
    "assignments": "Vossa persuna da contact tar nus",
    "score": "Valitaziun da client potenzial (valitaziun automatisada)",
    "score_value": "Valitaziun",
    "score_none": "Per Vus n'è vegnida calculada nagina valitaziun.",
    "score_logic": "Co che la valitaziun vegn calculada",
    "score_logic_earlier": "Model pli vegl che ha calculà valitaziuns precedentas:",
    "score_logic_text": (
        "Il score è la stimaziun, da 0 fin 100, d'in model da regressiun logistica, quant"
        ' probabel che Vus suttascrivais in contract ils proxims mais. El vegn calculà '
        'mo, sche Vus avais dà Voss consentiment a la profilaziun, a basa da las '
        'indicaziuns da la tabella sutvart, tuttas da Voss viadi cun nus; mintga '
        'indicaziun auza u sbassa la stimaziun tenor ses pais (la contribuziun). Il model'
        ' vegn adattà a basa dal resultat da relaziuns cun anteriurs cliants; fin a '
        "l'emprima adattaziun valan pais da partenza controllads. Sin basa dal score na "
        'vegn prendida nagina decisiun automaticamain: el vegn mussà mo a nossa squadra '
        "da vendita, per planisar tgi telefonar l'emprim."
    ),
    "notifications": "Messadis tramess a Vus",
    "notifications_none": "Nus n'As avain tramess nagins messadis cun quest sistem.",
    "accesses": "Tgi ch'ha consultà Vossas datas",
    "recipients": "Tgi che retschaiva datas derivadas da las Vossas",
    "recipients_note": "Ils messadis en noss flux intern d'eveniments (NATS) na cuntegnan "
                       "naginas datas persunalas: mo identificaziuns, chantun, model, "
                       "imports, valitaziuns e datas.",
    "retention": "Quant ditg che Vossas datas vegnan conservadas",
    "retention_hold": "Sche Vus pretendais oz che Vossas datas vegnian stizzadas, vegn "
                      "conservà quai che la contabilitad sto tegnair ({fields}) fin ils "
                      "{date} (art. 958f DO); tut il auter vegn stizzà immediatamain.",
    "retention_no_hold": "Sche Vus pretendais oz che Vossas datas vegnian stizzadas, vegn "
                         "tut stizzà immediatamain.",
    "purposes": "Pertge che nus elavurain Vossas datas",
    "sources": "Danunder che Vossas datas derivan",
    "sources_text": "Mintga endataziun survart numna tgi che l'ha registrada e cura: il "
                    "login da la collavuratura u dal collavuratur ch'ha endatà quai che "
                    "Vus ans avais communitgà. Il num da la firma ed il UID d'ina "
                    "interpresa èn eventualmain vegnids controllads en il register da "
                    "commerzi (ZEFIX).",
    "none": "Nagut.",
    "yes": "gea",
    "no": "na",
    "col_when": "Data",
    "col_by": "Endatà da",
    "col_change": "Midada",
    "col_field": "Champ",
    "col_value": "Valur",
    "col_model": "Model",
    "col_kind": "Gener",
    "col_channel": "Chanal",
    "col_note": "Remartga",
    "col_status": "Status",
    "col_rating": "Valitaziun",
    "col_scheduled": "Termin",
    "col_list_price": "Pretsch da glista",
    "col_price": "Pretsch offert",
    "col_discount": "Rabat",
    "col_incentives": "Contribuziuns da promoziun",
    "col_deposit": "Pajament anticipà",
    "col_final_price": "Pretsch final",
    "col_vin": "Numer d'identificaziun dal vehichel",
    "col_delivered_on": "Furnì ils",
    "col_cancel_reason": "Motiv da l'annullaziun",
    "col_purpose": "Intent",
    "col_role": "Rolla",
    "col_action": "Acziun",
    "col_reason": "Motiv",
    "col_name": "Num",
    "col_personal_data": "Cuntegna datas persunalas",
    "col_description": "Descripziun",
    "col_rule": "Regla",
    "col_due_on": "Scadenza",
    "col_erasure_due": "Stizzadas, senza ulteriura activitad, ils",
    "col_next_step": "Proxim pass",
    "col_legal_basis": "Basa giuridica",
    "col_contribution": 'Contribuziun (log-odds)',
    "col_feature": 'Criteri',
    "col_weight": 'Pais',
    "col_probability": "Probabilitad",
    "col_computed_at": "Calculà ils",
    "col_budget": "Budget",
    "col_salesperson": "Persuna da contact",
    "col_subject": "Object",
    "col_stage": "Fasa",
    "budget_from": "a partir da {minimum}",
    "budget_open": "avert",
}, "labels": {
    "feature.stage": 'fasa',
    "feature.furthest_stage": 'fasa la pli avanzada cuntanschida',
    "feature.test_drive_completed": "cursa d'emprova fatga",
    "feature.test_drive_rating": "valitaziun da la cursa d'emprova",
    "feature.no_shows": "cursas d'emprova manchentadas",
    "feature.cancellations": "cursas d'emprova annulladas",
    "feature.interests": 'interess per vehichels',
    "feature.distinct_models": "differents models d'interess",
    "feature.touchpoints_30d_website_visit": "visitas da la pagina d'internet ils ultims 30 dis",
    "feature.touchpoints_30d_showroom_visit": 'visitas en il showroom ils ultims 30 dis',
    "feature.touchpoints_30d_configurator": 'configuraziuns ils ultims 30 dis',
    "feature.touchpoints_30d_brochure": 'broschuras ils ultims 30 dis',
    "feature.touchpoints_30d_call": 'telefonadas ils ultims 30 dis',
    "feature.touchpoints_30d_email": 'e-mails ils ultims 30 dis',
    "feature.touchpoints_30d_event": 'occurrenzas ils ultims 30 dis',
    "feature.days_since_activity": "dis dapi l'ultim contact",
    "feature.budget_ratio": 'budget en relaziun cun il pretsch da glista',
    "feature.is_business": 'client commerzial',
    "feature.incentive_available": 'contribuziun da promoziun chantunala disponibla',
    "feature.lost_before": 'ina vendita gia persa',
    "notification.test_drive_confirmation": "confermaziun da la cursa d'emprova",
    "notification.test_drive_reminder": "promemoria da la cursa d'emprova",
    "notification.sale_quoted": 'offerta',
    "notification.contract_signed": 'contract suttascrit',
    "notification.sale_delivered": 'furniziun',
    "notification.canton_incentive": 'contribuziun da promoziun chantunala (marketing)',
    "delivery.pending": 'en spetga',
    "delivery.sent": 'tramess',
    "delivery.skipped": 'betg tramess',
    "delivery.cancelled": 'annullà',
    "delivery.failed": 'betg reussì',
    "field.name": "Num", "field.email": "E-mail", "field.phone": "Telefon",
    "field.street": "Via", "field.postal_code": "Numer postal", "field.canton": "Chantun",
    "field.language": "Lingua", "field.kind": "Gener da client",
    "field.company_name": "Interpresa", "field.company_uid": "UID da l'interpresa",
    "field.company_contact": "Contact en l'interpresa",
    "field.salesperson": "Persuna da contact", "field.stage": "Fasa",
    "field.registered_at": "Registrà ils", "field.sales": "Vendas",
    "kind.private": "persuna privata", "kind.business": "client commerzial",
    "touchpoint.website_visit": "visita da la pagina d'internet",
    "touchpoint.showroom_visit": "visita en il showroom",
    "touchpoint.configurator": "configuratur", "touchpoint.brochure": "broschura",
    "touchpoint.call": "telefonada", "touchpoint.email": "e-mail",
    "touchpoint.event": "occurrenza",
    "channel.web": "web", "channel.showroom": "showroom", "channel.phone": "telefon",
    "channel.email": "e-mail", "channel.mail": "posta", "channel.event": "occurrenza",
    "channel.dealer": "commerziant",
    "test_drive.booked": "reservada", "test_drive.completed": "fatga",
    "test_drive.cancelled": "annullada", "test_drive.missed": "betg cumparì",
    "sale.open": "averta", "sale.quoted": "offerta fatga", "sale.reserved": "reservada",
    "sale.contracted": "contract suttascrit", "sale.delivered": "furnida",
    "sale.cancelled": "annullada",
    "cancel.customer_withdrew": "retratga da Vus",
    "cancel.lost_to_competitor": "cumprà in auter lieu",
    "cancel.financing_declined": "finanziaziun refusada",
    "cancel.no_stock": "betg disponibel", "cancel.other": "auter motiv",
    "consent.marketing": "marketing", "consent.profiling": "profilaziun",
    "change.registered": "registraziun", "change.contact_changed": "datas da contact midadas",
    "change.address_changed": "adressa midada",
    "change.preferences_changed": "preferenzas midadas", "change.granted": "dà",
    "change.withdrawn": "revocà",
    "stage.lead": "emprim contact", "stage.engaged": "interessà",
    "stage.test_drive": "cursa d'emprova", "stage.negotiation": "tractativas",
    "stage.reserved": "reservà", "stage.contracted": "contract suttascrit",
    "stage.delivered": "furnì", "stage.lost": "nagina cumpra",
    "stage.dormant": "nagin contact dacurt",
    "role.salesperson": "vendita", "role.sales_manager": "direcziun da la vendita",
    "role.auditor": "revisiun", "role.dpo": "cussegliader per la protecziun da datas",
    "role.admin": "administraziun",
    "action.history": "istorgia consultada", "action.state": "stadi pli baud consultà",
    "action.export": "export da revisiun", "action.erasure": "stizzament",
    "action.access_export": "infurmaziun (quest document)",
    "subject.customers": "Vossas datas da client", "subject.sales": "ina vendita",
    "purpose.prospecting": "cussegliaziun avant la cumpra",
    "purpose.customer_care": "cumpra e tgira da la clientella",
    "purpose.books": "cudeschs da contabilitad", "purpose.lead_scoring": "valitaziun da "
    "clients potenzials", "purpose.marketing": "marketing",
    "purpose_text.prospecting": "As cussegliar tar la cumpra d'in vehichel electric: "
    "contacts, cursas d'emprova, offertas.",
    "purpose_text.customer_care": "Ademplir il contract da cumpra: reservaziun, contract, "
    "furniziun e tgira suenter.",
    "purpose_text.books": "Manar ils cudeschs da contabilitad che la lescha pretenda.",
    "purpose_text.lead_scoring": "Planisar nossa lavur da vendita cun ina valitaziun "
    "(vesair survart).",
    "purpose_text.marketing": "Infurmaziuns davart offertas e contribuziuns da promoziun, "
    "mo cun Voss consentiment.",
    "basis.prospecting": "mesiras precontractualas sin Vossa dumonda (art. 31 al. 2 lit. a "
    "LPD)",
    "basis.customer_care": "contract cun Vus (art. 31 al. 2 lit. a LPD)",
    "basis.books": "obligaziun legala (art. 958f DO)",
    "basis.lead_scoring": "interess privat predominant (art. 31 al. 1 LPD)",
    "basis.marketing": "Voss consentiment (art. 31 al. 1 LPD)",
    "rule.prospecting": "Stizzadas {months} mais suenter l'ultima activitad, u sin Vossa "
    "dumonda.",
    "rule.customer_care": "Stizzadas {months} mais suenter l'ultima activitad, u sin Vossa "
    "dumonda; quai che la contabilitad dovra d'in contract vegn conservà fin la fin da ses "
    "onn da gestiun plus {years} onns.",
    "rule.books": "Mo quai che la contabilitad dovra d'in contract vegn conservà, fin la "
    "fin da ses onn da gestiun plus {years} onns.",
    "next.keep": "conservadas", "next.erase": "stizzament",
    "next.erase_keeping_held": "stizzament, danor quai che la contabilitad dovra",
    "next.end_hold": "fin da l'obligaziun da conservar",
    "recipient_kind.stream": "flux d'eveniments", "recipient_kind.consumer": "servetsch",
    "recipient_kind.read_model": "vista interna",
    "recipient.notifications": (
        'As tramet e-mails davart Vossas reservaziuns e Voss contract, ed e-mails da '
        "marketing, sche Vus avais dà Voss consentiment; el legia Vossa adressa d'e-mail pir "
        'cun trametter e na memorisescha nagin text da messadi.'
    ),
    "recipient.CIS_EVENTS": "Noss flux intern d'eveniments: identificaziuns, chantun, "
    "model, imports, valitaziuns e datas, mai in num, ina adressa d'e-mail, in numer da "
    "telefon, ina via, ina remartga u in numer da vehichel.",
    "recipient.scoring": "Calculescha la valitaziun or dal flux d'eveniments e la "
    "memorisescha sut Voss numer da client.",
    "recipient.CIS_DLQ": "Copias d'eveniments ch'in servetsch n'ha betg pudì elavurar, "
    "conservadas per la controlla.",
    "recipient.customers": "Voss profil da client, che noss team tschertga e legia.",
    "recipient.journeys": "Il decurs da Voss percurs cun nus, senza datas persunalas.",
    "recipient.dashboards": "Cifras da vendita tenor chantun, model e perioda, senza datas "
    "persunalas.",
    "language.de": "tudestg", "language.fr": "franzos", "language.it": "talian",
    "language.rm": "rumantsch", "language.en": "englais",
}}
