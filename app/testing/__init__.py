"""Helpers for testing against responses-mock: an in-process server and an admin client."""

from responses_mock.testing.admin import AdminClient
from responses_mock.testing.server import MockServer

__all__ = ["AdminClient", "MockServer"]
