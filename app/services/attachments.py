"""What images, files and tool definitions add to a prompt's token count, by the real API's public
formulas, offline.

- Images (OpenAI's vision guide, "Calculating costs"): tile models scale the image into 2048×2048,
  then its short side to 768, and pay `base + tile × 512-px tiles` (`detail: low`: `base` alone);
  patch models pay 32-px patches (at most 1,536) times a multiplier. The size comes from the
  image itself for data URLs (PNG, JPEG, GIF, WebP headers); a URL or file id cannot be fetched
  offline and counts as DEFAULT_IMAGE_SIZE.
- Files, inline (`file_data`) or uploaded (`file_id`, read from the store by services/context.py):
  text files (by MIME type or name) count their text; a PDF counts PDF_PAGE_TOKENS a page (pages
  and text read by pypdf; the real API adds each page's text and image); anything else, or a
  file_url that cannot be fetched offline, counts DEFAULT_FILE_TOKENS. `read_document` turns a
  file's bytes into the `Document` the model reads (ModelContext.documents) and the count uses.
- Function tools: the OpenAI cookbook's formula ("How to count tokens with tiktoken": 7 a
  function, its "name:description" line, 3 + 3 a property with its "name:type:description" line,
  enum values, 12 at the end). Hosted tools count nothing.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
import re
import struct
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import pypdf
from pypdf.errors import PyPdfError

from responses_mock.errors import InvalidRequest
from responses_mock.services import tokens

DEFAULT_IMAGE_SIZE = (1024, 1024)
DEFAULT_FILE_TOKENS = 1000
PDF_PAGE_TOKENS = 1000

# (base, per tile) of tile models; multipliers of patch models — the guide's tables, by snapshot prefix.
_TILES = (("gpt-4o-mini", (2833, 5667)), ("gpt-4o", (85, 170)), ("gpt-4.1-mini", None), ("gpt-4.1-nano", None),
          ("gpt-4.1", (85, 170)), ("gpt-4.5", (85, 170)), ("gpt-5-mini", None), ("gpt-5-nano", None),
          ("gpt-5", (70, 140)), ("o4-mini", None), ("o1", (75, 150)), ("o3", (75, 150)))
_PATCHES = {"gpt-5-mini": 1.62, "gpt-5-nano": 2.46, "gpt-4.1-mini": 1.62, "gpt-4.1-nano": 2.46, "o4-mini": 1.72}
_DATA_URL = re.compile(r"^data:([\w.+/-]*)((?:;[\w=.-]+)*);base64,(.*)$", re.S)


def _family(model: str) -> str:
    return next((prefix for prefix, _ in _TILES if model.startswith(prefix)), "gpt-4o")


def image_tokens(model: str, detail: str, size: tuple[int, int]) -> int:
    family = _family(model)
    width, height = size
    if family in _PATCHES:
        if detail == "low":
            width, height = min(width, 512), min(height, 512)
        return int(_patches(width, height) * _PATCHES[family])
    base, tile = dict(_TILES)[family]
    if detail == "low":
        return base
    scale = min(1.0, 2048 / max(width, height))
    width, height = width * scale, height * scale
    scale = min(1.0, 768 / min(width, height))
    width, height = width * scale, height * scale
    return base + tile * math.ceil(width / 512) * math.ceil(height / 512)


def _patches(width: int, height: int) -> int:
    patches = math.ceil(width / 32) * math.ceil(height / 32)
    if patches <= 1536:
        return patches
    shrink = math.sqrt(32 * 32 * 1536 / (width * height))
    shrink *= min(math.floor(width * shrink / 32) / (width * shrink / 32),
                  math.floor(height * shrink / 32) / (height * shrink / 32))
    return min(1536, math.ceil(width * shrink / 32) * math.ceil(height * shrink / 32))


def _decode(url: str, param: str) -> tuple[str, bytes] | None:
    """(MIME type, bytes) of a base64 data URL; None for anything else; a 400 if it is broken."""
    match = _DATA_URL.match(url)
    if match is None:
        if url.startswith("data:"):
            raise InvalidRequest(f"Invalid '{param}': a data URL must be 'data:<type>;base64,<data>'.",
                                 param=param, code="invalid_value")
        return None
    try:
        return match.group(1), base64.b64decode(match.group(3), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequest(f"Invalid '{param}': the data URL's base64 could not be decoded.", param=param,
                             code="invalid_value") from None


@lru_cache(maxsize=256)
def _image_size(url: str, param: str) -> tuple[int, int]:
    decoded = _decode(url, param)
    if decoded is None:
        return DEFAULT_IMAGE_SIZE
    size = _dimensions(decoded[1])
    if size is None:
        raise InvalidRequest(f"Invalid '{param}': the image is not a PNG, JPEG, GIF or WebP image.", param=param,
                             code="invalid_image_format")
    return size


def _dimensions(data: bytes) -> tuple[int, int] | None:
    """Width and height from an image's header, without decoding it."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        chunk = data[12:16]
        if chunk == b"VP8X":
            return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
        if chunk == b"VP8L":
            bits = int.from_bytes(data[21:25], "little")
            return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
        if chunk == b"VP8 ":
            return struct.unpack("<HH", data[26:30])[0] & 0x3FFF, struct.unpack("<HH", data[26:30])[1] & 0x3FFF
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                height, width = struct.unpack(">HH", data[i + 5:i + 9])
                return width, height
            i += 2 + struct.unpack(">H", data[i + 2:i + 4])[0]
    return None


_TEXT_NAMES = (".txt", ".md", ".markdown", ".csv", ".tsv", ".json", ".jsonl", ".py", ".js", ".ts", ".html", ".htm",
               ".xml", ".yaml", ".yml", ".log", ".rst", ".tex", ".c", ".h", ".cpp", ".java", ".go", ".rb", ".sh", ".css")
_TEXT_TYPES = ("application/json", "application/xml", "application/x-yaml", "application/yaml",
               "application/javascript", "application/x-sh", "application/csv")


@dataclass(frozen=True)
class Document:
    """What a file gives the model to read: its text (None: not a document, e.g. an image), a
    PDF's page count, and whether the text was cut at the size bound."""

    text: str | None
    pages: int | None = None
    truncated: bool = False
    filename: str | None = None  # an uploaded file's (an inline one names its own on the part)

    def tokens(self, encoding: str) -> int:
        if self.pages is not None:
            return PDF_PAGE_TOKENS * max(1, self.pages)
        if self.text is not None:
            return tokens.count(self.text, encoding)
        return DEFAULT_FILE_TOKENS


class UnreadablePdf(ValueError):
    """Bytes that say they are a PDF but pypdf cannot open."""


def is_pdf(mime: str, filename: str, raw: bytes) -> bool:
    return mime == "application/pdf" or raw[:5] == b"%PDF-" or filename.lower().endswith(".pdf")


def is_text(mime: str, filename: str) -> bool:
    return mime.startswith("text/") or mime in _TEXT_TYPES or filename.lower().endswith(_TEXT_NAMES)


def read_document(raw: bytes, mime: str, filename: str, max_chars: int) -> Document:
    """A file's text: a PDF's pages by pypdf (UnreadablePdf if it cannot open it), a text file
    decoded as UTF-8; at most `max_chars` of it. CPU-bound on large files: callers run it in a thread."""
    if is_pdf(mime, filename, raw):
        return _read_pdf(raw, max_chars)
    if is_text(mime, filename):
        text = raw[: max_chars * 4].decode("utf-8", "replace")
        return Document(text[:max_chars], truncated=len(text) > max_chars or len(raw) > max_chars * 4)
    return Document(None)


# A PDF's text is read from its first MAX_PDF_PAGES pages, and no more pages are started once
# PDF_SECONDS have gone (a page of a hostile PDF may cost far more than its bytes suggest); the
# pages are counted all the same, and the text says it was cut (Document.truncated).
MAX_PDF_PAGES = 1000
PDF_SECONDS = 10.0


def _read_pdf(raw: bytes, max_chars: int) -> Document:
    deadline = time.monotonic() + PDF_SECONDS
    try:
        reader = pypdf.PdfReader(io.BytesIO(raw))
        pages = len(reader.pages)
        texts, size, cut = [], 0, pages > MAX_PDF_PAGES
        for i in range(min(pages, MAX_PDF_PAGES)):
            if size >= max_chars or time.monotonic() > deadline:
                cut = True
                break
            text = reader.pages[i].extract_text() or ""
            texts.append(text)
            size += len(text) + 2
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UnreadablePdf(str(exc)) from None
    text = "\n\n".join(texts)
    return Document(text[:max_chars], pages=pages, truncated=cut or size > max_chars)


def decode_file_data(data: str, param: str) -> tuple[str, bytes]:
    """(MIME type, bytes) of an inline file: a data URL or bare base64 (as some clients send it)."""
    decoded = _decode(data, param)
    if decoded is not None:
        return decoded
    try:
        return "", base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequest(f"Invalid '{param}': the base64 could not be decoded.", param=param,
                             code="invalid_value") from None


def inline_document(part: dict, param: str, max_chars: int) -> Document:
    """The Document of an inline input_file (a 400 for broken base64 or an unreadable PDF)."""
    mime, raw = decode_file_data(part["file_data"], f"{param}.file_data")
    try:
        return read_document(raw, mime, str(part.get("filename") or ""), max_chars)
    except UnreadablePdf:
        raise InvalidRequest(f"Invalid '{param}.file_data': the file is not a PDF that can be read.",
                             param=f"{param}.file_data", code="invalid_value") from None


def document_key(part: dict) -> str | None:
    """How Context.documents keys an input_file part: its file_id, or its inline data itself."""
    key = part.get("file_id") or part.get("file_data")
    return key if isinstance(key, str) else None


INLINE_MAX_CHARS = 4_000_000  # an inline file read without the settings' bound (a count of an old row)


def _file_tokens(part: dict, encoding: str, param: str, documents: Mapping[str, Document]) -> int:
    key = document_key(part)
    if key is not None and key in documents:
        return documents[key].tokens(encoding)
    if not isinstance(part.get("file_data"), str):
        return DEFAULT_FILE_TOKENS  # file_url (not fetched offline); a file_id no context resolved
    return inline_document(part, param, INLINE_MAX_CHARS).tokens(encoding)


def file_parts(items: list[dict]):
    """(param, part) of every input_file part of message items, in order."""
    for i, item in enumerate(items):
        content = item.get("content") if item.get("type", "message") == "message" else None
        for j, part in enumerate(content if isinstance(content, list) else []):
            if isinstance(part, dict) and part.get("type") == "input_file":
                yield f"input[{i}].content[{j}]", part


def items_tokens(items: list[dict], model: str, encoding: str, documents: Mapping[str, Document] | None = None) -> int:
    """Images and files of message items (their text is counted with the message); `documents`:
    the files already read (by services/context.py), by document_key."""
    documents = documents or {}
    total = 0
    for i, item in enumerate(items):
        content = item.get("content") if item.get("type", "message") == "message" else None
        for j, part in enumerate(content if isinstance(content, list) else []):
            param = f"input[{i}].content[{j}]"
            if part.get("type") == "input_image":
                url = part.get("image_url")
                size = _image_size(url, f"{param}.image_url") if isinstance(url, str) else DEFAULT_IMAGE_SIZE
                total += image_tokens(model, part.get("detail") or "auto", size)
            elif part.get("type") == "input_file":
                total += _file_tokens(part, encoding, param, documents)
    return total


def tools_tokens(tools: list[dict] | None, encoding: str) -> int:
    functions = [t for t in tools or [] if t.get("type") == "function"]
    if not functions:
        return 0
    total = 12
    for tool in functions:
        total += 7 + tokens.count(f"{tool.get('name', '')}:{(tool.get('description') or '').removesuffix('.')}", encoding)
        props = ((tool.get("parameters") or {}).get("properties")) or {}
        if props:
            total += 3
            for name, prop in props.items():
                prop = prop if isinstance(prop, dict) else {}
                total += 3
                if isinstance(prop.get("enum"), list):
                    total -= 3
                    for value in prop["enum"]:
                        total += 3 + tokens.count(str(value), encoding)
                line = f"{name}:{prop.get('type', '')}:{str(prop.get('description') or '').removesuffix('.')}"
                total += tokens.count(line, encoding)
    return total
