"""CUS-12 imports from CSV and Excel with a per-row report, applying the field rules."""

import io
import uuid

import openpyxl
import pytest

from customers_service.domain.import_rows import BadHeader, map_header, row_fields
from suite_shared.testing.assertions import assert_problem
from suite_shared.testing.infra import eventually

ADMIN = ["customers.view_all", "customers.handover", "customers.settings"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_headers_match_in_vietnamese_or_english():
    columns, ignored = map_header(["Tên khách hàng", "SỐ ĐIỆN THOẠI", "E-mail", "Nhóm", "Màu"])
    assert columns == {0: "name", 1: "phone", 2: "email", 3: "groups"} and ignored == ["Màu"]
    with pytest.raises(BadHeader):
        map_header(["phone", "email"])
    with pytest.raises(BadHeader):
        map_header(["name", "Tên"])
    fields = row_fields(
        {0: "name", 1: "phone", 2: "groups", 3: "gender"}, ["An", 912345678.0, "vip; sỉ", "Nữ"]
    )
    assert fields == {
        "name": "An",
        "phone": "0912345678",
        "groups": ["vip", "sỉ"],
        "gender": "female",
    }
    assert row_fields({0: "name", 1: "email"}, ["  ", None]) == {}


async def upload(client, token, content: bytes, filename: str, content_type: str) -> dict:
    response = await client.post(
        "/imports/customers",
        params={"filename": filename},
        content=content,
        headers={**auth(token), "content-type": content_type},
    )
    assert response.status_code == 202, response.text
    return response.json()


async def finished(client, token, job_id: str, timeout: float = 60) -> dict:
    async def done():
        job = (await client.get(f"/imports/{job_id}", headers=auth(token))).json()
        return job if job["status"] in ("done", "failed") else None

    return await eventually(done, timeout=timeout)


async def report(client, token, job_id: str, **params) -> list[dict]:
    response = await client.get(
        f"/imports/{job_id}/rows", headers=auth(token), params={"limit": 200, **params}
    )
    return response.json()["items"]


async def test_csv_import_reports_every_row(client, make_token, list_items):
    admin = make_token(uuid.uuid4(), ADMIN)
    await list_items("sources", "web", "zalo")
    await client.put(
        "/settings/field-rules",
        headers=auth(admin),
        json={
            "rules": [
                {"field": "phone", "check_duplicates": True},
                {"field": "source", "required": True},
            ]
        },
    )
    existing = (
        await client.post(
            "/customers",
            headers=auth(admin),
            json={"name": "Cũ", "phone": "0900000001", "source": "web"},
        )
    ).json()
    csv_text = (
        "Tên khách hàng;Số điện thoại;Nguồn;Mã khách hàng;Ngày sinh;Màu\n"
        "Nguyễn Văn An;0912 345 678;web;;1990-01-02;xanh\n"
        "Trùng số;+84 900 000 001;web;;;\n"
        "Thiếu nguồn;0912000002;;;;\n"
        "Sai số;12;web;;;\n"
        ";;;;;\n"
        f"Cũ đổi tên;0900000001;zalo;{existing['code']};;\n"
        "Không có mã;0912000003;web;KH999999;;\n"
    )
    job = await upload(client, admin, csv_text.encode(), "khach.csv", "text/csv")
    job = await finished(client, admin, job["id"])
    assert job["status"] == "done", job
    assert (job["total"], job["created"], job["updated"], job["duplicate"], job["invalid"]) == (
        6,
        1,
        1,
        1,
        3,
    )
    assert job["ignored_columns"] == ["Màu"]
    rows = {r["row_number"]: r for r in await report(client, admin, job["id"])}
    assert rows[2]["status"] == "created"
    assert rows[3]["status"] == "duplicate" and rows[3]["customer_id"] == existing["id"]
    assert rows[4]["status"] == "invalid" and rows[4]["field"] == "source"
    assert rows[5]["status"] == "invalid" and rows[5]["field"] == "phone"
    assert 6 not in rows  # the empty line
    assert rows[7]["status"] == "updated" and rows[7]["customer_id"] == existing["id"]
    assert rows[8]["status"] == "invalid" and rows[8]["field"] == "code"
    updated = (await client.get(f"/customers/{existing['id']}", headers=auth(admin))).json()
    assert updated["name"] == "Cũ đổi tên" and updated["source"] == "zalo"
    imported = await client.get(
        "/customers", headers=auth(admin), params={"date_field": "imported", "preset": "today"}
    )
    assert [c["name"] for c in imported.json()["items"]] == ["Nguyễn Văn An"]
    only_bad = await report(client, admin, job["id"], status="invalid")
    assert [r["row_number"] for r in only_bad] == [4, 5, 8]


async def test_excel_import(client, make_token, list_items):
    token = make_token(uuid.uuid4())
    await list_items("groups", "vip", ("si", "Sỉ"))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Name", "Phone", "Birthday", "Groups"])
    sheet.append(["Lê Thị Hoa", 912345679, "1985-03-04", "vip,sỉ"])
    sheet.append(["Trần B", None, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = await upload(client, token, buffer.getvalue(), "data.xlsx", "application/octet-stream")
    job = await finished(client, token, job["id"])
    assert (job["status"], job["created"], job["invalid"]) == ("done", 2, 0), job
    mine = (await client.get("/customers", headers=auth(token), params={"q": "le thi hoa"})).json()
    (hoa,) = mine["items"]
    # "sỉ" is the name of the group with the key "si": stored as its key.
    assert hoa["phone"] == "+84912345679" and hoa["groups"] == ["si", "vip"]


async def test_bad_files_and_foreign_jobs(client, make_token):
    token = make_token(uuid.uuid4())
    assert_problem(
        await client.post(
            "/imports/customers", params={"filename": "x.pdf"}, content=b"%PDF", headers=auth(token)
        ),
        415,
        "unsupported-file",
    )
    assert_problem(
        await client.post(
            "/imports/customers", params={"filename": "x.csv"}, content=b"", headers=auth(token)
        ),
        422,
        "empty-file",
    )
    job = await upload(client, token, b"phone,email\n0912345678,a@b.vn\n", "x.csv", "text/csv")
    job = await finished(client, token, job["id"])
    assert job["status"] == "failed" and "name column" in job["error"]
    broken = await upload(client, token, b"PK\x03\x04 not really", "x.xlsx", "text/plain")
    broken = await finished(client, token, broken["id"])
    assert broken["status"] == "failed" and broken["error"]
    stranger = make_token(uuid.uuid4())
    assert (await client.get(f"/imports/{job['id']}", headers=auth(stranger))).status_code == 404
    assert (
        await client.get(f"/imports/{job['id']}/rows", headers=auth(stranger))
    ).status_code == 404


async def test_import_checks_the_tax_code_and_stores_one_form(client, make_token):
    admin = make_token(uuid.uuid4(), ADMIN)
    csv_text = (
        "Tên khách hàng;MST\n"
        "Công ty A;0100109106001\n"  # a branch without its dash
        "Công ty B;0101234567\n"  # a wrong check digit
        "Công ty C;0314.409.058\n"
    )
    job = await upload(client, admin, csv_text.encode(), "mst.csv", "text/csv")
    job = await finished(client, admin, job["id"])
    assert (job["status"], job["created"], job["invalid"]) == ("done", 2, 1), job
    rows = {r["row_number"]: r for r in await report(client, admin, job["id"])}
    assert rows[3]["status"] == "invalid" and rows[3]["field"] == "tax_code"
    listed = (await client.get("/customers", headers=auth(admin), params={"sort": "name"})).json()
    assert [c["tax_code"] for c in listed["items"]] == ["0100109106-001", "0314409058"]
