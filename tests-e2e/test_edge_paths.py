"""What the edge answers for paths a client gets slightly wrong: a trailing slash is not
redirected to a service's internal address (it once got a 307 to 127.0.0.1:800x)."""

from __future__ import annotations

import pytest

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
