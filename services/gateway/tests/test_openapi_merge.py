"""The merged OpenAPI says what the edge does (issue 12 §6): an operation is public only when
its service declares it public (``security: []``) and the gateway lets it through without a
token; every operation documents the gateway's own problem answers."""

from __future__ import annotations

from gateway_service.openapi import merge
from suite_shared.errors import PROBLEM_JSON


def operation(security=None) -> dict:
    op = {"responses": {"200": {"description": "ok"}}}
    if security is not None:
        op["security"] = security
    return op


def identity_document() -> dict:
    return {
        "paths": {
            "/auth/login": {"post": operation([])},  # public in identity and at the edge
            "/auth/logout": {"post": operation([])},  # public in identity, not at the edge
            "/users/me": {"get": operation([{"bearer": []}])},
            "/undeclared": {"get": operation()},
        }
    }


def test_public_operations_stay_public_where_the_edge_lets_them_through():
    paths = merge({"identity": identity_document()}, [])["paths"]
    # Before: setdefault kept nothing public; login was declared as needing a token.
    assert paths["/api/v1/identity/auth/login"]["post"]["security"] == []
    assert "401" not in paths["/api/v1/identity/auth/login"]["post"]["responses"]
    for path, method in (("/auth/logout", "post"), ("/users/me", "get"), ("/undeclared", "get")):
        answer = paths[f"/api/v1/identity{path}"][method]
        assert answer["security"] == [{"bearer": []}], path
        assert PROBLEM_JSON in answer["responses"]["401"]["content"], path


def test_every_operation_documents_the_gateways_own_answers():
    merged = merge({"identity": identity_document()}, [])
    for operations in merged["paths"].values():
        for op in operations.values():
            for status in ("429", "502", "504"):
                schema = op["responses"][status]["content"][PROBLEM_JSON]["schema"]
                assert schema == {"$ref": "#/components/schemas/Gateway_Problem"}
            assert "Retry-After" in op["responses"]["429"]["headers"]
    assert merged["components"]["schemas"]["Gateway_Problem"]["required"] == [
        "type",
        "title",
        "status",
    ]
