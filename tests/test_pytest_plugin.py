"""The pytest plugin, as a user meets it: the README's example test file, run by pytest in a
subprocess that finds the plugin through its `pytest11` entry point."""

from __future__ import annotations

from tests.test_readme import python_block_after

pytest_plugins = ["pytester"]


def test_readme_example_passes_with_the_plugin(pytester):
    pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = session\n"
                     "asyncio_default_test_loop_scope = session\n")
    pytester.makepyfile(test_my_app=python_block_after("## Use it from pytest"))
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


def test_mock_server_as_a_context_manager():
    from app.testing import MockServer

    with MockServer() as server:
        key = server.new_key()
        with server.client(key) as client:
            assert client.responses.create(model="gpt-4.1", input="hi").status == "completed"
        assert [e["path"] for e in server.admin(key).requests()] == ["/v1/responses"]
