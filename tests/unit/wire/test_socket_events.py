"""WebSocket-mode shapes (wire/socket_events.py): the stub outputs a socket owes for each client call."""

from __future__ import annotations

from responses_mock.backends import hosted
from responses_mock.wire import socket_events


def test_a_websocket_owes_an_output_for_each_client_call():
    local = {"id": "lsh_1", **hosted.local_shell_call(["ls"]).item}
    shell = {"id": "sh_1", **hosted.shell_call("ls", None).item}
    assert socket_events.required_input([local, shell, {"type": "message"}]) == [
        {"type": "local_shell_call_output", "id": local["call_id"]},
        {"type": "shell_call_output", "call_id": shell["call_id"]}]
