"""Masking and checking of personal data: national IDs and phone numbers."""

import re
import unicodedata
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from site_ops.inputs import BORN_AFTER

NATIONAL_ID = re.compile(r"[0-9]{17}[0-9X]")
PHONE = re.compile(r"[0-9]{7,15}")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def mask_national_id(value: str) -> str:
    """110101199003071234 -> 110***********1234"""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str) -> str:
    """13812341234 -> 138****1234"""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


# Recorded fields that hold personal data, and how each is masked: in the
# audit log's before/after, and when a history shows an older event (masking
# a masked value changes nothing).
MASKED_FIELDS = {
    "national_id": mask_national_id,
    "phone": mask_phone,
    "emergency_phone": mask_phone,
    "driver_phone": mask_phone,
}


def masked_fields(values: dict) -> dict:
    return {
        key: MASKED_FIELDS[key](value) if key in MASKED_FIELDS and value else value for key, value in values.items()
    }


def national_id_check_digit(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def validate_national_id(value: str) -> str:
    """Check the form of an 18-character resident ID: digits, date, check digit."""
    value = value.strip().upper()
    # ASCII digits only: "²" and full-width digits are digits to str.isdigit, not to int().
    if not NATIONAL_ID.fullmatch(value):
        raise ValidationError(_("A national ID has 18 characters: 17 digits and a digit or X."))
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(_("The birth date inside this national ID is not a real date.")) from None
    if not BORN_AFTER <= born <= timezone.localdate():
        raise ValidationError(_("The birth date inside this national ID is not a real date."))
    if national_id_check_digit(value[:17]) != value[17]:
        raise ValidationError(_("The last character of this national ID does not match: check it for a typo."))
    return value


def birth_date_from_national_id(value: str) -> date:
    return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))


# What a name is written with: letters of any script (a Chinese, Uyghur or foreign name), their marks,
# and between its parts a space, a middle dot (阿卜杜·艾尼), a hyphen, an apostrophe or a full stop.
NAME_JOINS = " ·・.-'’"


def validate_person_name(value: str) -> str:
    """A person's name with its spaces made single; refused when it holds anything but letters and joins
    (digits, emoji, angle brackets)."""
    value = " ".join(value.split())
    if any(not (unicodedata.category(ch)[0] in "LM" or ch in NAME_JOINS) for ch in value):
        raise ValidationError(
            _("Write the name in letters only; a middle dot (·) may join the parts of a minority or foreign name.")
        )
    return value


def validate_phone(value: str) -> str:
    value = value.strip().replace(" ", "").replace("-", "")
    if value and not PHONE.fullmatch(value):
        raise ValidationError(_("A phone number has 7 to 15 digits."))
    # A mainland mobile is 1 and ten more digits; a landline starts with its area code's 0, a number
    # from abroad with its country code (00...).
    if value.startswith("1") and len(value) != 11:
        raise ValidationError(_("A mobile number has 11 digits (it has %(count)s).") % {"count": len(value)})
    return value
