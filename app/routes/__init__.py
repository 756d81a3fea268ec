"""HTTP glue only: parse, call one service function (`api.services(request)`), render. The API
lives under /v1; health, metrics and the admin API sit outside it, declared the same way (FastAPI
routes per module, routes/api.py)."""

from responses_mock.routes import conversations, files, health, models, responses, uploads, vector_stores

V1 = (responses.endpoints, models.endpoints, conversations.endpoints, files.endpoints, uploads.endpoints,
      vector_stores.endpoints)

__all__ = ["V1", "health"]
