"""The file_search tool over real vector stores, both stores: through responses.create (sync and
streamed) and through the Agents SDK. The call item carries the queries, and the results when
`include` asks; the message that follows quotes the best chunk and cites it with file_citation
annotations (also as response.output_text.annotation.added events). The default model calls
file_search when the question is about files or documents (backends/intent.py): the questions say so."""

from __future__ import annotations

import io
import os

import openai
import pytest

from tests.conftest import read_sse
from tests.polling import wait_for

os.environ.setdefault("OPENAI_AGENTS_DISABLE_TRACING", "1")  # tracing would upload to OpenAI

FACTS = {
    "fruit.txt": "Orchard log. The secret fruit of the orchard is the pineapple, harvested in June.",
    "boats.txt": "Harbour log. The fastest boat in the harbour is the Seagull, a blue catamaran.",
}


@pytest.fixture
def shelf(server):
    """A key of its own, two files in one vector store."""
    with server.client() as client:
        files = {n: client.files.create(file=(n, io.BytesIO(t.encode())), purpose="assistants")
                 for n, t in FACTS.items()}
        store = client.vector_stores.create(name="shelf", file_ids=[f.id for f in files.values()])
        yield client, store, files


def _ask(client, store_id: str, question: str, **kw):
    return client.responses.create(model="gpt-4.1", input=question,
                                   tools=[{"type": "file_search", "vector_store_ids": [store_id]}], **kw)


def test_the_call_carries_results_when_included(shelf, server):
    client, store, files = shelf
    r = _ask(client, store.id, "According to the files, what is the secret fruit of the orchard?", include=["file_search_call.results"])
    call = next(item for item in r.output if item.type == "file_search_call")
    assert call.status == "completed" and call.queries and "secret fruit" in call.queries[0]
    assert call.results and call.results[0].file_id == files["fruit.txt"].id
    assert call.results[0].filename == "fruit.txt" and call.results[0].text == FACTS["fruit.txt"]
    assert 0 < call.results[0].score <= 1
    plain = _ask(client, store.id, "According to the files, what is the secret fruit of the orchard?")
    assert next(i for i in plain.output if i.type == "file_search_call").results is None  # not asked for


def test_the_answer_quotes_the_best_chunk_and_cites_it(shelf):
    client, store, files = shelf
    r = _ask(client, store.id, "Search the documents: which boat is the fastest in the harbour?")
    message = r.output[-1]
    assert message.type == "message" and "Seagull" in r.output_text
    citations = [a for a in message.content[0].annotations if a.type == "file_citation"]
    assert citations and citations[0].file_id == files["boats.txt"].id and citations[0].filename == "boats.txt"
    assert all(0 <= a.index <= len(message.content[0].text) for a in citations)


def test_streamed_annotations_arrive_as_events(shelf, server):
    client, store, files = shelf
    with client.responses.with_streaming_response.create(
            model="gpt-4.1", input="According to the files, what is the secret fruit of the orchard?", stream=True,
            tools=[{"type": "file_search", "vector_store_ids": [store.id]}]) as raw:
        events = read_sse(raw.iter_lines())
    kinds = [e["type"] for e in events]
    assert kinds.index("response.file_search_call.searching") < kinds.index("response.file_search_call.completed")
    added = [e for e in events if e["type"] == "response.output_text.annotation.added"]
    assert added and added[0]["annotation"]["type"] == "file_citation"
    assert added[0]["annotation"]["file_id"] == files["fruit.txt"].id and added[0]["annotation_index"] == 0
    final = events[-1]["response"]
    text_part = final["output"][-1]["content"][0]
    assert text_part["annotations"] == [e["annotation"] for e in added]


def test_tool_options_apply_to_the_search(shelf):
    client, store, files = shelf
    client.vector_stores.files.update(files["fruit.txt"].id, vector_store_id=store.id, attributes={"kind": "farm"})
    r = client.responses.create(model="gpt-4.1", input="Search the files for the orchard and harbour logs.", include=["file_search_call.results"],
                                tools=[{"type": "file_search", "vector_store_ids": [store.id], "max_num_results": 1}])
    assert len(next(i for i in r.output if i.type == "file_search_call").results) == 1
    r = client.responses.create(model="gpt-4.1", input="Search the files for the orchard and harbour logs.", include=["file_search_call.results"],
                                tools=[{"type": "file_search", "vector_store_ids": [store.id],
                                        "filters": {"type": "ne", "key": "kind", "value": "farm"}}])
    assert [x.filename for x in next(i for i in r.output if i.type == "file_search_call").results] == ["boats.txt"]


def test_an_unknown_vector_store_is_a_404(client):
    with pytest.raises(openai.NotFoundError) as err:
        _ask(client, "vs_nobody", "anything?")
    assert err.value.body["param"] == "tools[0].vector_store_ids"
    assert err.value.body["message"] == "Vector store with id 'vs_nobody' not found."


async def test_the_agents_sdk_runs_file_search(shelf, server):
    agents = pytest.importorskip("agents")
    agents.set_tracing_disabled(True)
    _, store, files = shelf
    async with server.async_client(api_key=shelf[0].api_key) as client:
        agent = agents.Agent(name="Librarian", instructions="Answer from the files.",
                             tools=[agents.FileSearchTool(vector_store_ids=[store.id], include_search_results=True)],
                             model=agents.OpenAIResponsesModel(model="gpt-4.1", openai_client=client))
        result = await agents.Runner.run(agent, "Search the documents: which boat is the fastest in the harbour?")
    assert "Seagull" in result.final_output
    calls = [item.raw_item for item in result.new_items if item.type == "tool_call_item"]
    assert calls and calls[0].type == "file_search_call" and calls[0].results[0].file_id == files["boats.txt"].id


def test_a_background_run_searches_as_its_create_would(shelf):
    """The worker rereads what the stored row does not keep: the search's results."""
    client, store, files = shelf
    queued = _ask(client, store.id, "Search the documents: which boat is the fastest in the harbour?",
                  background=True, include=["file_search_call.results"])
    r, _ = wait_for(client, queued.id)
    assert r.status == "completed" and "Seagull" in r.output_text
    call = next(item for item in r.output if item.type == "file_search_call")
    assert call.results and call.results[0].file_id == files["boats.txt"].id


def test_a_question_the_stores_answer_is_searched_without_naming_files(shelf):
    """A real model with file_search searches when the question is about what the stores hold."""
    client, store, _ = shelf
    r = _ask(client, store.id, "Which boat is the fastest in the harbour?")
    assert [i.type for i in r.output] == ["file_search_call", "message"] and "Seagull" in r.output_text
    r = _ask(client, store.id, "Write a haiku about autumn leaves.")  # nothing in the stores matches
    assert [i.type for i in r.output] == ["message"]


def _refused(client, tool: dict, question: str = "Search the files: which boat is fastest?"):
    with pytest.raises(openai.BadRequestError) as err:
        client.responses.create(model="gpt-4.1", input=question, tools=[{"type": "file_search", **tool}])
    return err.value


def test_the_tool_is_checked_as_the_search_endpoint_is(shelf):
    client, store, _ = shelf
    ids = [store.id]
    # Repeats count once (40,000 of one id once reached past Postgres's 32,767 bind parameters).
    r = _ask(client, store.id, "Search the files: which boat is the fastest?")  # warm: one id
    many = client.responses.create(model="gpt-4.1", input="Search the files: which boat is the fastest?",
                                   tools=[{"type": "file_search", "vector_store_ids": ids * 40_000}])
    assert many.status == "completed" and many.output_text == r.output_text
    others = [client.vector_stores.create(name=f"o{i}").id for i in range(2)]
    err = _refused(client, {"vector_store_ids": [store.id, *others]})
    assert (err.param, err.code) == ("tools[0].vector_store_ids", "array_above_max_length")
    assert err.body["message"] == ("Invalid 'tools[0].vector_store_ids': array too long. Expected an array with "
                                   "maximum length 2, but got an array with length 3 instead.")
    err = _refused(client, {"vector_store_ids": ids, "max_num_results": 51})
    assert (err.param, err.code) == ("tools[0].max_num_results", "integer_above_max_value")
    err = _refused(client, {"vector_store_ids": ids, "ranking_options": {"score_threshold": 2}})
    assert err.param == "tools[0].ranking_options.score_threshold"
    err = _refused(client, {"vector_store_ids": ids, "filters": {"type": "eq", "value": 1}})
    assert (err.param, err.code) == ("tools[0].filters.key", "missing_required_parameter")
    err = _refused(client, {"vector_store_ids": ids, "filters": {"type": "and", "filters": [{"type": "eq",
                                                                                             "value": 1}]}})
    assert err.param == "tools[0].filters.filters[0].key"


def test_results_are_an_empty_list_when_nothing_matched(shelf):
    client, store, _ = shelf
    r = client.responses.create(
        model="gpt-4.1", input="Search the files for the harbour log.", include=["file_search_call.results"],
        tools=[{"type": "file_search", "vector_store_ids": [store.id],
                "filters": {"type": "eq", "key": "kind", "value": "nothing has this"}}])
    call = next(i for i in r.output if i.type == "file_search_call")
    assert call.results == []


def test_a_long_question_is_searched_by_its_first_words(shelf):
    """The words of the question are read from a bounded prefix: a huge question costs no more."""
    client, store, files = shelf
    question = "Search the files: which boat is the fastest in the harbour? " + "filler " * 200_000
    r = client.responses.create(model="gpt-4.1", input=question, include=["file_search_call.results"],
                                tools=[{"type": "file_search", "vector_store_ids": [store.id]}])
    call = next(i for i in r.output if i.type == "file_search_call")
    assert call.results and call.results[0].file_id == files["boats.txt"].id
