"""The blind index: what it stores for a value, and what a search looks up."""

from __future__ import annotations

import os

import pytest

from application.blind_index import BlindIndex, words
from domain.values import CompanyName, Email, PersonName, Phone

INDEX = BlindIndex(os.urandom(32))


def _finds(value: object, text: str, index: BlindIndex = INDEX) -> bool:
    stored = index.terms_of(value)
    return all(part.blind & stored for part in index.search(text))


def test_words_fold_case_strip_accents_and_split_at_anything_else() -> None:
    assert words("Zoë Müller-Lüdenscheid, ÉCOLE_ß") == ["zoe", "muller", "ludenscheid",
                                                        "ecole", "ss"]


@pytest.mark.parametrize("text", ["müller", "MULLER", "mü", "Zoë", "zoe mull",
                                  "lüdensch zo"])
def test_a_name_is_found_by_its_words_and_their_beginnings(text: str) -> None:
    assert _finds(PersonName.parse("Zoë Müller-Lüdenscheid"), text)


@pytest.mark.parametrize("text", ["ller", "denscheid", "zoey", "anna", "zoe anna"])
def test_a_name_is_not_found_by_the_middle_of_a_word_or_another_word(text: str) -> None:
    assert not _finds(PersonName.parse("Zoë Müller-Lüdenscheid"), text)


@pytest.mark.parametrize("text", ["anna.muster@example.ch", "ANNA.Muster@Example.CH", "anna",
                                  "must", "example", "exa", "ch", "anna example"])
def test_an_address_is_found_whole_or_by_the_words_of_its_parts(text: str) -> None:
    assert _finds(Email.parse("anna.muster@example.ch"), text)


def test_a_whole_address_finds_only_that_address() -> None:
    assert not _finds(Email.parse("anna.muster@example.ch"), "anna@example.ch")


def test_phone_numbers_and_other_values_are_not_indexed() -> None:
    assert INDEX.terms_of(Phone.parse("+41 79 123 45 67")) == frozenset()
    assert INDEX.terms_of("a free-text note") == frozenset()


def test_each_field_and_each_key_gives_unrelated_terms() -> None:
    as_name = INDEX.terms_of(PersonName.parse("Anna"))
    as_email = INDEX.terms_of(Email.parse("anna@ab.ch"))
    assert as_name and not as_name & as_email  # the same word, unrelated terms
    other = BlindIndex(os.urandom(32))
    assert not as_name & other.terms_of(PersonName.parse("Anna"))
    assert {len(term) for term in as_name | as_email} == {16}


def test_words_too_short_to_look_up_are_left_out_of_a_search() -> None:
    assert INDEX.search("a . -") == []
    assert len(INDEX.search("a muster")) == 1


@pytest.mark.parametrize(("text", "found"), [("müll", True), ("anna muster", True),
                                             ("elektro", True), ("ster", False)])
def test_a_company_name_is_found_by_keyed_words_and_beginnings_none_in_clear(
        text: str, found: bool) -> None:
    # A sole proprietorship's name holds its owner's name: personal, so keyed like a name.
    company = CompanyName.parse("Anna Muster Elektro Müller")
    assert _finds(company, text) is found
    stored = INDEX.terms_of(company)
    assert len(stored) == 18 and not stored & INDEX.terms_of(PersonName.parse(
        "Anna Muster Elektro Müller"))  # a field of its own
    assert all(b"muster" not in term and b"anna" not in term for term in stored)


@pytest.mark.parametrize("text", ["", "00", "zz" * 32])
def test_the_key_must_be_32_bytes_of_hex(text: str) -> None:
    with pytest.raises(ValueError, match="CIS_BLIND_INDEX_KEY"):
        BlindIndex.from_hex(text)
