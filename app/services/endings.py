"""How a run ends when it could not finish: the real API's words for a server error (never a
driver's message or SQL), with what happened in brackets, and the events that say so."""

from __future__ import annotations

# The real API's 500, in every place the server has one: a run that fails under a fault, a fault
# rule's 500 (services/faults.py), a bug answered in the envelope (middleware, routes/errors.py).
SERVER_ERROR = "The server had an error while processing your request. Sorry about that!"
SHUTDOWN = f"{SERVER_ERROR} (The server shut down while this response was in progress.)"
ABANDONED = f"{SERVER_ERROR} (The server process running this response stopped.)"
# A follower whose run goes on elsewhere, when this process shuts down.
STREAM_CLOSED = (f"{SERVER_ERROR} (The server shut down while this stream was open; retrieve the response "
                 "with stream=true and starting_after to follow it further.)")


STORE_WAIT = 10.0  # seconds a run's end, or a follower, waits for a store that is away before giving up


def error_fields(message: str, code: str = "server_error") -> dict:
    """An `error` stream event's fields."""
    return {"code": code, "message": message, "param": None}


def close_open(output: list[dict]) -> None:
    """Output items a run left open (it was cancelled, failed or lost) end `incomplete`."""
    for item in output:
        if item.get("status") == "in_progress":
            item["status"] = "incomplete"


def failed(body: dict, message: str, code: str = "server_error") -> dict:
    """The response object, failed: open items `incomplete`, the error set."""
    close_open(body.get("output", []))
    body["status"] = "failed"
    body["error"] = {"code": code, "message": message}
    body["completed_at"] = None
    body["incomplete_details"] = None
    return body


def failure_events(body: dict) -> list[tuple[str, dict]]:
    """What a watcher sees of a failure: the `error` event, then `response.failed` (as the
    lifecycle's own failures end)."""
    return [("error", error_fields(body["error"]["message"], body["error"]["code"])),
            ("response.failed", {"response": body})]
