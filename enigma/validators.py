from django.core.exceptions import ValidationError
from stdnum import exceptions as stdnum_errors
from stdnum.gb import upn as stdnum_upn


def validate_upn(value: str) -> None:
    """Refuse an invalid UPN with a message that says what is wrong with it."""
    number = stdnum_upn.compact(value or "")
    try:
        stdnum_upn.validate(number)
    except stdnum_errors.InvalidLength:
        raise ValidationError(
            "A UPN has 13 characters; this one has %(n)d.",
            code="upn_length",
            params={"n": len(number)},
        ) from None
    except stdnum_errors.InvalidFormat:
        raise ValidationError(
            "A UPN is a check letter, 11 digits, then a digit (or a letter for a temporary UPN).",
            code="upn_format",
        ) from None
    except stdnum_errors.InvalidComponent:
        raise ValidationError(
            "Characters 2 to 4 of a UPN are a local authority number; %(la)s is not one.",
            code="upn_la",
            params={"la": number[1:4]},
        ) from None
    except stdnum_errors.InvalidChecksum:
        raise ValidationError(
            "The check letter does not match: for the rest of this UPN it should be "
            "%(expected)s, not %(given)s. Check the UPN was copied correctly.",
            code="upn_check_letter",
            params={"expected": stdnum_upn.calc_check_digit(number[1:]), "given": number[0]},
        ) from None


def normalise_upn(value: str) -> str:
    return stdnum_upn.compact(value or "")
