"""The blind index finds a name by any beginning of any of its words, in either case."""

from __future__ import annotations

import os

from hypothesis import given
from hypothesis import strategies as st

from application.blind_index import MIN_PREFIX, BlindIndex, words
from domain.values import PersonName

INDEX = BlindIndex(os.urandom(32))
WORD = st.text(st.characters(categories=("Lu", "Ll", "Nd")), min_size=1, max_size=40)


def _finds(stored: frozenset[bytes], typed: str) -> bool:
    return all(part.blind & stored for part in INDEX.search(typed))


@given(st.lists(WORD, min_size=1, max_size=4), st.data())
def test_every_beginning_of_every_word_finds_the_name(parts: list[str],
                                                      data: st.DataObject) -> None:
    name = PersonName.parse(" ".join(parts))
    stored = INDEX.terms_of(name)
    for word in words(str(name)):
        typed = word[:data.draw(st.integers(min(MIN_PREFIX, len(word)), len(word)))]
        assert _finds(stored, typed)
        if words(typed.upper()) == [typed]:  # case folding goes both ways (not for ı)
            assert _finds(stored, typed.upper())
