"""The API contract from the routes (suite_shared.openapi_contract): problem answers documented
as they are sent, public operations declared public, 405s whose Allow lists every method of the
path, and a literal segment never parsed as an id (issue 12 §6)."""

from __future__ import annotations

import uuid

import httpx
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

from suite_shared.auth import CurrentPrincipal, require
from suite_shared.errors import PROBLEM_JSON, install_error_handlers
from suite_shared.openapi_contract import install_api_contract
from suite_shared.service import create_service_app, make_verifier
from suite_shared.settings import ServiceSettings

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


class ThingIn(BaseModel):
    name: str


def routers() -> list[APIRouter]:
    things = APIRouter()

    @things.get("/things/me")
    async def my_thing(principal: CurrentPrincipal) -> dict:
        return {"id": str(principal.id)}

    @things.patch("/things/{thing_id}", dependencies=[require("things.manage")])
    async def change_thing(thing_id: uuid.UUID, body: ThingIn) -> dict:
        return {"id": str(thing_id), "name": body.name}

    @things.get("/things")
    async def list_things(principal: CurrentPrincipal) -> list:
        return []

    @things.get("/thing-events")
    async def thing_events(principal: CurrentPrincipal, thing_id: uuid.UUID | None = None) -> list:
        return []  # a thing the caller may not see would be a 404

    more = APIRouter()

    @more.post("/things", status_code=201)
    async def add_thing(body: ThingIn, principal: CurrentPrincipal) -> dict:
        return {"name": body.name}

    @more.post("/login")
    async def login(body: ThingIn) -> dict:
        return {"token": body.name}

    return [things, more]


SETTINGS = ServiceSettings(service_name="things", jwt_public_jwks='{"keys": []}')


def make_app() -> FastAPI:
    app = FastAPI()
    app.state.verifier = make_verifier(SETTINGS)
    install_error_handlers(app)
    for router in routers():
        app.include_router(router)
    install_api_contract(app)
    return app


async def call(app: FastAPI, method: str, path: str, **kwargs) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        return await client.request(method, path, **kwargs)


async def test_a_literal_segment_is_not_parsed_as_an_id_by_a_route_of_another_method():
    # Before: the {thing_id} route took PATCH /things/me and answered 422 (not a UUID).
    response = await call(make_app(), "PATCH", "/things/me", json={"name": "x"})
    assert response.status_code == 405, response.text
    assert response.headers["allow"] == "GET"
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["type"] == "/problems/method-not-allowed"


async def test_allow_lists_the_methods_of_every_route_of_the_path():
    # Before: Allow named the first matching route's methods only (GET).
    response = await call(make_app(), "PUT", "/things")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"


async def test_methods_the_path_takes_still_reach_their_routes():
    app = make_app()
    assert (await call(app, "GET", "/things/me")).status_code == 401  # no token, but routed
    assert (await call(app, "POST", "/login", json={"name": "n"})).json() == {"token": "n"}
    assert (await call(app, "GET", "/nowhere")).status_code == 404


def test_errors_are_documented_as_the_problems_they_are():
    document = make_app().openapi()
    change = document["paths"]["/things/{thing_id}"]["patch"]
    for status in ("400", "401", "403", "404", "409", "422", "429", "503"):
        assert change["responses"][status]["content"] == {PROBLEM_JSON: {"schema": PROBLEM_REF}}
    assert "Retry-After" in change["responses"]["503"]["headers"]
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status"} <= set(problem["required"])
    assert problem["properties"]["errors"]["items"]["required"] == ["field", "message"]
    # FastAPI's {detail: [...]} in application/json is never sent: it is not documented.
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert "application/json" not in str(
        {k: v for k, v in change["responses"].items() if k >= "400"}
    )
    assert change["x-required-permissions"] == ["things.manage"]
    # A write may name records in its body, or send a media type the route does not take.
    add = document["paths"]["/things"]["post"]["responses"]
    assert {"400", "404", "409", "415", "422"} <= set(add)
    listing = document["paths"]["/things"]["get"]
    assert "404" not in listing["responses"] and "409" not in listing["responses"]
    assert "400" in listing["responses"]  # any request may be unreadable (a huge query)
    assert "404" in document["paths"]["/thing-events"]["get"]["responses"]  # names a record


def test_operations_without_the_callers_token_are_declared_public():
    document = make_app().openapi()
    assert document["paths"]["/login"]["post"]["security"] == []
    assert "401" not in document["paths"]["/login"]["post"]["responses"]
    assert document["paths"]["/things/me"]["get"]["security"] == [{"bearer": []}]
    assert document["paths"]["/things"]["post"]["security"] == [{"bearer": []}]
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


async def test_every_service_app_has_the_contract():
    app = create_service_app(SETTINGS, title="Things", routers=routers())
    assert app.openapi()["paths"]["/login"]["post"]["security"] == []
    response = await call(app, "PATCH", "/things/me", json={"name": "x"})
    assert (response.status_code, response.headers["allow"]) == (405, "GET")
