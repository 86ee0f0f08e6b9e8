"""VIN parsing: alphabet, length, and the North American check digit."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import InvalidValue
from domain.vin import VIN, check_digit

# The worked example of 49 CFR 565 / Wikipedia: check digit 'X' (remainder 10).
NORTH_AMERICAN = "1M8GDM9AXKP042788"
# A European VIN with a manufacturer's filler letter at position 9.
EUROPEAN = "WVWZZZE1ZMP000001"
VIN_ALPHABET = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def _refusal(raw: Any, **kwargs: Any) -> InvalidValue:
    with pytest.raises(InvalidValue) as refused:
        VIN.parse(raw, **kwargs)
    return refused.value


def test_a_north_american_vin_with_the_right_check_digit_is_accepted() -> None:
    assert str(VIN.parse(NORTH_AMERICAN)) == NORTH_AMERICAN
    assert str(VIN.parse("11111111111111111")) == "11111111111111111"


def test_input_is_trimmed_and_upper_cased() -> None:
    assert VIN.parse(f"  {NORTH_AMERICAN.lower()}\n") == VIN(NORTH_AMERICAN)


def test_parsing_the_canonical_form_gives_the_same_vin() -> None:
    vin = VIN.parse(EUROPEAN.lower())
    assert VIN.parse(str(vin)) == vin


def test_check_digit_follows_the_published_example() -> None:
    assert check_digit(NORTH_AMERICAN) == "X"
    assert check_digit("11111111111111111") == "1"


@pytest.mark.parametrize("region", list("12345"))
def test_a_wrong_check_digit_is_refused_for_north_america(region: str) -> None:
    raw = region + NORTH_AMERICAN[1:]
    right = check_digit(raw)
    wrong = "0" if right != "0" else "1"
    VIN.parse(raw[:8] + right + raw[9:])
    refused = _refusal(raw[:8] + wrong + raw[9:])
    assert refused.field == "vin"
    assert "check digit" in refused.message


@pytest.mark.parametrize("region", ["W", "Y", "J", "K", "L", "S", "V", "Z", "6", "9"])
def test_any_valid_character_at_position_9_is_accepted_outside_north_america(region: str) -> None:
    for ninth in ("Z", "0", "X", "A"):
        raw = region + EUROPEAN[1:8] + ninth + EUROPEAN[9:]
        assert str(VIN.parse(raw)) == raw


@pytest.mark.parametrize(
    "raw", ["", NORTH_AMERICAN[:16], NORTH_AMERICAN + "1", "WVW ZZZE1ZMP00001"]
)
def test_anything_but_17_characters_is_refused(raw: str) -> None:
    refused = _refusal(raw)
    assert refused.field == "vin"
    assert "17" in refused.message or "letters" in refused.message


@pytest.mark.parametrize("letter", ["I", "O", "Q", "i", "o", "q"])
def test_the_letters_i_o_q_are_refused(letter: str) -> None:
    refused = _refusal(EUROPEAN[:10] + letter + EUROPEAN[11:])
    assert "without I, O or Q" in refused.message


@pytest.mark.parametrize("raw", ["WVWZZZE1ZMP00000-", "WVWZZZE1ZMP00000 1", "WVWZZZE1ZMP0000_1"])
def test_other_characters_are_refused(raw: str) -> None:
    assert _refusal(raw).field == "vin"


def test_non_ascii_letters_are_refused_even_if_upper_casing_makes_them_ascii() -> None:
    # "ſ".upper() == "S"
    assert _refusal("ſ" + EUROPEAN[1:]).field == "vin"


def test_the_callers_field_name_is_used_and_input_is_not_repeated() -> None:
    refused = _refusal("NOT-A-VIN", field="delivery.vin")
    assert refused.field == "delivery.vin"
    assert "NOT-A-VIN" not in str(refused)


def test_non_text_is_refused() -> None:
    assert _refusal(12345678901234567).field == "vin"


@settings(max_examples=200)
@given(st.text(alphabet=VIN_ALPHABET, min_size=17, max_size=17))
def test_a_vin_is_valid_iff_outside_north_america_or_its_check_digit_matches(raw: str) -> None:
    should_accept = raw[0] not in "12345" or raw[8] == check_digit(raw)
    if should_accept:
        assert str(VIN.parse(raw)) == raw
    else:
        assert _refusal(raw).field == "vin"
