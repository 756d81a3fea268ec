"""The default model answers from what it was given (issue 25): a file sent inline, earlier turns,
tool outputs — the sentences that best match the question, in the form and length asked — and
prose on the prompt's topics (names and acronyms kept) when nothing there matches. Deterministic,
and bounded: a multi-megabyte document is answered while /health stays fast."""

from __future__ import annotations

import base64
import io

import pytest

from tests.conftest import new_key
from tests.e2e.test_loop_bounds import DEADLINE, encoded, while_polling

NOTE = "Shopping list for the weekend.\nThe secret word is pineapple.\nThe meeting is on Tuesday.\n"
NET = ("TCP is a transport protocol. TCP delivers bytes in order. Cats sleep a lot. TCP retransmits lost "
       "segments. UDP sends datagrams. TCP opens a connection with a handshake.\n")


def inline_file(text: str, filename: str = "note.txt") -> dict:
    data = base64.b64encode(text.encode()).decode()
    return {"type": "input_file", "filename": filename, "file_data": f"data:text/plain;base64,{data}"}


def asking(question: str, *files: dict) -> list[dict]:
    return [{"role": "user", "content": [*files, {"type": "input_text", "text": question}]}]


def test_a_text_file_sent_inline_is_answered_from(client):
    ask = lambda q: client.responses.create(model="gpt-4.1", input=asking(q, inline_file(NOTE))).output_text
    assert ask("What is the secret word in the file?") == "The secret word is pineapple."
    assert ask("What is the secret word? Answer in one word.") == "Pineapple."
    assert ask("When is the meeting?") == "The meeting is on Tuesday."


def test_n_sentences_from_a_document(client):
    said = client.responses.create(model="gpt-4.1", input=asking("Explain TCP in 3 sentences.",
                                                                  inline_file(NET, "net.txt"))).output_text
    sentences = [s + "." for s in said.removesuffix(".").split(". ")]
    assert len(sentences) == 3 and all(s in NET for s in sentences)
    assert sentences == sorted(sentences, key=NET.index) and "Cats" not in said


def test_without_context_topics_keep_their_case_and_one_word_is_one_word(client):
    ask = lambda q: client.responses.create(model="gpt-4.1", input=q).output_text
    tcp = ask("Explain TCP in 3 sentences.")
    assert tcp.count(". ") == 2 and "TCP" in tcp and "this question" not in tcp
    assert ask("Say hi in one word.") == "Hi."
    assert ask("Describe Paris in one word.") == "Paris."


def test_an_earlier_turn_is_recalled_through_previous_response_id(client):
    first = client.responses.create(model="gpt-4.1", input="My name is Ada. I live in Oslo.")
    again = client.responses.create(model="gpt-4.1", previous_response_id=first.id, input="What is my name?")
    assert "Ada" in again.output_text
    where = client.responses.create(model="gpt-4.1", previous_response_id=again.id,
                                    input="Where do I live? Answer in one word.")
    assert where.output_text == "Oslo."


def test_a_pasted_text_is_context_for_the_question_after_it(client):
    said = client.responses.create(model="gpt-4.1", input="The launch code is 7731. The cat is asleep. "
                                   "The door is blue. What is the launch code?").output_text
    assert said == "The launch code is 7731."


LOOKUP = {"type": "function", "name": "read_log", "description": "Read the build log.",
          "parameters": {"type": "object", "properties": {}, "additionalProperties": False}, "strict": True}


def test_a_tool_output_is_quoted_where_it_answers(client):
    r = client.responses.create(model="gpt-4.1", input="Read the build log: which test is failing?",
                                tools=[LOOKUP], tool_choice="required")
    [call] = [o for o in r.output if o.type == "function_call"]
    log = ("Step ok. " * 80) + "The failing test is test_login in tests/auth.py. " + ("Cleanup ok. " * 80)
    follow = client.responses.create(model="gpt-4.1", previous_response_id=r.id, tools=[LOOKUP], input=[
        {"type": "function_call_output", "call_id": call.call_id, "output": log}])
    assert follow.output_text.startswith("According to read_log: The failing test is test_login in tests/auth.py.")
    assert "Step ok" not in follow.output_text
    # Later, with no tool in play, the earlier output is still context.
    later = client.responses.create(model="gpt-4.1", previous_response_id=follow.id,
                                    input="In which file is the failing test?")
    assert "tests/auth.py" in later.output_text


def test_the_same_context_gives_the_same_answer(client):
    body = dict(model="gpt-4.1", input=asking("Tell me about TCP connections.", inline_file(NET, "net.txt")))
    one = client.responses.create(**body).output_text
    assert client.responses.create(**body).output_text == one
    # The sentence naming connections first, then the best of those naming TCP alone, in the file's order.
    assert one == "TCP is a transport protocol. TCP delivers bytes in order. TCP opens a connection with a handshake."


def test_an_answer_after_file_search_quotes_the_best_chunk_and_cites_it_where_it_ends(server):
    with server.client() as client:
        facts = {"boats.txt": "Harbour log. The fastest boat in the harbour is the Seagull.",
                 "fruit.txt": "Orchard log. The secret fruit is the pineapple."}
        files = {n: client.files.create(file=(n, io.BytesIO(t.encode())), purpose="assistants") for n, t in facts.items()}
        store = client.vector_stores.create(name="answers", file_ids=[f.id for f in files.values()])
        r = client.responses.create(model="gpt-4.1", input="Search the documents: which boat is the fastest?",
                                    tools=[{"type": "file_search", "vector_store_ids": [store.id]}])
    message = r.output[-1]
    quote = "The fastest boat in the harbour is the Seagull."
    assert message.content[0].text == f"I searched the attached files. {quote}"
    [citation] = message.content[0].annotations
    assert (citation.type, citation.file_id, citation.filename) == ("file_citation", files["boats.txt"].id, "boats.txt")
    assert citation.index == len(message.content[0].text)  # just after the sentence it cites


@pytest.fixture
def own_process(make_server, spawn_server):
    """A server in a process of its own (test_loop_bounds.py): /health measures its loop alone."""
    return spawn_server(make_server.fresh_url("sqlite"), "answers")


FILLER = "Nothing of note happens in this sentence. " * 25_000  # 1 MB


def reply(server, body: bytes) -> dict:
    request = {"content": body, "headers": {"content-type": "application/json"}}
    with server.http(headers={"Authorization": f"Bearer {new_key()}"}, timeout=DEADLINE) as http:
        response = http.post("/v1/responses", **request)
    assert response.status_code == 200, response.text
    return response.json()


def text_of(response: dict) -> str:
    return "".join(part["text"] for item in response["output"] if item["type"] == "message"
                   for part in item["content"] if part["type"] == "output_text")


@pytest.mark.slow
def test_multi_megabyte_contexts_are_answered_without_holding_the_loop(own_process):
    """A 2 MB file with the answer in its middle, then 2 MB of earlier turns: each read in bounded
    time (its start, around the question's words, its end) in a thread, /health answering meanwhile."""
    # A small one first: what a fresh process does once (the tokenizer's tables, first imports) is not measured.
    small = reply(own_process, encoded({"model": "gpt-4.1", "input": asking("What is the secret word?",
                                                                            inline_file(NOTE))})["content"])
    assert text_of(small) == "The secret word is pineapple."
    document = FILLER + "The secret word is pineapple. " + FILLER
    body = encoded({"model": "gpt-4.1", "input": asking("What is the secret word?", inline_file(document, "big.txt"))})
    done = while_polling(own_process, lambda: reply(own_process, body["content"]))
    assert text_of(done) == "The secret word is pineapple."
    turns = [{"role": "user", "content": FILLER}, {"role": "assistant", "content": "The secret word is pineapple."},
             {"role": "user", "content": FILLER}, {"role": "user", "content": "What is the secret word?"}]
    body = encoded({"model": "gpt-4.1", "input": turns})
    done = while_polling(own_process, lambda: reply(own_process, body["content"]))
    assert text_of(done) == "The secret word is pineapple."
