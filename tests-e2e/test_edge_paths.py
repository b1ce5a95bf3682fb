"""What the edge answers for paths a client gets slightly wrong: a trailing slash is not
redirected to a service's internal address (it once got a 307 to 127.0.0.1:800x)."""

from __future__ import annotations

import httpx
import pytest

from suite_shared.devrun import SERVICES

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    "path", ["/customers/customers/", "/catalog/products/", "/orders/orders/", "/identity/users/"]
)
async def test_a_trailing_slash_is_not_redirected_inside(gateway, admin_token, path):
    response = await gateway.get(
        path, headers={"Authorization": f"Bearer {admin_token}"}, follow_redirects=False
    )
    assert response.status_code == 404, response.text
    assert "location" not in response.headers
    assert response.headers["content-type"] == "application/problem+json"


async def test_the_revocation_list_is_not_served_through_the_gateway(suite, gateway, admin_token):
    """It names users recently deactivated or moved to another role: for the suite's own
    processes (which read it from identity directly), not for any token holder."""
    response = await gateway.get(
        "/identity/.well-known/revocations", headers={"Authorization": f"Bearer {admin_token}"}
    )
    assert response.status_code == 404, response.text
    identity = suite.url(next(s for s in SERVICES if s.name == "identity"))
    async with httpx.AsyncClient() as direct:
        assert (await direct.get(identity + "/.well-known/revocations")).status_code == 200
