// Where the wasm evaluation spends its time (spec §12, P4-R49; not a test). Loops the wasm
// build's `evaluateCommand` over tldr.txt under V8's sampling profiler (node:inspector, in this
// process) and prints the functions with the most self time, wasm and JS alike.
// The shipped build has no name section (wasm-opt drops it), so its wasm frames show as
// `wasm-function[N]`. For names, build a copy that keeps them, with the same code:
//   wasm-bindgen --target nodejs --out-dir /tmp/prof --out-name agent_ops \
//     target/wasm32-unknown-unknown/plugin/agent_ops.wasm
//   echo '{ "type": "commonjs" }' > /tmp/prof/package.json
//   wasm-opt -Oz -g <the flags of scripts/build.sh> /tmp/prof/agent_ops_bg.wasm -o /tmp/prof/agent_ops_bg.wasm
//   node tests/bench/wasm-profile.mjs --wasm-dir /tmp/prof
// Usage: node tests/bench/wasm-profile.mjs [--wasm-dir DIR] [--corpora DIR] [--passes N] [--top N]
//                                          [--interval-us N] [--out FILE.cpuprofile]
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { Session } from "node:inspector/promises";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const corpora = opt("--corpora") || process.env.AGENT_OPS_CORPORA_DIR || path.resolve(root, "tests/corpora");
const wasmDir = path.resolve(opt("--wasm-dir") || path.join(root, "pkg/wasm"));
const passes = Number(opt("--passes") || 5);
const top = Number(opt("--top") || 40);
const intervalUs = Number(opt("--interval-us") || 50);
const outFile = opt("--out");

const text = fs.readFileSync(path.join(corpora, "tldr.txt"), "utf8");
const lines = (text.endsWith("\n") ? text.slice(0, -1) : text).split("\n");

// The same minimal host and context as wasm-bench.mjs: the evaluation does no I/O.
const noHost = () => JSON.stringify({ kind: "Unsupported", message: "benchmark host" });
const host = {
  fsRead: noHost, fsWriteAtomic: noHost, fsAppendLine: () => undefined, fsList: noHost, fsStat: noHost,
  fsRemove: () => undefined, fsLock: () => undefined, fsUnlock: () => undefined,
  resolveDirs: () => JSON.stringify({ ok: { homeDir: "/home/u", workspaceDir: "/home/u/ws", openclawStateDir: "" } }),
  exec: noHost, nowMs: () => Date.now(), monotonicMs: () => performance.now(), env: () => undefined,
  random: (n) => new Uint8Array(n), log: () => undefined,
};
const glue = require(path.join(wasmDir, "agent_ops.js"));
const core = new glue.Core(host);
const evalCtx = JSON.stringify({ home: "/home/u", cwd: "/home/u/ws" });
let sink = 0;
for (const l of lines) sink += core.evaluateCommand(l, evalCtx).length; // warm-up, unprofiled

const session = new Session();
session.connect();
await session.post("Profiler.enable");
await session.post("Profiler.setSamplingInterval", { interval: intervalUs });
await session.post("Profiler.start");
const t0 = performance.now();
for (let p = 0; p < passes; p++) for (const l of lines) sink += core.evaluateCommand(l, evalCtx).length;
const ms = performance.now() - t0;
const { profile } = await session.post("Profiler.stop");
session.disconnect();
if (outFile) fs.writeFileSync(outFile, JSON.stringify(profile));

// Self time per function: samples whose leaf node is that function. Node ids map to call frames.
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
let counted = 0;
for (const id of profile.samples) {
  const n = byId.get(id);
  if (!n) continue;
  const cf = n.callFrame;
  const key = cf.functionName || `(anonymous ${cf.url.split("/").pop()}:${cf.lineNumber})`;
  self.set(key, (self.get(key) || 0) + 1);
  counted++;
}
// Two cuts across the inlining that opt-level z and LTO do. Kind: what code the sample sat in
// (its leaf frame). Stage: which callee of the evaluation owns it, with everything below charged
// to it (allocator and std time included): the frame just under `shell::policy::evaluate`, or
// just under the exported entry point for the work around the evaluation (context JSON, the
// command string's copy into wasm, the answer JSON, drops).
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
const KINDS = [
  ["allocator (malloc, free, Vec growth, drops)", /dlmalloc|__rdl_|__rust_(alloc|dealloc|realloc)|raw_vec|drop_in_place|as core::ops::drop::Drop>::drop|Vec<T,A>::push|append_elements|String as .*Clone/],
  ["serde_json (context and answer JSON)", /serde_json|serde_core/],
  ["JS–wasm boundary (glue, string copies, shims)", /^__wbg|__wbindgen|shim|getStringFromWasm|passStringToWasm|decodeUTF8|^decode$|encodeInto|js-to-wasm|wasm-to-js|^evaluateCommand$/],
  ["agent_ops code", /^(<)?agent_ops::/],
  ["std (memcmp, memchr, str, slice, iterators, fmt)", /^(<)?(core|alloc|std)|memcmp|memcpy|memmove|memset|^<str as|^<T as|^<\[/],
  ["V8 (GC, program, idle)", /^\((garbage collector|program|idle)\)$/],
];
const kindOf = (name) => (KINDS.find(([, re]) => re.test(name)) || ["other"])[0];
const short = (name) => name.replace(/::h[0-9a-f]{16}$/, "").replace(/\[[0-9a-f]{16}\]/g, "");
const EVALUATE = /^agent_ops::shell::policy::evaluate::/;
const ENTRY = /^core_evaluateCommand/;
const stageOf = (id) => {
  let below;
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const fn = byId.get(cur)?.callFrame.functionName || "";
    if (EVALUATE.test(fn)) return below === undefined ? "evaluate: code inlined into it" : `evaluate → ${short(below)}`;
    if (ENTRY.test(fn)) return below === undefined ? "entry point: code inlined into it" : `entry point → ${short(below)}`;
    below = fn;
  }
  return "outside the call (JS loop, V8)";
};
const byKind = new Map();
const byStage = new Map();
for (const id of profile.samples) {
  const n = byId.get(id);
  if (!n) continue;
  const k = kindOf(n.callFrame.functionName);
  byKind.set(k, (byKind.get(k) || 0) + 1);
  const st = stageOf(id);
  byStage.set(st, (byStage.get(st) || 0) + 1);
}
const pct = (c) => ((100 * c) / counted).toFixed(1);
console.log(`wasm evaluateCommand over ${lines.length} tldr lines × ${passes} passes: ${ms.toFixed(0)} ms, ${((ms * 1000) / (lines.length * passes)).toFixed(2)} µs/line; ${counted} samples at ${intervalUs} µs (checksum ${sink})\n`);
console.log("| self % | kind of code (leaf frame) |");
console.log("|---:|---|");
for (const [k, c] of [...byKind.entries()].sort((a, b) => b[1] - a[1])) console.log(`| ${pct(c)} | ${k} |`);
console.log("\n| inclusive % | stage (callee of the evaluation; allocator and std charged to it) |");
console.log("|---:|---|");
for (const [k, c] of [...byStage.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`| ${pct(c)} | \`${k.replaceAll("|", "\\|")}\` |`);
console.log("");
const idle = new Set(["(idle)", "(program)", "(garbage collector)"]);
const rowsAll = [...self.entries()].sort((a, b) => b[1] - a[1]);
console.log("| self % | samples | function |");
console.log("|---:|---:|---|");
for (const [name, c] of rowsAll.slice(0, top)) {
  console.log(`| ${((100 * c) / counted).toFixed(1)} | ${c} | \`${name.replaceAll("|", "\\|")}\`${idle.has(name) ? " (not JS or wasm)" : ""} |`);
}
