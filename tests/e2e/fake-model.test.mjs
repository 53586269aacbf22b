// Self-test of the scripted model server (spec/openclaw.md §12.1); no OpenClaw needed, runs in < 1 s.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startFakeModel, analyseMessages, readLog } from "./lib/fake-model.mjs";

const sys = { role: "system", content: "You are a test. SYS-MARK" };
const user = (t) => ({ role: "user", content: t });
const internal = { role: "user", content: "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>> x <<<END_OPENCLAW_INTERNAL_CONTEXT>>>" };
const callMsg = { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "exec", arguments: "{}" } }] };
const toolMsg = (t) => ({ role: "tool", tool_call_id: "call_1", content: t });

async function post(fm, body) {
  const res = await fetch(`${fm.baseUrl}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

function sseEvents(text) {
  return text.split("\n\n").filter((b) => b.startsWith("data: ")).map((b) => b.slice(6)).map((d) => (d === "[DONE]" ? d : JSON.parse(d)));
}

test("fake_model_turn_detection", () => {
  assert.equal(analyseMessages([sys, user("hi"), internal]).turn, "first");
  const cont = analyseMessages([sys, user("hi"), callMsg, toolMsg("out"), internal]);
  assert.equal(cont.turn, "continue");
  assert.equal(cont.call, 2);
  assert.equal(cont.lastTool, "out");
  // A later turn after a finished one is "first" again, and sees only its own user text.
  const next = analyseMessages([sys, user("one"), callMsg, toolMsg("out"), { role: "assistant", content: "done" }, user("two")]);
  assert.equal(next.turn, "first");
  assert.equal(next.lastUser, "two");
  assert.deepEqual(next.toolResults, []);
  assert.equal(analyseMessages([sys, user([{ type: "text", text: "parts" }])]).lastUser, "parts");
});

test("fake_model_streaming_tool_call_text_usage_error_and_404", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-ops-fm-"));
  const logFile = path.join(dir, "log.jsonl");
  const fm = await startFakeModel({
    logFile,
    script: {
      steps: [
        { id: "tool", match: { marker: "M1", turn: "first" }, toolCalls: [{ name: "exec", arguments: { command: "ls" } }], usage: { prompt_tokens: 5000, completion_tokens: 7 } },
        { id: "text", match: { marker: "M1", turn: "continue", toolResultIncludes: "out" }, text: "got: {{lastToolResult}}" },
        { id: "sys", match: { marker: "SYS-MARK", markerIn: "system", after: "text" }, error: { status: 503 } },
      ],
    },
  });
  try {
    const models = await fetch(`${fm.baseUrl}/models`).then((r) => r.json());
    assert.deepEqual(models.data.map((m) => m.id), ["fake-model"]);

    const r1 = await post(fm, { model: "fake-model", stream: true, messages: [sys, user("M1 go"), internal], tools: [{ type: "function", function: { name: "exec" } }] });
    assert.equal(r1.status, 200);
    assert.match(r1.headers.get("content-type"), /text\/event-stream/);
    const ev = sseEvents(r1.text);
    assert.equal(ev.at(-1), "[DONE]");
    assert.equal(ev[0].object, "chat.completion.chunk");
    assert.equal(ev[0].choices[0].delta.tool_calls[0].function.name, "exec");
    assert.equal(ev[1].choices[0].delta.tool_calls[0].function.arguments, '{"command":"ls"}');
    assert.equal(ev[2].choices[0].finish_reason, "tool_calls");
    assert.deepEqual(ev[3].choices, []);
    assert.deepEqual(ev[3].usage, { prompt_tokens: 5000, completion_tokens: 7, total_tokens: 5007 });

    const r2 = await post(fm, { model: "fake-model", stream: false, messages: [sys, user("M1 go"), callMsg, toolMsg("out-123"), internal] });
    const j2 = JSON.parse(r2.text);
    assert.equal(j2.object, "chat.completion");
    assert.equal(j2.choices[0].message.content, "got: out-123");
    assert.equal(j2.choices[0].finish_reason, "stop");

    const r3 = await post(fm, { model: "fake-model", stream: true, messages: [sys, user("anything")] });
    assert.equal(r3.status, 503);
    const r4 = await post(fm, { model: "fake-model", stream: true, messages: [sys, user("nothing matches now")] });
    assert.equal(sseEvents(r4.text)[0].choices[0].delta.content, "fake-model: no scripted step matched this request.");
    const r5 = await fetch(`${fm.url}/nope`);
    assert.equal(r5.status, 404);

    const log = readLog(logFile);
    assert.deepEqual(log.map((e) => e.matched ?? null), [null, "tool", "text", "sys", null, null]);
    assert.deepEqual(log[1].toolNames, ["exec"]);
    assert.equal(log[2].lastTool, "out-123");
    assert.deepEqual(log[2].roles, ["system", "user", "assistant", "tool", "user"]);
    assert.equal(log[5].status, 404);
  } finally {
    await fm.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("fake_model_cli_writes_port_file_and_stops_on_sigterm", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-ops-fm-"));
  const script = path.join(dir, "s.json");
  fs.writeFileSync(script, JSON.stringify({ steps: [{ id: "t", text: "hello" }] }));
  const portFile = path.join(dir, "port");
  const cli = fileURLToPath(new URL("./lib/fake-model.mjs", import.meta.url));
  const child = spawn(process.execPath, [cli, "--script", script, "--log", path.join(dir, "l.jsonl"), "--port-file", portFile], { stdio: "ignore" });
  try {
    for (let i = 0; i < 100 && !fs.existsSync(portFile); i++) await new Promise((r) => setTimeout(r, 50));
    const port = Number(fs.readFileSync(portFile, "utf8"));
    const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ messages: [user("x")] }) });
    assert.equal(JSON.parse(await res.text()).choices[0].message.content, "hello");
  } finally {
    process.kill(child.pid, "SIGTERM");
    await new Promise((r) => child.once("exit", r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("fake_model_delayed_reply_answers_after_its_delay_and_ends_early_when_abandoned", async () => {
  const fm = await startFakeModel({
    script: {
      steps: [
        { id: "quick", match: { marker: "QUICK" }, text: "late but here", delayMs: 100 },
        { id: "hangup", match: { marker: "HANGUP" }, text: "never sent", delayMs: 600_000 },
        { id: "closed", match: { marker: "CLOSED" }, text: "never sent", delayMs: 600_000 },
      ],
    },
  });
  const waitFor = async (fn) => {
    for (let i = 0; i < 100 && !fn(); i++) await new Promise((r) => setTimeout(r, 20));
    return fn();
  };
  try {
    // A short delay still answers.
    const t0 = Date.now();
    const quick = await post(fm, { messages: [user("QUICK")] });
    assert.ok(Date.now() - t0 >= 90, "the delay was not applied");
    assert.equal(JSON.parse(quick.text).choices[0].message.content, "late but here");

    // The client hangs up during a long delay: the wait ends, the request is logged as aborted.
    const ac = new AbortController();
    const hung = fetch(`${fm.baseUrl}/chat/completions`, { method: "POST", body: JSON.stringify({ messages: [user("HANGUP")] }), signal: ac.signal });
    assert.ok(await waitFor(() => fm.pending().some((e) => e.matched === "hangup")), "the delayed request is not listed as pending");
    ac.abort();
    await assert.rejects(hung);
    const aborted = await waitFor(() => fm.requests.find((e) => e.matched === "hangup"));
    assert.deepEqual(fm.pending(), [], "an ended delay is still listed as pending");
    assert.ok(aborted, "the abandoned request was never logged (its 600 s delay is still running)");
    assert.equal(aborted.aborted, true);

    // The server closes during a long delay: close() does not wait for it.
    const pending = fetch(`${fm.baseUrl}/chat/completions`, { method: "POST", body: JSON.stringify({ messages: [user("CLOSED")] }) });
    await new Promise((r) => setTimeout(r, 200));
    const c0 = Date.now();
    await fm.close();
    assert.ok(Date.now() - c0 < 5_000, "close() waited for a scripted delay");
    await assert.rejects(pending);
    assert.equal(fm.requests.find((e) => e.matched === "closed")?.aborted, true);
  } finally {
    await fm.close();
  }
});

test("fake_model_caching_provider_usage_prefix_ttl_and_prices", async () => {
  const price = { input: 3, output: 15 }; // cacheRead 0.3 and cacheWrite 3.75 by the documented ratios
  const fm = await startFakeModel({ script: { caching: { ttlMs: 300_000, price }, fallback: { text: "ok" } } });
  try {
    const big = "fn main() { println!(\"hello\"); }\n".repeat(200);
    const m1 = [sys, user("read the file"), callMsg, toolMsg(big)];
    const usageOf = async (messages) => {
      const r = await post(fm, { model: "fake-model", messages });
      return JSON.parse(r.text).usage;
    };
    const u1 = await usageOf(m1);
    assert.equal(u1.prompt_tokens_details.cached_tokens, 0);
    assert.equal(u1.prompt_tokens_details.cache_write_tokens, u1.prompt_tokens, "a cold prompt is written whole");
    // The same prompt plus one message: the old prompt is read, only the new message is written.
    const m2 = [...m1, { role: "assistant", content: "done" }, user("next")];
    const u2 = await usageOf(m2);
    assert.equal(u2.prompt_tokens_details.cached_tokens, u1.prompt_tokens);
    assert.equal(u2.prompt_tokens_details.cache_write_tokens, u2.prompt_tokens - u1.prompt_tokens);
    assert.ok(u2.prompt_tokens_details.cache_write_tokens > 0);
    // Rewriting a message in the middle (a cleared tool result) invalidates everything after it.
    const m3 = [sys, user("read the file"), callMsg, toolMsg("[Old tool result content cleared]"), ...m2.slice(4)];
    const u3 = await usageOf(m3);
    assert.ok(u3.prompt_tokens_details.cached_tokens > 0 && u3.prompt_tokens_details.cached_tokens < 100, JSON.stringify(u3));
    assert.equal(u3.prompt_tokens_details.cached_tokens + u3.prompt_tokens_details.cache_write_tokens, u3.prompt_tokens);
    // An idle gap longer than the lifetime (simulated clock, HTTP control endpoint): nothing is read.
    const c = await fetch(`${fm.url}/control/clock`, { method: "POST", body: JSON.stringify({ advanceMs: 301_000 }) }).then((r) => r.json());
    assert.equal(c.offsetMs, 301_000);
    const u4 = await usageOf(m2);
    assert.equal(u4.prompt_tokens_details.cached_tokens, 0);
    // Dollars: the simulation's totals use the same prices it reports in the log.
    const totals = await fetch(`${fm.url}/control/usage`).then((r) => r.json());
    assert.equal(totals.calls, 4);
    const log = fm.chatRequests();
    const expect = log.reduce((a, e) => a + (e.cache.cacheRead * 0.3 + e.cache.cacheWrite * 3.75 + e.cache.output * 15) / 1e6, 0);
    assert.ok(Math.abs(totals.costUsd - expect) < 1e-12, `${totals.costUsd} vs ${expect}`);
    // A step's explicit usage still wins over the simulation (older scripts keep working).
    fm.setScript({ caching: { price }, steps: [{ id: "fixed", text: "x", usage: { prompt_tokens: 1234, completion_tokens: 5 } }] });
    const u5 = await usageOf(m1);
    assert.equal(u5.prompt_tokens, 1234);
    assert.equal(u5.completion_tokens, 5);
  } finally {
    await fm.close();
  }
});

test("fake_model_token_approximation", async () => {
  const { countTokens } = await import("./lib/prompt-cache.mjs");
  assert.equal(countTokens(""), 0);
  assert.equal(countTokens("hello world"), 2);
  assert.equal(countTokens("internationalization"), 4);
  assert.equal(countTokens("x = 12345;\n"), 6);
});
