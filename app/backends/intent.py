"""What the latest user message asks of the tools: commands to run (backticked or plain), tools it
names or clearly asks for, and the values it supplies (quoted text, paths, numbers, places).

Reading only: the planner (backends/tools.py) turns these into calls, backends/arguments.py
into arguments.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cached_property

_STOP = set("""a an and are as at be but by can could do does for from has have how i if in into is it
its me my of on or our please should so than that the their them then there these they this to
us was we what when where which who why will with would you your tool function""".split())

# A tool's name as verbs and objects: read verbs are implicit in a question ("what's the weather" asks
# get_weather), action verbs must be said (or a synonym) before a tool that changes things is called.
_READ_VERBS = set("""get fetch lookup look find search query read check show list retrieve load describe
view display see obtain""".split())
_ACTION_VERBS = {
    "create": {"create", "make", "new", "add", "start", "set", "open", "begin"},
    "update": {"update", "change", "modify", "edit", "set", "mark", "adjust", "revise"},
    "delete": {"delete", "remove", "erase", "drop", "cancel", "clear"},
    "add": {"add", "insert", "append", "create", "new", "include"},
    "remove": {"remove", "delete", "drop", "erase"},
    "set": {"set", "change", "update", "configure"},
    "send": {"send", "email", "mail", "message", "post", "notify", "forward"},
    "write": {"write", "save", "store", "record", "create"},
    "book": {"book", "reserve", "schedule"},
    "cancel": {"cancel", "abort", "stop"},
    "schedule": {"schedule", "book", "plan", "arrange"},
}
for _verb in """spawn close resume wait kill stop start submit upload download install move rename copy
reset clear save apply request transfer mark post edit exec execute run""".split():
    _ACTION_VERBS.setdefault(_verb, {_verb})
# Name words that say nothing about what the tool is for (get_current_weather is about weather).
_GENERIC = set("""current data info information detail tool function api value result id uuid key item
entry object thing all new latest now today local""".split())
# A tool that only reads is asked for by a question or a request to look something up, not by a
# statement that happens to share its word ("my goal is…" does not ask get_goal).
_ASKING = set("""what whats how which who where when whether is are does do did can could will would tell
give show check get fetch find look list lookup search any""".split())
_HANDOFF_GENERIC = set("""handoff transfer agent handle request question task user help query anything
assist specialist""".split())

HOSTED_CUES = {
    "web_search": {"web", "online", "internet", "google", "news", "browse", "website", "headline"},
    "file_search": {"file", "document", "doc", "knowledge", "attached", "uploaded", "pdf"},
    "code_interpreter": {"calculate", "compute", "python", "plot", "chart", "math", "analyze", "analyse",
                         "graph", "spreadsheet", "csv"},
    "image_generation": {"image", "picture", "draw", "photo", "illustration", "logo", "sketch", "drawing",
                         "painting"},
}

_RUN_VERBS = {"run", "execute", "exec", "launch", "invoke", "type", "try", "rerun"}
_CONNECTORS = {"and", "then", "also", "after", "that", "followed", "by", "finally", "next", "or", "too"}
_KNOWN_COMMANDS = set("""ls pwd cat echo git python python3 pip pip3 npm npx node make pytest cargo go grep
rg find whoami date uname env printenv which head tail wc df du ps top curl wget docker kubectl bash sh
zsh mkdir touch rm cp mv sed awk true false hostname id uptime tree jq yarn pnpm uv ruby java javac gcc
clang cmake rustc deno bun sleep stat file chmod chown tar zip unzip diff sort uniq xargs lsof free
nproc ping ssh rsync sudo apt apt-get brew poetry tox black ruff mypy flake8 eslint tsc""".split())

_SPAN = re.compile(r"```(.*?)```|`([^`\n]+)`", re.S)
_FENCE_LANG = {"", "bash", "sh", "shell", "zsh", "console", "terminal", "powershell", "ps1", "cmd", "text"}
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)|\n\s*\n")
_PLAIN_RUN = re.compile(r"\b(?:run|execute|exec)\s+(?:the\s+)?(?:(?:shell\s+)?command\s+)?(.+)", re.I)
_PLAIN_CUT = re.compile(r"(?<=\S)[.!?](?:\s|$)|\s+(?:and\s+)?(?:tell|show|report|explain|summari[sz]e|"
                        r"describe|let)\b|\s+for\s+me\b|\s+please\b|,\s", re.I)
_QUOTED = re.compile(r"\"([^\"\n]{1,500})\"|\u201c([^\u201d\n]{1,500})\u201d")
_PATH = re.compile(r"(?<![\w/.-])((?:~|\.{1,2})?/[\w./-]*|[\w.-]+/[\w./-]+|[\w-]{2,}\.(?=[A-Za-z0-9]*[A-Za-z])"
                   r"[A-Za-z0-9]{1,8})(?![\w/])")
_PATH_AFTER = re.compile(r"\b(?:in|at|from|under|inside|into|within)\s+(?:the\s+)?(?:(?:directory|folder|dir)\s+)?"
                         r"`?((?:~|\.{1,2})?/[\w./-]*|[\w.-]+/[\w./-]*|\.)`?", re.I)
_PLACE_AFTER = re.compile(r"\b(?:in|at|to|from|near|for)\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)*)")
_WHEN = re.compile(r"\b(today|tomorrow|tonight|yesterday|(?:mon|tues|wednes|thurs|fri|satur|sun)day|"
                   r"\d{4}-\d{2}-\d{2})\b", re.I)
_NUMBER = re.compile(r"(?<![\w.])(-?\d+(?:\.\d+)?)(?![\w.])")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-/]*")


_GIST = 8192  # characters read from each end of a long message


def gist(text: str) -> str:
    """What is read of a long message: both ends (a pasted megabyte is no request to parse whole)."""
    return text if len(text) <= 2 * _GIST else text[:_GIST] + "\n" + text[-_GIST:]


def singular(word: str) -> str:
    """Crudely singular: cities → city, matches → match, files → file; news, status, analysis stay."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is", "ws")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "zes")):
        return word[:-2]
    return word[:-1]


def tokens(name: str) -> list[str]:
    """A name's words, in order: split on camelCase, underscores, dashes and dots; lower-case."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name or "")
    return [singular(w.lower()) for w in re.findall(r"[A-Za-z]+|\d+", spaced)]


def words(text: str) -> set[str]:
    """Content words of prose (3+ letters), lower-case, singular."""
    return {w for w in tokens(text) if len(w) >= 3 and w not in _STOP}


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


@dataclass
class Said:
    """The latest user message, read once."""

    text: str
    tool_names: frozenset[str] = frozenset()
    spans: list[Span] = field(init=False)

    def __post_init__(self) -> None:
        self.spans = []
        for m in _SPAN.finditer(self.text):
            body = m.group(1) if m.group(1) is not None else m.group(2)
            if m.group(1) is not None and "\n" in body:  # a fenced block: its first line may name the language
                first, rest = body.split("\n", 1)
                body = rest if first.strip().lower() in _FENCE_LANG else body
            self.spans.append(Span(m.start(), m.end(), body.strip()))

    @cached_property
    def plain(self) -> str:
        """The message without its code spans: what is said about, not inside, the commands."""
        out, last = [], 0
        for span in self.spans:
            out.append(self.text[last:span.start])
            last = span.end
        return " ".join(out + [self.text[last:]])

    @cached_property
    def words(self) -> set[str]:
        return words(self.plain)

    @cached_property
    def asks(self) -> bool:
        """A question, or a request to look something up."""
        lead = [w.lower() for w in re.findall(r"[A-Za-z]+", self.plain)]
        lead = [w for w in lead if w not in ("please", "hey", "hi", "hello", "so", "ok", "okay", "now", "and")][:1]
        return "?" in self.plain or bool(set(lead) & _ASKING) or bool(self.words & _READ_VERBS)

    @cached_property
    def request(self) -> str:
        """The message as one line, for free-text arguments (a query, an objective)."""
        return " ".join(self.text.split())[:200]

    @cached_property
    def commands(self) -> list[str]:
        """Commands the message asks to run: code spans after a run verb (`run \\`ls\\` and \\`pwd\\``),
        or failing those, a known command after one (`run git status`)."""
        found, last, previous = [], 0, False
        for span in self.spans:
            gap = _SENTENCE_END.split(self.text[last:span.start])[-1].lower()
            said = re.findall(r"[a-z][a-z'-]*", gap)
            is_command = span.text and span.text not in self.tool_names and (
                any(w in _RUN_VERBS for w in said) or (previous and all(w in _CONNECTORS for w in said)))
            if is_command:
                found.append(span.text)
            previous, last = bool(is_command), span.end
        if found or self.spans:
            return found
        m = _PLAIN_RUN.search(self.plain)
        if not m:
            return []
        rest = _PLAIN_CUT.split(m.group(1), maxsplit=1)[0].strip().rstrip(".!?;:")
        parts = []
        for part in re.split(r"\s+(?:and\s+then|and|then)\s+", rest):
            first = part.split()[0] if part.split() else ""
            if not (first in _KNOWN_COMMANDS or first.startswith(("./", "/", "~/"))):
                break
            parts.append(part.strip())
        return parts

    @cached_property
    def ran(self) -> frozenset[str]:
        return frozenset(self.commands)

    def _prose(self, pattern: re.Pattern) -> list[re.Match]:
        """Matches of `pattern` in the message outside its code spans (positions in `text`)."""
        starts = [s.start for s in self.spans]
        out = []
        for m in pattern.finditer(self.text):
            i = bisect.bisect_right(starts, m.start()) - 1  # the span that starts last before it
            inside = (i >= 0 and self.spans[i].end > m.start()) or (
                i + 1 < len(starts) and starts[i + 1] < m.end())
            if not inside:
                out.append(m)
        return out

    @cached_property
    def quoted(self) -> list[str]:
        """Quoted strings and code spans that are neither commands nor tool names, in order."""
        found = [(m.start(), m.group(1) or m.group(2)) for m in self._prose(_QUOTED)]
        found += [(s.start, s.text) for s in self.spans if s.text not in self.ran and s.text not in self.tool_names]
        return [text for _, text in sorted(found) if text.strip()]

    @cached_property
    def paths(self) -> list[str]:
        """Paths and file names said, in the prose or as code spans of their own (`shot.png`)."""
        found = [(m.start(), m.group(1)) for m in self._prose(_PATH) if m.group(1) not in ("/", "//")]
        found += [(s.start, s.text) for s in self.spans
                  if s.text not in self.ran and _PATH.fullmatch(s.text) and s.text != "/"]
        return [p for _, p in sorted(found)]

    @cached_property
    def place_paths(self) -> list[str]:
        """Paths said as where to act (`in /tmp`, "from src/"), outside the commands themselves."""
        out, last = [], 0
        for span in self.spans:
            if span.text in self.ran:
                out.append(self.text[last:span.start])
                last = span.end
        return _PATH_AFTER.findall(" ".join(out + [self.text[last:]]))

    @cached_property
    def places(self) -> list[str]:
        return _PLACE_AFTER.findall(self.plain)

    @cached_property
    def dates(self) -> list[str]:
        return _WHEN.findall(self.plain)

    def number_near(self, name: str) -> float | int | None:
        """A number said next to one of the words of `name` ("7 days", "limit 20")."""
        keys = {w for w in tokens(name) if len(w) >= 3 and w not in _GENERIC}
        if not keys:
            return None
        said = self._tokens
        for i, (raw, _) in enumerate(said):
            if _NUMBER.fullmatch(raw) and any(w in keys for _, w in said[max(i - 2, 0):i + 3]):
                return float(raw) if "." in raw else int(raw)
        return None

    @cached_property
    def _tokens(self) -> list[tuple[str, str]]:
        return [(m.group(), singular(m.group().lower())) for m in _TOKEN.finditer(self.plain)]

    @cached_property
    def _plain_words(self) -> tuple[list[int], list[str]]:
        found = [(m.start(), singular(m.group().lower())) for m in re.finditer(r"[A-Za-z]+", self.plain)]
        return [p for p, _ in found], [w for _, w in found]

    def position(self, about: frozenset[str]) -> int:
        """Where the message first says one of these words (after everything, if it does not)."""
        _, said = self._plain_words
        return next((i for i, w in enumerate(said) if w in about), len(said))

    def quoted_after(self, name: str) -> str | None:
        """A quoted string said right after a word of `name` (`title "Weekly report"`)."""
        keys = {w for w in tokens(name) if len(w) >= 3}
        starts, said = self._plain_words
        for m in _QUOTED.finditer(self.plain):
            i = bisect.bisect_left(starts, m.start())
            if keys & set(said[max(i - 3, 0):i]):
                return m.group(1) or m.group(2)
        return None

    @cached_property
    def _lower(self) -> str:
        return self.text.lower()

    def mentions(self, value: str) -> bool:
        """The message says `value` as a word of its own (an enum value, a tool's name)."""
        if not value or value.lower() not in self._lower:  # the cheap test first: enums can be long
            return False
        return bool(re.search(rf"(?<![\w-]){re.escape(value)}(?![\w-])", self.text, re.I))


# -- tools: which the message names or asks for ---------------------------------------------------

def named(name: str, said: Said) -> bool:
    """The message names the tool: an identifier-like name anywhere (`get_weather`, getWeather); a
    plain word only as a tool (`use search`, "the lookup tool", a code span)."""
    if not name:
        return False
    if re.search(r"[_\-\d]|[a-z][A-Z]", name):
        return said.mentions(name)
    word = re.escape(name)
    return any(s.text.lower() == name.lower() for s in said.spans) or bool(re.search(
        rf"\b(?:use|call|invoke|using|with|via|run)\s+(?:the\s+)?{word}\b|\b{word}\s+(?:tool|function)\b",
        said.plain, re.I))


def _objects(name: str) -> tuple[list[str], list[str]]:
    """(action verbs, object words) of a tool name."""
    toks = [t for t in tokens(name) if len(t) >= 3]
    verbs = [t for t in toks if t in _ACTION_VERBS]
    objects = [t for t in toks if t not in _READ_VERBS and t not in _ACTION_VERBS and t not in _GENERIC
               and t not in _STOP]
    return verbs, objects


def asked_for(tool: dict, said: Said) -> tuple[int, frozenset[str]]:
    """(strength, what it is about) of the message's request for this function tool; 0: not asked.
    Every object word of the name must be said (get_stock_price needs "stock" and "price"), and any
    action verb of it or a synonym (create_goal needs "create", "make", "new"… as well as "goal")."""
    name = tool.get("name") or ""
    if name.startswith("transfer_to_"):  # an Agents SDK handoff: asked when the request is its kind
        about = (words(name.removeprefix("transfer_to_")) | words(tool.get("description") or "")) - _HANDOFF_GENERIC
        hits = about & said.words
        return len(hits), frozenset({"handoff"}) if hits else frozenset()
    verbs, objects = _objects(name)
    if not objects or not set(objects) <= said.words:
        return 0, frozenset()
    if any(not (_ACTION_VERBS[v] & said.words) for v in verbs) or (not verbs and not said.asks):
        return 0, frozenset()
    described = len(words(tool.get("description") or "") & said.words)
    return 2 * len(objects) + len(verbs) + described, frozenset(objects)


def hosted_asked(tool: dict, kind: str, said: Said) -> bool:
    if kind == "mcp":
        label = tool.get("server_label") or ""
        about = words(label) | words(tool.get("server_description") or "")
        return named(label, said) or bool(about & said.words)
    return bool(HOSTED_CUES.get(kind, set()) & said.words)


def overlap(tool: dict, said: Said) -> int:
    """How many words the message shares with the tool (for a forced choice among several)."""
    vocab = words(tool.get("name") or tool.get("server_label") or "") | words(
        tool.get("description") or tool.get("server_description") or "")
    return len(vocab & said.words)
