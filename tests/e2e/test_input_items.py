"""GET /v1/responses/{id}/input_items: cursor paging exactly as the real API pages."""

from __future__ import annotations

import openai
import pytest


@pytest.fixture
def long_response(client):
    """A response with 45 input items: u0, u1, … u44."""
    items = [{"role": "user", "content": f"u{i}"} for i in range(45)]
    return client.responses.create(model="gpt-4.1-nano", input=items)


def texts(page) -> list[str]:
    return [item.content[0].text for item in page.data]


def test_default_is_desc_limit_20(client, long_response):
    page = client.responses.input_items.list(long_response.id)
    assert texts(page) == [f"u{i}" for i in range(44, 24, -1)]
    assert page.has_more is True
    assert page.first_id == page.data[0].id and page.last_id == page.data[-1].id


def test_asc_paging_with_after_walks_everything_once(client, long_response):
    seen, after = [], None
    while True:
        kwargs = {"after": after} if after else {}
        page = client.responses.input_items.list(long_response.id, order="asc", limit=7, **kwargs)
        seen += texts(page)
        if not page.has_more:
            break
        after = page.last_id
    assert seen == [f"u{i}" for i in range(45)]


def test_desc_after_means_older_items(client, long_response):
    first = client.responses.input_items.list(long_response.id, limit=10)
    second = client.responses.input_items.list(long_response.id, limit=10, after=first.last_id)
    assert texts(second) == [f"u{i}" for i in range(34, 24, -1)]


def test_sdk_auto_pagination(client, long_response):
    got = [item.content[0].text for item in client.responses.input_items.list(long_response.id, limit=100, order="asc")]
    assert got == [f"u{i}" for i in range(45)]
    auto = [i.content[0].text for i in client.responses.input_items.list(long_response.id, limit=4, order="asc")]
    assert auto == got


def test_last_page_has_more_false_and_exact_fit(client, long_response):
    page = client.responses.input_items.list(long_response.id, limit=45, order="asc")
    assert len(page.data) == 45 and page.has_more is False
    tail = client.responses.input_items.list(long_response.id, order="asc", after=page.last_id)
    assert tail.data == [] and tail.has_more is False
    assert tail.first_id is None and tail.last_id is None


def test_include_is_accepted(client, long_response):
    page = client.responses.input_items.list(long_response.id, limit=1,
                                             include=["message.input_image.image_url"])
    assert len(page.data) == 1


@pytest.mark.parametrize("limit,code", [(0, "integer_below_min_value"), (101, "integer_above_max_value")])
def test_limit_out_of_range(client, long_response, limit, code):
    with pytest.raises(openai.BadRequestError) as err:
        client.responses.input_items.list(long_response.id, limit=limit)
    assert err.value.param == "limit" and err.value.code == code


def test_bad_order_and_unknown_after(client, long_response):
    with pytest.raises(openai.BadRequestError) as err:
        client.responses.input_items.list(long_response.id, order="sideways")
    assert err.value.param == "order" and err.value.code == "invalid_value"
    with pytest.raises(openai.BadRequestError) as err:
        client.responses.input_items.list(long_response.id, after="msg_nope")
    assert err.value.param == "after"
    with pytest.raises(openai.BadRequestError) as err:
        client.responses.input_items.list(long_response.id, include=["nonsense"])
    assert err.value.param == "include[0]"


def test_non_integer_limit(server, client, long_response):
    with server.http(headers={"Authorization": f"Bearer {client.api_key}"}) as http:
        r = http.get(f"/v1/responses/{long_response.id}/input_items", params={"limit": "many"})
    assert r.status_code == 400
    assert r.json()["error"] == {
        "message": "Invalid type for 'limit': expected an integer, but got a string instead.",
        "type": "invalid_request_error", "param": "limit", "code": "invalid_type"}
