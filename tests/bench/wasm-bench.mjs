// Phase 4 benchmark (spec §12, P4-R49), Node side. Three engines over every line of tldr.txt, in
// the same process, after a warm-up pass of each:
//   - the wasm build's `evaluateCommand` (the full evaluation: parse, checks, policy, JSON out);
//   - OpenClaw's own analysis of a command, `explainShellCommand` of the installed openclaw
//     package (tree-sitter-bash parse, tree walk, wrapper and risk detection), awaited per line as
//     OpenClaw awaits it;
//   - the tree-sitter-bash parse alone (web-tree-sitter + the openclaw package's
//     tree-sitter-bash.wasm), the floor any tree-sitter-based analysis pays.
// The measured passes are interleaved (pass k of every engine before pass k+1 of any), so a noisy
// spell on the shared machine hits all three alike; each engine's total is its best pass.
// Not a test: it prints a table and the P4-R49 targets as met / NOT met, and never fails on time.
// Usage (scripts/bench.sh runs it):
//   node tests/bench/wasm-bench.mjs [--native native.json] [--corpora DIR] [--wasm-dir DIR]
//                                   [--passes N] [--no-explain]
import { createRequire } from "node:module";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath, pathToFileURL } from "node:url";
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
const nativeJson = opt("--native");
const passes = Number(opt("--passes") || 3);
const withExplain = !args.includes("--no-explain");

const readLines = (file) => {
  const text = fs.readFileSync(path.join(corpora, file), "utf8");
  return (text.endsWith("\n") ? text.slice(0, -1) : text).split("\n");
};
const lines = readLines("tldr.txt");

const quantile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.round((sorted.length - 1) * p))];

// `samplesMs` holds pass after pass, one sample per line in file order. Besides the quantiles
// of all samples, the p99 over lines of each line's median across passes: a line's own
// latency with the machine's one-off stalls (timer ticks, other tenants) voted out, which on
// a shared 2-core VM add ~10 µs to the all-samples p99.
function stats(samplesMs, bestTotalMs) {
  const s = Float64Array.from(samplesMs).sort();
  const q = (p) => quantile(s, p);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  const medians = Float64Array.from(lines, (_, i) => {
    const own = [];
    for (let k = i; k < samplesMs.length; k += lines.length) own.push(samplesMs[k]);
    return quantile(own.sort((a, b) => a - b), 0.5);
  }).sort();
  // The file's total with each line at its median: the stalls voted out as above, so the
  // ratios between engines hold still on a loaded machine where best-pass totals swing ±20 %.
  const medianTotal = medians.reduce((a, b) => a + b, 0);
  return {
    median_total_ms: medianTotal,
    p50_us: q(0.5) * 1000,
    p99_us: q(0.99) * 1000,
    p99_line_median_us: quantile(medians, 0.99) * 1000,
    mean_us: mean * 1000,
    max_us: s[s.length - 1] * 1000,
    total_ms: bestTotalMs,
    lines_per_s: lines.length / (bestTotalMs / 1000),
  };
}

// A pass's cost twice over: wall time (what P4-R49 names) and this process's CPU time (user +
// system, all threads). When other builds starve the process, wall time counts the minutes it
// waited for a core; CPU time does not, so the CPU ratios stay readable on a loaded machine.
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

// One pass of a synchronous engine: no await in the loop, so the wasm and tree-sitter rows carry
// no promise machinery.
function passSync(fn, samples) {
  const c0 = cpuMs();
  const t0 = performance.now();
  for (const l of lines) {
    const t = performance.now();
    fn(l);
    samples.push(performance.now() - t);
  }
  return { wall: performance.now() - t0, cpu: cpuMs() - c0 };
}

// One pass of an async engine, each call awaited before the next, as OpenClaw's exec approval
// path awaits `explainShellCommand` once per command.
async function passAsync(fn, samples) {
  const c0 = cpuMs();
  const t0 = performance.now();
  for (const l of lines) {
    const t = performance.now();
    await fn(l);
    samples.push(performance.now() - t);
  }
  return { wall: performance.now() - t0, cpu: cpuMs() - c0 };
}

// engines: [{ key, fn, async }]. A warm-up pass of each, then `passes` interleaved rounds.
async function measureAll(engines) {
  for (const e of engines) {
    if (e.async) await passAsync(e.fn, []);
    else passSync(e.fn, []);
  }
  const samples = new Map(engines.map((e) => [e.key, []]));
  const best = new Map(engines.map((e) => [e.key, { wall: Infinity, cpu: Infinity }]));
  for (let p = 0; p < passes; p++) {
    for (const e of engines) {
      const ms = e.async ? await passAsync(e.fn, samples.get(e.key)) : passSync(e.fn, samples.get(e.key));
      const b = best.get(e.key);
      best.set(e.key, { wall: Math.min(b.wall, ms.wall), cpu: Math.min(b.cpu, ms.cpu) });
    }
  }
  return new Map(engines.map((e) => [e.key, { ...stats(samples.get(e.key), best.get(e.key).wall), cpu_ms: best.get(e.key).cpu }]));
}

// --- wasm core with a minimal host (the evaluation does no I/O; see pkg/index.js makeHost).
const noHost = () => JSON.stringify({ kind: "Unsupported", message: "benchmark host" });
const host = {
  fsRead: noHost, fsWriteAtomic: noHost, fsAppendLine: () => undefined, fsList: noHost, fsStat: noHost,
  fsRemove: () => undefined, fsLock: () => undefined, fsUnlock: () => undefined,
  resolveDirs: () => JSON.stringify({ ok: { homeDir: "/home/u", workspaceDir: "/home/u/ws", openclawStateDir: "" } }),
  exec: noHost, nowMs: () => Date.now(), monotonicMs: () => performance.now(), env: () => undefined,
  random: (n) => new Uint8Array(n), log: () => undefined,
};
const wasmDir = path.resolve(opt("--wasm-dir") || path.join(root, "pkg/wasm"));
const wasmFile = path.join(wasmDir, "agent_ops_bg.wasm");
const glue = require(path.join(wasmDir, "agent_ops.js"));
const core = new glue.Core(host);
// The directories the native benchmark uses, given in the context as the exec hook has them
// (from the host info cached at init), so no host round trip is timed per command.
const evalCtx = JSON.stringify({ home: "/home/u", cwd: "/home/u/ws" });
const first = JSON.parse(core.evaluateCommand(lines[0], evalCtx));
if (!first || !("verdict" in first || "ok" in first)) {
  console.error("unexpected evaluateCommand answer:", first);
}
let sink = 0;
const engines = [{ key: "wasm", fn: (l) => { sink += core.evaluateCommand(l, evalCtx).length; } }];

// --- OpenClaw's explainShellCommand. It is not in the package's public exports: it lives in a
// built chunk. openclaw 2026.9.6 re-exports it by name from `dist/extract-0QR5x3JU.mjs`, the
// module OpenClaw's own exec-approval display imports lazily (`await import("./extract-…mjs")`).
// Chunk names carry a content hash and change between releases, so when that file is gone or no
// longer exports the function, look for a `dist/*.mjs` whose export list names it.
const nm = path.join(root, ".tools/node/node_modules");
const ocDir = path.join(nm, "openclaw");
const ocPkg = JSON.parse(fs.readFileSync(path.join(ocDir, "package.json"), "utf8"));
const KNOWN_EXPLAIN_CHUNK = "dist/extract-0QR5x3JU.mjs";

async function loadExplainShellCommand() {
  const tryChunk = async (rel) => {
    const mod = await import(pathToFileURL(path.join(ocDir, rel)).href);
    return typeof mod.explainShellCommand === "function" ? mod.explainShellCommand : undefined;
  };
  if (fs.existsSync(path.join(ocDir, KNOWN_EXPLAIN_CHUNK))) {
    const fn = await tryChunk(KNOWN_EXPLAIN_CHUNK);
    if (fn) return { fn, chunk: KNOWN_EXPLAIN_CHUNK };
  }
  const dist = path.join(ocDir, "dist");
  const exportsIt = /export\s*\{\s*explainShellCommand\s*\}/;
  for (const name of fs.readdirSync(dist).filter((n) => n.endsWith(".mjs")).sort()) {
    const file = path.join(dist, name);
    if (fs.statSync(file).size > 4096) continue; // the re-export chunk is a two-line file
    if (!exportsIt.test(fs.readFileSync(file, "utf8"))) continue;
    const fn = await tryChunk(path.join("dist", name));
    if (fn) return { fn, chunk: path.join("dist", name) };
  }
  throw new Error(
    `explainShellCommand not found in openclaw ${ocPkg.version} (${ocDir}): expected ${KNOWN_EXPLAIN_CHUNK} ` +
      "or another small dist/*.mjs with `export { explainShellCommand }`. The chunk layout has changed: find the " +
      "module with `grep -l 'export { explainShellCommand }' dist/*.mjs` (or the `import(\"./extract-…\")` in " +
      "dist/exec-approval-*.mjs) and update KNOWN_EXPLAIN_CHUNK in tests/bench/wasm-bench.mjs, or run with --no-explain.",
  );
}

let explain;
let explainErrors = 0;
let explainNotOk = 0;
if (withExplain) {
  try {
    explain = await loadExplainShellCommand();
  } catch (e) {
    console.error(`[wasm-bench] ${e.message}`);
    process.exit(2);
  }
  // The first call loads web-tree-sitter and the grammar (hundreds of ms): done here, untimed.
  const probe = await explain.fn(lines[0]);
  if (!probe || !Array.isArray(probe.topLevelCommands)) {
    console.error("[wasm-bench] unexpected explainShellCommand answer:", probe);
    process.exit(2);
  }
  // Errors (OpenClaw's own size and work limits) are counted, not skipped: their cost is
  // OpenClaw's cost for that line, and OpenClaw's callers catch them the same way.
  engines.push({
    key: "explain",
    async: true,
    fn: async (l) => {
      try {
        const r = await explain.fn(l);
        if (!r.ok) explainNotOk++;
        sink += r.topLevelCommands.length;
      } catch {
        explainErrors++;
      }
    },
  });
}

// --- tree-sitter-bash parse alone, as OpenClaw 2026.9.6 ships it.
const { Parser, Language } = await import(pathToFileURL(path.join(nm, "web-tree-sitter/web-tree-sitter.js")).href);
const tsWasm = path.join(ocDir, "dist/tree-sitter-bash.wasm");
await Parser.init();
const bashLang = await Language.load(fs.readFileSync(tsWasm));
const parser = new Parser();
parser.setLanguage(bashLang);
engines.push({
  key: "ts",
  fn: (l) => {
    const tree = parser.parse(l);
    sink += tree.rootNode.childCount;
    tree.delete();
  },
});

const r = await measureAll(engines);
const wasm = r.get("wasm");
const ts = r.get("ts");
const ex = r.get("explain");
// The explain pass ran passes + 1 times over the file; report per-line-run counts.
const runs = passes + 1;

// --- the P4-R49 corpus throughput figure: tldr + nl2bash + gtfobins once each, in wasm.
let corpusMs;
let corpusCount = 0;
try {
  const gtfo = readLines("gtfobins.jsonl").filter((l) => l.trim()).map((l) => JSON.parse(l).command);
  const all = [...lines, ...readLines("nl2bash.txt"), ...gtfo];
  corpusCount = all.length;
  const t0 = performance.now();
  for (const l of all) sink += core.evaluateCommand(l, evalCtx).length;
  corpusMs = performance.now() - t0;
} catch (e) {
  console.error(`[wasm-bench] corpus throughput skipped: ${e.message}`);
}

// --- plugin size: gzip -9 of the plugin wasm, as scripts/build.sh measures it.
const wasmBytes = fs.readFileSync(wasmFile);
let gzBytes;
let gzHow = "gzip -9";
const gz = spawnSync("gzip", ["-9", "-c", wasmFile], { maxBuffer: 64 << 20 });
if (gz.status === 0 && gz.stdout) gzBytes = gz.stdout.length;
else {
  gzBytes = zlib.gzipSync(wasmBytes, { level: 9 }).length;
  gzHow = "zlib level 9 (no gzip binary)";
}

// --- table
const rows = [];
if (nativeJson && fs.existsSync(nativeJson)) rows.push(["native `evaluate` (Rust, opt-level 3)", JSON.parse(fs.readFileSync(nativeJson, "utf8"))]);
rows.push(["wasm `evaluateCommand` (Node " + process.versions.node + ")", wasm]);
if (ex) rows.push([`OpenClaw \`explainShellCommand\` (openclaw ${ocPkg.version}, awaited per line)`, ex]);
rows.push([`tree-sitter-bash parse only (web-tree-sitter, openclaw ${ocPkg.version})`, ts]);
const f = (x, d = 2) => (x === undefined ? "–" : x.toFixed(d));
const n0 = (x) => (x === undefined ? "–" : Math.round(x).toLocaleString("en-US"));
console.log(`phase 4 benchmark: ${lines.length} tldr.txt lines, ${passes} interleaved measured passes after one warm-up pass per engine (checksum ${sink})`);
if (explain) console.log(`explainShellCommand from ${path.join("openclaw", explain.chunk)}; per line run: ${explainNotOk / runs} ok=false (parse errors), ${explainErrors / runs} thrown`);
console.log("\n| engine | p50 (µs) | p99 (µs) | p99 of line medians (µs) | mean (µs) | max (µs) | total, best pass (ms) | Σ line medians (ms) | CPU, best pass (ms) | lines/s |");
console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
for (const [name, s] of rows) {
  console.log(`| ${name} | ${f(s.p50_us)} | ${f(s.p99_us)} | ${f(s.p99_line_median_us)} | ${f(s.mean_us)} | ${f(s.max_us, 1)} | ${f(s.total_ms, 1)} | ${f(s.median_total_ms, 1)} | ${f(s.cpu_ms, 1)} | ${n0(s.lines_per_s)} |`);
}

const met = (ok) => (ok ? "met" : "NOT met");
// Each ratio three ways: wall time of the best pass (the requirement's own measure), the total
// at line medians (one-off stalls voted out) and CPU time (waiting for a core left out).
const MEASURES = [
  ["total_ms", "best pass, wall"],
  ["median_total_ms", "Σ line medians"],
  ["cpu_ms", "best pass, CPU"],
];
console.log("\nP4-R49 targets. Ratios on total time over the file, three ways: the best pass's wall time (the requirement's measure), the sum of line medians (stalls voted out) and the best pass's CPU time (waits for a core left out):\n");
console.log(`| ratio target | ${MEASURES.map(([, h]) => h).join(" | ")} |`);
console.log(`|---|${MEASURES.map(() => "---:").join("|")}|`);
const ratioRow = (label, num, den, ok) =>
  console.log(`| ${label} | ${MEASURES.map(([k]) => { const x = num[k] / den[k]; return `${x.toFixed(2)}× (${f(num[k], 0)} / ${f(den[k], 0)} ms)${ok ? ` ${met(ok(x))}` : ""}`; }).join(" | ")} |`);
if (ex) ratioRow("≥ 10× faster than `explainShellCommand` (its total / ours)", ex, wasm, (x) => x >= 10);
else console.log(`| ≥ 10× faster than \`explainShellCommand\` | ${MEASURES.map(() => "not measured (--no-explain)").join(" | ")} |`);
ratioRow("≤ 1.5× the tree-sitter parse alone (ours / parse)", wasm, ts, (x) => x <= 1.5);
if (ex) ratioRow("(context, no target: `explainShellCommand` / parse)", ex, ts, null);
console.log("\n| target | measured | verdict |");
console.log("|---|---:|---|");
console.log(`| wasm p99 < 50 µs, all samples | ${f(wasm.p99_us, 1)} µs | ${met(wasm.p99_us < 50)} |`);
console.log(`| wasm p99 < 50 µs, line medians | ${f(wasm.p99_line_median_us, 1)} µs | ${met(wasm.p99_line_median_us < 50)} |`);
if (corpusMs !== undefined) {
  console.log(`| tldr + nl2bash + gtfobins in wasm ≤ 10 s (one pass, ${corpusCount.toLocaleString("en-US")} commands) | ${(corpusMs / 1000).toFixed(2)} s | ${met(corpusMs <= 10000)} |`);
}
console.log(`| plugin wasm ≤ 500 KB gzipped (${gzHow}; ${n0(wasmBytes.length)} bytes raw) | ${n0(gzBytes)} bytes | ${met(gzBytes <= 500000)} |`);
// What each ratio target asks of the evaluation per line, at line medians.
const perLine = (ms) => ((ms * 1000) / lines.length).toFixed(2);
console.log(`\nper line at medians: wasm ${perLine(wasm.median_total_ms)} µs; ≤ 1.5× the parse needs ≤ ${perLine(1.5 * ts.median_total_ms)} µs` +
  (ex ? `; ≥ 10× faster than explainShellCommand needs ≤ ${perLine(ex.median_total_ms / 10)} µs` : ""));
