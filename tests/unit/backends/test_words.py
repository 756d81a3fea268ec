"""Content words, light stems and topics with their case."""

from __future__ import annotations

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
