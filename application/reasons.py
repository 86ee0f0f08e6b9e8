"""A person's stated reason for looking at or erasing a customer's data.

Reasons are kept in clear on the access trail (and with an erasure's answer), where no
erasure reaches them: so they may not quote the customer they are about.
"""

from __future__ import annotations

from application.blind_index import words
from domain.customer import Customer
from domain.errors import InvalidValue

__all__ = ["refuse_reason_quoting"]


def refuse_reason_quoting(reason: str, customer: Customer) -> None:
    """InvalidValue("reason") when a person's reason for a DSG action quotes the customer:
    it is kept in clear on the access trail, where no erasure reaches it."""
    quoted = _quoted_personal_value(reason, customer)
    if quoted is not None:
        raise InvalidValue("reason", f"quotes the customer's {quoted}, which would be kept "
                           "in clear after an erasure: give a case number or a date")


def _quoted_personal_value(reason: str, customer: Customer) -> str | None:
    """Which of the customer's personal values `reason` quotes, if any: each as a run of
    whole words (case and accents aside), a phone number by its last nine digits."""
    said = f" {' '.join(words(reason))} "
    contact = customer.company.contact if customer.company else None
    company = customer.company.name if customer.company else None
    for field, personal in (("name", customer.name), ("e-mail address", customer.email),
                            ("street", customer.street), ("company name", company),
                            ("company contact", contact)):
        value = None if personal is None else personal.value
        sought = " ".join(words(str(value))) if value is not None else ""
        if sought and f" {sought} " in said:
            return field
    phone = None if customer.phone is None else customer.phone.value
    digits = "".join(c for c in str(phone or "") if c.isdigit())[-9:]
    if len(digits) == 9 and digits in "".join(c for c in reason if c.isdigit()):
        return "phone number"
    return None
