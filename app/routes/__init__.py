"""HTTP glue only: parse, call one service function, render. The API lives under /v1 (our own
router, router.py); health, metrics and the admin API are FastAPI routes outside it."""

from responses_mock.routes import conversations, health, models, responses
from responses_mock.routes.router import Router

api = Router("/v1")
for module in (responses, models, conversations):
    api.include(module.routes)

__all__ = ["api", "health"]
