"""The pytest plugin, as a user meets it: the README's example test file, run by pytest in a
subprocess that finds the plugin through its `pytest11` entry point, in pytest-asyncio's default
(strict) mode, in a project that has a package of its own called `app` and the README's pytest
configuration (which silences pytest-asyncio's loop-scope deprecation warning)."""

from __future__ import annotations

import pytest

from tests.e2e.test_readme import blocks, python_block_after

pytest_plugins = ["pytester"]


def user_project(pytester) -> None:
    """A throwaway project shaped like a FastAPI app's: its own `app` package, its own conftest."""
    pytester.mkpydir("app")
    pytester.makepyfile(**{"app/main.py": "def create_app():\n    return 'the user app'\n"})
    pytester.makeconftest("from app.main import create_app\n\nassert create_app() == 'the user app'\n")
    pytester.makepyfile(test_my_app=python_block_after("## Use it from pytest"))
    [config] = [b.code for b in blocks() if b.heading == "## Use it from pytest" and b.lang == "toml"]
    pytester.makepyprojecttoml(config)


@pytest.mark.slow
def test_readme_example_passes_in_strict_mode_beside_a_user_app_package(pytester):
    user_project(pytester)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "-o", "asyncio_mode=strict")
    result.assert_outcomes(passed=4)
    said = result.stdout.str() + result.stderr.str()
    assert "asyncio_default_fixture_loop_scope" not in said and "Warning" not in said, said


def test_mock_server_as_a_context_manager():
    from responses_mock.testing import MockServer

    with MockServer() as server:
        key = server.new_key()
        with server.client(key) as client:
            assert client.responses.create(model="gpt-4.1", input="hi").status == "completed"
        assert [e["path"] for e in server.admin(key).requests()] == ["/v1/responses"]
