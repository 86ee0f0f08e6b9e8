"""The msgspec transcoder reads exactly what the library's JSON transcoder reads.

Stored events are written in the library's format; the faster reader must give back
the same values for anything an event can hold: our value objects, the library's
UUIDs, datetimes and decimals, nested in dicts and lists, and plain JSON.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

import pytest
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    TranscodingNotRegisteredError,
    UUIDAsHex,
)
from hypothesis import given
from hypothesis import strategies as st

from application.transcodings import MsgspecJSONTranscoder, register_value_transcodings
from domain.meta import EventMeta
from domain.values import Canton, Money, PostalCode


def _transcoder(kind: type[JSONTranscoder]) -> JSONTranscoder:
    transcoder = kind()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    register_value_transcodings(transcoder)
    return transcoder


LIBRARY = _transcoder(JSONTranscoder)
OURS = _transcoder(MsgspecJSONTranscoder)

leaves = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False), st.text(),  # infinity is not JSON, but json writes it
    st.uuids(), st.datetimes(timezones=st.just(UTC)),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.sampled_from(["ZH", "BE", "TI", "GE"]).map(Canton.parse),
    st.sampled_from(["8001", "3011", "6900", "1201"]).map(PostalCode.parse),
    st.integers(min_value=0, max_value=10**9).map(Money),
    st.builds(EventMeta, actor=st.text(min_size=1), correlation_id=st.text(min_size=1)),
)
values = st.recursive(
    leaves,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=20,
)
event_states = st.dictionaries(st.text(max_size=12), values, max_size=8)


@given(event_states)
def test_reads_back_what_the_library_reads(state: dict[str, Any]) -> None:
    stored = LIBRARY.encode(state)
    assert OURS.decode(stored) == LIBRARY.decode(stored) == state


@given(st.dictionaries(st.text(max_size=8), st.text(), max_size=3))
def test_a_dict_shaped_like_a_typed_value_reads_the_same(data: dict[str, str]) -> None:
    # Not every two-key dict is a typed value: only one with both `_type_` and `_data_`.
    stored = LIBRARY.encode({"_type_x": data, "nested": [{"_type_": "x", "other": data}]})
    assert OURS.decode(stored) == LIBRARY.decode(stored)


def test_an_unknown_type_fails_as_the_library_fails() -> None:
    stored = b'{"when": {"_type_": "stardate", "_data_": "41153.7"}}'
    with pytest.raises(TranscodingNotRegisteredError, match="stardate"):
        OURS.decode(stored)
