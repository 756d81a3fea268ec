// The Vercel AI SDK (@ai-sdk/openai's Responses model) against responses-mock: multi-turn history
// (sent as item references, store on), a tool loop, and a stateless store:false reasoning loop.
// Prints one JSON line; tests/test_node_client.py asserts on it. Usage: OPENAI_BASE_URL=… OPENAI_API_KEY=… node ai_sdk.mjs
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, stepCountIs, tool } from "ai";
import { z } from "zod";

const openai = createOpenAI({ baseURL: process.env.OPENAI_BASE_URL, apiKey: process.env.OPENAI_API_KEY });
const out = {};

// Multi-turn: the SDK sends the earlier answer back as an item_reference (store is on by default).
const messages = [{ role: "user", content: "Name a colour of the sky in one sentence." }];
const first = await generateText({ model: openai.responses("gpt-5-mini"), messages, maxRetries: 0 });
messages.push(...first.response.messages, { role: "user", content: "And at night?" });
const second = await generateText({ model: openai.responses("gpt-5-mini"), messages, maxRetries: 0 });
out.multiTurn = { firstText: first.text, secondText: second.text,
                  firstInput: first.usage.inputTokens, secondInput: second.usage.inputTokens };

// A tool loop: the model calls getWeather, the SDK runs it and sends the result, the model answers.
const calls = [];
const looped = await generateText({
  model: openai.responses("gpt-4.1"), prompt: "What is the weather in Rome?", maxRetries: 0,
  stopWhen: stepCountIs(4),
  tools: { getWeather: tool({ description: "Get the current weather for a city",
                              inputSchema: z.object({ city: z.string() }),
                              execute: async ({ city }) => { calls.push(city); return `Foggy in ${city}.`; } }) },
});
out.toolLoop = { calls, text: looped.text, steps: looped.steps.length };

// Stateless reasoning: store false, the encrypted reasoning goes back with the history.
const options = { openai: { store: false, include: ["reasoning.encrypted_content"], reasoningEffort: "low" } };
const stateless = [{ role: "user", content: "Plan a picnic." }];
const s1 = await generateText({ model: openai.responses("gpt-5-mini"), messages: stateless, providerOptions: options, maxRetries: 0 });
stateless.push(...s1.response.messages, { role: "user", content: "And if it rains?" });
const s2 = await generateText({ model: openai.responses("gpt-5-mini"), messages: stateless, providerOptions: options, maxRetries: 0 });
out.stateless = { first: s1.text, second: s2.text };

console.log(JSON.stringify(out));
