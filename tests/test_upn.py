import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st
from stdnum.gb import upn as stdnum_upn

from enigma.demo import make_upn
from enigma.validators import validate_upn


def message(value):
    with pytest.raises(ValidationError) as exc:
        validate_upn(value)
    return exc.value.messages[0]


def test_a_valid_upn_passes():
    validate_upn(make_upn(1))
    validate_upn(make_upn(1).lower())  # case does not matter
    validate_upn("B801200005001")


def test_wrong_check_letter_says_which_letter_was_expected():
    good = make_upn(42)
    wrong = ("A" if good[0] != "A" else "B") + good[1:]
    text = message(wrong)
    assert f"should be {good[0]}, not {wrong[0]}" in text


def test_wrong_length_says_how_long_it_is():
    assert "13 characters; this one has 12" in message("B80120000500")


def test_letters_in_the_middle_are_a_format_error():
    assert "11 digits" in message("B80120000X001")


def test_unknown_local_authority_is_named():
    body = "999200005001"
    assert "999 is not one" in message(stdnum_upn.calc_check_digit(body) + body)


@given(st.integers(min_value=0, max_value=999_999))
def test_every_generated_demo_upn_is_valid(serial):
    validate_upn(make_upn(serial))


@given(st.text(max_size=20))
def test_arbitrary_text_is_refused_or_accepted_never_crashes(text):
    try:
        validate_upn(text)
    except ValidationError as exc:
        assert exc.messages
