"""`make bench` (customers): keyword search over 200,000 customers and a 50,000-row import.

Starts the customers service alone (python -m customers_service, its own fresh database and
broker namespace), bulk-loads customers straight into its database (COPY), then measures over
HTTP: GET /customers?q=... latency for several keywords (accent-free name, phone in another
format, e-mail part, code) and the time a 50,000-row CSV import takes to finish.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
import uuid

import aiohttp
import asyncpg
from harness import percentile, service_alone
from results import record

from suite_shared.settings import to_plain_postgres_url
from suite_shared.text import fold, phone_search_key

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Ngọc", "Thanh", "Quốc", "Gia"]
GIVEN = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hoa",
    "Khánh",
    "Lan",
    "Long",
    "Mai",
    "Nam",
    "Phương",
    "Quân",
    "Sơn",
    "Thảo",
    "Trang",
    "Tú",
    "Yến",
]


def fake_customer(i: int) -> tuple:
    name = f"{random.choice(FAMILY)} {random.choice(MIDDLE)} {random.choice(GIVEN)}"
    phone = f"+8491{i:07d}"
    email = f"kh{i}@example.vn"
    code = f"KH{i:06d}"
    search = " ".join([fold(name), code.lower(), email, phone_search_key(phone)])
    return (uuid.uuid4(), code, name, "person", phone, email, "lead", search, 1, 0)


async def load_customers(database_url: str, count: int) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        records = [fake_customer(i) for i in range(count)]
        await conn.copy_records_to_table(
            "customers",
            records=records,
            columns=[
                "id",
                "code",
                "name",
                "kind",
                "phone",
                "email",
                "lifecycle_stage",
                "search_text",
                "version",
                "owner_version",
            ],
        )
        await conn.execute(f"SELECT setval('customer_code_seq', {count + 1})")
        await conn.execute("ANALYZE customers")
    finally:
        await conn.close()


async def add_import_source(session, base: str, token: str) -> None:
    """The source the imported rows name must be in the settings list (CUS-3) first."""
    async with session.post(
        f"{base}/settings/lists/sources",
        json={"key": "import", "name": "Nhập từ file"},
        headers={"Authorization": f"Bearer {token}"},
    ) as response:
        assert response.status == 201, await response.text()


async def check_duplicates(session, base: str, token: str) -> None:
    """Phone and e-mail duplicate checks on (CUS-4), as a distributor runs them: every imported
    row is checked against the customers already there and the earlier rows of the file."""
    async with session.put(
        f"{base}/settings/field-rules",
        json={
            "rules": [
                {"field": "phone", "check_duplicates": True},
                {"field": "email", "check_duplicates": True},
            ]
        },
        headers={"Authorization": f"Bearer {token}"},
    ) as response:
        assert response.status == 200, await response.text()


async def search_latencies(session, base, headers, keyword, rounds=30) -> list[float]:
    latencies = []
    for _ in range(rounds):
        started = time.perf_counter()
        async with session.get(
            f"{base}/customers", params={"q": keyword, "limit": 20}, headers=headers
        ) as response:
            assert response.status == 200, await response.text()
            await response.read()
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


async def main(customers: int = 200_000, import_rows: int = 50_000) -> None:
    lines = []
    async with (
        service_alone("customers", "customers_service") as service,
        aiohttp.ClientSession() as session,
    ):
        token = service.tokens(uuid.uuid4(), ["customers.view_all", "customers.handover"], ttl=7200)
        base = service.base
        await add_import_source(session, base, service.tokens(uuid.uuid4(), ["customers.settings"]))
        database = service.database_url
        started = time.perf_counter()
        await load_customers(to_plain_postgres_url(database), customers)
        lines.append(
            f"| load {customers:,} customers (COPY) | {time.perf_counter() - started:.1f} s | |"
        )
        headers = {"Authorization": f"Bearer {token}"}
        for label, keyword in [
            ("accent-free name", "nguyen van an"),
            ("phone, other format", "0910012345"),
            ("e-mail part", "kh12345@"),
            ("code", "KH054321"),
            ("rare word", "zzzz"),
        ]:
            latencies = await search_latencies(session, base, headers, keyword)
            lines.append(
                f"| search {label} `{keyword}` | "
                f"{statistics.median(latencies):.1f} / "
                f"{percentile(latencies, 0.99):.1f} ms | p50 / p99 of 30 |"
            )
        await check_duplicates(session, base, service.tokens(uuid.uuid4(), ["customers.settings"]))
        rows = ["Tên khách hàng,Số điện thoại,Email,Nguồn"] + [
            f"Khách nhập {i},+8498{i:07d},nhap{i}@example.vn,import" for i in range(import_rows)
        ]
        body = ("\n".join(rows) + "\n").encode()
        started = time.perf_counter()
        async with session.post(
            f"{base}/imports/customers",
            params={"filename": "b.csv"},
            data=body,
            headers={**headers, "content-type": "text/csv"},
        ) as response:
            job = await response.json()
        while job["status"] not in ("done", "failed"):
            await asyncio.sleep(0.5)
            async with session.get(f"{base}/imports/{job['id']}", headers=headers) as r:
                job = await r.json()
        elapsed = time.perf_counter() - started
        record(
            f"CSV import of {import_rows:,} customers",
            unit="row",
            rate=job["created"] / elapsed,
            goal="≥ 1,000 rows/s",
            note=f"status {job['status']}, {job['created']:,} created",
        )
        lines.append(
            f"| import {import_rows:,}-row CSV | {elapsed:.1f} s "
            f"({job['created'] / elapsed:,.0f} rows/s) | status {job['status']}, "
            f"{job['created']} created |"
        )
    print("\n| customers figure | value | note |\n|---|---|---|")
    print("\n".join(lines))


if __name__ == "__main__":
    asyncio.run(main())
