"""Demo data: generated through the use cases, every piece labelled as demo."""

from __future__ import annotations

from uuid import UUID

import psycopg

from adapters.settings import Settings
from domain.values import ModelCode
from entrypoints.bootstrap import build_application
from entrypoints.demo import MODELS, load_demo
from tests.databases import own_store


def test_demo_data_is_a_believable_and_labelled_history(settings: Settings) -> None:
    own = own_store(settings)
    cis = build_application(own, pool_size=2)
    try:
        load_demo(cis, customers=30)
        models = [cis.get_model(ModelCode.parse(code)) for code, _, _ in MODELS]
        with psycopg.connect(own.database_url) as conn:  # type: ignore[arg-type]
            topics = dict(conn.execute(
                "SELECT topic, count(*) FROM cis_events GROUP BY topic").fetchall())
            customer_ids = [row[0] for row in conn.execute(
                "SELECT originator_id FROM cis_events "
                "WHERE topic = 'domain.customer:Customer.Registered'").fetchall()]
        names = {cis.get_customer(UUID(str(c))).name.shown() for c in customer_ids}
    finally:
        cis.close()

    assert topics["domain.customer:Customer.Registered"] == 30
    assert topics.get("domain.sale:Sale.Opened", 0) > 0  # some journeys reach a sale
    assert all(name.startswith("Demo Kunde") for name in names)
    assert all("demo data" in model.name for model in models)
