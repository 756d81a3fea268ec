"""One route idiom (routes/api.py): every endpoint of the app, /v1, /__admin and health alike, is
an `Endpoints` route that takes `request` alone — FastAPI resolves no parameter or dependency —
and its query parameters are documented from the same shapes that validate them."""

from __future__ import annotations

from fastapi.routing import APIRoute

from responses_mock.config import Settings
from responses_mock.main import create_app
from responses_mock.routes import V1, admin, health


def test_every_route_is_declared_one_way(tmp_path):
    app = create_app(Settings(data_dir=tmp_path))
    declared = {(op.method, op.path) for endpoints in (*V1, admin.endpoints, health.endpoints)
                for op in endpoints.operations}
    routes = [route for route in app.routes if isinstance(route, APIRoute) and route.include_in_schema]  # not /docs
    assert {(method, route.path) for route in routes for method in route.methods} == declared
    for route in routes:
        d = route.dependant
        assert not (d.dependencies or d.query_params or d.path_params or d.body_params), route.path
    assert {path for _, path in declared} >= {"/health", "/ready", "/metrics", "/__admin/fixtures",
                                               "/__admin/requests/stream", "/__admin/reset"}


def test_admin_query_parameters_are_documented_from_their_shapes(tmp_path):
    doc = create_app(Settings(data_dir=tmp_path)).openapi()
    listing = {p["name"]: p for p in doc["paths"]["/__admin/requests"]["get"]["parameters"]}
    assert list(listing) == ["method", "path", "status", "fixture_id", "model", "after", "limit", "order", "api_key"]
    assert listing["limit"]["schema"].items() >= {"minimum": 1, "maximum": 1000, "default": 100}.items()
    assert listing["path"]["description"] == "Exact path, or a pattern with *"
    delete = doc["paths"]["/__admin/fixtures/{fixture_id}"]["delete"]["parameters"]
    assert [(p["name"], p["in"]) for p in delete] == [("fixture_id", "path"), ("api_key", "query")]
    assert doc["paths"]["/__admin/whoami"]["get"]["tags"] == ["admin"]
