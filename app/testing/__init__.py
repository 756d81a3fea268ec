"""Helpers for testing against responses-mock: an in-process server and an admin client."""

from app.testing.admin import AdminClient
from app.testing.server import MockServer

__all__ = ["AdminClient", "MockServer"]
