"""YAML is read within bounds: nested at most MAX_DEPTH levels, block or flow, and a deep flow
collection is refused before the scanner's look-ahead (which rechecks every open level at each
token) turns a 10 KB body into a million steps."""

from __future__ import annotations

import pytest
import yaml.scanner

from responses_mock import datafiles


def test_yaml_within_the_depth_reads_as_safe_load_does():
    text = "a: " + "[" * (datafiles.MAX_DEPTH - 2) + "1" + "]" * (datafiles.MAX_DEPTH - 2) + "\nb: {c: [d, e]}\n"
    assert datafiles.load_yaml(text) == yaml.safe_load(text)


@pytest.mark.parametrize("text", [
    "respond:\n  json: " + "[" * 5000 + "]" * 5000 + "\n",
    "a: " + "{x: " * 3000 + "1" + "}" * 3000 + "\n",
    "".join("  " * i + "k:\n" for i in range(200)) + "  " * 200 + "v\n",  # block nesting
])
def test_deep_yaml_is_refused_after_little_work(text, monkeypatch):
    checks = []
    real = yaml.scanner.Scanner.stale_possible_simple_keys

    def counted(self):
        checks.append(len(self.possible_simple_keys))
        return real(self)

    monkeypatch.setattr(yaml.scanner.Scanner, "stale_possible_simple_keys", counted)
    with pytest.raises(datafiles.DataError, match=f"YAML nested more than {datafiles.MAX_DEPTH} levels deep"):
        datafiles.load_yaml(text)
    # Levels rechecked in all: at most the open levels at each token up to the limit (~64²), not
    # ~1,000 open levels at each of ~1,000 tokens of look-ahead.
    assert sum(checks) < 2 * datafiles.MAX_DEPTH ** 2, sum(checks)
