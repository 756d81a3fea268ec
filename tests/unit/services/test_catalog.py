"""The catalog follows the installed openai SDK: every model its literals name is served, with
figures from the model's family, and a name no family matches is reported here; a catalog file
naming a family that does not exist is refused."""

from __future__ import annotations

import typing

import pytest
from openai.types.shared import ChatModel, ResponsesModel

from responses_mock.services import catalog


def _sdk_names() -> set[str]:
    """Read independently of the catalog's own reader: every string in the SDK's model Literals."""
    out: set[str] = set()
    stack = [ResponsesModel, ChatModel]
    while stack:
        for arg in typing.get_args(stack.pop()):
            out.add(arg) if isinstance(arg, str) else stack.append(arg)
    return out


def test_every_model_the_installed_sdk_names_is_served_by_a_family_of_its_own():
    names = _sdk_names()
    assert len(names) > 90 and {"gpt-6.2-sol", "gpt-5.6-luna", "o3-pro", "gpt-5.1-codex"} <= names
    assert set(catalog.SDK_MODELS) == names
    missing = sorted(n for n in names if catalog.find(n) is None)
    assert not missing, f"the installed openai SDK names models the catalog lacks: {missing}"
    assert not catalog.unmatched(), (
        f"no family in app/catalog/models.json matches {list(catalog.unmatched())}: they are served with the "
        f"fallback family's figures; add them to a family (or a family for them)")
    assert set(catalog.listed()) >= names


@pytest.mark.parametrize("name, family", [
    ("gpt-6.2-astra-law", "gpt-6.2"), ("gpt-6.2-sol", "gpt-6.2"), ("gpt-6-luna", "gpt-6-luna"),
    ("gpt-5.6-luna", "gpt-5.6-luna"), ("gpt-5.6-cyber", "gpt-5.6"), ("gpt-5.4-mini-2026-03-17", "gpt-5.4-mini"),
    ("o3-pro", "o-pro"), ("o3-pro-2025-06-10", "o-pro"), ("gpt-5.1-codex-max", "gpt-5.1-codex-max"),
    ("gpt-5.1-codex", "gpt-5-codex"), ("gpt-5.3-chat-latest", "gpt-5.x-chat"), ("gpt-4-32k-0314", "gpt-4-32k"),
    ("gpt-4-1106-preview", "gpt-4-turbo"), ("gpt-4o-mini-search-preview", "gpt-4o-search"),
])
def test_a_model_without_figures_of_its_own_takes_its_familys(name, family):
    model = catalog.find(name)
    assert model.family == family
    for key, value in catalog._families()[family].figures.items():
        if key != "created":
            assert getattr(model, key) == value, key


def test_published_figures():
    f = catalog.find
    assert (f("o3-pro").efforts, f("o3-pro").default_effort, f("o3-pro").context_window) == (["high"], "high", 200000)
    assert (f("gpt-5-pro").efforts, f("gpt-5-pro").max_output_tokens) == (["high"], 272000)
    assert (f("gpt-5.2").context_window, f("gpt-5.2").max_output_tokens) == (400000, 128000)
    assert "xhigh" in f("gpt-5.2").efforts and "minimal" not in f("gpt-5.2").efforts
    assert f("gpt-5.5").context_window == 1050000 and "max" in f("gpt-6.2-sol").efforts
    assert not f("gpt-5-chat-latest").reasoning and f("gpt-5.2-chat-latest").efforts == ["medium"]
    codex = f("gpt-5.1-codex")
    assert codex.reasoning and "none" not in codex.efforts and not codex.verbosity
    assert f("codex-mini-latest").reasoning and not f("gpt-4o-audio-preview").reasoning
    assert (f("gpt-4-32k").encoding, f("gpt-4-32k").context_window) == ("cl100k_base", 32768)
    assert all(catalog.find(n).timing for n in catalog.SDK_MODELS)  # background runs are paced like the real one


def test_dated_snapshots():
    f = catalog.find
    # An alias answers as the snapshot the SDK names with it, and the snapshot as itself.
    assert f("gpt-5.2").snapshot == "gpt-5.2-2025-12-11" and f("gpt-5.2-2025-12-11") is f("gpt-5.2")
    assert f("gpt-5.4-mini").snapshot == "gpt-5.4-mini-2026-03-17"
    assert f("gpt-4o-audio-preview").snapshot == "gpt-4o-audio-preview-2025-06-03"  # the latest of three
    assert f("gpt-4o-audio-preview-2024-12-17").snapshot == "gpt-4o-audio-preview-2024-12-17"
    # Without a dated snapshot in the SDK, the alias answers as itself.
    assert f("gpt-6.2-sol").snapshot == "gpt-6.2-sol" and f("gpt-5.4").snapshot == "gpt-5.4"
    # Another snapshot of a catalogued model has that model's figures, and its own date.
    other, base = f("gpt-4o-2024-11-20"), f("gpt-4o")
    assert other.snapshot == "gpt-4o-2024-11-20" and base.snapshot == "gpt-4o-2024-08-06"
    assert other.context_window == base.context_window and other.created == 1732060800
    # OpenAI's documented aliases of other models.
    assert f("gpt-daybreak-blue-latest").snapshot == "gpt-5.6-sol" and f("gpt-4").snapshot == "gpt-4-0613"
    assert f("gpt-5.2").created == 1765411200  # 2025-12-11, from its snapshot's date


def test_a_new_sdk_model_is_served_from_its_family_and_an_unknown_one_is_reported():
    index = catalog.build(catalog.SDK_MODELS + ("gpt-6.2-nova", "gpt-6.2-nova-2027-01-05", "o3-turbo", "zork-1"))
    nova = index.by_name["gpt-6.2-nova"]
    assert (nova.family, nova.snapshot) == ("gpt-6.2", "gpt-6.2-nova-2027-01-05")
    assert index.by_name["gpt-6.2-nova-2027-01-05"] is nova and nova.created == 1799107200  # 2027-01-05
    assert index.by_name["o3-turbo"].family == "o3"
    zork = index.by_name["zork-1"]
    assert index.unmatched == ("zork-1",) and zork.family == catalog._shipped()["fallback"] and zork.reasoning
    assert {"gpt-6.2-nova", "gpt-6.2-nova-2027-01-05", "zork-1"} <= set(index.listed)
    assert "gpt-6.2-nova" not in catalog.listed()  # the real catalog is untouched


@pytest.mark.parametrize("families, message", [
    ([{"family": "a", "match": ["a*"], "colour": "red"}], "colour is not a model figure"),
    ([{"family": "a", "match": ["a*"], "extends": "b"}, {"family": "b", "match": [], "extends": "a"}],
     "extends itself"),
    ([{"family": "a", "match": ["a*"], "extends": "nope"}], "unknown family 'nope'"),
    ([{"family": "a", "match": "a*"}], "a 'match' list"),
    ([{"family": "a", "match": ["a*"], "reasoning": True, "efforts": ["high"]}], "default_effort 'medium'"),
    ([{"family": "a", "match": ["a*"], "timing": {"tokens_per_second": 0.01}}], "timing.tokens_per_second"),
])
def test_a_bad_family_is_refused(families, message):
    with pytest.raises(ValueError, match=message):
        catalog._fold(families)


def test_a_catalog_file_naming_an_unknown_family_fails_the_start(tmp_path, restore_catalog):
    path = tmp_path / "models.json"
    path.write_text('{"models": [{"id": "x", "family": "gpt-99"}]}')
    with pytest.raises(ValueError, match="family 'gpt-99' is not one of"):
        catalog.extend(path)
    assert catalog.find("x") is None
