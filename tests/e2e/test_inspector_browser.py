"""The web inspector in a real browser: Playwright driving Debian's Chromium (installed by
`make test`, scripts/ensure-chromium) against a live server, with the official SDK making the
calls the page shows."""

from __future__ import annotations

import contextlib
import os
import shutil

import pytest

from responses_mock.testing import AdminClient
from tests.conftest import new_key

pytestmark = pytest.mark.browser  # Chromium through Playwright

CHROMIUM = os.environ.get("RESPONSES_MOCK_CHROMIUM", "/usr/bin/chromium")
sync_api = pytest.importorskip("playwright.sync_api")
if not shutil.which(CHROMIUM):  # pragma: no cover - make test installs it
    pytest.skip(f"no Chromium at {CHROMIUM}: run `make test` (scripts/ensure-chromium installs it)",
                allow_module_level=True)

TIMEOUT = 15_000  # ms


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def site(make_server):
    return make_server("sqlite")


@pytest.fixture
def key():
    return new_key()


@pytest.fixture
def page(browser, site, key):
    """The inspector, signed in with this test's key."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{site.url}/__inspector")
    page.get_by_test_id("key").fill(key)
    page.get_by_test_id("use-key").click()
    sync_api.expect(page.get_by_test_id("scope")).to_contain_text("your key")
    yield page
    context.close()


def tab(page, name: str) -> None:
    page.click(f"#tabs button[data-tab={name}]")


def test_a_request_appears_live_and_opens_with_its_body_and_fixture(page, site, key):
    with contextlib.closing(AdminClient(site.url, api_key=key)) as admin:
        rule = admin.add({"match": {"input_contains": "order status"}, "respond": {"text": "Shipped."}})[0]
    sync_api.expect(page.locator("#live-state")).to_have_class("live")
    page.wait_for_timeout(300)  # the live stream is open
    with site.client(api_key=key) as sdk:
        assert sdk.responses.create(model="gpt-4.1", input="What is my order status?").output_text == "Shipped."
        sdk.responses.create(model="gpt-4.1", input="Something the model answers.")
    rows = page.get_by_test_id("journal").locator("tr")
    sync_api.expect(rows).to_have_count(2)  # arrived without a reload
    sync_api.expect(rows.first).to_contain_text("/v1/responses")
    rows.nth(1).click()  # the older one: the rule answered it
    detail = page.get_by_test_id("detail")
    sync_api.expect(page.get_by_test_id("request-body")).to_contain_text("What is my order status?")
    sync_api.expect(page.get_by_test_id("request-fixture")).to_contain_text(rule["id"])
    sync_api.expect(detail).to_contain_text("[redacted]")  # the key itself never shows
    rows.first.click()
    sync_api.expect(page.get_by_test_id("no-fixture")).to_be_visible()


def test_a_streamed_responses_event_log_replays(page, site, key):
    with site.client(api_key=key) as sdk:
        events = list(sdk.responses.create(model="gpt-4.1", input="Describe a lighthouse in 2 sentences.",
                                           stream=True, extra_headers={"x-mock-tokens-per-second": "200"}))
    final = events[-1].response
    tab(page, "responses")
    page.get_by_test_id("responses").locator(f"tr[data-id={final.id}]").click()
    sync_api.expect(page.get_by_test_id("response-status")).to_have_text("completed")
    sync_api.expect(page.get_by_test_id("events").locator("tbody tr")).to_have_count(len(events))
    sync_api.expect(page.get_by_test_id("usage")).to_contain_text(f"{final.usage.output_tokens} out")
    page.get_by_test_id("replay-button").click()
    replay = page.get_by_test_id("replay")
    sync_api.expect(replay).to_have_attribute("data-done", "true")
    assert replay.text_content() == final.output_text


def test_a_rule_added_in_the_page_answers_the_next_call(page, site, key):
    with site.client(api_key=key) as sdk:
        sdk.responses.create(model="gpt-4.1", input="Tell me the weather in Oslo.")
    tab(page, "requests")
    page.get_by_test_id("journal").locator("tr").first.click()
    page.get_by_test_id("make-rule").click()  # a rule that answers this very request
    rule = page.get_by_test_id("rule-json")
    assert "Tell me the weather in Oslo." in rule.input_value()
    rule.fill(rule.input_value().replace("A scripted answer.", "Rain, as always."))
    page.get_by_test_id("rule-add").click()
    sync_api.expect(page.get_by_test_id("fixtures").locator("tr")).to_have_count(1)
    with site.client(api_key=key) as sdk:
        assert sdk.responses.create(model="gpt-4.1", input="Tell me the weather in Oslo.").output_text == "Rain, as always."
    tab(page, "fixtures")
    sync_api.expect(page.get_by_test_id("hits")).to_have_text("1")
    # A broken rule is refused with the server's own words.
    rule.fill("match:\n  nonsense: 1\nrespond:\n  text: x\n")
    page.get_by_test_id("rule-add").click()
    sync_api.expect(page.get_by_test_id("rule-error")).to_contain_text("nonsense")


def test_a_background_response_is_cancelled_from_the_page(page, site, key):
    with site.client(api_key=key) as sdk:
        r = sdk.responses.create(model="gpt-4.1", input="Describe rivers in 60 sentences.", background=True,
                                 extra_headers={"x-mock-tokens-per-second": "40"})
        tab(page, "responses")
        page.get_by_test_id("responses").locator(f"tr[data-id={r.id}]").click()
        page.get_by_test_id("cancel").click()
        sync_api.expect(page.get_by_test_id("response-status")).to_have_text("cancelled")
        assert sdk.responses.retrieve(r.id).status == "cancelled"
    tab(page, "queue")
    sync_api.expect(page.get_by_test_id("queue-finished")).to_contain_text(r.id)


def test_another_keys_data_never_appears(page, site, key):
    with site.client(api_key=new_key()) as other:
        theirs = other.responses.create(model="gpt-4.1", input="A secret of another tenant.")
        other.conversations.create(metadata={"owner": "someone else"})
    with site.client(api_key=key) as sdk:
        mine = sdk.responses.create(model="gpt-4.1", input="My own request.")
    page.reload()
    sync_api.expect(page.get_by_test_id("journal")).to_contain_text("/v1/responses")
    for name, testid in (("requests", "journal"), ("responses", "responses"), ("conversations", "conversations")):
        tab(page, name)
        page.wait_for_timeout(300)
        text = page.get_by_test_id(testid).text_content()
        assert theirs.id not in text and "someone else" not in text
    tab(page, "responses")
    sync_api.expect(page.get_by_test_id("responses")).to_contain_text(mine.id)
    # Their response is not reachable by id either.
    status = page.evaluate("""async (id) => (await fetch(`/__admin/responses/${id}`,
        {headers: {Authorization: `Bearer ${localStorage.getItem('responses-mock.inspector.key')}`}})).status""", theirs.id)
    assert status == 404


def one_line(page, selector: str) -> list[str]:
    """The texts of the cells matching `selector` that the layout broke over more than one line."""
    return page.evaluate("""(sel) => [...document.querySelectorAll(sel)].filter((td) => {
        const range = document.createRange(); range.selectNodeContents(td);
        return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1;
    }).map((td) => td.textContent)""", selector)


def test_a_request_answered_before_the_live_stream_starts_is_shown(browser, site, key):
    """The page reads the journal, then follows it live: a request answered in between (here,
    while the stream's request is held) is in neither unless the stream starts after the rows
    read — from 0 when there were none, not from "now"."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    held: list[str] = []

    def answer_first(route):
        if not held:
            with site.client(api_key=key) as sdk:
                held.append(sdk.responses.create(model="gpt-4.1", input="In between.").id)
        route.continue_()

    try:
        page.route("**/__admin/requests/stream*", answer_first)
        page.goto(f"{site.url}/__inspector")
        page.get_by_test_id("key").fill(key)
        page.get_by_test_id("use-key").click()
        rows = page.get_by_test_id("journal").locator("tr")
        sync_api.expect(rows).to_have_count(1)
        sync_api.expect(rows.first).to_contain_text("/v1/responses")
        assert held
    finally:
        context.close()


def test_a_request_shows_what_the_mock_answered_and_links_the_response(page, site, key):
    with site.client(api_key=key) as sdk:
        made = sdk.responses.create(model="gpt-4.1", input="Name a colour.")
        streamed = list(sdk.responses.create(model="gpt-4.1", input="Name a fruit.", stream=True))[-1].response
    with site.http(headers={"Authorization": f"Bearer {key}"}) as http:
        assert http.post("/v1/responses", json={"model": "gpt-nonexistent", "input": "hi"}).status_code == 400
    rows = page.get_by_test_id("journal").locator("tr")
    sync_api.expect(rows).to_have_count(3)
    rows.first.click()  # the refusal: no model answered it, and its error is shown
    sync_api.expect(page.get_by_test_id("no-fixture")).to_have_text(
        "no fixture rule matched: refused with 400 model_not_found, no model answered")
    sync_api.expect(page.get_by_test_id("reply-error")).to_contain_text("gpt-nonexistent")
    rows.nth(2).click()  # the sync create: its reply, and a link to the response it made
    sync_api.expect(page.get_by_test_id("no-fixture")).to_have_text("no fixture rule matched: the model answered")
    sync_api.expect(page.get_by_test_id("reply-body")).to_contain_text(made.output_text)
    page.get_by_test_id("open-response").click()
    sync_api.expect(page.get_by_test_id("detail").locator("h2")).to_have_text(made.id)
    tab(page, "requests")
    rows.nth(1).click()  # the streamed create: its events, and the response they made
    sync_api.expect(page.get_by_test_id("reply-body")).to_contain_text("event: response.created")
    sync_api.expect(page.get_by_test_id("open-response")).to_have_text(f"open {streamed.id}")


def test_output_keeps_its_lines_and_list_columns_do_not_wrap(browser, site, key):
    with contextlib.closing(AdminClient(site.url, api_key=key)) as admin:
        admin.add({"match": {"input_contains": "haiku"},
                   "respond": {"text": "Rain on the tin roof\nthe kettle starts its singing\nnobody is home"}})
    with site.client(api_key=key) as sdk:
        haiku = sdk.responses.create(model="gpt-4.1", input="Write a haiku.")
        streamed = list(sdk.responses.create(model="gpt-4.1", input="Name a river.", stream=True))[-1].response
        sdk.responses.create(model="gpt-4.1", input="Hello there.")
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        page.goto(f"{site.url}/__inspector")
        sync_api.expect(page.get_by_test_id("live-state")).to_have_text("not live")  # signed out: not following
        page.get_by_test_id("key").fill(key)
        page.get_by_test_id("use-key").click()
        sync_api.expect(page.get_by_test_id("live-state")).to_have_text("live")
        sync_api.expect(page.get_by_test_id("journal").locator("tr")).to_have_count(3)
        assert one_line(page, "#journal td.short") == []  # times ("9:04:58 AM") and statuses stay whole
        tab(page, "responses")
        listed = page.get_by_test_id("responses")
        sync_api.expect(listed.locator("tr")).to_have_count(3)
        assert one_line(page, "#response-rows td.short") == []  # "completed" is never "complet ed"
        sync_api.expect(listed.locator(f"tr[data-id={streamed.id}] [data-testid=mode]")).to_have_text("stream")
        sync_api.expect(listed.locator(f"tr[data-id={haiku.id}] [data-testid=mode]")).to_have_text("sync")
        listed.locator(f"tr[data-id={streamed.id}]").click()
        sync_api.expect(page.get_by_test_id("response-mode")).to_have_text("stream")
        listed.locator(f"tr[data-id={haiku.id}]").click()
        text = page.get_by_test_id("output").locator(".text")
        sync_api.expect(text).to_contain_text("nobody is home")
        assert text.evaluate("el => el.innerText").split("\n") == haiku.output_text.split("\n")
        assert len(haiku.output_text.split("\n")) == 3
        # The icon the browser asks for is there, under the page's CSP.
        icon = page.evaluate("async () => { const r = await fetch('/favicon.ico'); return [r.status, r.headers.get('content-type')]; }")
        assert icon == [200, "image/svg+xml"]
    finally:
        context.close()
