"""The Conversations API and `conversation` on responses, through the official SDK, both stores."""

from __future__ import annotations

import asyncio

import openai
import pytest

from responses_mock.services import tokens
from tests.conftest import new_key
from tests.polling import wait_for


def user(text: str) -> dict:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


def texts(items) -> list[str]:
    return [item.content[0].text for item in items]


def test_create_retrieve_update_delete(client):
    c = client.conversations.create(metadata={"topic": "demo"}, items=[user("Hello!")])
    assert c.id.startswith("conv_") and c.object == "conversation" and c.metadata == {"topic": "demo"}
    assert c.created_at > 1_700_000_000
    assert client.conversations.retrieve(c.id).model_dump() == c.model_dump()
    updated = client.conversations.update(c.id, metadata={"topic": "other", "x": "y"})
    assert updated.metadata == {"topic": "other", "x": "y"} and updated.created_at == c.created_at
    assert client.conversations.retrieve(c.id).metadata == {"topic": "other", "x": "y"}
    gone = client.conversations.delete(c.id)
    assert (gone.id, gone.object, gone.deleted) == (c.id, "conversation.deleted", True)
    for call in (lambda: client.conversations.retrieve(c.id), lambda: client.conversations.delete(c.id),
                 lambda: client.conversations.items.list(c.id),
                 lambda: client.conversations.update(c.id, metadata={})):
        with pytest.raises(openai.NotFoundError) as exc:
            call()
        assert exc.value.body["message"] == f"Conversation with id '{c.id}' not found."


def test_empty_conversation(client):
    c = client.conversations.create()
    assert c.metadata == {}
    page = client.conversations.items.list(c.id)
    assert page.data == [] and page.has_more is False


def test_items_create_retrieve_delete(client):
    c = client.conversations.create(items=[user("one")])
    added = client.conversations.items.create(c.id, items=[user("two"), {"role": "assistant", "content": "three"}])
    assert added.object == "list" and added.has_more is False and len(added.data) == 2
    assert added.first_id == added.data[0].id and added.last_id == added.data[1].id
    two, three = added.data
    assert two.id.startswith("msg_") and two.status == "completed" and two.role == "user"
    assert three.role == "assistant" and three.content[0].type == "output_text"
    assert texts(client.conversations.items.list(c.id, order="asc").data) == ["one", "two", "three"]
    got = client.conversations.items.retrieve(two.id, conversation_id=c.id, include=["message.output_text.logprobs"])
    assert got.model_dump() == two.model_dump()
    after = client.conversations.items.delete(two.id, conversation_id=c.id)
    assert after.id == c.id and after.object == "conversation"
    assert texts(client.conversations.items.list(c.id, order="asc").data) == ["one", "three"]
    with pytest.raises(openai.NotFoundError):
        client.conversations.items.retrieve(two.id, conversation_id=c.id)
    with pytest.raises(openai.NotFoundError):
        client.conversations.items.delete(two.id, conversation_id=c.id)
    with pytest.raises(openai.NotFoundError):
        client.conversations.items.create("conv_missing", items=[user("x")])


def test_limits_and_validation(client):
    with pytest.raises(openai.BadRequestError) as exc:
        client.conversations.create(items=[user(str(i)) for i in range(21)])
    assert exc.value.body["param"] == "items" and exc.value.body["code"] == "array_above_max_length"
    c = client.conversations.create(items=[user(str(i)) for i in range(20)])
    with pytest.raises(openai.BadRequestError) as exc:
        client.conversations.items.create(c.id, items=[user(str(i)) for i in range(21)])
    assert exc.value.body["param"] == "items"
    with pytest.raises(openai.BadRequestError) as exc:
        client.conversations.create(metadata={f"k{i}": "v" for i in range(17)})
    assert exc.value.body["param"] == "metadata"
    with pytest.raises(openai.BadRequestError) as exc:
        client.conversations.items.create(c.id, items=[{"type": "message", "role": "robot", "content": "x"}])
    assert exc.value.body["param"].startswith("items[0]")
    for limit in (0, 101):
        with pytest.raises(openai.BadRequestError) as exc:
            client.conversations.items.list(c.id, limit=limit)
        assert exc.value.body["param"] == "limit"
    with pytest.raises(openai.BadRequestError) as exc:
        client.conversations.items.list(c.id, after="msg_nope")
    assert exc.value.body["param"] == "after"
    with pytest.raises(openai.BadRequestError) as exc:
        client.conversations.items.list(c.id, order="sideways")
    assert exc.value.body["param"] == "order"


def test_paging_250_items_both_orders(client):
    c = client.conversations.create(items=[user(f"item {i}") for i in range(20)])
    for start in range(20, 250, 20):
        client.conversations.items.create(c.id, items=[user(f"item {i}") for i in range(start, min(start + 20, 250))])
    expected = [f"item {i}" for i in range(250)]
    for order, want in (("asc", expected), ("desc", expected[::-1])):
        seen, after, pages = [], None, 0
        while True:
            page = client.conversations.items.list(c.id, limit=100, order=order, **({"after": after} if after else {}))
            pages += 1
            seen += texts(page.data)
            assert page.first_id == page.data[0].id and page.last_id == page.data[-1].id
            if not page.has_more:
                break
            after = page.last_id
        assert seen == want and pages == 3
        # The SDK's auto-pagination walks the same cursor.
        assert texts(client.conversations.items.list(c.id, limit=37, order=order)) == want
    default = client.conversations.items.list(c.id)
    assert len(default.data) == 20 and texts(default.data)[0] == "item 249"  # desc, 20 by default


def test_keys_are_isolated(server):
    with server.client() as a, server.client() as b:
        c = a.conversations.create()
        with pytest.raises(openai.NotFoundError):
            b.conversations.retrieve(c.id)
        with pytest.raises(openai.NotFoundError):
            b.responses.create(model="gpt-4.1", input="hi", conversation=c.id)


# -- responses on a conversation ------------------------------------------------------------------

def test_responses_append_turns_and_read_context(client):
    c = client.conversations.create(items=[user("We are talking about volcanoes.")])
    r1 = client.responses.create(model="gpt-4.1", input="Describe lava in two sentences.", conversation=c.id)
    assert r1.conversation.id == c.id and r1.status == "completed"
    r2 = client.responses.create(model="gpt-4.1", input="And ash, in two sentences?", conversation={"id": c.id})
    items = client.conversations.items.list(c.id, order="asc").data
    assert [i.role for i in items] == ["user", "user", "assistant", "user", "assistant"]
    assert items[2].id == r1.output[0].id and items[4].id == r2.output[0].id
    assert texts(items)[2] == r1.output_text

    # r2's input items: the conversation as it was, then the new input.
    listed = client.responses.input_items.list(r2.id, order="asc").data
    assert [i.id for i in listed] == [i.id for i in items[:4]]
    # Its context cost counts every one of them.
    msgs = ["We are talking about volcanoes.", "Describe lava in two sentences.", r1.output_text,
            "And ash, in two sentences?"]
    assert r2.usage.input_tokens == 2 + sum(4 + tokens.count(m) for m in msgs)
    # Counting with the conversation covers everything it now holds, plus the new input.
    count = client.responses.input_tokens.count(model="gpt-4.1", conversation=c.id, input="Lastly?")
    assert count.input_tokens == 2 + sum(4 + tokens.count(m) for m in msgs + [r2.output_text, "Lastly?"])


def test_conversation_with_reasoning_model_keeps_reasoning_items(client):
    c = client.conversations.create()
    r = client.responses.create(model="gpt-5-nano", input="hi", conversation=c.id)
    kinds = [i.type for i in client.conversations.items.list(c.id, order="asc").data]
    assert kinds == ["message", "reasoning", "message"]
    assert [o.type for o in r.output] == ["reasoning", "message"]


def test_streamed_and_background_turns(server):
    key = new_key()
    with server.client(api_key=key) as client:
        c = client.conversations.create()
        events = list(client.responses.create(model="gpt-4.1", input="Streamed turn.", conversation=c.id, stream=True))
        assert events[-1].response.conversation.id == c.id
        r = client.responses.create(model="gpt-4.1", input="Background turn.", conversation=c.id, background=True,
                                    extra_headers={"x-mock-queue-delay": "0.5"})
        # The input is in the conversation as soon as the response is recorded; the output when it ends.
        assert texts(client.conversations.items.list(c.id, order="asc").data)[-1] == "Background turn."
        final, _ = wait_for(client, r.id)
        items = client.conversations.items.list(c.id, order="asc").data
        assert [i.role for i in items] == ["user", "assistant", "user", "assistant"]
        assert texts(items)[1] == events[-1].response.output_text and texts(items)[3] == final.output_text


def test_conversation_errors_on_create(client):
    c = client.conversations.create()
    prev = client.responses.create(model="gpt-4.1", input="hi")
    with pytest.raises(openai.BadRequestError) as exc:
        client.responses.create(model="gpt-4.1", input="hi", conversation=c.id, previous_response_id=prev.id)
    assert exc.value.body["code"] == "mutually_exclusive_parameters"
    with pytest.raises(openai.BadRequestError):
        client.responses.input_tokens.count(model="gpt-4.1", input="hi", conversation=c.id,
                                            previous_response_id=prev.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.create(model="gpt-4.1", input="hi", conversation="conv_missing")
    assert client.conversations.items.list(c.id).data == []  # nothing half-written


def test_deleting_a_response_or_conversation_keeps_the_other_intact(client):
    c = client.conversations.create()
    r = client.responses.create(model="gpt-4.1", input="Keep me.", conversation=c.id)
    client.responses.delete(r.id)
    assert texts(client.conversations.items.list(c.id, order="asc").data) == ["Keep me.", r.output_text]
    r2 = client.responses.create(model="gpt-4.1", input="Second.", conversation=c.id)
    client.conversations.delete(c.id)
    assert client.responses.retrieve(r2.id).conversation.id == c.id
    assert len(client.responses.input_items.list(r2.id).data) == 3  # its own copy of the context
    with pytest.raises(openai.NotFoundError):
        client.responses.create(model="gpt-4.1", input="Third.", conversation=c.id)


def test_token_count_with_previous_response(client):
    r = client.responses.create(model="gpt-4.1", input="First question.")
    count = client.responses.input_tokens.count(model="gpt-4.1", previous_response_id=r.id, input="Next.")
    follow = client.responses.create(model="gpt-4.1", previous_response_id=r.id, input="Next.")
    assert count.input_tokens == follow.usage.input_tokens


async def test_concurrent_turns_append_whole_and_in_order(server):
    """Parallel responses on one conversation: every turn's items arrive, none interleaved."""
    async with server.async_client() as client:
        c = await client.conversations.create()
        results = await asyncio.gather(*[
            client.responses.create(model="gpt-4.1", input=f"Turn {i} in two sentences.", conversation=c.id)
            for i in range(12)])
        items = [i async for i in client.conversations.items.list(c.id, order="asc", limit=100)]
    assert len(items) == 24
    pairs = [(items[k], items[k + 1]) for k in range(0, 24, 2)]
    by_output = {r.output[0].id: r for r in results}
    for question, answer in pairs:  # each turn's input is directly followed by its own output
        r = by_output[answer.id]
        assert question.role == "user" and answer.content[0].text == r.output_text
        assert [i.id for i in (question, answer)][1] == r.output[0].id
    assert sorted(q.content[0].text for q, _ in pairs) == sorted(f"Turn {i} in two sentences." for i in range(12))


async def test_concurrent_item_batches_stay_contiguous(server):
    async with server.async_client() as client:
        c = await client.conversations.create()
        await asyncio.gather(*[
            client.conversations.items.create(c.id, items=[user(f"batch {b} item {i}") for i in range(20)])
            for b in range(10)])
        items = [i.content[0].text async for i in client.conversations.items.list(c.id, order="asc", limit=100)]
    assert len(items) == 200
    for k in range(0, 200, 20):  # every batch landed whole, in its own order
        batch = items[k].split()[1]
        assert items[k:k + 20] == [f"batch {batch} item {i}" for i in range(20)]
