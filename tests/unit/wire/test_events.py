"""Stream events (wire/events.py): numbered from where a log left off, type first and
sequence_number last as the real stream orders them; the output a run had is rebuilt from its log."""

from __future__ import annotations

import orjson

from responses_mock.wire import objects
from responses_mock.wire.events import CANCELLED, EventNumberer, fold_output
from tests import spec_check


def test_events_are_numbered_in_order_from_the_start_given():
    numbers = EventNumberer()
    first = numbers.make("response.output_text.delta", item_id="msg_1", output_index=0, content_index=0,
                         delta="Hi", logprobs=[])
    second = numbers.make("response.output_text.done", item_id="msg_1", output_index=0, content_index=0,
                          text="Hi", logprobs=[])
    assert (first["sequence_number"], second["sequence_number"], numbers.next) == (0, 1, 2)
    assert next(iter(first)) == "type" and list(first)[-1] == "sequence_number"
    assert spec_check.check_event(first) == "ResponseTextDeltaEvent"
    resumed = EventNumberer(7)  # a background run goes on after its logged created/queued events
    assert [resumed.make("x")["sequence_number"] for _ in range(3)] == [7, 8, 9]


def test_a_field_named_like_the_number_cannot_displace_it():
    event = EventNumberer(3).make("error", code="c", message="m", param=None)
    assert event == {"type": "error", "code": "c", "message": "m", "param": None, "sequence_number": 3}
    assert spec_check.check_event({**event, **CANCELLED}) == "ResponseErrorEvent"


def test_the_output_is_rebuilt_from_the_logged_events():
    n = EventNumberer()
    reasoning = objects.reasoning_item("rs_1")
    message = objects.output_message("msg_1")
    log = [
        n.make("response.output_item.added", output_index=0, item=reasoning),
        n.make("response.reasoning_summary_part.added", item_id="rs_1", output_index=0, summary_index=0,
               part=objects.summary_text()),
        n.make("response.reasoning_summary_text.delta", item_id="rs_1", output_index=0, summary_index=0,
               delta="Think"),
        n.make("response.reasoning_summary_text.delta", item_id="rs_1", output_index=0, summary_index=0,
               delta="ing."),
        n.make("response.output_item.done", output_index=0,
               item={**reasoning, "summary": [objects.summary_text("Thinking.")]}),
        n.make("response.output_item.added", output_index=1, item=message),
        n.make("response.content_part.added", item_id="msg_1", output_index=1, content_index=0,
               part=objects.output_text()),
        n.make("response.output_text.delta", item_id="msg_1", output_index=1, content_index=0, delta="Half an "),
        n.make("response.output_text.delta", item_id="msg_1", output_index=1, content_index=0, delta="answer"),
    ]
    output = fold_output(orjson.loads(orjson.dumps(e)) for e in log)  # as read back from the store
    assert output[0]["summary"] == [objects.summary_text("Thinking.")]
    assert output[1]["content"][0]["text"] == "Half an answer" and output[1]["status"] == "in_progress"
    assert fold_output([]) == []
