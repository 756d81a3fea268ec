"""Real client libraries of the Responses API against the server, each through the flows people
write: multi-turn history, a tool loop, and a stateless (`store: false`) reasoning loop.
LangChain's ChatOpenAI(use_responses_api=True), pydantic-ai's OpenAIResponsesModel and LiteLLM's
responses() and completion("openai/responses/…"); the Vercel AI SDK runs in tests/node
(test_node_client.py)."""

from __future__ import annotations

import os

import pytest

from responses_mock.testing import AdminClient
from tests.conftest import new_key

langchain_openai = pytest.importorskip("langchain_openai")
pydantic_ai = pytest.importorskip("pydantic_ai")


def _langchain(server, key: str, **kw):
    return langchain_openai.ChatOpenAI(base_url=f"{server.url}/v1", api_key=key, use_responses_api=True,
                                       max_retries=0, **kw)


def test_langchain_multi_turn_and_tool_loop(server):
    from langchain_core.messages import HumanMessage, ToolMessage
    from langchain_core.tools import tool

    @tool
    def get_weather(city: str) -> str:
        """Get the current weather for a city."""
        return f"Sunny in {city}."

    llm = _langchain(server, new_key(), model="gpt-4.1")
    history = [HumanMessage("Name a colour of the sky in one sentence.")]
    first = llm.invoke(history)
    assert first.text and first.usage_metadata["input_tokens"] > 0
    history += [first, HumanMessage("And at night?")]
    second = llm.invoke(history)
    assert second.text and second.usage_metadata["input_tokens"] > first.usage_metadata["input_tokens"]

    with_tools = llm.bind_tools([get_weather])
    messages = [HumanMessage("What is the weather in Paris?")]
    call = with_tools.invoke(messages)
    [tool_call] = call.tool_calls
    assert tool_call["name"] == "get_weather" and tool_call["args"] == {"city": "Paris"}
    messages += [call, ToolMessage(get_weather.invoke(tool_call["args"]), tool_call_id=tool_call["id"])]
    answer = with_tools.invoke(messages)
    assert not answer.tool_calls and "Sunny in Paris." in answer.text


def _reasoning_sent_back(server, key: str) -> list[dict]:
    """The reasoning items the client's later requests carried, from the journal."""
    bodies = [e["body"] for e in AdminClient(server.url, api_key=key).requests(method="POST")]
    return [item for body in bodies[1:] for item in body.get("input") or [] if isinstance(item, dict)
            and item.get("type") == "reasoning"]


def test_langchain_stateless_reasoning_loop(server):
    from langchain_core.messages import HumanMessage

    key = new_key()
    llm = _langchain(server, key, model="gpt-5-mini", store=False, reasoning={"effort": "low"},
                     include=["reasoning.encrypted_content"])
    first = llm.invoke([HumanMessage("Plan a picnic in two sentences.")])
    second = llm.invoke([HumanMessage("Plan a picnic in two sentences."), first, HumanMessage("And if it rains?")])
    assert second.text
    [reasoning] = _reasoning_sent_back(server, key)
    assert reasoning["encrypted_content"].startswith("gAAAAAB")  # sealed by us, taken back verified


def _pydantic_model(server, key: str, name: str):
    from pydantic_ai.models.openai import OpenAIResponsesModel
    from pydantic_ai.providers.openai import OpenAIProvider

    return OpenAIResponsesModel(name, provider=OpenAIProvider(base_url=f"{server.url}/v1", api_key=key))


def test_pydantic_ai_tool_loop_and_history(server):
    agent = pydantic_ai.Agent(_pydantic_model(server, new_key(), "gpt-4.1"),
                              instructions="Use the tool for weather questions.")
    calls = []

    @agent.tool_plain
    def get_weather(city: str) -> str:
        """Get the current weather for a city."""
        calls.append(city)
        return f"Windy in {city}."

    result = agent.run_sync("What is the weather in Lisbon?")
    assert calls == ["Lisbon"] and "Windy in Lisbon." in result.output
    again = agent.run_sync("And tomorrow?", message_history=result.all_messages())
    assert again.output and again.usage().input_tokens > result.usage().input_tokens // 2


def test_pydantic_ai_stateless_reasoning_loop(server):
    from pydantic_ai.models.openai import OpenAIResponsesModelSettings

    key = new_key()
    settings = OpenAIResponsesModelSettings(openai_store=False, openai_reasoning_effort="low",
                                            openai_reasoning_summary="auto")
    agent = pydantic_ai.Agent(_pydantic_model(server, key, "gpt-5-mini"), model_settings=settings)
    first = agent.run_sync("Plan a picnic.")
    second = agent.run_sync("And if it rains?", message_history=first.all_messages())
    assert first.output and second.output
    sent = _reasoning_sent_back(server, key)
    assert sent and all(item["encrypted_content"].startswith("gAAAAAB") for item in sent)


def _litellm():
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # it would fetch its price list at import
    return pytest.importorskip("litellm")


def test_litellm_responses_chain(server):
    litellm = _litellm()
    base, key = f"{server.url}/v1", new_key()
    first = litellm.responses(model="openai/gpt-4.1", input="Say hi in one sentence.", api_base=base, api_key=key)
    second = litellm.responses(model="openai/gpt-4.1", input="And again?", previous_response_id=first.id,
                               api_base=base, api_key=key)
    assert first.status == second.status == "completed"
    assert second.usage.input_tokens > first.usage.input_tokens  # the chain's history is counted


def test_litellm_completion_bridge_tool_loop(server):
    """`completion("openai/responses/…")` turns chat messages into Responses calls and back."""
    litellm = _litellm()
    base, key = f"{server.url}/v1", new_key()
    tools = [{"type": "function", "function": {"name": "get_weather", "description": "Weather in a city", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
    messages = [{"role": "user", "content": "What is the weather in Oslo?"}]
    first = litellm.completion(model="openai/responses/gpt-4.1", messages=messages, tools=tools,
                               api_base=base, api_key=key)
    [call] = first.choices[0].message.tool_calls
    assert first.choices[0].finish_reason == "tool_calls" and call.function.name == "get_weather"
    messages += [first.choices[0].message.model_dump(exclude_none=True),
                 {"role": "tool", "tool_call_id": call.id, "content": "Snow in Oslo."}]
    answer = litellm.completion(model="openai/responses/gpt-4.1", messages=messages, tools=tools,
                                api_base=base, api_key=key)
    assert "Snow in Oslo." in answer.choices[0].message.content
