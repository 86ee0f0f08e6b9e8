"""Examples of every rule of the value objects in domain/values.py."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import pytest

from domain.errors import DomainError, InvalidValue
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


def raises_invalid(field: str) -> pytest.RaisesExc[InvalidValue]:
    return pytest.raises(InvalidValue, match=f"^{field}: ")


# --------------------------------------------------------------------------- errors


def test_invalid_value_is_a_domain_error_with_field_and_message() -> None:
    with pytest.raises(DomainError) as info:
        Canton.parse("XX", field="home_canton")
    assert isinstance(info.value, InvalidValue)
    assert info.value.field == "home_canton"
    assert info.value.message
    assert "XX" not in str(info.value)


# --------------------------------------------------------------------------- Language


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("de", Language.DE), ("FR", Language.FR), (" it ", Language.IT), ("rm", Language.RM),
     ("En", Language.EN)],
)  # fmt: skip
def test_language_parses_case_insensitively(raw: str, expected: Language) -> None:
    assert Language.parse(raw) is expected
    assert str(expected) == expected.value


@pytest.mark.parametrize("raw", ["", "es", "deu", "de-CH", "german", "d e"])
def test_language_rejects_others(raw: str) -> None:
    with raises_invalid("lang"):
        Language.parse(raw, field="lang")


def test_language_rejects_non_text() -> None:
    with raises_invalid("language"):
        Language.parse(1)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- Canton


def test_canton_codes_are_the_26_cantons() -> None:
    assert len(CANTON_CODES) == 26
    assert len(set(CANTON_CODES)) == 26
    assert list(CANTON_CODES) == sorted(CANTON_CODES)
    assert {"ZH", "GE", "TI", "GR", "AI", "AR", "BS", "BL", "NW", "OW"} <= set(CANTON_CODES)


@pytest.mark.parametrize("code", CANTON_CODES)
def test_every_canton_parses_and_has_names(code: str) -> None:
    canton = Canton.parse(code.lower())
    assert str(canton) == code
    for language in ("de", "fr", "it", "rm", "en"):
        assert canton.name_in(language)


@pytest.mark.parametrize(
    ("code", "de", "fr", "it", "rm"),
    [
        ("ZH", "Zürich", "Zurich", "Zurigo", "Turitg"),
        ("GE", "Genf", "Genève", "Ginevra", "Genevra"),
        ("GR", "Graubünden", "Grisons", "Grigioni", "Grischun"),
        ("VD", "Waadt", "Vaud", "Vaud", "Vad"),
        ("TI", "Tessin", "Tessin", "Ticino", "Tessin"),
    ],
)
def test_canton_names(code: str, de: str, fr: str, it: str, rm: str) -> None:
    canton = Canton.parse(code)
    assert canton.name_in("de") == de
    assert canton.name_in("fr") == fr
    assert canton.name_in("it") == it
    assert canton.name_in("rm") == rm
    assert canton.name_in(Language.DE) == de


def test_canton_name_in_unknown_language() -> None:
    with raises_invalid("language"):
        Canton.parse("ZH").name_in("es")


@pytest.mark.parametrize("raw", [" zh ", "Zh", "ZH"])
def test_canton_normalises(raw: str) -> None:
    assert Canton.parse(raw) == Canton("ZH")


@pytest.mark.parametrize("raw", ["", "XX", "Z", "ZHR", "CH", "LI", "Zürich", "Z H"])
def test_canton_rejects_unknown_codes(raw: str) -> None:
    with raises_invalid("canton"):
        Canton.parse(raw)


def test_canton_constructor_checks_the_code() -> None:
    with raises_invalid("canton"):
        Canton("zh")


# --------------------------------------------------------------------------- PostalCode


def test_postal_data_file_is_the_whole_swiss_extract() -> None:
    with DATA.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        assert next(reader) == ["postal_code", "canton", "locality"]
        rows = list(reader)
    assert len(rows) == 4059
    assert rows == sorted(rows)
    assert len({code for code, _, _ in rows}) == 3181
    assert {canton for _, canton, _ in rows} == set(CANTON_CODES)
    assert all(len(code) == 4 and code.isdigit() and locality for code, _, locality in rows)


@pytest.mark.parametrize(
    ("raw", "cantons"),
    [
        ("8001", {"ZH"}),
        ("1201", {"GE"}),
        ("3011", {"BE"}),
        ("6900", {"TI"}),
        ("7000", {"GR"}),
        ("4001", {"BS"}),
        (" 1000 ", {"VD"}),
    ],
)
def test_real_postal_codes_parse_with_their_canton(raw: str, cantons: set[str]) -> None:
    postal_code = PostalCode.parse(raw)
    assert str(postal_code) == raw.strip()
    assert postal_code.cantons() == frozenset(cantons)


def test_postal_code_localities() -> None:
    assert PostalCode.parse("8001").localities() == ("Zürich",)
    assert PostalCode.parse("6900").localities() == ("Lugano", "Massagno", "Paradiso")


@pytest.mark.parametrize(
    "raw", ["", "800", "80010", "8OO1", "80 01", "CH-8001", "８００１", "-801"]
)
def test_postal_code_must_be_four_digits(raw: str) -> None:
    with raises_invalid("zip") as info:
        PostalCode.parse(raw, field="zip")
    assert info.value.message == "must be four digits"


@pytest.mark.parametrize("raw", ["0000", "1999", "9999", "3000", "9490"])  # 9490 is Vaduz (LI)
def test_postal_code_must_exist_in_switzerland(raw: str) -> None:
    with raises_invalid("postal_code") as info:
        PostalCode.parse(raw)
    assert info.value.message == "is not a Swiss postal code"


@pytest.mark.parametrize(("code", "canton"), [("8001", "ZH"), ("1201", "GE"), ("6900", "TI")])
def test_postal_code_in_its_canton_is_accepted(code: str, canton: str) -> None:
    check_postal_code_in_canton(PostalCode.parse(code), Canton.parse(canton))


@pytest.mark.parametrize(("code", "canton"), [("8001", "GE"), ("1201", "ZH"), ("8001", "ZG")])
def test_postal_code_in_another_canton_is_refused(code: str, canton: str) -> None:
    with raises_invalid("address.postal_code"):
        check_postal_code_in_canton(
            PostalCode.parse(code), Canton.parse(canton), field="address.postal_code"
        )


@pytest.mark.parametrize(("code", "cantons"), [("8500", {"TG", "ZH"}), ("6340", {"ZG", "ZH"})])
def test_postal_code_spanning_two_cantons_is_accepted_in_both(code: str, cantons: set[str]) -> None:
    postal_code = PostalCode.parse(code)
    assert postal_code.cantons() == frozenset(cantons)
    for canton in cantons:
        check_postal_code_in_canton(postal_code, Canton.parse(canton))
    with raises_invalid("postal_code"):
        check_postal_code_in_canton(postal_code, Canton.parse("GE"))


# --------------------------------------------------------------------------- Email


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("anna.muster@example.ch", "anna.muster@example.ch"),
        ("  Anna@EXAMPLE.CH ", "Anna@example.ch"),
        ("a+tag@sub.example.com", "a+tag@sub.example.com"),
        ("jürg@bücher.ch", "jürg@bücher.ch"),
    ],
)
def test_email_normalises(raw: str, canonical: str) -> None:
    email = Email.parse(raw)
    assert str(email) == canonical
    assert Email.parse(str(email)) == email


@pytest.mark.parametrize(
    "raw",
    ["", "anna", "anna@", "@example.ch", "anna@@example.ch", "anna@localhost", "an na@example.ch",
     "anna@example..ch", ".anna@example.ch", "anna@exa_mple.ch", "x" * 250 + "@example.ch"],
)  # fmt: skip
def test_email_rejects_invalid_without_echoing_it(raw: str) -> None:
    with raises_invalid("contact_email") as info:
        Email.parse(raw, field="contact_email")
    assert info.value.message == "not a valid e-mail address"
    if raw:
        assert raw not in str(info.value)


# --------------------------------------------------------------------------- Phone


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("044 668 18 00", "+41446681800"),
        ("+41 44 668 18 00", "+41446681800"),
        ("0041446681800", "+41446681800"),
        ("079 123 45 67", "+41791234567"),
        ("+49 30 123456", "+4930123456"),
        ("+423 235 12 34", "+4232351234"),
    ],
)
def test_phone_is_stored_as_e164(raw: str, e164: str) -> None:
    phone = Phone.parse(raw)
    assert str(phone) == e164
    assert Phone.parse(str(phone)) == phone


@pytest.mark.parametrize(
    "raw", ["", "abc", "123", "044 668 18", "044 668 18 00 00 00", "+41 00 000 00 00", "+999 123"]
)
def test_phone_rejects_invalid_without_echoing_it(raw: str) -> None:
    with raises_invalid("mobile") as info:
        Phone.parse(raw, field="mobile")
    assert info.value.message == "not a valid phone number"
    if raw:
        assert raw not in str(info.value)


# --------------------------------------------------------------------------- CompanyUID


@pytest.mark.parametrize(
    "raw", ["CHE-116.281.710", "che116281710", "CHE 116 281 710", " CHE-116281710 ", "116281710"]
)
def test_company_uid_formats(raw: str) -> None:
    uid = CompanyUID.parse(raw)
    assert str(uid) == "CHE-116.281.710"
    assert CompanyUID.parse(str(uid)) == uid


@pytest.mark.parametrize(
    "raw",
    ["", "CHE-116.281.711", "CHE-116.281.71", "CHE-116.281.7100", "DEU-116.281.710",
     "CHE-11A.281.710", "CHE-116.281.710 MWST"],
)  # fmt: skip
def test_company_uid_rejects_invalid(raw: str) -> None:
    with raises_invalid("uid"):
        CompanyUID.parse(raw, field="uid")


# --------------------------------------------------------------------------- Money


@pytest.mark.parametrize(
    ("rappen", "text"),
    [
        (0, "CHF 0.00"),
        (5, "CHF 0.05"),
        (100, "CHF 1.00"),
        (99999, "CHF 999.99"),
        (123450, "CHF 1'234.50"),
        (123456789, "CHF 1'234'567.89"),
    ],
)
def test_money_formats_with_swiss_separator(rappen: int, text: str) -> None:
    money = Money(rappen)
    assert str(money) == text
    assert Money.parse(text) == money
    assert Money.parse(rappen) == money


@pytest.mark.parametrize(
    ("raw", "rappen"),
    [("1234.50", 123450), ("1'234.50", 123450), ("1’234.5", 123450), ("chf 12", 1200),
     ("CHF12.05", 1205), (" 0.1 ", 10), ("1234567", 123456700)],
)  # fmt: skip
def test_money_parses_text_as_francs(raw: str, rappen: int) -> None:
    assert Money.parse(raw).rappen == rappen


@pytest.mark.parametrize(
    "raw",
    ["", "CHF", "-1", "-0.50", "1.234", "1,50", "12'34.00", "1'2345", "1.", ".5", "EUR 1",
     "1e3", "12 345"],
)  # fmt: skip
def test_money_rejects_bad_text(raw: str) -> None:
    with raises_invalid("price"):
        Money.parse(raw, field="price")


@pytest.mark.parametrize("raw", [1.5, 1.0, True, False, -1, None])
def test_money_rejects_floats_bools_and_negatives(raw: object) -> None:
    with raises_invalid("price"):
        Money.parse(raw, field="price")  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", [1.5, True, -1])
def test_money_constructor_and_chf_reject_floats_bools_and_negatives(raw: object) -> None:
    with raises_invalid("amount"):
        Money(raw)  # type: ignore[arg-type]
    with raises_invalid("deposit"):
        Money.chf(raw, field="deposit")  # type: ignore[arg-type]


def test_money_chf_and_arithmetic() -> None:
    assert Money.chf(12) == Money(1200)
    assert Money.chf(12).francs == 12
    assert Money.zero() == Money(0)
    assert Money(150) + Money(250) == Money(400)
    assert Money(400) - Money(150) == Money(250)
    assert Money(400) - Money(400) == Money.zero()
    assert sum([Money(1), Money(2)], Money.zero()) == Money(3)
    assert Money(1) < Money(2) <= Money(2) < Money.chf(1)
    assert max(Money(3), Money(7)) == Money(7)


def test_money_has_an_upper_bound() -> None:
    top = Money.parse("CHF 999'999'999'999.99")
    assert top.rappen == 10**14 - 1
    assert Money(10**14 - 1) == top
    with raises_invalid("price"):
        Money.parse("1'000'000'000'000.00", field="price")
    with raises_invalid("price"):
        Money.parse(10**14, field="price")
    with raises_invalid("price"):
        Money.chf(10**12, field="price")
    with raises_invalid("amount"):
        top + Money(1)


def test_money_subtraction_never_goes_negative() -> None:
    with raises_invalid("amount"):
        Money(100) - Money(101)


def test_money_does_not_mix_with_numbers() -> None:
    with pytest.raises(TypeError):
        Money(100) + 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        Money(100) < 1  # type: ignore[operator]  # noqa: B015


def test_value_objects_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Money(1).rappen = 2  # type: ignore[misc]


# --------------------------------------------------------------------------- ModelCode


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [("ID4", "ID4"), (" id-4 ", "ID-4"), ("EV6-GT", "EV6-GT"), ("Q4", "Q4"), ("A" * 20, "A" * 20)],
)
def test_model_code_normalises(raw: str, canonical: str) -> None:
    assert str(ModelCode.parse(raw)) == canonical


@pytest.mark.parametrize(
    "raw", ["", "A", "4X", "-AB", "A" * 21, "ID.4", "ID 4", "ID_4", "ÄB", "MOD€L", "ſt"]
)
def test_model_code_rejects_invalid(raw: str) -> None:
    with raises_invalid("model"):
        ModelCode.parse(raw, field="model")


# --------------------------------------------------------------------------- PersonName


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("Anna", "Anna"),
        ("  Anna-Lena  Müller ", "Anna-Lena  Müller"),
        ("Mu\u0308ller", "Müller"),  # decomposed umlaut becomes composed (NFC)
        ("Zoë d'Aubigné", "Zoë d'Aubigné"),
        ("x" * 200, "x" * 200),
    ],
)
def test_person_name_normalises(raw: str, canonical: str) -> None:
    name = PersonName.parse(raw)
    assert str(name) == canonical
    assert PersonName.parse(str(name)) == name


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("x" * 201, "must be at most 200 characters"),
        ("An\x00na", "must not contain control characters"),
        ("An\nna", "must not contain control characters"),
        ("An\tna", "must not contain control characters"),
        ("An\x7fna", "must not contain control characters"),
        ("An\u2028na", "must not contain control characters"),
    ],
)
def test_person_name_rejects_invalid(raw: str, message: str) -> None:
    with raises_invalid("first_name") as info:
        PersonName.parse(raw, field="first_name")
    assert info.value.message == message


# --------------------------------------------------------------------------- all of them


@pytest.mark.parametrize(
    "parse",
    [Canton.parse, PostalCode.parse, Email.parse, Phone.parse, Language.parse, CompanyUID.parse,
     ModelCode.parse, PersonName.parse],
)  # fmt: skip
@pytest.mark.parametrize("raw", [None, 8001, b"8001", ["ZH"]])
def test_non_text_input_is_an_invalid_value(parse: object, raw: object) -> None:
    with raises_invalid("f"):
        parse(raw, field="f")  # type: ignore[operator]
