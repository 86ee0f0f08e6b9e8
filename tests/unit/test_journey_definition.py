"""The journey's stages are defined once, in `domain/journey.py`: the SQL, the dashboards
and scoring derive from it, and no product module outside the domain spells out a copy
(a stage order, a set of stages, a sale → stage map, an SQL literal of a stage)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

from domain import events as e
from domain.journey import (
    CONVERTED_STAGES,
    DORMANT_AFTER,
    FORWARD_STAGES,
    SALE_STAGE,
    Journey,
    Stage,
)
from domain.lead_features import LeadFacts, Reference, stage_rank
from domain.scoring_prior import PRIOR
from entrypoints.query_api.dashboard_bodies import StageCounts
from projections.dashboards import queries
from projections.dashboards.facts import CONVERTED_SALE_STATUSES
from projections.journey_sql import FORWARD_STAGE_VALUES, one_of, stage_now

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("application", "adapters", "projections", "entrypoints")  # all but domain/
STAGE_VALUES = frozenset(stage.value for stage in Stage)
SQL_STAGE = re.compile("'(" + "|".join(sorted(STAGE_VALUES)) + ")'")
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _quoted(fragment: str) -> set[str]:
    return set(SQL_STAGE.findall(fragment))


def _at(stage: Stage, last_activity: datetime) -> Journey:
    """A journey that stands at `stage`, quiet since `last_activity`."""
    if stage is Stage.LOST:
        return Journey(cancelled=1, last_activity=last_activity)
    if stage in SALE_STAGE.values():
        return Journey(sales={uuid4(): stage}, last_activity=last_activity)
    return Journey(activity=stage, last_activity=last_activity)


def test_the_stage_as_of_now_in_sql_goes_dormant_where_the_domain_does() -> None:
    quiet = NOW - DORMANT_AFTER - DORMANT_AFTER
    stays = {stage.value for stage in Stage if stage is not Stage.DORMANT
             and _at(stage, quiet).stage(NOW) is not Stage.DORMANT}
    never_dormant, dormant = stage_now().split(" THEN ")
    assert _quoted(never_dormant) == stays
    assert _quoted(dormant) == {Stage.DORMANT.value}
    assert f"interval '{DORMANT_AFTER.days} days'" in stage_now()


def test_the_dashboards_count_the_domains_converted_stages_and_order() -> None:
    assert _quoted(queries._CONVERTED) == {stage.value for stage in CONVERTED_STAGES}
    assert one_of(CONVERTED_STAGES) == queries._CONVERTED
    # A sale counts as converted where its stage does.
    converted_sales = {status.value for status in CONVERTED_SALE_STATUSES}
    assert converted_sales == {stage.value for stage in CONVERTED_STAGES}
    assert [stage.value for stage in FORWARD_STAGES] == FORWARD_STAGE_VALUES
    # The funnel's body has a count for each forward stage, in the domain's order.
    assert list(StageCounts.__struct_fields__) == FORWARD_STAGE_VALUES


def test_the_converted_stages_are_the_contract_events_stages() -> None:
    assert {SALE_STAGE[e.SaleContractSigned], SALE_STAGE[e.SaleDelivered]} == CONVERTED_STAGES


def test_every_stage_scores() -> None:
    features = LeadFacts().features(datetime.now(UTC), Reference())
    for stage in Stage:
        assert 0 <= PRIOR.score({**features, "stage": stage_rank(stage)}).score <= 100


def test_no_module_outside_the_domain_defines_stages_again() -> None:
    copies = [f"{path.relative_to(ROOT)}:{line}: {what}"
              for path in _product_modules() for line, what in _stage_copies(path)]
    assert not copies, "stages are defined in domain/journey.py only:\n" + "\n".join(copies)


def test_the_scan_finds_each_kind_of_copy() -> None:
    """What the scan above would report, were a copy to come back."""
    samples = {
        "an SQL literal": "Q = \"SELECT 1 WHERE stage IN ('contracted', 'delivered')\"",
        "an order as strings": "ORDER = ['lead', 'engaged', 'test_drive']",
        "an order as members": "ORDER = [Stage.LEAD, Stage.ENGAGED]",
        "a set of values": "CONVERTED = (Stage.CONTRACTED.value, Stage.DELIVERED.value)",
        "a sale -> stage map": "M = {e.SaleOpened: Stage.NEGOTIATION}",
        "points by name": "P = {'lead': 10, 'engaged': 25}",
        "a comparison": "x = stage == 'lost'",
        "a keyword": "f(stage='lead')",
        "a default": "class A:\n    stage: str = 'lead'",
        "a row value": "row = {'stage': 'lead'}",
    }
    for kind, source in samples.items():
        assert list(_copies(ast.parse(source))), kind


def _product_modules() -> Iterator[Path]:
    for package in PRODUCT:
        yield from sorted((ROOT / package).rglob("*.py"))


def _stage_copies(path: Path) -> Iterator[tuple[int, str]]:
    yield from _copies(ast.parse(path.read_text(encoding="utf-8")))


def _copies(tree: ast.AST) -> Iterator[tuple[int, str]]:
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                                       ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)}
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and id(node) not in docstrings and SQL_STAGE.search(node.value)):
            yield line, f"an SQL literal of a stage: {node.value[:60]!r}"
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            if sum(_is_stage(elt) for elt in node.elts) >= 2:
                yield line, "a list of stages"
        elif isinstance(node, ast.Dict):
            if sum(_is_stage_name(key) for key in node.keys if key is not None) >= 2:
                yield line, "a map keyed by stage names"
            if any(_is_stage_member(value) for value in node.values):
                yield line, "a map to stages"
            for key, value in zip(node.keys, node.values, strict=True):
                if _names_stage(key) and _is_stage_name(value):
                    yield line, "a stage value spelled out"
        elif isinstance(node, ast.Compare):
            if any(_is_stage_name(operand) for operand in (node.left, *node.comparators)):
                yield line, "a comparison with a stage name"
        elif isinstance(node, ast.keyword):
            if node.arg and "stage" in node.arg and _is_stage_name(node.value):
                yield line, "a stage name as an argument"
        elif isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if node.value is not None and _is_stage_name(node.value) and any(
                    "stage" in ast.unparse(target) for target in targets):
                yield line, "a stage name assigned"


def _is_stage(node: ast.AST) -> bool:
    """A stage in a list: its name, its member, or its member's value."""
    if isinstance(node, ast.Attribute) and node.attr == "value":
        node = node.value
    return _is_stage_name(node) or _is_stage_member(node)


def _is_stage_name(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value in STAGE_VALUES


def _is_stage_member(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id == "Stage")


def _names_stage(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and "stage" in node.value
