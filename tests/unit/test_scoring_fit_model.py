"""The regression `cis score fit` runs, on examples made here: what it learns depends on
what the customers did, not on how many milliseconds apart their events were written."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

from application.scoring_fit import Example, fit_model
from domain.lead_features import FEATURE_NAMES

START = datetime(2026, 1, 1, tzinfo=UTC)


def _examples(timing_seed: int) -> list[Example]:
    """120 customers from one made-up truth (a good test drive and showroom visits make a
    contract likelier); `timing_seed` only moves each customer's last event by a few
    milliseconds, as a demo loaded at a different speed would."""
    truth, timing = random.Random(1), random.Random(timing_seed)
    examples = []
    for number in range(120):
        x = dict.fromkeys(FEATURE_NAMES, 0.0)
        x["test_drive_completed"] = float(truth.random() < 0.6)
        x["test_drive_rating"] = float(truth.randint(1, 5)) if x["test_drive_completed"] else 0.0
        x["touchpoints_30d_showroom_visit"] = float(truth.randint(0, 2))
        x["days_since_activity"] = timing.random() * 2e-7  # up to 17 ms
        logit = -1 + 0.8 * (x["test_drive_rating"] - 3) + 0.5 * x["touchpoints_30d_showroom_visit"]
        signed = int(truth.random() < 1 / (1 + math.exp(-logit)))
        examples.append(Example(START + timedelta(hours=number), x, signed))
    return examples


def test_milliseconds_between_events_do_not_change_the_fitted_model() -> None:
    reference = fit_model(_examples(timing_seed=0), "fit-1")
    for seed in (1, 8):
        again = fit_model(_examples(timing_seed=seed), "fit-1")
        assert again.weights == reference.weights, seed
        assert again.intercept == reference.intercept
    # A feature that did not vary keeps weight 0: nothing was learnt from it.
    assert reference.weights["days_since_activity"] == 0.0
    assert reference.weights["test_drive_rating"] > 0
