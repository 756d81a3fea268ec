"""Bad input gets the real API's 4xx in OpenAI's envelope, naming the parameter; never a 500."""

from __future__ import annotations

import openai
import pytest

from responses_mock.services import catalog


def bad(client, **params):
    body = {"model": "gpt-4.1", "input": "hi"}
    extra = params.pop("extra_body", None)
    body.update(params)
    with pytest.raises(openai.BadRequestError) as err:
        client.responses.create(**body, extra_body=extra)
    assert err.value.status_code == 400 and err.value.type == "invalid_request_error"
    return err.value


def test_unknown_parameter(client):
    e = bad(client, extra_body={"bogus": 1})
    assert (e.param, e.code, e.body["message"]) == ("bogus", "unknown_parameter", "Unknown parameter: 'bogus'.")


def test_unknown_nested_parameter(client):
    e = bad(client, input=[{"role": "user", "content": "hi", "colour": "red"}])
    assert (e.param, e.code) == ("input[0].colour", "unknown_parameter")


@pytest.mark.parametrize("params,param,message", [
    ({"temperature": "hot"}, "temperature",
     "Invalid type for 'temperature': expected a decimal, but got a string instead."),
    ({"max_output_tokens": 20.5}, "max_output_tokens",
     "Invalid type for 'max_output_tokens': expected an integer, but got a decimal instead."),
    ({"store": "yes"}, "store", "Invalid type for 'store': expected a boolean, but got a string instead."),
    ({"metadata": ["a"]}, "metadata", "Invalid type for 'metadata': expected an object, but got an array instead."),
])
def test_wrong_types(client, params, param, message):
    e = bad(client, **params)
    assert (e.param, e.code, e.body["message"]) == (param, "invalid_type", message)


def test_bad_enum_value_names_the_nested_param(client):
    e = bad(client, input=[{"role": "userx", "content": "hi"}])
    assert e.param == "input[0].role" and e.code == "invalid_value"
    assert e.body["message"].startswith("Invalid value: 'userx'. Supported values are: ")
    e = bad(client, truncation="sometimes")
    assert e.param == "truncation" and e.code == "invalid_value"


@pytest.mark.parametrize("params,param,code", [
    ({"temperature": 2.5}, "temperature", "decimal_above_max_value"),
    ({"temperature": -1}, "temperature", "decimal_below_min_value"),
    ({"top_p": 1.5}, "top_p", "decimal_above_max_value"),
    ({"max_output_tokens": 15}, "max_output_tokens", "integer_below_min_value"),
    ({"top_logprobs": 21}, "top_logprobs", "integer_above_max_value"),
])
def test_out_of_range(client, params, param, code):
    e = bad(client, **params)
    assert (e.param, e.code) == (param, code)


def test_metadata_limits(client):
    assert bad(client, metadata={f"k{i}": "v" for i in range(17)}).code == "object_above_max_properties"
    client.responses.create(model="gpt-4.1", input="x", metadata={f"k{i}": "v" * 512 for i in range(16)})
    e = bad(client, metadata={"k" * 65: "v"})
    assert e.code == "string_above_max_length" and e.param.startswith("metadata.")
    e = bad(client, metadata={"k": "v" * 513})
    assert (e.param, e.code) == ("metadata.k", "string_above_max_length")
    assert bad(client, metadata={"k": 5}).code == "invalid_type"


def test_missing_and_unknown_model(client):
    e = bad(client, model=None)
    assert (e.param, e.code) == ("model", "missing_required_parameter")
    e = bad(client, model="gpt-99")
    assert (e.param, e.code) == ("model", "model_not_found")
    assert e.body["message"] == "The requested model 'gpt-99' does not exist."


def test_reasoning_models_refuse_sampling_params_and_others_refuse_effort(client):
    e = bad(client, model="gpt-5", temperature=0.2)
    assert (e.param, e.code) == ("temperature", "unsupported_parameter")
    e = bad(client, model="gpt-4.1", reasoning={"effort": "high"})
    assert (e.param, e.code) == ("reasoning.effort", "unsupported_parameter")


def test_unsupported_combinations_are_refused_clearly(client):
    with pytest.raises(openai.NotFoundError) as err:  # templates are served; an unknown one is a 404
        client.responses.create(model="gpt-4.1", input="hi", prompt={"id": "pmpt_123"})
    assert err.value.param == "prompt.id"
    assert bad(client, background=True, store=False).param == "store"


def test_malformed_json_and_non_object_bodies(server):
    headers = {"Authorization": "Bearer sk-x", "Content-Type": "application/json"}
    with server.http(headers=headers) as http:
        r = http.post("/v1/responses", content=b'{"model": "gpt-4.1", ')
        assert r.status_code == 400
        assert r.json()["error"]["message"].startswith("We could not parse the JSON body of your request.")
        r = http.post("/v1/responses", content=b"[1, 2]")
        assert r.status_code == 400 and r.json()["error"]["type"] == "invalid_request_error"
        r = http.post("/v1/responses/input_tokens", content=b"nope")
        assert r.status_code == 400


def test_unknown_route_and_method(server):
    with server.http(headers={"Authorization": "Bearer sk-x"}) as http:
        r = http.get("/v1/nothing-here")
        assert r.status_code == 404
        assert r.json()["error"]["message"] == "Invalid URL (GET /v1/nothing-here)"
        r = http.put("/v1/responses")
        assert r.status_code == 405 and "error" in r.json()


def test_missing_or_malformed_authorization(server):
    with server.http() as http:
        for headers in ({}, {"Authorization": "sk-nobearer"}, {"Authorization": "Bearer"},
                        {"Authorization": "Basic dXNlcjpwYXNz"}):
            r = http.get("/v1/models", headers=headers)
            assert r.status_code == 401, headers
            err = r.json()["error"]
            assert err["type"] == "invalid_request_error" and err["message"].startswith("You didn't provide an API key")


def test_sdk_sees_authentication_error(client):
    with pytest.raises(openai.AuthenticationError) as err:
        client.models.list(extra_headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert err.value.status_code == 401


def test_api_keys_setting_restricts_keys(make_server):
    restricted = make_server("sqlite", api_keys=["sk-good-key-123"])
    with restricted.client(api_key="sk-good-key-123") as good:
        assert good.responses.create(model="gpt-4.1", input="x").status == "completed"
    with restricted.client(api_key="sk-wrong-key-456") as wrong, pytest.raises(openai.AuthenticationError) as err:
        wrong.responses.create(model="gpt-4.1", input="x")
    assert err.value.code == "invalid_api_key"
    assert err.value.body["message"] == ("Incorrect API key provided: sk-*********-456. You can find your API key "
                                 "at https://platform.openai.com/account/api-keys.")


def test_count_tokens_validation(client):
    with pytest.raises(openai.BadRequestError) as err:
        client.responses.input_tokens.count(model="gpt-4.1", input="x", extra_body={"stream": True})
    assert err.value.param == "stream"
    with pytest.raises(openai.BadRequestError) as err:
        client.responses.input_tokens.count(model="nope", input="x")
    assert err.value.code == "model_not_found"


def test_query_parameters_are_checked_and_named(server):
    with server.client() as client:
        rid = client.responses.create(model="gpt-4.1", input="hi").id
    with server.http(headers={"Authorization": "Bearer sk-x-query"}) as http:
        for query, param in (("limit=abc", "limit"), ("order=sideways", "order"),
                             ("include[]=nope", "include[0]")):
            r = http.get(f"/v1/responses/{rid}/input_items?{query}")
            assert r.status_code == 400, query
            err = r.json()["error"]
            assert err["param"] == param and err["type"] == "invalid_request_error" and err["message"]
        r = http.get(f"/v1/responses/{rid}?starting_after=first")
        assert r.status_code == 400 and r.json()["error"]["param"] == "starting_after"


def test_wrong_method_is_named(server):
    with server.http(headers={"Authorization": "Bearer sk-x"}) as http:
        r = http.delete("/v1/models")
        assert r.status_code == 405
        assert r.json()["error"]["message"] == "Invalid method for URL (DELETE /v1/models)"


def test_a_bug_is_still_an_envelope(server, monkeypatch):
    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(catalog, "listed", broken)
    with server.client(max_retries=0) as client, pytest.raises(openai.InternalServerError) as err:
        client.models.list()
    assert err.value.status_code == 500 and err.value.body["type"] == "server_error"
