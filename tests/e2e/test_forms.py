"""The default model answers in the form and length a prompt asks for, within ±40% of a count."""

from __future__ import annotations

import pytest

from responses_mock.backends import forms


@pytest.mark.parametrize("prompt, words", [
    ("Write a 500-word essay about the ocean.", 500),
    ("Summarise the plot of Hamlet in 50 words.", 50),
    ("Describe the sea in 3 paragraphs.", 3 * 5 * 14),
    ("Explain entanglement in two sentences.", 2 * 14),
])
def test_lengths_follow_the_request(client, prompt, words):
    text = client.responses.create(model="gpt-4.1", input=prompt).output_text
    assert 0.6 * words <= len(text.split()) <= 1.4 * words, (prompt, len(text.split()))


def test_forms(client):
    ask = lambda prompt: client.responses.create(model="gpt-4.1", input=prompt).output_text
    fruits = ask("List 10 fruits.").splitlines()
    assert len(fruits) == 10 and all(line.startswith(f"{i + 1}. ") for i, line in enumerate(fruits))
    assert {line.split(". ", 1)[1].lower() for line in fruits} <= set(forms.LEXICON["fruit"].split())
    assert len(ask("Give me 5 tips for sleeping better.").splitlines()) == 5
    assert ask("What is 2+2?") == "4" and ask("What is 6 times 7?") == "42"
    assert len(ask("Answer in one word: best colour?").split()) == 1
    haiku = ask("Write a haiku about autumn.").splitlines()
    assert len(haiku) == 3 and "autumn" in haiku[0].lower()
    assert len(ask("What is the capital of France?").split()) <= 25  # short question, short answer
    essay = client.responses.create(model="gpt-5-mini", input="Write a detailed essay about the history of "
                                    "computing, covering at least 10 major milestones.", max_output_tokens=2000)
    assert essay.usage.output_tokens > 1000 and essay.output_text.count("\n\n") >= 10  # long: a section each


def test_the_same_prompt_gives_the_same_text(client):
    one = client.responses.create(model="gpt-4.1", input="Write a 200-word essay about rivers.").output_text
    assert client.responses.create(model="gpt-4.1", input="Write a 200-word essay about rivers.").output_text == one
