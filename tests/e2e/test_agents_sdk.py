"""The OpenAI Agents SDK, a real client of function calling, runs its agent loop against the
server: the model calls the tool, the SDK runs it and sends the output, the model answers."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("OPENAI_AGENTS_DISABLE_TRACING", "1")  # tracing would upload to OpenAI

agents = pytest.importorskip("agents")


@pytest.fixture(scope="module", autouse=True)
def _no_tracing():
    agents.set_tracing_disabled(True)


async def test_agent_with_a_function_tool_completes_its_loop(server):
    calls = []

    @agents.function_tool
    def get_weather(city: str) -> str:
        """Get the current weather for a city."""
        calls.append(city)
        return f"It is sunny and 21 degrees in {city}."

    async with server.async_client() as client:
        agent = agents.Agent(name="Forecaster", instructions="Answer weather questions using the tool.",
                             tools=[get_weather],
                             model=agents.OpenAIResponsesModel(model="gpt-4.1", openai_client=client))
        result = await agents.Runner.run(agent, "What's the weather in Tokyo?")
    assert calls == ["Tokyo"]
    assert "It is sunny and 21 degrees in Tokyo." in result.final_output
    kinds = [item.type for item in result.new_items]
    assert kinds == ["tool_call_item", "tool_call_output_item", "message_output_item"]


async def test_agent_with_structured_output(server):
    from pydantic import BaseModel

    class Weather(BaseModel):
        city: str
        temperature_c: int
        summary: str

    async with server.async_client() as client:
        agent = agents.Agent(name="Reporter", output_type=Weather,
                             model=agents.OpenAIResponsesModel(model="gpt-5-mini", openai_client=client))
        result = await agents.Runner.run(agent, "Report the weather in Lisbon as data.")
    assert isinstance(result.final_output, Weather) and result.final_output.city == "Lisbon"


async def test_after_a_handoff_the_specialist_calls_its_own_tool(server):
    """The triage agent hands off (a function call and its output in the turn); the specialist then
    still calls its own tool, because that tool has not answered yet in this turn."""
    calls = []

    @agents.function_tool
    def get_weather(city: str) -> str:
        """Get the current weather for a city."""
        calls.append(city)
        return f"Rain all day in {city}."

    async with server.async_client() as client:
        model = agents.OpenAIResponsesModel(model="gpt-4.1", openai_client=client)
        specialist = agents.Agent(name="Weather agent", instructions="Answer weather questions with the tool.",
                                  handoff_description="Handles weather questions", tools=[get_weather], model=model)
        triage = agents.Agent(name="Triage", instructions="Hand weather questions to the weather agent.",
                              handoffs=[specialist], model=model)
        result = await agents.Runner.run(triage, "What's the weather in Oslo?")
    assert calls == ["Oslo"]
    assert result.last_agent.name == "Weather agent"
    assert "Rain all day in Oslo." in result.final_output
    kinds = [item.type for item in result.new_items]
    assert kinds[:2] == ["handoff_call_item", "handoff_output_item"] and "tool_call_output_item" in kinds
