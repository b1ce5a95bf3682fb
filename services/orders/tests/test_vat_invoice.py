"""The VAT-invoice buyer's tax code (MST) is checked as customers check it
(suite_shared.tax_code: the check digit, the 13-digit branch form, a person's 12-digit CCCD) and
stored in its one canonical form."""

from suite_shared.testing.assertions import assert_problem


async def test_the_buyers_tax_code_is_checked_and_stored_in_one_form(shop):
    customer = await shop.customer()
    beer = await shop.product("Bia", 12_000)
    lines = [{"product_id": beer["id"], "quantity": 1}]

    def invoice(tax_code):
        return {"company_name": "Công ty TNHH Lan", "tax_code": tax_code, "address": "Hà Nội"}

    for typed, stored in (
        (" 0314409058 ", "0314409058"),
        ("0100109106001", "0100109106-001"),
        ("0100 109 106-001", "0100109106-001"),
        ("001090012345", "001090012345"),  # a person's citizen ID
    ):
        order = await shop.place(customer, lines, vat_invoice=invoice(typed))
        assert order["vat_invoice"]["tax_code"] == stored
    for wrong in ("0101234567", "0100109107", "0100109106-01", "01001091060011", "x" * 200):
        answer = await shop.client.post(
            "/orders",
            headers=shop.auth(),
            json={"customer_id": str(customer), "lines": lines, "vat_invoice": invoice(wrong)},
        )
        assert_problem(answer, 422, field="vat_invoice.tax_code")
