"""The identity service application: staff, roles, departments, login and token keys."""

from __future__ import annotations

from fastapi import FastAPI

from identity_service.announcements import announce
from identity_service.api import auth, departments, roles, users
from identity_service.bootstrap import bootstrap
from identity_service.deps import EXTRAS_KEY, IdentityContext, make_passwords
from identity_service.keys import load_key_ring, own_verifier
from identity_service.settings import IdentitySettings
from suite_shared.service import Runtime, create_service_app


def create_app(settings: IdentitySettings | None = None) -> FastAPI:
    settings = settings or IdentitySettings()
    passwords = make_passwords(settings)
    app: FastAPI

    async def start(runtime: Runtime) -> None:
        keys = await load_key_ring(runtime.session_factory, settings)
        runtime.extras[EXTRAS_KEY] = IdentityContext(settings, passwords, keys)
        # The default verifier would fetch identity's own JWKS URL, i.e. this process before it
        # serves; verify with the keys just loaded instead.
        app.state.verifier = own_verifier(settings, keys)
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
