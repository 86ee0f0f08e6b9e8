"""Properties of the value objects in domain/values.py.

For each value object: valid input (drawn from the real data, or built in a
valid form) round-trips through ``parse(str(v)) == v``; invalid input raises
``InvalidValue`` naming the caller's field, and nothing else ever escapes.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from domain.errors import InvalidValue
from domain.values import (
    CANTON_CODES,
    Canton,
    CompanyUID,
    Email,
    Language,
    ModelCode,
    Money,
    PersonName,
    Phone,
    PostalCode,
    check_postal_code_in_canton,
)

DATA = Path(__file__).resolve().parents[2] / "domain" / "data" / "ch_postal_codes.csv"


def _load_pairs() -> list[tuple[str, str]]:
    with DATA.open(encoding="utf-8", newline="") as f:
        return sorted({(row["postal_code"], row["canton"]) for row in csv.DictReader(f)})


POSTAL_PAIRS = _load_pairs()
POSTAL_CODES = sorted({code for code, _ in POSTAL_PAIRS})
CANTONS_BY_CODE: dict[str, frozenset[str]] = {
    code: frozenset(c for p, c in POSTAL_PAIRS if p == code) for code in POSTAL_CODES
}
NON_POSTAL_CODES = sorted({f"{n:04d}" for n in range(10000)} - set(POSTAL_CODES))

# Modest example counts keep the file at a few seconds; no deadline, so a slow
# machine (the postal data is read on first use) cannot make it flaky.
MODEST = settings(max_examples=30, deadline=None)

fields = st.from_regex(r"[a-z][a-z_.]{0,24}", fullmatch=True)
padding = st.sampled_from(["", " ", "  ", "\t", "\n"])
junk = st.one_of(
    st.text(max_size=40),
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.binary(max_size=10),
    st.lists(st.text(max_size=3), max_size=2),
)


def assert_invalid(parse: Callable[..., Any], raw: object, field: str) -> InvalidValue:
    with pytest.raises(InvalidValue) as info:
        parse(raw, field=field)
    assert info.value.field == field
    assert info.value.message
    return info.value


def random_case(draw: st.DrawFn, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(ch.swapcase() if flip else ch for ch, flip in zip(text, flips))


# --------------------------------------------------------------------------- all parsers

PARSERS: list[Callable[..., Any]] = [
    Canton.parse,
    PostalCode.parse,
    Email.parse,
    Phone.parse,
    Language.parse,
    CompanyUID.parse,
    Money.parse,
    ModelCode.parse,
    PersonName.parse,
]


@pytest.mark.parametrize("parse", PARSERS, ids=lambda p: p.__qualname__)
@MODEST
@given(raw=junk, field=fields)
def test_any_input_either_round_trips_or_is_an_invalid_value(
    parse: Callable[..., Any], raw: object, field: str
) -> None:
    try:
        value = parse(raw, field=field)
    except InvalidValue as error:
        assert error.field == field
        return
    assert parse(str(value), field=field) == value


# --------------------------------------------------------------------------- Language


@st.composite
def language_inputs(draw: st.DrawFn) -> tuple[str, Language]:
    language = draw(st.sampled_from(list(Language)))
    return draw(padding) + random_case(draw, language.value) + draw(padding), language


@MODEST
@given(language_inputs())
def test_language_round_trips(case: tuple[str, Language]) -> None:
    raw, expected = case
    assert Language.parse(raw) is expected
    assert Language.parse(str(expected)) is expected


@MODEST
@given(st.text(max_size=6), fields)
def test_language_rejects_everything_else(raw: str, field: str) -> None:
    assume(raw.strip().lower() not in {"de", "fr", "it", "rm", "en"})
    assert_invalid(Language.parse, raw, field)


# --------------------------------------------------------------------------- Canton


@st.composite
def canton_inputs(draw: st.DrawFn) -> tuple[str, str]:
    code = draw(st.sampled_from(CANTON_CODES))
    return draw(padding) + random_case(draw, code) + draw(padding), code


@MODEST
@given(canton_inputs(), st.sampled_from(list(Language)))
def test_canton_round_trips_and_is_named(case: tuple[str, str], language: Language) -> None:
    raw, code = case
    canton = Canton.parse(raw)
    assert str(canton) == code
    assert Canton.parse(str(canton)) == canton
    assert canton.name_in(language)


@MODEST
@given(st.text(max_size=4), fields)
def test_canton_rejects_unknown_codes(raw: str, field: str) -> None:
    assume(raw.strip().upper() not in CANTON_CODES)
    assert_invalid(Canton.parse, raw, field)


# --------------------------------------------------------------------------- PostalCode


@MODEST
@given(st.sampled_from(POSTAL_PAIRS), padding)
def test_real_postal_codes_round_trip_and_belong_to_their_canton(
    pair: tuple[str, str], pad: str
) -> None:
    code, canton = pair
    postal_code = PostalCode.parse(pad + code + pad)
    assert str(postal_code) == code
    assert PostalCode.parse(str(postal_code)) == postal_code
    assert canton in postal_code.cantons()
    assert postal_code.cantons() == CANTONS_BY_CODE[code]
    check_postal_code_in_canton(postal_code, Canton.parse(canton))


@MODEST
@given(st.sampled_from(POSTAL_CODES), st.sampled_from(CANTON_CODES), fields)
def test_postal_code_outside_its_cantons_is_refused(code: str, canton: str, field: str) -> None:
    assume(canton not in CANTONS_BY_CODE[code])
    with pytest.raises(InvalidValue) as info:
        check_postal_code_in_canton(PostalCode.parse(code), Canton.parse(canton), field=field)
    assert info.value.field == field


@MODEST
@given(st.sampled_from(NON_POSTAL_CODES), fields)
def test_four_digits_that_are_no_swiss_postal_code_are_refused(raw: str, field: str) -> None:
    assert assert_invalid(PostalCode.parse, raw, field).message == "is not a Swiss postal code"


@MODEST
@given(st.text(max_size=8), fields)
def test_postal_code_not_four_digits_is_refused(raw: str, field: str) -> None:
    stripped = raw.strip()
    assume(not (len(stripped) == 4 and all(ch in "0123456789" for ch in stripped)))
    assert assert_invalid(PostalCode.parse, raw, field).message == "must be four digits"


# --------------------------------------------------------------------------- Email

# DNS labels without "--" (reserved at positions 3-4 for IDNA, e.g. "xn--").
_label = st.from_regex(r"[a-z0-9]{1,8}(?:-[a-z0-9]{1,8})?", fullmatch=True)
_local = st.from_regex(r"[A-Za-z0-9_+-]{1,12}(?:\.[A-Za-z0-9_+-]{1,12}){0,2}", fullmatch=True)
_tld = st.sampled_from(["ch", "com", "org", "net", "swiss", "li", "de", "fr", "it"])


@st.composite
def emails(draw: st.DrawFn) -> str:
    labels = draw(st.lists(_label, min_size=1, max_size=3))
    return draw(_local) + "@" + ".".join(labels) + "." + draw(_tld)


@MODEST
@given(emails(), padding)
def test_email_round_trips(raw: str, pad: str) -> None:
    email = Email.parse(pad + raw + pad)
    assert str(email) == raw  # already normal: lower-case domain, ASCII
    assert Email.parse(str(email)) == email


@MODEST
@given(emails())
def test_email_domain_is_case_insensitive(raw: str) -> None:
    local, domain = raw.split("@")
    assert Email.parse(local + "@" + domain.upper()) == Email.parse(raw)


@MODEST
@given(st.text(max_size=40), fields)
def test_text_without_at_sign_is_no_email(raw: str, field: str) -> None:
    assume("@" not in raw)
    error = assert_invalid(Email.parse, raw, field)
    assert error.message == "not a valid e-mail address"


@MODEST
@given(_local, _label, fields)
def test_email_domain_needs_a_dot(local: str, label: str, field: str) -> None:
    assert_invalid(Email.parse, f"{local}@{label}", field)


# --------------------------------------------------------------------------- Phone

# Swiss geographic area codes (fixed lines) and mobile prefixes, national form.
_CH_PREFIXES = ["21", "22", "24", "26", "27", "31", "32", "33", "34", "41", "43", "44", "52",
                "55", "56", "61", "62", "71", "81", "91", "75", "76", "77", "78", "79"]  # fmt: skip


@st.composite
def swiss_numbers(draw: st.DrawFn) -> tuple[str, str]:
    prefix = draw(st.sampled_from(_CH_PREFIXES))
    rest = draw(st.from_regex(r"[0-9]{7}", fullmatch=True))
    e164 = f"+41{prefix}{rest}"
    shown = draw(
        st.sampled_from(
            [
                f"0{prefix}{rest}",
                f"0{prefix} {rest[:3]} {rest[3:5]} {rest[5:]}",
                f"+41 {prefix} {rest[:3]} {rest[3:5]} {rest[5:]}",
                f"0041{prefix}{rest}",
                f"+41 (0){prefix} {rest}",
                e164,
            ]
        )
    )
    return shown, e164


@MODEST
@given(swiss_numbers(), padding)
def test_swiss_phone_numbers_become_e164(case: tuple[str, str], pad: str) -> None:
    shown, e164 = case
    phone = Phone.parse(pad + shown + pad)
    assert str(phone) == e164
    assert Phone.parse(str(phone)) == phone


@MODEST
@given(st.sampled_from(sorted(phonenumbers.SUPPORTED_REGIONS)))
def test_foreign_example_numbers_round_trip(region: str) -> None:
    example = phonenumbers.example_number(region)
    assert example is not None
    e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    international = phonenumbers.format_number(
        example, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    phone = Phone.parse(international)
    assert str(phone) == e164
    assert Phone.parse(str(phone)) == phone


@MODEST
@given(st.from_regex(r"[0-9]{1,5}", fullmatch=True), fields)
def test_too_short_numbers_are_refused(raw: str, field: str) -> None:
    assert assert_invalid(Phone.parse, raw, field).message == "not a valid phone number"


@MODEST
@given(st.text(alphabet=st.characters(exclude_categories=("Nd", "No")), max_size=30), fields)
def test_text_without_digits_is_no_phone(raw: str, field: str) -> None:
    assume(not any(ch.isdigit() for ch in raw))
    assert_invalid(Phone.parse, raw, field)


# --------------------------------------------------------------------------- CompanyUID

_UID_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4)


def uid_check_digit(body: str) -> int:
    """eCH-0097 modulus 11; 10 means the body has no valid UID."""
    return (11 - sum(w * int(d) for w, d in zip(_UID_WEIGHTS, body)) % 11) % 11


@st.composite
def uid_bodies(draw: st.DrawFn) -> tuple[str, int]:
    body = draw(st.from_regex(r"[0-9]{8}", fullmatch=True))
    check = uid_check_digit(body)
    assume(check != 10)
    return body, check


@MODEST
@given(uid_bodies(), st.integers(0, 3), padding)
def test_company_uid_round_trips(case: tuple[str, int], style: int, pad: str) -> None:
    body, check = case
    digits = f"{body}{check}"
    canonical = f"CHE-{digits[:3]}.{digits[3:6]}.{digits[6:]}"
    shown = [canonical, f"CHE{digits}", f"che {digits[:3]} {digits[3:6]} {digits[6:]}", digits]
    uid = CompanyUID.parse(pad + shown[style] + pad)
    assert str(uid) == canonical
    assert CompanyUID.parse(str(uid)) == uid


@MODEST
@given(uid_bodies(), st.integers(1, 9), fields)
def test_company_uid_with_wrong_check_digit_is_refused(
    case: tuple[str, int], offset: int, field: str
) -> None:
    body, check = case
    wrong = (check + offset) % 10
    assume(wrong != check)
    assert_invalid(CompanyUID.parse, f"CHE-{body[:3]}.{body[3:6]}.{body[6:]}{wrong}", field)


# --------------------------------------------------------------------------- Money

MAX_RAPPEN = 10**14 - 1
rappen = st.integers(min_value=0, max_value=MAX_RAPPEN)


@MODEST
@given(rappen)
def test_money_round_trips(amount: int) -> None:
    money = Money(amount)
    assert Money.parse(str(money)) == money
    assert Money.parse(amount) == money
    text = str(money)
    assert text.startswith("CHF ")
    assert text.replace("CHF ", "").replace("'", "") == f"{amount // 100}.{amount % 100:02d}"


@MODEST
@given(st.integers(min_value=MAX_RAPPEN + 1), fields)
def test_money_past_the_maximum_is_refused(amount: int, field: str) -> None:
    assert_invalid(Money.parse, amount, field)
    assert_invalid(Money.parse, f"{amount // 100}.{amount % 100:02d}", field)
    assert_invalid(Money.chf, amount // 100 + 1, field)


@MODEST
@given(st.integers(min_value=0, max_value=MAX_RAPPEN // 100), st.integers(0, 99))
def test_money_text_without_separators(francs: int, cents: int) -> None:
    assert Money.parse(f"{francs}.{cents:02d}") == Money(francs * 100 + cents)
    assert Money.parse(str(francs)) == Money.chf(francs)


@MODEST
@given(rappen, rappen)
def test_money_arithmetic_and_order(a: int, b: int) -> None:
    x, y = Money(a), Money(b)
    if a + b <= MAX_RAPPEN:
        assert (x + y).rappen == a + b
        assert (x + y) - y == x
    else:
        with pytest.raises(InvalidValue):
            x + y
    assert (x < y) == (a < b)
    assert (x == y) == (a == b)
    if a >= b:
        assert (x - y).rappen == a - b
    else:
        with pytest.raises(InvalidValue):
            x - y


@MODEST
@given(st.integers(max_value=-1), fields)
def test_negative_money_is_refused(amount: int, field: str) -> None:
    assert_invalid(Money.parse, amount, field)
    assert_invalid(Money.chf, amount, field)
    assert_invalid(Money.parse, str(amount), field)


@MODEST
@given(st.one_of(st.floats(), st.booleans()), fields)
def test_floats_and_bools_are_no_money(raw: float | bool, field: str) -> None:
    assert_invalid(Money.parse, raw, field)
    assert_invalid(Money.chf, raw, field)


@MODEST
@given(st.integers(min_value=0, max_value=10**6), st.integers(3, 6), fields)
def test_money_with_more_than_two_decimals_is_refused(francs: int, places: int, field: str) -> None:
    assert_invalid(Money.parse, f"{francs}.{'5' * places}", field)


# --------------------------------------------------------------------------- ModelCode

model_codes = st.from_regex(r"[A-Z][A-Z0-9-]{1,19}", fullmatch=True)


@MODEST
@given(model_codes, padding, st.booleans())
def test_model_code_round_trips(code: str, pad: str, lower: bool) -> None:
    model = ModelCode.parse(pad + (code.lower() if lower else code) + pad)
    assert str(model) == code
    assert ModelCode.parse(str(model)) == model


@MODEST
@given(st.from_regex(r"[0-9-][A-Z0-9-]{1,19}", fullmatch=True), fields)
def test_model_code_must_start_with_a_letter(raw: str, field: str) -> None:
    assert_invalid(ModelCode.parse, raw, field)


@MODEST
@given(st.from_regex(r"[A-Z][A-Z0-9-]{20,40}|[A-Z]", fullmatch=True), fields)
def test_model_code_length_is_two_to_twenty(raw: str, field: str) -> None:
    assert_invalid(ModelCode.parse, raw, field)


@MODEST
@given(model_codes, st.characters(exclude_characters="-", exclude_categories=("Lu", "Ll", "Nd")))
def test_model_code_refuses_other_characters(code: str, ch: str) -> None:
    assume(not ch.isspace() and not ch.isalnum())
    assert_invalid(ModelCode.parse, code[:1] + ch + code[1:], "model")


# --------------------------------------------------------------------------- PersonName

_name_chars = st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp"))


@MODEST
@given(st.text(alphabet=_name_chars, min_size=1, max_size=120))
def test_person_name_round_trips(raw: str) -> None:
    expected = unicodedata.normalize("NFC", raw).strip()
    assume(expected)
    name = PersonName.parse(raw)
    assert str(name) == expected
    assert PersonName.parse(str(name)) == name


@MODEST
@given(
    st.text(alphabet=_name_chars, max_size=20),
    st.characters(categories=("Cc", "Zl", "Zp")),
    st.text(alphabet=_name_chars, max_size=20),
    fields,
)
def test_person_name_refuses_control_characters(
    before: str, ch: str, after: str, field: str
) -> None:
    error = assert_invalid(PersonName.parse, "A" + before + ch + after + "Z", field)
    assert error.message == "must not contain control characters"


@MODEST
@given(st.text(alphabet=" \t\n\r\u00a0\u2003", max_size=10), fields)
def test_blank_person_name_is_refused(raw: str, field: str) -> None:
    assert assert_invalid(PersonName.parse, raw, field).message == "must not be empty"


@MODEST
@given(st.integers(201, 400), st.sampled_from("aZéß漢"), fields)
def test_overlong_person_name_is_refused(length: int, ch: str, field: str) -> None:
    assert_invalid(PersonName.parse, ch * length, field)
