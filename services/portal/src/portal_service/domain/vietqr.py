"""VietQR bank-transfer codes (POR-5): the NAPAS EMVCo string, built and read back. No I/O.

A VietQR is an EMVCo merchant-presented QR string: a run of fields, each a two-digit tag, a
two-digit length (01–99) and the value [QR2]. Tag 38 holds the NAPAS account template (GUID
``A000000727``, then the bank BIN and the account, then the service code) [O11] [QR3]; tag 62
holds the transfer note in its sub-field 08 [O11] [QR3]; tag 63 ends the string with a CRC-16
over everything before it, ``6304`` included [O12]. research/features.md (d) lays out every
tag; B15 gives the rules this module follows.

Lengths are counted in characters, so every value must be ASCII (one character, one byte);
``strip_accents`` and ``transfer_note`` turn Vietnamese text into what may go in.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

NAPAS_GUID = "A000000727"
Service = Literal["QRIBFTTA", "QRIBFTTC"]
SERVICES: tuple[Service, ...] = ("QRIBFTTA", "QRIBFTTC")

NOTE_MAX = 25  # 62.08 Purpose of Transaction [QR3]
MERCHANT_NAME_MAX = 25  # 59 [O12]
MERCHANT_CITY_MAX = 15  # 60 [O11]
ACCOUNT_MAX = 19  # a card number is at most 19 digits; accounts fit in the same
AMOUNT_MAX_DIGITS = 13  # 54 is at most 13 characters in EMVCo

_BIN = re.compile(r"[0-9]{6}")
_ACCOUNT = re.compile(rf"[A-Za-z0-9]{{1,{ACCOUNT_MAX}}}")
_MCC = re.compile(r"[0-9]{4}")
_PRINTABLE = re.compile(r"[\x20-\x7e]+")
_NOTE = re.compile(r"[A-Za-z0-9 _.\-]+")
_NOT_NOTE = re.compile(r"[^A-Za-z0-9 _.\-]+")
_TAG = re.compile(r"[0-9]{2}")
_CRC = re.compile(r"[0-9A-Fa-f]{4}")

# Letters NFD does not split into a base letter and a mark.
_UNDECOMPOSABLE = str.maketrans({"đ": "d", "Đ": "D"})


def tlv(tag: str, value: str) -> str:
    """One EMVCo field: two-digit tag, two-digit length, value (1–99 ASCII characters) [QR2]."""
    if not _TAG.fullmatch(tag):
        raise ValueError(f"a tag is two digits, not {tag!r}")
    if not value or len(value) > 99 or not value.isascii():
        raise ValueError(f"tag {tag}: a value is 1–99 ASCII characters, not {value!r}")
    return f"{tag}{len(value):02d}{value}"


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final XOR) [O12].

    The check value of b"123456789" is 0x29B1. Bit by bit: a payload is ~150 bytes.
    """
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = (crc << 1) ^ 0x1021 if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def strip_accents(text: str) -> str:
    """``Nguyễn Văn Đạt`` → ``Nguyen Van Dat``: marks dropped, case kept, đ/Đ mapped [O13]."""
    decomposed = unicodedata.normalize("NFD", text.translate(_UNDECOMPOSABLE))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare)


def _note_part(text: str) -> str:
    """Accents stripped, then only Odoo's characters kept [O11], spaces collapsed.

    Odoo also keeps a backslash; it is left out here, as banks' apps may not show it.
    """
    return " ".join(_NOT_NOTE.sub("", strip_accents(text)).split())


def transfer_note(order_number: str, extra: str = "") -> str:
    """The transfer message (62.08): the order number first, then ``extra``; ≤ 25 characters.

    The order number comes first so that bank-statement matching finds it even when a bank
    cuts the message short (B15). Characters outside ``[A-Za-z0-9 _-.]`` are removed, not
    replaced, as Odoo does (``INV/TEST/0001`` → ``INVTEST0001`` [O13]), so ``extra`` is the
    part that gets cut. An order number that alone is longer than 25 characters is truncated
    too: two such numbers sharing their first 25 characters would then give the same note, so
    keep order numbers short.
    """
    order = _note_part(order_number)
    if not order:
        raise ValueError(f"order number {order_number!r} has no character a transfer note keeps")
    note = f"{order} {_note_part(extra)}"
    return note[:NOTE_MAX].rstrip()


def _check_amount(amount: int | None) -> None:
    """Whole đồng only: VND has no minor unit, and tag 54 carries no separators [O12]."""
    if amount is None:
        return
    if type(amount) is not int:  # bool is an int, but True is no amount
        raise ValueError(f"an amount is a whole number of đồng, not {amount!r}")
    if amount <= 0 or len(str(amount)) > AMOUNT_MAX_DIGITS:
        raise ValueError(f"an amount is 1 to {AMOUNT_MAX_DIGITS} digits of đồng, not {amount}")


def _check_text(field: str, value: str | None, limit: int, pattern: re.Pattern[str]) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not pattern.fullmatch(value) or len(value) > limit:
        raise ValueError(f"{field}: at most {limit} allowed ASCII characters, not {value!r}")


@dataclass(frozen=True)
class VietQR:
    """What a VietQR transfer code says; ``payload()`` is the string the QR image encodes.

    Nothing is changed silently: text with accents, or too long, is refused; clean it first
    with ``strip_accents`` / ``transfer_note``. ``amount`` None makes a static code (01=11),
    which the payer's app asks the amount for; with an amount it is dynamic (01=12) [O12].
    """

    bin: str
    account: str
    amount: int | None = None
    note: str | None = None
    service: Service = "QRIBFTTA"
    merchant_name: str | None = None
    merchant_city: str | None = None
    mcc: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.bin, str) or not _BIN.fullmatch(self.bin):
            raise ValueError(f"a bank BIN is 6 digits, not {self.bin!r}")
        if not isinstance(self.account, str) or not _ACCOUNT.fullmatch(self.account):
            raise ValueError(f"an account is 1–{ACCOUNT_MAX} letters or digits: {self.account!r}")
        if self.service not in SERVICES:
            raise ValueError(f"service is one of {SERVICES}, not {self.service!r}")
        if self.mcc is not None and not (isinstance(self.mcc, str) and _MCC.fullmatch(self.mcc)):
            raise ValueError(f"a merchant category code is 4 digits, not {self.mcc!r}")
        _check_amount(self.amount)
        _check_text("note", self.note, NOTE_MAX, _NOTE)
        _check_text("merchant name", self.merchant_name, MERCHANT_NAME_MAX, _PRINTABLE)
        _check_text("merchant city", self.merchant_city, MERCHANT_CITY_MAX, _PRINTABLE)

    def _account_template(self) -> str:
        beneficiary = tlv("00", self.bin) + tlv("01", self.account)
        return tlv("00", NAPAS_GUID) + tlv("01", beneficiary) + tlv("02", self.service)

    def payload(self) -> str:
        """The EMVCo string, tags in the order of Odoo's test vector [O13]."""
        fields = [
            tlv("00", "01"),
            tlv("01", "11" if self.amount is None else "12"),
            tlv("38", self._account_template()),
            tlv("52", self.mcc) if self.mcc is not None else "",
            tlv("53", "704"),
            tlv("54", str(self.amount)) if self.amount is not None else "",
            tlv("58", "VN"),
            tlv("59", self.merchant_name) if self.merchant_name is not None else "",
            tlv("60", self.merchant_city) if self.merchant_city is not None else "",
            tlv("62", tlv("08", self.note)) if self.note is not None else "",
            "6304",
        ]
        body = "".join(fields)
        return body + f"{crc16_ccitt_false(body.encode('ascii')):04X}"

    @classmethod
    def from_payload(cls, payload: str) -> VietQR:
        """Read a NAPAS transfer code back (CRC checked); ValueError if it is not one."""
        tags = parse(payload)
        account = tags.get("38")
        if not isinstance(account, dict) or account.get("00") != NAPAS_GUID:
            raise ValueError("not a NAPAS VietQR: tag 38 is missing or has another GUID")
        beneficiary = account.get("01", {})
        amount = tags.get("54")
        if amount is not None and not amount.isdigit():
            raise ValueError(f"amount {amount!r} is not a whole number of đồng")
        return cls(
            bin=beneficiary.get("00", ""),
            account=beneficiary.get("01", ""),
            amount=int(amount) if amount is not None else None,
            note=tags.get("62", {}).get("08"),
            service=account.get("02", ""),
            merchant_name=tags.get("59"),
            merchant_city=tags.get("60"),
            mcc=tags.get("52"),
        )


def payload(
    bin: str,
    account: str,
    amount: int | None,
    note: str | None,
    service: Service = "QRIBFTTA",
    merchant_name: str | None = None,
    merchant_city: str | None = None,
    mcc: str | None = None,
) -> str:
    """The VietQR string for a transfer to ``account`` at the bank ``bin``; see ``VietQR``."""
    code = VietQR(bin, account, amount, note, service, merchant_name, merchant_city, mcc)
    return code.payload()


def _fields(text: str) -> dict[str, str]:
    """Split a run of TLV fields; ValueError on a short, malformed or repeated field."""
    fields: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        tag, length = text[pos : pos + 2], text[pos + 2 : pos + 4]
        if not (_TAG.fullmatch(tag) and _TAG.fullmatch(length)) or length == "00":
            raise ValueError(f"malformed field at character {pos}: {text[pos : pos + 4]!r}")
        value = text[pos + 4 : pos + 4 + int(length)]
        if len(value) != int(length):
            raise ValueError(f"tag {tag} is cut short: {length} characters announced")
        if tag in fields:
            raise ValueError(f"tag {tag} appears twice")
        fields[tag] = value
        pos += 4 + int(length)
    return fields


def _check_crc(payload: str) -> None:
    crc = payload[-4:]
    if payload[-8:-4] != "6304" or not _CRC.fullmatch(crc):
        raise ValueError("a VietQR ends with tag 63: '6304' and four hex digits")
    expected = crc16_ccitt_false(payload[:-4].encode("ascii"))
    if int(crc, 16) != expected:
        raise ValueError(f"bad CRC: the code says {crc}, its content gives {expected:04X}")


def parse(payload: str) -> dict[str, Any]:
    """The tags of a payload, CRC verified; 38 (and its 01) and 62 come as nested dicts.

    ``parse(vietqr)["38"]["01"]["00"]`` is the bank BIN, ``["62"]["08"]`` the note. Raises
    ValueError on a bad CRC or a malformed string, so a damaged code is never shown as valid.
    """
    if not isinstance(payload, str) or not payload.isascii():
        raise ValueError("a VietQR payload is an ASCII string")
    _check_crc(payload)
    tags: dict[str, Any] = _fields(payload)
    if next(iter(tags)) != "00" or list(tags)[-1] != "63":
        raise ValueError("a VietQR starts with tag 00 and ends with tag 63")
    if "38" in tags:
        account: dict[str, Any] = _fields(tags["38"])
        if "01" in account:
            account["01"] = _fields(account["01"])
        tags["38"] = account
    if "62" in tags:
        tags["62"] = _fields(tags["62"])
    return tags
