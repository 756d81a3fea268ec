"""Content words, light stems and topics with their case."""

from __future__ import annotations

import random

from responses_mock.backends import words


def test_stems_meet_across_forms():
    for forms in [("file", "files", "Files", "file's"), ("connect", "connecting", "connected", "connects"),
                  ("issue", "issued", "issues", "issuing"), ("ship", "ships", "shipped", "shipping"),
                  ("city", "cities"), ("status",), ("run", "runs", "running")]:
        assert len({words.stem(w) for w in forms}) == 1, forms
    assert words.stem("sleep") != words.stem("slept")  # light: irregular forms stay apart


def test_question_terms_weigh_names_and_leave_out_meta_and_stop_words():
    assert words.question_terms("What is the secret word in the file?") == {"secret": 1.0}
    assert words.question_terms("Which river runs through Paris?") == {"river": 1.0, "run": 1.0, "paris": 2.0}
    assert words.question_terms("WHAT IS TCP?") == {"tcp": 1.0}  # shouting says nothing of names


def test_topics_keep_acronyms_and_names_and_read_short_words():
    assert words.topics("Explain TCP in 3 sentences.") == ["TCP"]
    assert words.topics("Say hi in one word.") == ["hi"]
    assert words.topics("Describe Paris in one word") == ["Paris"]
    assert words.topics("Tell me about glaciers and Glaciers") == ["glaciers"]
    assert words.topics("the and of") == []


def _topics_by_the_regex(text: str, limit: int = 4) -> list[str]:
    """topics() as it was first written: TOKEN's matches, is_content, stem and is_name called."""
    seen, stems, shouting = [], set(), text.isupper()
    for m in words.TOKEN.finditer(text):
        word = m.group().strip("'’-")
        if not words.is_content(word) or word.isdigit() or not word[:1].isalpha() or len(word) > 30:
            continue
        s = words.stem(word)
        if s in stems:
            continue
        stems.add(s)
        seen.append(word if words.is_name(word, text, m.start(), shouting) else word.lower())
        if len(seen) == limit:
            break
    return seen


_PIECES = ["Hello", "there", "TCP", "Paris", "paris", "the", "and", "a", "I", "3", "42x", "x42", "don't", "O'Reilly",
           "self-driving", "__init__", "e.g.", "a/b", "(Note)", "\"Quoted\"", "Straße", "café", "日本", "İstanbul",
           "K", "ſo", "’tis", "x" * 45, "Y" * 41 + "-z", ".", ",", "!", "?", ":", ";", "-", "'", "_", "…", " ", "  ",
           "\n", "\t", "\x1c", "ALL CAPS", "Mr.", "U.S.A."]


def _texts(n: int, seed: int = 1):
    rnd = random.Random(seed)
    for _ in range(n):
        yield "".join(rnd.choice(_PIECES) + rnd.choice(["", " ", " ", "\n"]) for _ in range(rnd.randint(0, 14)))


def test_short_tokens_are_the_regexs_tokens():
    for text in _texts(5_000):
        assert words.short_tokens(text) == words.tokens(text), text


def test_topics_read_by_str_methods_are_the_regexs():
    for text in _texts(5_000, seed=2):
        expected = _topics_by_the_regex(text)
        assert words.topics(text) == expected, text
        assert words.topics(text, said=words.short_tokens(text)) == expected, text
    long = "Please read this and tell me about Paris. " * 10 + "And TCP?"
    assert len(long) > words.SHORT and words.topics(long) == _topics_by_the_regex(long) == ["read", "Paris", "TCP"]
