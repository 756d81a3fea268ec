"""pytest plugin (entry point `pytest11`): an in-process responses-mock for your tests.

Fixtures:
  responses_mock_server   session: the running server (SQLite in a temp dir, or
                          --responses-mock-database-url / RESPONSES_MOCK_TEST_DATABASE_URL)
  responses_mock          function: a fresh API key on that server → .client(), .async_client(),
                          .admin (rules and journal of that key only), .url, .api_key
  responses_mock_session  session: the same, one key for the whole session
  openai_client / async_openai_client   function: ready clients for `responses_mock`

Each test's key is a tenant of its own: no state leaks between tests, and no restart is needed.

pytest loads this module in every project where the package is installed, so it imports nothing
heavy until a fixture is used. `async_openai_client` is a pytest-asyncio fixture (it works in its
default strict mode); without pytest-asyncio installed it does not exist.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

try:
    import pytest_asyncio
except ImportError:  # async fixtures need pytest-asyncio; the sync ones do not
    pytest_asyncio = None

if TYPE_CHECKING:
    from openai import AsyncOpenAI, OpenAI

    from responses_mock.testing.admin import AdminClient
    from responses_mock.testing.server import MockServer


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("responses-mock")
    group.addoption("--responses-mock-database-url", default=None,
                    help="Store of the test server (default: SQLite in a temporary folder).")


@dataclass
class MockHandle:
    server: MockServer
    api_key: str
    admin: AdminClient = field(init=False)

    def __post_init__(self) -> None:
        self.admin = self.server.admin(self.api_key)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def base_url(self) -> str:
        return f"{self.server.url}/v1"

    def client(self, **kw) -> OpenAI:
        return self.server.client(self.api_key, **kw)

    def async_client(self, **kw) -> AsyncOpenAI:
        return self.server.async_client(self.api_key, **kw)


@pytest.fixture(scope="session")
def responses_mock_server(request: pytest.FixtureRequest):
    from responses_mock.testing.server import MockServer

    url = request.config.getoption("--responses-mock-database-url") or os.environ.get(
        "RESPONSES_MOCK_TEST_DATABASE_URL")
    with MockServer(database_url=url) as server:
        yield server


@pytest.fixture
def responses_mock(responses_mock_server: MockServer):
    handle = MockHandle(responses_mock_server, responses_mock_server.new_key())
    yield handle
    handle.admin.reset()
    handle.admin.close()


@pytest.fixture(scope="session")
def responses_mock_session(responses_mock_server: MockServer):
    handle = MockHandle(responses_mock_server, responses_mock_server.new_key())
    yield handle
    handle.admin.close()


@pytest.fixture
def openai_client(responses_mock: MockHandle):
    with responses_mock.client() as client:
        yield client


if pytest_asyncio is not None:
    @pytest_asyncio.fixture
    async def async_openai_client(responses_mock: MockHandle):
        async with responses_mock.async_client() as client:
            yield client
