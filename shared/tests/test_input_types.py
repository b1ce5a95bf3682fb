"""Strict body types (suite_shared.input_types): a number is no date, in a body or a query."""

from datetime import date

import pytest
from pydantic import BaseModel, ValidationError

from suite_shared.input_types import IsoDate, IsoDateTime


class Dates(BaseModel):
    day: IsoDate | None = None
    at: IsoDateTime | None = None


@pytest.mark.parametrize("value", [0, 0.5, "0", "0.5", " 1700000000 ", "-3"])
def test_numbers_are_no_dates(value):
    with pytest.raises(ValidationError):
        Dates(day=value)
    with pytest.raises(ValidationError):
        Dates(at=value)


def test_iso_texts_still_parse():
    assert Dates(day="2026-12-03").day == date(2026, 12, 3)
    assert Dates(at="2026-12-03T10:00:00+07:00").at.hour == 10


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1899-12-31"])
def test_dates_outside_business_years_are_refused(value):
    """0001-01-01 moved to Vietnam time overflowed: a 500 on orders' reports (fuzz gate)."""
    with pytest.raises(ValidationError):
        Dates(day=value)
    with pytest.raises(ValidationError):
        Dates(at=value + "T00:00:00+07:00")
