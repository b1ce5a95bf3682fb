import pytest

from suite_shared.text import InvalidPhone, fold, normalize_phone, phone_search_key


@pytest.mark.parametrize(
    ("raw", "folded"),
    [("Nguyễn  Văn A", "nguyen van a"), ("ĐỖ Đức Độ", "do duc do"), ("", ""), (None, "")],
)
def test_fold_removes_accents_case_and_extra_spaces(raw, folded):
    assert fold(raw) == folded


@pytest.mark.parametrize("raw", ["0912 345 678", "+84912345678", "84912345678", "0912.345.678"])
def test_vietnamese_phone_formats_are_one_number(raw):
    assert normalize_phone(raw) == "+84912345678"


@pytest.mark.parametrize("raw", ["12", "abc", "0000"])
def test_invalid_phones_are_refused(raw):
    with pytest.raises(InvalidPhone):
        normalize_phone(raw)


def test_phone_search_key_is_national_digits():
    assert phone_search_key("+84 912 345 678") == "0912345678"
    assert phone_search_key("0912345678") == "0912345678"
