"""What images, files and tool definitions add to a prompt's token count, by the real API's public
formulas, offline.

- Images (OpenAI's vision guide, "Calculating costs"): tile models scale the image into 2048×2048,
  then its short side to 768, and pay `base + tile × 512-px tiles` (`detail: low`: `base` alone);
  patch models pay 32-px patches (at most 1,536) times a multiplier. The size comes from the
  image itself for data URLs (PNG, JPEG, GIF, WebP headers); a URL or file id cannot be fetched
  offline and counts as DEFAULT_IMAGE_SIZE.
- Files: text files (by MIME type) count their text; a PDF counts PDF_PAGE_TOKENS a page (pages
  from its /Type /Page objects; the real API adds each page's text and image); anything else, or
  a file_id/file_url that cannot be read offline, counts DEFAULT_FILE_TOKENS.
- Function tools: the OpenAI cookbook's formula ("How to count tokens with tiktoken": 7 a
  function, its "name:description" line, 3 + 3 a property with its "name:type:description" line,
  enum values, 12 at the end). Hosted tools count nothing.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import struct
from functools import lru_cache

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


def _file_tokens(part: dict, encoding: str, param: str) -> int:
    data = part.get("file_data")
    if not isinstance(data, str):
        return DEFAULT_FILE_TOKENS  # file_id / file_url: not readable offline
    decoded = _decode(data, f"{param}.file_data")
    if decoded is None:  # bare base64, as some clients send it
        try:
            decoded = ("", base64.b64decode(data, validate=True))
        except (binascii.Error, ValueError):
            raise InvalidRequest(f"Invalid '{param}.file_data': the base64 could not be decoded.",
                                 param=f"{param}.file_data", code="invalid_value") from None
    mime, raw = decoded
    filename = str(part.get("filename") or "")
    if mime == "application/pdf" or raw[:5] == b"%PDF-" or filename.lower().endswith(".pdf"):
        return PDF_PAGE_TOKENS * max(1, len(re.findall(rb"/Type\s*/Page(?!s)", raw)))
    if mime.startswith("text/") or mime in ("application/json", "application/xml") or filename.endswith(
            (".txt", ".md", ".csv", ".json", ".py", ".html", ".xml")):
        return tokens.count(raw.decode("utf-8", "replace"), encoding)
    return DEFAULT_FILE_TOKENS


def items_tokens(items: list[dict], model: str, encoding: str) -> int:
    """Images and files of message items (their text is counted with the message)."""
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
                total += _file_tokens(part, encoding, param)
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
