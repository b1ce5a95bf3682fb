"""The revocation list and its listener (suite_shared.revocations) on a real broker: every
process hears every revocation, a cached token is refused, identity's list fills the gaps."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from suite_shared.auth import InvalidToken, SigningKey, TokenRevoked, TokenVerifier, jwks_document
from suite_shared.events.envelope import new_envelope
from suite_shared.events.identity import TokensRevoked
from suite_shared.messaging.broker import Broker
from suite_shared.messaging.topology import Names
from suite_shared.revocations import TOKENS_REVOKED, RevocationListener, Revocations
from suite_shared.testing.infra import eventually
from suite_shared.testing.plugin import TokenFactory

KEY = SigningKey.generate()
make_token = TokenFactory(KEY)


def verifier() -> TokenVerifier:
    return TokenVerifier(
        issuer="suite-identity", audience="suite", static_jwks=jwks_document([KEY])
    )


def soon(seconds: int = 900) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


async def nothing() -> list:
    return []


async def test_tokens_below_the_minimum_are_refused_even_when_cached():
    check = verifier()
    user = uuid.uuid4()
    old, new, untagged = (
        make_token(user, tv=1),
        make_token(user, tv=2),
        make_token(user),  # issued before token versions: counts as 0
    )
    other = make_token(uuid.uuid4(), tv=1)
    for token in (old, new, untagged, other):
        await check.verify(token)  # now cached
    check.revocations.add(user, 2, soon())
    for token in (old, untagged):
        with pytest.raises(TokenRevoked) as refused:
            await check.verify(token)
        assert isinstance(refused.value, InvalidToken) and refused.value.slug == "token-revoked"
    assert (await check.verify(new))["tv"] == 2
    assert (await check.verify(other))["tv"] == 1
    # A late, lower revocation does not loosen the list.
    check.revocations.add(user, 1, soon(10))
    with pytest.raises(TokenRevoked):
        await check.verify(old)


def test_entries_are_forgotten_once_every_token_they_refuse_has_expired():
    revocations = Revocations()
    gone, live = str(uuid.uuid4()), str(uuid.uuid4())
    revocations.add_all(
        [
            {"user_id": gone, "min_token_version": 3, "until": time.time() - 3600},
            {"user_id": live, "min_token_version": 2, "until": soon().isoformat()},
        ]
    )
    assert revocations.minimum(gone) is None and revocations.minimum(live) == 2
    assert len(revocations) == 1


async def publish_revocation(broker: Broker, user: uuid.UUID, version: int) -> None:
    payload = TokensRevoked(user_id=user, min_token_version=version, until=soon(), reason="test")
    envelope = new_envelope(source="identity", type=TOKENS_REVOKED, data=payload)
    await broker.publish(TOKENS_REVOKED, envelope.to_json_bytes(), message_id=envelope.id)


async def refuses(check: TokenVerifier, token: str) -> bool:
    try:
        await check.verify(token)
    except TokenRevoked:
        return True
    return False


async def test_every_process_hears_every_revocation(broker, amqp_url, broker_namespace):
    """Two replicas of one service and another service: each has its own queue, so each
    learns the revocation (a shared work queue would give it to one of them)."""
    processes = []
    for service in ("svc", "svc", "other"):
        own = Broker(amqp_url, Names(broker_namespace, service))
        await own.connect()
        check = verifier()
        listener = RevocationListener(check.revocations, own, nothing)
        await listener.start()
        processes.append((own, listener, check))
    user = uuid.uuid4()
    token = make_token(user, tv=1)
    try:
        for _, _, check in processes:
            await check.verify(token)
        await publish_revocation(broker, user, 2)
        for _, _, check in processes:
            await eventually(lambda check=check: refuses(check, token), timeout=5)
    finally:
        for own, listener, _ in processes:
            await listener.stop()
            await own.close()


async def test_identitys_list_is_read_at_start_and_retried_until_it_answers(broker):
    user = uuid.uuid4()
    answers = {"calls": 0}

    async def fetch():
        answers["calls"] += 1
        if answers["calls"] == 1:
            raise ConnectionError("identity is not up yet")
        return [{"user_id": str(user), "min_token_version": 5, "until": soon().isoformat()}]

    revocations = Revocations()
    listener = RevocationListener(revocations, broker, fetch)
    await listener.start()  # the first read fails: the process starts anyway
    try:
        assert revocations.minimum(str(user)) is None
        await eventually(lambda: revocations.minimum(str(user)) == 5, timeout=6)
    finally:
        await listener.stop()


async def test_a_process_without_a_broker_connection_connects_in_the_background(
    amqp_url, broker_namespace, broker
):
    """The gateway: nothing else of it needs the broker, so the listener connects it."""
    own = Broker(amqp_url, Names(broker_namespace, "gateway"))
    revocations = Revocations()
    listener = RevocationListener(revocations, own, nothing)
    await listener.start()
    try:
        await eventually(lambda: listener.queue is not None, timeout=5)
        user = uuid.uuid4()
        await publish_revocation(broker, user, 3)
        await eventually(lambda: revocations.minimum(str(user)) == 3, timeout=5)
    finally:
        await listener.stop()
        await own.close()
