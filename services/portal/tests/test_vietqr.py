"""VietQR payloads: public vectors reproduced exactly, inputs refused, parse as the inverse.

The vectors are those of research/features.md (d): Odoo's ``l10n_vn`` unit tests [O13] and the
report's worked example 2 with its static variant.
"""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal_service.domain import banks
from portal_service.domain.vietqr import (
    VietQR,
    crc16_ccitt_false,
    parse,
    payload,
    strip_accents,
    tlv,
    transfer_note,
)

ODOO_1 = (
    "00020101021238590010A0000007270129000697042201156607040600001290208QRIBFTTA5204000053037045403"
    "1005802VN5914company_1_data6007Vietnam62150811INVTEST000163042656"
)
ODOO_2 = (
    "00020101021238590010A0000007270129000697042201156607040600001290208QRIBFTTA5204000053037045403"
    "1005802VN5914aAeEoOiIuUyYdD6007Vietnam62150811INVTEST00026304E1C2"
)
EXAMPLE_2 = (
    "00020101021238570010A00000072701270006970436011300110012345670208QRIBFTTA530370454061500005802"
    "VN62120808DH000123630428F2"
)
EXAMPLE_2_STATIC = (
    "00020101021138570010A00000072701270006970436011300110012345670208QRIBFTTA53037045802VN6304E8DB"
)


def odoo_code(merchant_name: str, reference: str) -> str:
    """The invoice QR of Odoo's test: MB (970422), 100 đồng, city Vietnam, MCC 0000 [O13]."""
    return payload(
        "970422",
        "660704060000129",
        100,
        transfer_note(reference),
        "QRIBFTTA",
        merchant_name=merchant_name,
        merchant_city="Vietnam",
        mcc="0000",
    )


def test_crc_check_value():
    assert crc16_ccitt_false(b"123456789") == 0x29B1


def test_tlv_counts_the_value_and_refuses_what_does_not_fit():
    assert tlv("58", "VN") == "5802VN"
    assert tlv("62", "x" * 99) == "6299" + "x" * 99
    for tag, value in [("58", ""), ("62", "x" * 100), ("5", "VN"), ("59", "Hà Nội")]:
        with pytest.raises(ValueError):
            tlv(tag, value)


def test_odoo_vector_reproduced():
    assert odoo_code("company_1_data", "INV/TEST/0001") == ODOO_1


def test_odoo_vector_with_accented_merchant_name():
    # Odoo's test sets the company name to "áÁéÉóÓíÍúÚýÝđĐ" and expects it without accents.
    assert odoo_code(strip_accents("áÁéÉóÓíÍúÚýÝđĐ"), "INV/TEST/0002") == ODOO_2


def test_strip_accents_matches_odoo_for_every_vietnamese_vowel():
    accented = (
        "áàảãạăắằẳẵặâấầẩẫậÁÀẢÃẠĂẮẰẲẴẶÂẤẦẨẪẬéèẻẽẹêếềểễệÉÈẺẼẸÊẾỀỂỄỆóòỏõọôốồổỗộơớờởỡợ"
        "ÓÒỎÕỌÔỐỒỔỖỘƠỚỜỞỠỢíìỉĩịÍÌỈĨỊúùủũụưứừửữựÚÙỦŨỤƯỨỪỬỮỰýỳỷỹỵÝỲỶỸỴđĐ"
    )
    counts = {"a": 17, "e": 11, "o": 17, "i": 5, "u": 11, "y": 5}
    expected = "".join(v * n + v.upper() * n for v, n in counts.items()) + "dD"
    assert strip_accents(accented) == expected


def test_worked_example_2_dynamic_and_static():
    assert payload("970436", "0011001234567", 150000, "DH000123") == EXAMPLE_2
    assert payload("970436", "0011001234567", None, None) == EXAMPLE_2_STATIC


def test_transfer_note_strips_accents_and_symbols_order_number_first():
    assert transfer_note("DH000123", "Nguyễn Văn Á") == "DH000123 Nguyen Van A"
    assert transfer_note("INV/TEST/0001") == "INVTEST0001"
    assert transfer_note("DH000123", "Đơn hàng – Nguyễn Văn Á") == "DH000123 Don hang Nguyen"
    assert transfer_note("Đơn hàng DH000123 – Nguyễn Văn Á") == "Don hang DH000123 Nguyen"


def test_transfer_note_is_cut_at_25_characters():
    note = transfer_note("DH000123", "Thanh toán đơn hàng cho Bean Bakery")
    assert note == "DH000123 Thanh toan don h"
    assert len(note) == 25
    assert transfer_note("DH000123", "Thanh toan don     x") == "DH000123 Thanh toan don x"
    assert transfer_note("DH00012345678", "abcdefghijk lmn") == "DH00012345678 abcdefghijk"


def test_transfer_note_truncates_a_long_order_number():
    assert transfer_note("SO-2025-" + "9" * 30, "extra") == "SO-2025-" + "9" * 17


def test_transfer_note_needs_something_of_the_order_number():
    with pytest.raises(ValueError):
        transfer_note("//–//", "Nguyen")


@pytest.mark.parametrize(
    "changes",
    [
        {"bin": "97043"},
        {"bin": "9704366"},
        {"bin": "97043a"},
        {"bin": "٩٧٠٤٣٦"},  # digits, but not ASCII ones
        {"account": ""},
        {"account": "1" * 20},
        {"account": "0011-0012"},
        {"account": "0011００12"},
        {"amount": 150000.0},
        {"amount": 0},
        {"amount": -5},
        {"amount": True},
        {"amount": "150000"},
        {"amount": 10**13},
        {"note": "Đơn hàng"},
        {"note": "DH/000123"},
        {"note": "x" * 26},
        {"note": ""},
        {"service": "QRPUSH"},
        {"merchant_name": "Công ty Hà Nội"},
        {"merchant_name": "x" * 26},
        {"merchant_city": "Hồ Chí Minh"},
        {"merchant_city": "Thanh pho Ho Chi Minh"},
        {"mcc": "000"},
    ],
)
def test_invalid_inputs_are_refused(changes):
    inputs = {"bin": "970436", "account": "0011001234567", "amount": 150000, "note": "DH1"}
    with pytest.raises(ValueError):
        payload(**(inputs | changes))


def test_largest_amount_and_account_are_accepted():
    code = payload("970436", "A" * 19, 10**13 - 1, None)
    assert parse(code)["54"] == "9" * 13
    assert parse(code)["38"]["01"]["01"] == "A" * 19


def test_parse_nests_the_templates():
    assert parse(ODOO_1) == {
        "00": "01",
        "01": "12",
        "38": {
            "00": "A000000727",
            "01": {"00": "970422", "01": "660704060000129"},
            "02": "QRIBFTTA",
        },
        "52": "0000",
        "53": "704",
        "54": "100",
        "58": "VN",
        "59": "company_1_data",
        "60": "Vietnam",
        "62": {"08": "INVTEST0001"},
        "63": "2656",
    }
    assert banks.bank_by_bin(parse(EXAMPLE_2)["38"]["01"]["00"]).short_name == "Vietcombank"


def test_parse_detects_a_corrupted_code():
    corrupted = EXAMPLE_2.replace("150000", "950000")
    with pytest.raises(ValueError, match="bad CRC"):
        parse(corrupted)
    with pytest.raises(ValueError, match="bad CRC"):
        parse(EXAMPLE_2[:-4] + "28F3")
    for broken in ["", EXAMPLE_2[:-8], EXAMPLE_2[:-4] + "28G2", EXAMPLE_2.replace("VN", "VŃ")]:
        with pytest.raises(ValueError):
            parse(broken)


def test_parse_refuses_a_field_cut_short_even_under_a_matching_crc():
    body = "000201" + "5820VN" + "6304"
    code = body + f"{crc16_ccitt_false(body.encode()):04X}"
    with pytest.raises(ValueError, match="cut short|malformed"):
        parse(code)


def test_from_payload_reads_a_code_back():
    assert VietQR.from_payload(EXAMPLE_2) == VietQR("970436", "0011001234567", 150000, "DH000123")


_ALNUM = string.ascii_letters + string.digits
_PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7F))


@st.composite
def codes(draw) -> VietQR:
    def maybe(strategy):
        return draw(st.none() | strategy)

    return VietQR(
        bin=draw(st.text(string.digits, min_size=6, max_size=6)),
        account=draw(st.text(_ALNUM, min_size=1, max_size=19)),
        amount=maybe(st.integers(min_value=1, max_value=10**13 - 1)),
        note=maybe(st.text(_ALNUM + " _-.", min_size=1, max_size=25)),
        service=draw(st.sampled_from(["QRIBFTTA", "QRIBFTTC"])),
        merchant_name=maybe(st.text(_PRINTABLE, min_size=1, max_size=25)),
        merchant_city=maybe(st.text(_PRINTABLE, min_size=1, max_size=15)),
        mcc=maybe(st.text(string.digits, min_size=4, max_size=4)),
    )


@given(codes())
def test_parse_returns_the_inputs(code):
    tags = parse(code.payload())
    assert tags["01"] == ("11" if code.amount is None else "12")
    assert tags["38"]["01"] == {"00": code.bin, "01": code.account}
    assert tags["38"]["02"] == code.service
    assert tags.get("54") == (None if code.amount is None else str(code.amount))
    assert tags.get("62", {}).get("08") == code.note
    assert (tags.get("59"), tags.get("60"), tags.get("52")) == (
        code.merchant_name,
        code.merchant_city,
        code.mcc,
    )
    assert VietQR.from_payload(code.payload()) == code


@given(codes(), st.data())
def test_any_changed_character_is_detected(code, data):
    text = code.payload()
    at = data.draw(st.integers(min_value=0, max_value=len(text) - 1))
    new = data.draw(st.sampled_from(_PRINTABLE).filter(lambda c: c.upper() != text[at].upper()))
    with pytest.raises(ValueError):
        parse(text[:at] + new + text[at + 1 :])


def test_bank_table_is_consistent():
    table = banks.all_banks()
    assert len(table) >= 40
    assert len({bank.bin for bank in table}) == len(table)
    assert all(len(bank.bin) == 6 and bank.bin.isdigit() for bank in table)
    names = [bank.short_name.casefold() for bank in table]
    assert names == sorted(names)
    assert banks.bank_by_bin("970415").code == "ICB"
    assert banks.bank_by_bin("000000") is None
