"""The portal service application: settings, customer accounts and logins, self-service."""

from __future__ import annotations

import functools
import json

from fastapi import FastAPI

from portal_service import accounts
from portal_service.api import accounts as accounts_api
from portal_service.api import auth, cart, lookup, orders, points, public, shop, tickets
from portal_service.api import settings as settings_api
from portal_service.deps import EXTRAS_KEY, PortalContext, make_passwords
from portal_service.handlers import handlers
from portal_service.keys import portal_key_ring
from portal_service.notifications import SENDER_KEY, MailSender
from portal_service.settings import PortalSettings
from portal_service.upstream import EXTRAS_KEY as UPSTREAM_KEY
from portal_service.upstream import Upstream
from suite_shared.auth import CUSTOMER, Issuer, TokenVerifier
from suite_shared.mail import SmtpMailer
from suite_shared.revocations import combined_fetch, http_fetch
from suite_shared.service import Runtime, create_service_app, make_verifier
from suite_shared.signing_keys import KeyRing


async def own_revocations(runtime: Runtime, ttl_s: int) -> list[dict]:
    async with runtime.session_factory() as session:
        return await accounts.recent_revocations(session, ttl_s)


def own_verifier(settings: PortalSettings, keys: KeyRing, verifier: TokenVerifier):
    """The portal verifies its own customer tokens with the keys just loaded (its JWKS URL is
    this process, not yet serving); staff tokens as every service does."""
    document = keys.jwks()
    if settings.portal_public_jwks:
        document["keys"] += json.loads(settings.portal_public_jwks).get("keys", [])
    staff = make_verifier(settings)
    return TokenVerifier(
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        jwks_url=staff.jwks_url,
        static_jwks=json.loads(settings.jwt_public_jwks) if settings.jwt_public_jwks else None,
        revocations=verifier.revocations,
        others=(Issuer(settings.portal_issuer, CUSTOMER, static_jwks=document),),
    )


def create_app(settings: PortalSettings | None = None) -> FastAPI:
    settings = settings or PortalSettings()
    passwords = make_passwords(settings)
    app: FastAPI

    async def start(runtime: Runtime) -> None:
        keys = await portal_key_ring(runtime.session_factory, settings)
        runtime.extras[EXTRAS_KEY] = PortalContext(settings, passwords, keys)
        runtime.extras[UPSTREAM_KEY] = Upstream.from_settings(settings)
        if settings.mail_sender_enabled:
            sender = MailSender(
                runtime, SmtpMailer.from_settings(settings), settings.mail_poll_interval_s
            )
            runtime.extras[SENDER_KEY] = sender
            await sender.start()
        app.state.verifier = own_verifier(settings, keys, app.state.verifier)
        listener = runtime.revocations
        assert listener is not None
        # The portal is the source of customer revocations: its own database, not its HTTP.
        listener.fetch = combined_fetch(
            http_fetch(settings.identity_url),
            functools.partial(own_revocations, runtime, settings.customer_access_token_ttl_s),
        )

    async def stop(runtime: Runtime) -> None:
        sender = runtime.extras.get(SENDER_KEY)
        if isinstance(sender, MailSender):
            await sender.stop()
        upstream = runtime.extras.get(UPSTREAM_KEY)
        if isinstance(upstream, Upstream):
            await upstream.close()

    app = create_service_app(
        settings,
        title="Portal",
        description=(
            "The customer portal: settings, customer accounts and logins, self-service ordering."
        ),
        routers=[
            settings_api.router,
            public.router,
            auth.router,
            accounts_api.router,
            shop.router,
            cart.router,
            lookup.router,
            orders.router,
            points.router,
            tickets.router,
        ],
        handlers=handlers(settings),
        on_start=[start],
        on_stop=[stop],
    )
    return app
