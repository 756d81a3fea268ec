"""/v1/models from the model catalog."""

from __future__ import annotations

from fastapi import Request
from openai.types import Model
from starlette.responses import Response

from responses_mock.errors import NotFound
from responses_mock.routes import api
from responses_mock.routes.render import json
from responses_mock.services import catalog
from responses_mock.wire import objects

endpoints = api.Endpoints("models")


@endpoints.get("/models")
async def list_models(request: Request) -> Response:
    """List the catalog's models."""
    api.tenant(request)
    return json(objects.model_list([catalog.find(m).wire(m) for m in catalog.listed()]))


@endpoints.get("/models/{model_id}", reply=Model)
async def retrieve_model(request: Request) -> Response:
    """Retrieve a model (any alias or dated snapshot the catalog knows)."""
    model_id = request.path_params["model_id"]
    api.tenant(request)
    model = catalog.find(model_id)
    if model is None:
        raise NotFound(f"The model '{model_id}' does not exist", param="model", code="model_not_found")
    return json(model.wire(model_id))
