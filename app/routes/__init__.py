"""HTTP glue only: parse, call one service function (`api.services(request)`), render. The API
lives under /v1; health, metrics and the admin API sit outside it, declared the same way (FastAPI
routes per module, routes/api.py)."""

from responses_mock.routes import conversations, health, models, responses

V1 = (responses.endpoints, models.endpoints, conversations.endpoints)

__all__ = ["V1", "health"]
