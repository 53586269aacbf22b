// Phase 1 benchmark (issue 4, not a test), Node side: the per-turn cost of the context engine's
// `assemble` in the wasm build, over transcripts of 100, 1,000 and 10,000 messages: the JSON
// encoding the JS entry does (toJson) plus the core call. Prints a markdown table.
//   node tests/bench/assemble-bench.mjs   (scripts/bench.sh runs it)
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const require = createRequire(import.meta.url);

const noHost = () => JSON.stringify({ kind: "Unsupported", message: "benchmark host" });
const host = {
  fsRead: noHost, fsWriteAtomic: () => undefined, fsAppendLine: () => undefined, fsList: noHost, fsStat: noHost,
  fsRemove: () => undefined, fsLock: () => undefined, fsUnlock: () => undefined,
  resolveDirs: () => JSON.stringify({ ok: { homeDir: "/home/u", workspaceDir: "/home/u/ws", openclawStateDir: "/oc" } }),
  exec: noHost, nowMs: () => 1_795_996_800_000, monotonicMs: () => performance.now(), env: () => undefined,
  random: (n) => new Uint8Array(n), log: () => undefined,
};
const glue = require(path.join(root, "pkg/wasm/agent_ops.js"));
const core = new glue.Core(host);
const info = { contextEngineSelected: true, openclawStateDir: "/oc", models: [{ provider: "p", id: "m", contextWindow: 200000, maxTokens: 20000 }] };
const init = JSON.parse(core.init(JSON.stringify({ audit: { enabled: false } }), JSON.stringify(info)));
if (!init.ok) throw new Error(`init refused: ${JSON.stringify(init.errors)}`);

function transcript(n) {
  const v = [{ role: "user", content: "start", timestamp: 1 }];
  for (let i = 0; v.length < n; i++) {
    v.push({ role: "assistant", timestamp: 2, content: [{ type: "toolCall", id: `c${i}`, name: "exec", arguments: { command: `cat file${i}.txt` } }] });
    v.push({ role: "toolResult", toolCallId: `c${i}`, toolName: "exec", content: [{ type: "text", text: `line ${i} of some tool output\n`.repeat(40) }] });
  }
  v.length = n;
  v.push({ role: "assistant", timestamp: 3, content: [{ type: "text", text: "ok" }], usage: { input: 170000, output: 100 } });
  return v;
}

console.log(`phase 1 benchmark: wasm assemble in Node ${process.versions.node}\n`);
console.log("| messages | input JSON (KiB) | encode mean (µs) | core assemble mean (µs) | total per turn (µs) | µs per message | cleared |");
console.log("|---:|---:|---:|---:|---:|---:|---:|");
for (const n of [100, 1000, 10000]) {
  const params = { sessionId: "s", sessionKey: "agent:main:main", messages: transcript(n), runtimeContext: { provider: "p", model: "m" } };
  const iters = Math.min(500, Math.max(5, Math.floor(100000 / n)));
  let text = JSON.stringify(params);
  let out = core.engine("assemble", text);
  let enc = 0;
  let call = 0;
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    text = JSON.stringify(params);
    const t1 = performance.now();
    out = core.engine("assemble", text);
    call += performance.now() - t1;
    enc += t1 - t0;
  }
  const cleared = JSON.parse(out).value.clear.length;
  const e = (enc / iters) * 1000;
  const c = (call / iters) * 1000;
  console.log(`| ${n} | ${(text.length / 1024).toFixed(0)} | ${e.toFixed(1)} | ${c.toFixed(1)} | ${(e + c).toFixed(1)} | ${((e + c) / n).toFixed(3)} | ${cleared} |`);
}
