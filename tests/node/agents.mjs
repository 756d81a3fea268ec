// The OpenAI Agents SDK for JavaScript (@openai/agents) against responses-mock, set up as its docs say:
// OPENAI_BASE_URL and OPENAI_API_KEY in the environment and no model named, so every agent runs on the
// SDK's default model. One scenario per run; prints one JSON line that tests/test_agents_js.py asserts on.
// Usage: OPENAI_BASE_URL=… OPENAI_API_KEY=… node agents.mjs tool|handoff|stream|websocket
// (Node < 22 needs --experimental-websocket for the websocket scenario: the SDK uses the global WebSocket.)
import { Agent, getDefaultModel, run, setTracingDisabled, tool, withResponsesWebSocketSession } from "@openai/agents";
import { z } from "zod";

setTracingDisabled(true); // traces would be exported to OpenAI

const calls = [];
const getWeather = tool({
  name: "get_weather",
  description: "Get the current weather for a city.",
  parameters: z.object({ city: z.string() }),
  execute: async ({ city }) => {
    calls.push(city);
    return `Sunny and 24 degrees in ${city}.`;
  },
});
const forecaster = new Agent({ name: "Forecaster", instructions: "Answer weather questions using the tool.",
                               tools: [getWeather] });
// Reasoning items come and go with the model; the tests compare the rest of the run.
const kinds = (items) => items.map((item) => item.type).filter((type) => type !== "reasoning_item");

const scenarios = {
  async tool() {
    const result = await run(forecaster, "What's the weather in Tokyo?");
    return { final: result.finalOutput, items: kinds(result.newItems) };
  },

  async handoff() {
    const specialist = new Agent({ name: "Weather agent", instructions: "Answer weather questions with the tool.",
                                   handoffDescription: "Handles weather questions", tools: [getWeather] });
    const triage = Agent.create({ name: "Triage", instructions: "Hand weather questions to the weather agent.",
                                  handoffs: [specialist] });
    const result = await run(triage, "What's the weather in Oslo?");
    return { final: result.finalOutput, items: kinds(result.newItems), lastAgent: result.lastAgent.name };
  },

  async stream() {
    const result = await run(forecaster, "What's the weather in Lima?", { stream: true });
    const raw = [], named = [];
    let deltas = "";
    for await (const event of result) {
      if (event.type === "raw_model_stream_event") {
        raw.push(event.data.type);
        if (event.data.type === "output_text_delta") deltas += event.data.delta;
      } else if (event.type === "run_item_stream_event" && event.name !== "reasoning_item_created") {
        named.push(event.name);
      }
    }
    await result.completed;
    return { final: result.finalOutput, raw: [...new Set(raw)], named, deltas };
  },

  async websocket() {
    // The SDK's Responses WebSocket transport: one socket per session, closed at the end.
    const result = await withResponsesWebSocketSession(({ run }) => run(forecaster, "What's the weather in Cairo?"));
    return { final: result.finalOutput, items: kinds(result.newItems) };
  },
};

const name = process.argv[2];
try {
  const out = await scenarios[name]();
  console.log(JSON.stringify({ scenario: name, defaultModel: getDefaultModel(), calls, ...out }));
} catch (err) {
  console.log(JSON.stringify({ scenario: name, defaultModel: getDefaultModel(), calls,
                               error: { status: err.status ?? null, message: String(err.message ?? err) } }));
  process.exitCode = 1;
}
