"""Two issuers, one kind each (POR-3): identity signs staff tokens, the portal customer tokens.
A token of the other kind, or from an issuer nobody trusts, is refused however well signed; and
a customer's revocation reaches the list like a staff member's, from either source."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from suite_shared.auth import CUSTOMER, InvalidToken, Issuer, SigningKey, TokenVerifier
from suite_shared.auth import jwks_document as jwks
from suite_shared.revocations import PartialFetch, Revocations, combined_fetch
from suite_shared.testing.plugin import TokenFactory

IDENTITY, PORTAL = SigningKey.generate(), SigningKey.generate()


def verifier() -> TokenVerifier:
    return TokenVerifier(
        issuer="suite-identity",
        audience="suite",
        static_jwks=jwks([IDENTITY]),
        others=(Issuer("suite-portal", CUSTOMER, static_jwks=jwks([PORTAL])),),
    )


async def test_each_issuer_signs_only_its_own_kind():
    check = verifier()
    staff = TokenFactory(IDENTITY)(permissions=["staff.manage"])
    customer = TokenFactory(PORTAL)(kind="customer", groups=["khach-si"])
    assert (await check.verify(staff))["kind"] == "staff"
    assert (await check.verify(customer))["groups"] == ["khach-si"]
    refused = [
        TokenFactory(PORTAL, issuer="suite-portal")(permissions=["staff.manage"]),  # staff
        TokenFactory(IDENTITY, customer_issuer="suite-identity")(kind="customer"),
        TokenFactory(IDENTITY)(kind="customer"),  # says portal, signed with identity's key
        TokenFactory(PORTAL)(),  # says identity, signed with the portal's key
        TokenFactory(SigningKey.generate(), issuer="someone-else")(),
    ]
    for token in refused:
        with pytest.raises(InvalidToken):
            await check.verify(token)


async def test_one_issuer_not_answering_keeps_the_others_revocations():
    user = str(uuid.uuid4())
    until = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()

    async def identity():
        return [{"user_id": user, "min_token_version": 3, "until": until}]

    async def portal():
        raise ConnectionError("the portal is restarting")

    with pytest.raises(PartialFetch) as failed:
        await combined_fetch(identity, portal)()
    revocations = Revocations()
    revocations.add_all(failed.value.entries)
    assert revocations.minimum(user) == 3
