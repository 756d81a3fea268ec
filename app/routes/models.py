"""/v1/models from the model catalog."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from app.errors import NotFound
from app.routes.deps import TenantDep, json
from app.services import catalog
from app.wire import objects

router = APIRouter(tags=["models"])


@router.get("/models")
async def list_models(_: TenantDep) -> Response:
    return json(objects.model_list([catalog.find(m).wire(m) for m in catalog.listed()]))


@router.get("/models/{model_id}")
async def retrieve_model(model_id: str, _: TenantDep) -> Response:
    model = catalog.find(model_id)
    if model is None:
        raise NotFound(f"The model '{model_id}' does not exist", param="model", code="model_not_found")
    return json(model.wire(model_id))
