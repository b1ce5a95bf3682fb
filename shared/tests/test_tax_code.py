import pytest

from suite_shared.tax_code import normalise_tax_code, optional_tax_code


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0100109106", "0100109106"),
        ("0314409058", "0314409058"),
        (" 0314 409 058 ", "0314409058"),
        ("0100109106-001", "0100109106-001"),
        ("0100109106001", "0100109106-001"),
        ("0100109106 - 001", "0100109106-001"),
        ("001089012345", "001089012345"),  # a person's CCCD: no check digit
    ],
)
def test_valid_codes_are_stored_in_one_form(typed, stored):
    assert normalise_tax_code(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "0314409059",
        "0101234567",
        "0101234567-001",
        "010010910",
        "01001091060",
        "abcdefghij",
        "０１００１０９１０６",
        "0100109106-01",
        "",
    ],
)
def test_wrong_check_digits_and_forms_are_refused(typed):
    with pytest.raises(ValueError, match="check digit"):
        normalise_tax_code(typed)


def test_blank_is_no_tax_code():
    assert optional_tax_code("  ") is None
    assert optional_tax_code(None) is None
