// The responses-mock inspector: plain DOM, no build step, everything through /__admin with the
// credential typed in (kept in this browser's localStorage). Text from requests is only ever set
// with textContent, never parsed as HTML.
"use strict";

const STORE = "responses-mock.inspector.key";
const $ = (sel) => document.querySelector(sel);
let key = localStorage.getItem(STORE) || "";
let follower = null; // AbortController of the live journal
let selected = null; // the detail shown: {kind, id}
let olderJournal = null, olderResponses = null, olderConversations = null;

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) el.append(c instanceof Node ? c : document.createTextNode(c ?? ""));
  return el;
}
const pretty = (v) => (typeof v === "string" ? v : JSON.stringify(v, null, 2));
const when = (t) => (t ? new Date(t * 1000).toLocaleTimeString() : "");
const statusClass = (s) => `status-${s}`;

async function api(path, options = {}) {
  const headers = { Authorization: `Bearer ${key}`, ...(options.headers || {}) };
  const r = await fetch(path, { ...options, headers });
  const text = await r.text();
  let body;
  try { body = text ? JSON.parse(text) : null; } catch { body = text; }
  if (!r.ok) {
    const message = body && body.error ? body.error.message : `${r.status} ${text}`;
    throw Object.assign(new Error(message), { status: r.status, body });
  }
  return body;
}

function showDetail(...nodes) {
  const pane = $("#detail");
  pane.replaceChildren(...nodes);
}

function failure(err) {
  showDetail(h("div", { class: "error", "data-testid": "error" }, err.message));
}

// -- credential -------------------------------------------------------------------------------

async function signIn() {
  if (!key) return;
  try {
    const scope = await api("/__admin/whoami");
    $("#scope").textContent = scope.admin ? "admin token: every key's data" : `your key (tenant ${scope.tenant})`;
    await refresh();
  } catch (err) {
    $("#scope").textContent = "refused";
    failure(err);
  }
}

$("#credential").addEventListener("submit", (e) => {
  e.preventDefault();
  key = $("#key").value.trim();
  localStorage.setItem(STORE, key);
  signIn();
});

// -- tabs -------------------------------------------------------------------------------------

let tab = "requests";
for (const b of document.querySelectorAll("#tabs button")) {
  b.addEventListener("click", () => {
    tab = b.dataset.tab;
    for (const other of document.querySelectorAll("#tabs button")) other.classList.toggle("active", other === b);
    for (const section of document.querySelectorAll(".tab")) section.hidden = section.id !== tab;
    refresh();
  });
}

async function refresh() {
  if (!key) return;
  try {
    if (tab === "requests") await loadJournal();
    if (tab === "responses") await loadResponses(false);
    if (tab === "conversations") await loadConversations(false);
    if (tab === "fixtures") await loadFixtures();
    if (tab === "queue") await loadQueue();
  } catch (err) { failure(err); }
}

// -- requests: the journal, live --------------------------------------------------------------

function filters() {
  const params = new URLSearchParams();
  for (const [k, v] of new FormData($("#filters"))) if (v) params.set(k, v);
  return params;
}

function journalRow(entry, fresh) {
  const row = h("tr", { class: fresh ? "fresh" : "", "data-cursor": entry.cursor, onclick: () => openRequest(entry) },
    h("td", { class: "short" }, when(entry.at)), h("td", { class: "short" }, entry.method),
    h("td", { class: "long" }, entry.path + (entry.query ? `?${entry.query}` : "")),
    h("td", { class: `short s${String(entry.status)[0]}` }, String(entry.status)), h("td", { class: "long" }, entry.model || ""),
    h("td", { class: "long" }, entry.fixture_id || ""), h("td", { class: "short" }, String(Math.round(entry.duration_ms))));
  return row;
}

async function loadJournal() {
  const params = filters();
  params.set("order", "desc");
  params.set("limit", "50");
  const page = await api(`/__admin/requests?${params}`);
  $("#journal").replaceChildren(...page.data.map((e) => journalRow(e, false)));
  olderJournal = page.has_more ? page.last_cursor : null;
  $("#older-requests").hidden = !olderJournal;
  // After the newest row read, or after 0 when none was: "from now" would lose what is answered
  // between this read and the stream's start.
  follow(page.data.length ? page.data[0].cursor : 0);
}

$("#older-requests").addEventListener("click", async () => {
  const params = filters();
  params.set("order", "desc");
  params.set("limit", "50");
  params.set("after", olderJournal);
  const page = await api(`/__admin/requests?${params}`);
  $("#journal").append(...page.data.map((e) => journalRow(e, false)));
  olderJournal = page.has_more ? page.last_cursor : null;
  $("#older-requests").hidden = !olderJournal;
});

$("#filters").addEventListener("submit", (e) => { e.preventDefault(); loadJournal().catch(failure); });

// Server-sent events read with fetch (EventSource cannot send the Authorization header).
async function follow(after) {
  if (follower) follower.abort();
  follower = new AbortController();
  const params = filters();
  if (after !== null) params.set("after", after);
  try {
    const r = await fetch(`/__admin/requests/stream?${params}`, {
      headers: { Authorization: `Bearer ${key}` }, signal: follower.signal });
    if (!r.ok) throw new Error(`${r.status}`);
    liveState(true);
    const reader = r.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = frame.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
        if (data) $("#journal").prepend(journalRow(JSON.parse(data), true));
      }
    }
  } catch (err) {
    if (err.name === "AbortError") return;
  }
  // The stream ended (a server restart, a proxy's timeout): pick up after the newest row shown.
  liveState(false);
  const mine = follower;
  setTimeout(() => {
    if (follower !== mine || !key) return;
    const newest = $("#journal tr");
    follow(newest ? Number(newest.dataset.cursor) : after);
  }, 2000);
}

// "live" only while the journal's stream is open: not before signing in, not while it reconnects.
function liveState(on) {
  const state = $("#live-state");
  state.className = on ? "live" : "live off";
  state.textContent = on ? "live" : "not live";
}

function lastUserText(input) {
  if (typeof input === "string") return input;
  for (const item of [...(input || [])].reverse()) {
    if ((item.role || "user") !== "user") continue;
    if (typeof item.content === "string") return item.content;
    const part = (item.content || []).find((p) => p.type === "input_text");
    if (part) return part.text;
  }
  return "";
}

function ruleFrom(entry) {
  const body = entry.body && typeof entry.body === "object" ? entry.body : {};
  if (entry.path === "/v1/responses" && (entry.method === "POST" || entry.method === "WS")) {
    const match = {};
    if (body.model) match.model = body.model;
    const text = lastUserText(body.input).trim();
    if (text) match.input_contains = text.slice(0, 80);
    return { match, respond: { text: "A scripted answer." } };
  }
  return { match: { method: entry.method, path: `^${entry.path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$` },
           respond: { http_error: { status: 503 } } };
}

// What the mock answered: the response a create made (a JSON reply, or a stream's first event),
// or the error of a refusal.
function createdResponse(entry) {
  const reply = entry.reply;
  if (reply && typeof reply === "object" && reply.object === "response") return reply.id;
  if (typeof reply === "string") return (reply.match(/"response":\{"id":"(resp_[A-Za-z0-9]+)"/) || [])[1];
  return undefined;
}

function replyError(entry) {
  const reply = entry.reply;
  return entry.status >= 400 && reply && typeof reply === "object" && reply.error ? reply.error : null;
}

function answeredBy(entry) {
  if (entry.fixture_id) {
    return h("span", {}, "answered by fixture rule ", h("a", { "data-testid": "fixture-link", onclick: () => openTab("fixtures") }, entry.fixture_id));
  }
  const error = replyError(entry);
  const create = entry.path === "/v1/responses" && (entry.method === "POST" || entry.method === "WS");
  let why = "";
  if (entry.status >= 400) why = `: refused with ${entry.status}${error && error.code ? ` ${error.code}` : ""}, no model answered`;
  else if (create) why = ": the model answered";
  return h("span", { "data-testid": "no-fixture" }, `no fixture rule matched${why}`);
}

async function openRequest(entry) {
  selected = { kind: "request", id: entry.id };
  const makeRule = h("button", { "data-testid": "make-rule", onclick: () => {
    openTab("fixtures");
    $("#rule-form").elements.rule.value = JSON.stringify(ruleFrom(entry), null, 2);
  } }, "Make a rule from this request");
  const links = [];
  const id = (entry.path.match(/\/v1\/responses\/(resp_\w+)/) || [])[1] || createdResponse(entry);
  if (id) links.push(h("a", { class: "open", "data-testid": "open-response", onclick: () => openResponse(id).catch(failure) }, `open ${id}`));
  const error = replyError(entry);
  const reply = entry.reply === null || entry.reply === undefined
    ? h("p", { class: "hint" }, entry.method === "WS" ? "(a WebSocket event: what it answered went to the socket; its response is in the Responses tab)" : "(no reply body)")
    : h("pre", { "data-testid": "reply-body" }, pretty(entry.reply));
  showDetail(
    h("h2", {}, `${entry.method} ${entry.path}`),
    h("dl", { class: "facts" },
      h("dt", {}, "status"), h("dd", { "data-testid": "request-status" }, String(entry.status)),
      h("dt", {}, "when"), h("dd", {}, new Date(entry.at * 1000).toISOString()),
      h("dt", {}, "duration"), h("dd", {}, `${entry.duration_ms} ms`),
      h("dt", {}, "request id"), h("dd", {}, entry.id),
      h("dt", {}, "fixture"), h("dd", { "data-testid": "request-fixture" }, answeredBy(entry))),
    makeRule, ...links,
    ...(error ? [h("div", { class: "error", "data-testid": "reply-error" },
      `${entry.status} ${error.type || ""}${error.code ? ` · ${error.code}` : ""}${error.param ? ` · param ${error.param}` : ""}\n${error.message}`)] : []),
    h("h3", {}, "body"), h("pre", { "data-testid": "request-body" }, pretty(entry.body)),
    h("h3", {}, "reply"), reply,
    h("h3", {}, "headers (credentials redacted)"), h("pre", {}, pretty(entry.headers)));
}

// -- responses ----------------------------------------------------------------------------------

async function loadResponses(older) {
  const params = new URLSearchParams({ limit: "50" });
  if (older && olderResponses) params.set("before", olderResponses);
  const page = await api(`/__admin/responses?${params}`);
  const rows = page.data.map((r) => h("tr", { "data-id": r.id, title: `tenant ${r.tenant}`, onclick: () => openResponse(r.id) },
    h("td", { class: "short" }, when(r.created_at)), h("td", { class: "long" }, r.id), h("td", { class: "long" }, r.model),
    h("td", { class: `short ${statusClass(r.status)}` }, r.status), h("td", { class: "short", "data-testid": "mode" }, r.mode)));
  if (older) $("#response-rows").append(...rows); else $("#response-rows").replaceChildren(...rows);
  olderResponses = page.next_before;
  $("#older-responses").hidden = !olderResponses;
}
$("#older-responses").addEventListener("click", () => loadResponses(true).catch(failure));

// Only data URLs and this server's own images are shown: a remote URL in any tenant's input
// (a tracker, a javascript: URL) is never fetched or linked, only named (the CSP agrees).
function image(url) {
  let shown = false;
  try {
    const parsed = new URL(url, location.href);
    shown = /^data:image\//i.test(url) || ((parsed.protocol === "http:" || parsed.protocol === "https:") && parsed.origin === location.origin);
  } catch { shown = false; }
  if (shown) return h("img", { src: url, alt: "input image" });
  const named = url.length > 120 ? `${url.slice(0, 120)}…` : url;
  return h("div", { class: "remote-image", "data-testid": "remote-image" }, `image not loaded (remote URL): ${named}`);
}

function renderItem(item) {
  const kind = h("div", { class: "kind" }, `${item.type}${item.role ? ` · ${item.role}` : ""}${item.status ? ` · ${item.status}` : ""}`);
  let body;
  if (item.type === "message") {
    const parts = typeof item.content === "string" ? [{ type: "input_text", text: item.content }] : item.content || [];
    body = parts.map((p) => {
      if (p.type === "input_image" && p.image_url) return image(p.image_url);
      if (p.text !== undefined) return h("div", { class: "text" }, p.text);
      if (p.refusal !== undefined) return h("div", { class: "error" }, `refusal: ${p.refusal}`);
      return h("pre", {}, pretty(p));
    });
  } else if (item.type === "function_call" || item.type === "custom_tool_call") {
    body = h("pre", {}, `${item.name}(${item.arguments ?? item.input ?? ""})\ncall_id ${item.call_id}`);
  } else if (item.type && item.type.endsWith("_output")) {
    body = h("pre", {}, `${item.call_id || ""} → ${pretty(item.output)}`);
  } else if (item.type === "reasoning") {
    const summary = (item.summary || []).map((s) => s.text).join("\n");
    body = h("div", { class: "text" }, summary || (item.encrypted_content ? "(encrypted reasoning)" : "(reasoning, no summary requested)"));
  } else if (item.type === "image_generation_call" && item.result) {
    body = h("img", { src: `data:image/png;base64,${item.result}`, alt: "generated image" });
  } else {
    body = h("pre", {}, pretty(item));
  }
  return h("div", { class: "item" }, kind, body);
}

let replayTimer = null;

function replay(events, target) {
  if (replayTimer) clearTimeout(replayTimer);
  target.textContent = "";
  const deltas = events.filter((e) => e.type.endsWith(".delta") && typeof e.event.delta === "string");
  if (!deltas.length) { target.textContent = "(no text deltas to replay)"; return; }
  const start = deltas[0].at || 0;
  let i = 0;
  const began = performance.now();
  const step = () => {
    const elapsed = (performance.now() - began) / 1000;
    while (i < deltas.length && ((deltas[i].at || start) - start) <= elapsed) target.textContent += deltas[i++].event.delta;
    if (i < deltas.length) replayTimer = setTimeout(step, 16);
    else target.dataset.done = "true";
  };
  step();
}

async function openResponse(id) {
  selected = { kind: "response", id };
  const d = await api(`/__admin/responses/${encodeURIComponent(id)}`);
  if (!selected || selected.id !== id) return;
  const r = d.response;
  const u = r.usage || {};
  const live = r.status === "queued" || r.status === "in_progress";
  const first = d.events.length ? d.events[0].at : null;
  const target = h("div", { class: "item replay", "data-testid": "replay" });
  const nodes = [
    h("h2", {}, r.id),
    h("dl", { class: "facts" },
      h("dt", {}, "status"), h("dd", { class: statusClass(r.status), "data-testid": "response-status" }, r.status),
      h("dt", {}, "model"), h("dd", {}, r.model),
      h("dt", {}, "tenant"), h("dd", {}, d.tenant),
      h("dt", {}, "mode"), h("dd", { "data-testid": "response-mode" }, `${d.mode}${r.background && d.worker ? ` · ran on ${d.worker}` : ""}`),
      h("dt", {}, "usage"), h("dd", { "data-testid": "usage" }, u.input_tokens === undefined ? "—" :
        `${u.input_tokens} in (${(u.input_tokens_details || {}).cached_tokens || 0} cached) · ${u.output_tokens} out (${(u.output_tokens_details || {}).reasoning_tokens || 0} reasoning) · ${u.total_tokens} total`),
      h("dt", {}, "previous"), h("dd", {}, d.previous.length ? d.previous.map((p) => h("a", { onclick: () => openResponse(p.id) }, `${p.id} `)) : "—"),
      h("dt", {}, "next"), h("dd", {}, d.next.length ? d.next.map((p) => h("a", { onclick: () => openResponse(p.id) }, `${p.id} `)) : "—"),
      h("dt", {}, "conversation"), h("dd", {}, d.conversation_id ? h("a", { onclick: () => openConversation(d.conversation_id) }, d.conversation_id) : "—")),
  ];
  if (live && r.background) {
    nodes.push(h("button", { class: "danger", "data-testid": "cancel", onclick: async () => {
      try { await api(`/__admin/responses/${encodeURIComponent(id)}/cancel`, { method: "POST" }); } catch (err) { failure(err); return; }
      openResponse(id);
    } }, "Cancel"));
  }
  if (r.error) nodes.push(h("div", { class: "error" }, `${r.error.code}: ${r.error.message}`));
  nodes.push(h("h3", {}, "output"), h("div", { "data-testid": "output" }, (r.output || []).map(renderItem)));
  nodes.push(h("h3", {}, `input items (${d.input_items.length})`), h("div", {}, d.input_items.map(renderItem)));
  if (d.events.length) {
    nodes.push(h("h3", {}, `event log (${d.events.length})`),
      h("button", { "data-testid": "replay-button", onclick: () => replay(d.events, target) }, "Replay at recorded speed"), target,
      h("table", { "data-testid": "events" }, h("thead", {}, h("tr", {}, h("th", {}, "seq"), h("th", {}, "type"), h("th", {}, "+ms"))),
        h("tbody", {}, d.events.map((e) => h("tr", { onclick: (ev) => ev.currentTarget.after(h("tr", {}, h("td", { colspan: 3 }, h("pre", {}, pretty(e.event))))) },
          h("td", {}, String(e.sequence_number)), h("td", {}, e.type),
          h("td", {}, e.at && first ? String(Math.round((e.at - first) * 1000)) : ""))))));
  }
  nodes.push(h("h3", {}, "object"), h("pre", {}, pretty(r)));
  showDetail(...nodes);
  if (live) setTimeout(() => { if (selected && selected.id === id) openResponse(id).catch(failure); }, 500);
}

// -- conversations ------------------------------------------------------------------------------

async function loadConversations(older) {
  const params = new URLSearchParams({ limit: "50" });
  if (older && olderConversations) params.set("before", olderConversations);
  const page = await api(`/__admin/conversations?${params}`);
  const rows = page.data.map((c) => h("tr", { "data-id": c.id, onclick: () => openConversation(c.id) },
    h("td", { class: "short" }, when(c.created_at)), h("td", { class: "long" }, c.id), h("td", { class: "short" }, String(c.items)),
    h("td", { class: "long" }, JSON.stringify(c.metadata))));
  if (older) $("#conversation-rows").append(...rows); else $("#conversation-rows").replaceChildren(...rows);
  olderConversations = page.next_before;
  $("#older-conversations").hidden = !olderConversations;
}
$("#older-conversations").addEventListener("click", () => loadConversations(true).catch(failure));

async function openConversation(id) {
  selected = { kind: "conversation", id };
  const c = await api(`/__admin/conversations/${encodeURIComponent(id)}`);
  showDetail(h("h2", {}, c.id), h("pre", {}, pretty(c.metadata)), h("h3", {}, `items (${c.items.length})`),
    h("div", { "data-testid": "conversation-items" }, c.items.map(renderItem)));
}

// -- fixture rules ------------------------------------------------------------------------------

async function loadFixtures() {
  const page = await api("/__admin/fixtures");
  $("#fixture-rows").replaceChildren(...page.data.map((f) => h("tr", { "data-id": f.id },
    h("td", {}, f.id), h("td", {}, String(f.priority)), h("td", {}, h("pre", {}, pretty(f.rule.match || {}))),
    h("td", {}, h("pre", {}, pretty(f.rule.respond || {}))), h("td", { "data-testid": "hits" }, String(f.hits)),
    h("td", {}, h("button", { class: "danger", onclick: async () => {
      try { await api(`/__admin/fixtures/${encodeURIComponent(f.id)}`, { method: "DELETE" }); await loadFixtures(); } catch (err) { failure(err); }
    } }, "delete")))));
}

$("#rule-build").addEventListener("click", () => {
  const form = $("#rule-form").elements;
  const rule = { match: {}, respond: { text: form.text.value || "A scripted answer." } };
  if (form.contains.value) rule.match.input_contains = form.contains.value;
  form.rule.value = JSON.stringify(rule, null, 2);
});

$("#rule-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = $("#rule-form").elements;
  if (!form.rule.value.trim()) $("#rule-build").click();
  const error = $("#rule-error");
  try {
    await api("/__admin/fixtures", { method: "POST", body: form.rule.value, headers: { "Content-Type": "application/json" } });
    error.hidden = true;
    form.rule.value = "";
    await loadFixtures();
  } catch (err) {
    error.hidden = false;
    error.textContent = err.message;
  }
});

function openTab(name) {
  document.querySelector(`#tabs button[data-tab="${name}"]`).click();
}

// -- queue --------------------------------------------------------------------------------------

async function loadQueue() {
  const q = await api("/__admin/queue");
  const table = (title, rows, cols) => [h("h3", {}, `${title} (${rows.length})`),
    h("table", { "data-testid": `queue-${title}` }, h("thead", {}, h("tr", {}, cols.map((c) => h("th", {}, c)))),
      h("tbody", {}, rows.map((r) => h("tr", { onclick: () => openResponse(r.response_id || r.id) },
        cols.map((c) => h("td", {}, c === "run after" ? when(r.run_after) : String(r[c] ?? "")))))))];
  $("#queue-view").replaceChildren(
    h("p", {}, q.workers.length ? `workers seen: ${q.workers.join(", ")}` : "no worker has run a job yet"),
    ...table("queued", q.queued, ["response_id", "run after", "attempts"]),
    ...table("running", q.running, ["response_id", "worker", "attempts"]),
    ...table("finished", q.finished, ["id", "status", "model", "worker"]));
  if (tab === "queue") setTimeout(() => { if (tab === "queue") loadQueue().catch(() => {}); }, 2000);
}

$("#key").value = key;
liveState(false);
signIn();
