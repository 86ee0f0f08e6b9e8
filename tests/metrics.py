"""Reading a Prometheus text exposition in tests: samples and the metric names it offers."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

__all__ = ["exposed_names", "sample"]

# The sample names each type of family offers (`x_total` for a counter `x`, …).
_SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_count", "_sum",
                                                               "_created"),
             "summary": ("_count", "_sum", "_created"), "gauge": ("",), "info": ("_info",),
             "untyped": ("",), "unknown": ("",), "stateset": ("",), "gaugehistogram": (
                 "_bucket", "_gcount", "_gsum")}


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of sample `name` whose labels include `labels`; None when there is none
    (several matching: their sum)."""
    found = [s.value for family in text_string_to_metric_families(text)
             for s in family.samples
             if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]
    return sum(found) if found else None


def exposed_names(text: str) -> set[str]:
    """Every sample name the exposition declares, with or without samples yet."""
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        names.update(family.name + suffix for suffix in _SUFFIXES[family.type])
        names.update(s.name for s in family.samples)
    return names
