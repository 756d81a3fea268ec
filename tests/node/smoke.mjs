// The official openai npm package against responses-mock. Prints one JSON line of findings;
// tests/test_node_client.py asserts on them. Usage: OPENAI_BASE_URL=… OPENAI_API_KEY=… node smoke.mjs
import OpenAI from "openai";

const client = new OpenAI({ maxRetries: 0 });
const out = {};

const created = await client.responses.create({ model: "gpt-4.1", input: "Say hello in two sentences." });
out.created = { id: created.id, status: created.status, text: created.output_text };
const retrieved = await client.responses.retrieve(created.id);
out.retrievedSame = retrieved.output_text === created.output_text;

const types = [];
const stream = await client.responses.create({ model: "gpt-5-mini", input: "Stream please.", stream: true });
for await (const event of stream) types.push(event.type);
out.streamTypes = types;

const helper = client.responses.stream({ model: "gpt-4.1", input: "And with the helper." });
const final = await helper.finalResponse();
out.helperFinal = (await client.responses.retrieve(final.id)).output_text === final.output_text;

const bg = await client.responses.create({ model: "gpt-4.1", input: "Explain tides in 150 sentences.", background: true });
out.backgroundStatus = bg.status;
await new Promise((resolve) => setTimeout(resolve, 1000));
const cancelled = await client.responses.cancel(bg.id);
out.cancelled = { status: cancelled.status, partial: cancelled.output.length > 0 };

const items = [];
for await (const item of client.responses.inputItems.list(created.id, { order: "asc" })) items.push(item.type);
out.inputItems = items;

const conversation = await client.conversations.create({ items: [{ role: "user", content: "Hi there" }] });
await client.responses.create({ model: "gpt-4.1", input: "Follow up.", conversation: conversation.id });
const listed = await client.conversations.items.list(conversation.id, { order: "asc" });
out.conversationRoles = listed.data.map((item) => item.role);

try {
  await client.responses.retrieve("resp_missing");
} catch (err) {
  out.notFound = { status: err.status, type: err.constructor.name };
}
console.log(JSON.stringify(out));
