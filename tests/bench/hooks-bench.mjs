// Hook overhead benchmark (issue 5, README G-R22; not a test): the per-call cost of the phase 2
// handlers (and phase 4's before_tool_call for reference) in the wasm build inside Node, the way
// pkg/index.js calls them: JSON encoding of event and ctx, the core's dispatch, JSON decoding.
// Simulates runs of 40 tool calls with real-looking events. Prints p50 / p99 per hook.
//   node tests/bench/hooks-bench.mjs   (scripts/bench.sh runs it)
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const require = createRequire(import.meta.url);

const files = new Map();
const err = (kind) => JSON.stringify({ kind });
const host = {
  fsRead: (p) => (files.has(p) ? files.get(p) : err("NotFound")),
  // `b` is a view of the wasm memory, which a later growth detaches: keep a copy.
  fsWriteAtomic: (p, b) => { files.set(p, Uint8Array.from(b)); return undefined; },
  fsAppendLine: () => undefined,
  fsList: () => JSON.stringify({ ok: { entries: [], truncated: false } }),
  fsStat: () => JSON.stringify({ error: { kind: "NotFound" } }),
  fsRemove: () => undefined, fsLock: () => undefined, fsUnlock: () => undefined,
  resolveDirs: () => JSON.stringify({ ok: { homeDir: "/home/u", workspaceDir: "/home/u/ws", openclawStateDir: "/oc" } }),
  exec: () => err("Unsupported"), nowMs: () => Date.now(), monotonicMs: () => performance.now(), env: () => undefined,
  random: (n) => new Uint8Array(n), log: () => undefined,
};
const glue = require(path.join(root, "pkg/wasm/agent_ops.js"));
const core = new glue.Core(host);
const init = JSON.parse(core.init(JSON.stringify({ phases: { compaction: false } }), JSON.stringify({ openclawStateDir: "/oc", conversationAccess: true })));
if (!init.ok) throw new Error(JSON.stringify(init.errors));

const samples = new Map();
function call(handler, event, ctx) {
  const t = performance.now();
  const out = JSON.parse(core.dispatch(handler, JSON.stringify(event), JSON.stringify(ctx)));
  const dt = performance.now() - t;
  if (!samples.has(handler)) samples.set(handler, []);
  samples.get(handler).push(dt);
  return out;
}

const commands = ["ls -la", "git status", "cat src/main.rs", "grep -rn TODO src", "npm test", "cargo build --release", "sed -n 1,40p README.md"];
const RUNS = 200;
const CALLS = 40;
for (let r = 0; r < RUNS; r++) {
  const runId = `run-${r}`;
  const ctx = { runId, sessionKey: `agent:main:s${r % 20}`, sessionId: `sid-${r % 20}`, agentId: "main" };
  call("loopBudget:before_agent_run", { prompt: r % 5 === 0 ? "+50k refactor the parser" : "fix the tests", runId }, ctx);
  for (let i = 0; i < CALLS; i++) {
    call("loopBudget:model_call_started", { runId, callId: `${runId}:model:${i}` }, ctx);
    call("loopBudget:model_call_ended", { runId, callId: `${runId}:model:${i}`, responseStreamBytes: 900, durationMs: 800 }, ctx);
    const command = commands[(i * 7 + r) % commands.length];
    const ev = { toolName: "exec", params: { command }, runId, toolCallId: `c${i}` };
    call("bashSecurity:before_tool_call", ev, ctx);
    call("loopBudget:before_tool_call", ev, ctx);
    call("loopBudget:after_tool_call", { ...ev, result: { content: [{ type: "text", text: `output of ${command}\n`.repeat(20) }] }, durationMs: 30 }, ctx);
  }
  call("loopBudget:before_agent_finalize", { runId, lastAssistantMessage: { role: "assistant", content: [{ type: "text", text: "done" }] }, stopHookActive: false }, ctx);
  call("loopBudget:agent_end", { runId, success: true, durationMs: 5000 }, ctx);
  call("loopBudget:llm_output", { runId, usage: { input: 12000, output: 900, cacheRead: 0, cacheWrite: 0, total: 12900 } }, ctx);
}

console.log(`hook overhead: wasm core in Node ${process.versions.node}, ${RUNS} runs × ${CALLS} tool calls (JSON encode + dispatch + decode)\n`);
console.log("| handler | calls | p50 (µs) | p99 (µs) | max (µs) |");
console.log("|---|---:|---:|---:|---:|");
for (const [h, s] of samples) {
  const a = Float64Array.from(s).sort();
  const q = (p) => a[Math.min(a.length - 1, Math.round((a.length - 1) * p))] * 1000;
  console.log(`| ${h} | ${a.length} | ${q(0.5).toFixed(1)} | ${q(0.99).toFixed(1)} | ${(a[a.length - 1] * 1000).toFixed(0)} |`);
}
