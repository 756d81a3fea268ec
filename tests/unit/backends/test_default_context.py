"""The default model answers from its context: files, search results, tool outputs, earlier turns."""

from __future__ import annotations

import time

from responses_mock.backends.base import Message, ModelContext, Passage, TextDelta
from responses_mock.backends.default import DefaultBackend

NOTE = Passage("Shopping list for the weekend.\nThe secret word is pineapple.\nThe meeting is on Tuesday.",
               filename="note.txt")
TCP = Passage("TCP is a transport protocol. TCP delivers bytes in order. TCP retransmits lost segments. "
              "UDP does not. TCP opens a connection with a handshake. Cats sleep a lot.", filename="net.txt")


def ctx(question: str, documents=(), search=(), history=(), **request) -> ModelContext:
    """A context as services build it: earlier turns (role, text) then the question, as items and messages."""
    said = [*history, ("user", question)]
    items = tuple({"type": "message", "role": role, "content": text} for role, text in said)
    return ModelContext(model="m", reasoning=False, encoding="o200k_base", instructions=None,
                        messages=tuple(Message(role, text) for role, text in said), items=items, request=request,
                        documents=tuple(documents), file_search_results=tuple(search))


async def answer(c: ModelContext) -> TextDelta:
    [delta] = [chunk async for chunk in DefaultBackend().generate(c) if isinstance(chunk, TextDelta)]
    return delta


async def text(c: ModelContext) -> str:
    return (await answer(c)).text


async def test_a_question_about_a_file_answers_with_its_sentence():
    assert await text(ctx("What is the secret word in the file?", [NOTE])) == "The secret word is pineapple."
    assert await text(ctx("When is the meeting?", [NOTE])) == "The meeting is on Tuesday."


async def test_one_word_over_a_document_is_the_answer_word():
    assert await text(ctx("What is the secret word? Answer in one word.", [NOTE])) == "Pineapple."


async def test_one_word_without_documents_is_the_topic():
    assert await text(ctx("Say hi in one word.")) == "Hi."
    assert await text(ctx("Describe Paris in one word")) == "Paris."


async def test_topics_keep_acronyms_and_names():
    said = await text(ctx("Explain TCP in 3 sentences."))
    assert said.count(". ") == 2 and said.endswith(".") and "TCP" in said
    assert "this question" not in said and "tcp" not in said


async def test_n_sentences_from_a_document_in_its_order():
    said = await text(ctx("Explain TCP in 3 sentences.", [TCP]))
    sentences = [s + "." for s in said.removesuffix(".").split(". ")]
    assert len(sentences) == 3 and all(s in TCP.text for s in sentences)
    assert sentences == sorted(sentences, key=TCP.text.index)  # the document's order
    assert "Cats sleep a lot." not in said


async def test_too_few_matching_sentences_are_padded_with_prose():
    said = await text(ctx("Tell me about the meeting in 3 sentences.", [NOTE]))
    assert said.startswith("The meeting is on Tuesday. ") and said.count(".") == 3


async def test_earlier_turns_are_context():
    history = [("user", "My name is Ada."), ("assistant", "Nice to meet you!"), ("user", "I live in Oslo.")]
    said = await text(ctx("What is my name?", history=history))
    assert "Ada" in said
    assert await text(ctx("What is my name? Answer in one word.", history=history)) == "Ada."


async def test_a_long_tool_output_is_quoted_where_it_answers():
    log = ("Build step ok. " * 60) + "The failing test is test_login in tests/auth.py. " + ("Cleanup ok. " * 60)
    items = ({"type": "message", "role": "user", "content": "Which test is failing?"},
             {"type": "function_call", "call_id": "call_1", "name": "run_tests", "arguments": "{}"},
             {"type": "function_call_output", "call_id": "call_1", "output": log})
    c = ModelContext(model="m", reasoning=False, encoding="o200k_base", instructions=None,
                     messages=(Message("user", "Which test is failing?"), Message("tool", log)), items=items)
    said = await text(c)
    assert said.startswith("According to run_tests: The failing test is test_login in tests/auth.py.")
    assert "Build step ok" not in said


async def test_an_earlier_tool_output_is_context_for_a_later_question():
    items = ({"type": "message", "role": "user", "content": "Look up the order."},
             {"type": "function_call", "call_id": "call_1", "name": "lookup", "arguments": "{}"},
             {"type": "function_call_output", "call_id": "call_1", "output": "Order A-17 ships on Friday."},
             {"type": "message", "role": "assistant", "content": "Done."},
             {"type": "message", "role": "user", "content": "When does order A-17 ship?"})
    c = ModelContext(model="m", reasoning=False, encoding="o200k_base", instructions=None,
                     messages=(Message("user", "When does order A-17 ship?"),), items=items)
    assert await text(c) == "Order A-17 ships on Friday."


async def test_search_results_are_quoted_with_citations():
    results = (Passage("Refunds are issued within 30 days of purchase. Contact support for help.",
                       file_id="file-1", filename="policy.txt", score=0.9),
               Passage("Shipping takes five days.", file_id="file-2", filename="shipping.txt", score=0.4))
    delta = await answer(ctx("How long do refunds take?", search=results))
    assert delta.text == "Refunds are issued within 30 days of purchase."
    assert delta.annotations == ({"type": "file_citation", "file_id": "file-1", "filename": "policy.txt",
                                  "index": len(delta.text)},)
    # A question no result's words match still quotes the best result.
    delta = await answer(ctx("Anything?", search=results))
    assert delta.text.startswith("Refunds are issued within 30 days") and delta.annotations[0]["file_id"] == "file-1"


async def test_nothing_matching_falls_back_to_prose_on_the_topic():
    said = await text(ctx("Tell me about glaciers", [NOTE]))
    assert "glaciers" in said and "pineapple" not in said


async def test_greetings_are_greeted_back():
    assert (await text(ctx("Hi!"))).startswith(("Hello", "Hi"))


async def test_the_same_context_gives_the_same_answer():
    big = Passage(TCP.text * 3 + NOTE.text)
    first = await text(ctx("What does TCP deliver?", [big, NOTE], history=[("user", "Hello")]))
    assert first == await text(ctx("What does TCP deliver?", [big, NOTE], history=[("user", "Hello")]))
    assert first == "TCP delivers bytes in order."


async def test_a_multi_megabyte_document_is_answered_in_bounded_time():
    filler = "Nothing of note happens in this sentence. " * 100_000  # 4.2 MB
    doc = Passage(filler + "The secret word is pineapple. " + filler)
    started = time.monotonic()
    said = await text(ctx("What is the secret word?", [doc]))
    assert time.monotonic() - started < 2.0
    assert said == "The secret word is pineapple."


async def test_after_a_file_search_call_the_answer_quotes_its_results_and_cites_them():
    question = "How long do refunds take? Check the files."
    results = (Passage("Refunds are issued within 30 days of purchase. Contact support for help.",
                       file_id="file-1", filename="policy.txt", score=0.9),)
    c = ctx(question, search=results, tools=[{"type": "file_search", "vector_store_ids": ["vs_1"]}])
    chunks = [chunk async for chunk in DefaultBackend().generate(c)]
    assert [type(chunk).__name__ for chunk in chunks] == ["HostedCall", "TextDelta"]
    delta = chunks[1]
    assert delta.text == "I searched the attached files. Refunds are issued within 30 days of purchase."
    [citation] = delta.annotations
    assert citation == {"type": "file_citation", "file_id": "file-1", "filename": "policy.txt", "index": len(delta.text)}
