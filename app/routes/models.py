"""/v1/models from the model catalog."""

from __future__ import annotations

from starlette.responses import Response

from responses_mock.errors import NotFound
from responses_mock.routes.render import json
from responses_mock.routes.router import Call, Router
from responses_mock.services import catalog
from responses_mock.wire import objects

routes = Router("/v1", tags=("models",))


@routes.get("/models")
async def list_models(call: Call) -> Response:
    """List the catalog's models."""
    return json(objects.model_list([catalog.find(m).wire(m) for m in catalog.listed()]))


@routes.get("/models/{model_id}")
async def retrieve_model(call: Call) -> Response:
    """Retrieve a model (any alias or dated snapshot the catalog knows)."""
    model_id = call.params["model_id"]
    model = catalog.find(model_id)
    if model is None:
        raise NotFound(f"The model '{model_id}' does not exist", param="model", code="model_not_found")
    return json(model.wire(model_id))
