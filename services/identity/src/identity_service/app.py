"""The identity service application: staff, roles, departments, login and token keys."""

from __future__ import annotations

import functools

from fastapi import FastAPI

from identity_service import repository
from identity_service.announcements import announce
from identity_service.api import auth, departments, roles, users
from identity_service.bootstrap import bootstrap
from identity_service.deps import EXTRAS_KEY, IdentityContext, make_passwords
from identity_service.keys import load_key_ring, own_verifier
from identity_service.settings import IdentitySettings
from suite_shared.revocations import combined_fetch, http_fetch
from suite_shared.service import Runtime, create_service_app


async def own_revocations(runtime: Runtime, ttl_s: int) -> list[dict]:
    async with runtime.session_factory() as session:
        return await repository.recent_revocations(session, ttl_s)


def create_app(settings: IdentitySettings | None = None) -> FastAPI:
    settings = settings or IdentitySettings()
    passwords = make_passwords(settings)
    app: FastAPI

    async def start(runtime: Runtime) -> None:
        keys = await load_key_ring(runtime.session_factory, settings)
        runtime.extras[EXTRAS_KEY] = IdentityContext(settings, passwords, keys)
        # The default verifier would fetch identity's own JWKS URL, i.e. this process before it
        # serves; verify with the keys just loaded instead.
        listener = runtime.revocations
        assert listener is not None
        app.state.verifier = own_verifier(settings, keys, listener.revocations)
        # identity is the source of the revocation list: it reads its own database, not its
        # own HTTP endpoint (this process does not serve yet).
        listener.fetch = combined_fetch(
            functools.partial(own_revocations, runtime, settings.access_token_ttl_s),
            http_fetch(settings.portal_url),
        )
        await bootstrap(runtime, settings, passwords)
        await announce(runtime)

    app = create_service_app(
        settings,
        title="Identity",
        description="Staff users, roles and permissions, departments, login and tokens.",
        routers=[auth.router, users.router, roles.router, departments.router],
        on_start=[start],
    )
    return app
