"""Reading an import file's rows into customer fields (CUS-12), as plain Python.

Headers are matched after folding (accents, case, spacing), in Vietnamese or English, so the
columns of a KiotViet or Excel export work as they are. Unknown columns are ignored (and listed
in the report); a file without a name column is refused before any row is read.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from suite_shared.text import fold

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("code", "ma", "ma khach hang", "ma kh"),
    "name": ("name", "ten", "ten khach hang", "ho ten", "ho va ten", "customer name"),
    "kind": ("kind", "loai", "loai khach hang", "type"),
    "phone": ("phone", "so dien thoai", "dien thoai", "sdt", "mobile"),
    "other_phones": ("other phones", "so dien thoai khac", "dien thoai khac"),
    "email": ("email", "e-mail", "thu dien tu"),
    "address": ("address", "dia chi"),
    "gender": ("gender", "gioi tinh"),
    "birthday": ("birthday", "ngay sinh", "date of birth"),
    "tax_code": ("tax code", "ma so thue", "mst"),
    "source": ("source", "nguon", "nguon khach hang"),
    "groups": ("groups", "group", "nhom", "nhom khach hang"),
    "social_page": ("social page", "trang mang xa hoi", "fanpage", "page"),
}
_BY_ALIAS = {alias: field for field, aliases in HEADER_ALIASES.items() for alias in aliases}
GENDERS = {
    "nam": "male",
    "male": "male",
    "nu": "female",
    "female": "female",
    "khac": "other",
    "other": "other",
}
KINDS = {
    "ca nhan": "person",
    "person": "person",
    "cong ty": "company",
    "company": "company",
    "doanh nghiep": "company",
}
LIST_SEPARATORS = (",", ";", "|")


class BadHeader(ValueError):
    pass


def map_header(cells: Iterable[Any]) -> tuple[dict[int, str], list[str]]:
    """{column index: field} and the names of columns that were not recognised."""
    columns: dict[int, str] = {}
    ignored: list[str] = []
    for index, cell in enumerate(cells):
        name = fold(str(cell or "")).replace("_", " ")
        field = _BY_ALIAS.get(name)
        if field is None:
            if name:
                ignored.append(str(cell))
        elif field in columns.values():
            raise BadHeader(f"two columns mean {field}")
        else:
            columns[index] = field
    if "name" not in columns.values():
        raise BadHeader("the file has no name column (Tên khách hàng / name)")
    return columns, ignored


def _split(value: str) -> list[str]:
    for separator in LIST_SEPARATORS:
        value = value.replace(separator, ",")
    return [part.strip() for part in value.split(",") if part.strip()]


def _cell(field: str, value: Any) -> Any:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores phone numbers and codes as numbers
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if field == "phone" and text.isdigit() and len(text) == 9:
        text = "0" + text  # Excel drops the leading 0 of 0912345678
    if field in ("groups", "other_phones"):
        return _split(text)
    if field == "gender":
        return GENDERS.get(fold(text), text)
    if field == "kind":
        return KINDS.get(fold(text), text)
    return text


def row_fields(columns: dict[int, str], cells: Iterable[Any]) -> dict[str, Any]:
    """The customer fields of one row; empty cells are left out (None for a missing value)."""
    fields: dict[str, Any] = {}
    for index, value in enumerate(cells):
        field = columns.get(index)
        if field is None or value is None or (isinstance(value, str) and not value.strip()):
            continue
        fields[field] = _cell(field, value)
    return fields
