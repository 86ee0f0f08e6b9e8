"""`cis score fit | explain | refresh`: fit the lead-scoring model from the log, explain a
score, bring every score up to now.

All read the configured Postgres (else the data dir's embedded one, like `cis demo`).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID
from zoneinfo import ZoneInfo

from adapters.settings import Settings

if TYPE_CHECKING:  # imported when run: every `cis` command would pay for scikit-learn
    from application.scoring import ScoreAt
    from application.scoring_fit import FitReport
    from application.services import CustomerIntelligence

__all__ = ["REFRESH_AT", "explanation", "register", "until_next_refresh"]

# When `--daily` refreshes: at night, Swiss time, when nobody reads a call list (03:30
# exists once every day: clocks change between 02:00 and 03:00).
REFRESH_AT = (ZoneInfo("Europe/Zurich"), 3, 30)
_RETRY = timedelta(hours=1)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `cis score` group; each subcommand sets `run(args, settings) -> int`."""
    score = commands.add_parser("score", help="lead scoring: fit the model, explain a score")
    sub = score.add_subparsers(dest="score_command", required=True)
    fit = sub.add_parser("fit", help="fit the model from the outcomes in the log, report "
                                     "its hold-out metrics and record it (activated when "
                                     "not worse than the active one)")
    fit.add_argument("--force", action="store_true",
                     help="activate the new model even when it does worse on the hold-out")
    fit.add_argument("--by", help="who runs the fit (default: the login name)")
    fit.set_defaults(run=_fit)
    explain = sub.add_parser("explain", help="a customer's score, recomputed from the log, "
                                             "with each feature's contribution")
    explain.add_argument("customer_id", type=UUID, metavar="ID")
    explain.add_argument("--as-of", dest="as_of", type=_moment, metavar="T",
                         help="the score the customer had at T (ISO-8601 with offset); "
                              "default: now")
    explain.set_defaults(run=_explain)
    refresh = sub.add_parser("refresh", help="rescore every scored customer as of now (time "
                                             "alone changes the days since the last "
                                             "activity, recent touchpoints, dormancy)")
    refresh.add_argument("--by", help="who asks for it (default: the login name)")
    refresh.add_argument("--daily", action="store_true",
                         help="keep running and refresh every night at 03:30 Swiss time "
                              "(how `cis up` runs it)")
    refresh.set_defaults(run=_refresh)


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 time: {text!r}") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs a time zone, e.g. +01:00")
    return moment


@contextmanager
def _application(settings: Settings) -> Iterator[CustomerIntelligence]:
    from adapters.embedded.stack import embedded_stack
    from entrypoints.bootstrap import build_application

    with embedded_stack(settings) as resolved:
        app = build_application(resolved, pool_size=2)
        try:
            yield app
        finally:
            app.close()


def _fit(args: argparse.Namespace, settings: Settings) -> int:
    from application.scoring_fit import NotEnoughData, fit_scoring_model

    with _application(settings) as app:
        try:
            report = fit_scoring_model(app, by=args.by or getpass.getuser(), force=args.force)
        except NotEnoughData as refused:
            print(f"cis: {refused}; nothing was recorded", file=sys.stderr)
            return 1
    print(_fit_text(report))
    return 0 if report.activated else 1


def _fit_text(report: FitReport) -> str:
    m = report.metrics
    calibration = ", ".join(f"{b['predicted']:.2f}→{b['observed']:.2f}"
                            for b in m["calibration_holdout"])
    return "\n".join([
        f"model {report.model.version}: {m['n']} labelled customers "
        f"({m['positives']} signed), trained on the oldest {m['n_train']}, "
        f"judged on the newest {m['n_holdout']} (from {m['holdout_from']})",
        f"  hold-out AUC {m['auc_holdout']:.3f} (active model {report.current_version}: "
        f"{m['current_auc_holdout']:.3f}), Brier {m['brier_holdout']:.3f}",
        f"  calibration (predicted→observed, by fifths): {calibration}",
        f"  {report.reason}",
    ])


def _explain(args: argparse.Namespace, settings: Settings) -> int:
    from application.scoring import ScoringLog

    with _application(settings) as app:
        at = ScoringLog(app).score_at(args.customer_id, until=args.as_of)
    if at is None:
        print(f"cis: customer {args.customer_id} was not registered by then", file=sys.stderr)
        return 1
    print(json.dumps(explanation(at), indent=2, ensure_ascii=False))
    return 0


def explanation(at: ScoreAt) -> dict[str, Any]:
    """What `cis score explain` prints: the score and each contribution, or why none."""
    common = {"customer_id": str(at.customer_id), "position": at.position,
              "moment": at.moment.isoformat()}
    score = at.score
    if score is None:
        return {**common, "score": None,
                "why": "not scored: no profiling consent at that time (or erased)"}
    return {**common, "score": score.score, "probability": score.probability,
            "model_version": score.model_version, "base": score.base, "logit": score.logit,
            "contributions": [{"feature": c.feature, "label": c.label, "value": c.value,
                               "contribution": c.contribution} for c in score.contributions]}


def _refresh(args: argparse.Namespace, settings: Settings) -> int:
    by = args.by or getpass.getuser()
    if not args.daily:
        print(_refresh_once(settings, by))
        return 0
    import psycopg
    import structlog

    from adapters.shutdown import on_stop_signal

    log = structlog.get_logger()
    stopping = threading.Event()
    on_stop_signal(stopping.set)
    wait = until_next_refresh(datetime.now(REFRESH_AT[0]))
    while not stopping.wait(wait.total_seconds()):
        try:
            log.info("scores refreshed", answer=_refresh_once(settings, by))
            wait = until_next_refresh(datetime.now(REFRESH_AT[0]))
        except (psycopg.Error, OSError) as error:  # a server away: again in an hour
            log.error("score refresh failed", error=type(error).__name__)
            wait = _RETRY
    return 0


def until_next_refresh(now: datetime) -> timedelta:
    """How long from `now` (aware) to the next 03:30 Swiss time."""
    zone, hour, minute = REFRESH_AT
    local = now.astimezone(zone)
    at = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if at <= local:
        at += timedelta(days=1)  # the same wall-clock time tomorrow
    # In UTC: between two Swiss times on either side of a clock change, the wall clocks'
    # difference is an hour off.
    return at.astimezone(UTC) - now.astimezone(UTC)


def _refresh_once(settings: Settings, by: str) -> str:
    from application.scoring import refresh_scores

    with _application(settings) as app:
        position, moment = refresh_scores(app, by=by)
    return (f"scores refreshed as of {moment.isoformat()} (log position {position}): the "
            "scoring consumer rescores every customer with a score")
