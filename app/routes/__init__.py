"""HTTP glue only: parse, call one service function, render. The API lives under /v1 (FastAPI
routes declared per module, routes/api.py); health, metrics and the admin API sit outside it."""

from responses_mock.routes import conversations, health, models, responses

V1 = (responses.endpoints, models.endpoints, conversations.endpoints)

__all__ = ["V1", "health"]
