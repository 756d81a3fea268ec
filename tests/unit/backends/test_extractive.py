"""Extractive reading: sentences, scores, bounds, the answer word, citations."""

from __future__ import annotations

import random
import time

from responses_mock.backends import extractive
from responses_mock.backends.base import Message, ModelContext, Passage
from responses_mock.backends.extractive import Source


def ctx(question: str, documents=(), search=(), items=None) -> ModelContext:
    items = items if items is not None else ({"type": "message", "role": "user", "content": question},)
    return ModelContext(model="m", reasoning=False, encoding="o200k_base", instructions=None,
                        messages=(Message("user", question),), items=items,
                        documents=tuple(documents), file_search_results=tuple(search))


def test_sentences_join_wrapped_lines_and_drop_markup():
    text = ("# The title\n\nA paragraph that was wrapped at a width of sixty or so characters\n"
            "goes on here. And a second sentence.\n- a bullet item\n- **bold** item\n1. numbered")
    assert extractive.sentences_of(text) == [
        "The title", "A paragraph that was wrapped at a width of sixty or so characters goes on here.",
        "And a second sentence.", "a bullet item", "bold item", "numbered"]
    [cut] = extractive.sentences_of("word " * 1000)
    assert len(cut) <= extractive.MAX_QUOTE + 1 and cut.endswith("…")


def test_the_sentence_with_the_questions_words_ranks_first():
    note = "Shopping list for the weekend. The secret word is pineapple. The meeting is on Tuesday."
    reading = extractive.read(ctx("What is the secret word in the file?", [Passage(note, filename="note.txt")]))
    assert reading.terms == {"secret": 1.0}  # "word" is a form word, "file" only points at the context
    assert [s.text for s in reading.best(3)] == ["The secret word is pineapple."]


def test_rare_words_and_names_outweigh_common_ones():
    doc = ("The river is long. The river is wide. The river floods in spring. "
           "Paris sits on a river. The Seine runs through Paris.")
    reading = extractive.read(ctx("Which river runs through Paris?", [Passage(doc)]))
    assert reading.best(1)[0].text == "The Seine runs through Paris."
    # Several quoted keep the document's order, whatever their rank.
    picked = [s.text for s in reading.best(2)]
    assert picked == ["Paris sits on a river.", "The Seine runs through Paris."]


def test_a_question_is_its_last_sentences_and_the_rest_is_pasted_context():
    question, pasted = extractive.split_question(
        "The launch code is 7731. The cat is asleep. What is the launch code? Answer in one word.")
    assert question == "What is the launch code? Answer in one word."
    assert pasted.strip() == "The launch code is 7731. The cat is asleep."
    assert extractive.split_question("Explain TCP in 3 sentences.") == ("Explain TCP in 3 sentences.", "")


def test_questions_asked_before_are_no_answers():
    items = ({"type": "message", "role": "user", "content": "What is my name?"},
             {"type": "message", "role": "user", "content": "My name is Ada."},
             {"type": "message", "role": "user", "content": "What is my name?"})
    reading = extractive.read(ctx("What is my name?", items=items))
    assert [s.text for _, s in reading.ranked] == ["My name is Ada."]
    # Nor is a request the user made before: what the assistant answered is.
    items = ({"type": "message", "role": "user", "content": "Tell me about volcanoes."},
             {"type": "message", "role": "assistant", "content": "Volcanoes vent magma."},
             {"type": "message", "role": "user", "content": "Tell me more about volcanoes."})
    reading = extractive.read(ctx("Tell me more about volcanoes.", items=items))
    assert [s.text for _, s in reading.ranked] == ["Volcanoes vent magma."]


def test_the_answer_word():
    reading = extractive.read(ctx("What is the secret word?", [Passage("The secret word is pineapple.")]))
    assert extractive.answer_word(reading.best(1)[0], reading.terms) == "pineapple"
    reading = extractive.read(ctx("What is the capital of France?", [Passage("Paris is the capital of France.")]))
    assert extractive.answer_word(reading.best(1)[0], reading.terms) == "Paris"


def test_citations_follow_the_last_sentence_quoted_from_each_search_result():
    a = Passage("Refunds are issued within 30 days. Refunds need a receipt.", file_id="file-a", filename="a.txt")
    b = Passage("Refunds go to the original card.", file_id="file-b", filename="b.txt")
    reading = extractive.read(ctx("How do refunds work?", search=[a, b]))
    answer = extractive.quote(reading.best(3))
    assert answer.text == ("Refunds are issued within 30 days. Refunds need a receipt. "
                           "Refunds go to the original card.")
    assert answer.annotations == (
        {"type": "file_citation", "file_id": "file-a", "filename": "a.txt", "index": len("Refunds are issued within "
                                                                                          "30 days. Refunds need a receipt.")},
        {"type": "file_citation", "file_id": "file-b", "filename": "b.txt", "index": len(answer.text)})


def test_a_long_source_is_read_at_its_start_near_the_questions_words_and_at_its_end():
    filler = "Nothing to see in this sentence at all. " * 100_000  # 4 MB
    text = filler + "The vault opens at midnight. " + filler + "The last line."
    read = extractive.read_of(text, extractive.READ_PER_SOURCE, extractive._near({"vault": 1.0}))
    assert len(read) <= extractive.READ_PER_SOURCE + 8
    assert "The vault opens at midnight." in read and read.endswith("The last line.")


def test_reading_is_bounded_over_all_sources():
    big = Passage("Plain words in plain sentences. " * 200_000)  # 6.4 MB each
    question, sources = extractive.gather(ctx("What are the plain words?", [big] * 8))
    assert sum(len(s.text) for s in sources) <= extractive.READ_TOTAL + 64
    started = time.monotonic()
    reading = extractive.score(question, sources)
    assert time.monotonic() - started < 2.0 and reading.ranked
    assert extractive.needs_thread(ctx("What are the plain words?", [big]))
    assert not extractive.needs_thread(ctx("What are the plain words?", [Passage("short")]))


def test_an_excerpt_of_a_long_output():
    output = ("Row one is fine. " * 50) + "The error was a missing semicolon on line 12. " + ("Row two is fine. " * 50)
    assert extractive.excerpt(output, "What was the error?") == "The error was a missing semicolon on line 12."
    assert extractive.excerpt(output, "Anything about bananas?") is None


def test_scoring_is_deterministic():
    sources = [Source("Alpha beta gamma. Gamma delta alpha. Beta gamma delta.", "document")]
    first = extractive.score("alpha gamma delta?", sources)
    assert [s.text for _, s in first.ranked] == [s.text for _, s in extractive.score("alpha gamma delta?", sources).ranked]


def test_nothing_to_read_only_when_no_source_can_exist():
    assert extractive.nothing_to_read(ctx("Hello there, how are you today?"))
    assert not extractive.nothing_to_read(ctx("Notes: the code is 42. What is the code?"))  # pasted text
    assert not extractive.nothing_to_read(ctx("What is it?", [Passage("It is a cat.")]))
    turns = ({"type": "message", "role": "user", "content": "The code is 42."},
             {"type": "message", "role": "user", "content": "What is the code?"})
    assert not extractive.nothing_to_read(ctx("What is the code?", items=turns))
    output = ({"type": "function_call_output", "call_id": "c", "output": "sunny"},
              {"type": "message", "role": "user", "content": "And the weather?"})
    assert not extractive.nothing_to_read(ctx("And the weather?", items=output))
    # where it says nothing is there, the reading indeed finds nothing
    assert extractive.read(ctx("Hello there, how are you today?")).ranked == ()


def test_the_quick_sentence_end_test_finds_what_the_splitter_would():
    rnd = random.Random(7)
    chars = "ab .!?…\"'”’)] \n\t\u00a0x"
    for _ in range(20_000):
        text = "".join(rnd.choice(chars) for _ in range(rnd.randint(0, 12)))
        assert (extractive._ANY_END.search(text) is None) == (extractive._END.search(text) is None), repr(text)


def test_nothing_to_read_looks_at_every_item_it_reads_once():
    said = {"type": "message", "role": "user", "content": "What is it?"}
    parts = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "What is it?"}]}
    assert extractive.nothing_to_read(ctx("What is it?", items=(said,)))
    assert extractive.nothing_to_read(ctx("What is it?", items=(parts,)))
    assert extractive.nothing_to_read(ctx("What is it?", items=({"type": "reasoning"}, said)))
    answer = {"type": "message", "role": "assistant", "content": "It is a cat."}
    assert not extractive.nothing_to_read(ctx("What is it?", items=(said, answer)))  # after the question, too
    assert not extractive.nothing_to_read(ctx("What is it?", items=(answer, said)))
    shell = {"type": "shell_call_output", "call_id": "c", "output": []}
    assert not extractive.nothing_to_read(ctx("What is it?", items=(said, shell)))
    # The last user message older than the items read: those read hold no source, its text decides.
    old = (said,) + ({"type": "reasoning"},) * extractive.MAX_ITEMS
    assert extractive.nothing_to_read(ctx("What is it?", items=old))
    assert not extractive.nothing_to_read(ctx("It is. What is it?", items=(
        {"type": "message", "role": "user", "content": "It is. What is it?"},) + old[1:]))
    assert extractive.nothing_to_read(ctx("What is it?", items=()))  # no items: the messages' text
