// agent-ops OpenClaw plugin entry: a thin adapter around the Rust core (wasm).
//
// What lives here (README G-R5): synchronous instantiation of the wasm core, the process-wide
// singleton (OpenClaw evaluates this module several times and splits hooks across copies,
// openclaw.md §3), the Host implemented with synchronous Node APIs, hook registration as the
// core lists it, JSON translation both ways, running the jobs the core asks for, and the
// failure policy the core declared for each handler. No policy decision lives in this file.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { AsyncResource } from "node:async_hooks";
import { registerCli } from "./cli.js";

const PLUGIN_ID = "agent-ops";
const SINGLETON = Symbol.for("agent-ops.runtime.v1");
const require = createRequire(import.meta.url);
const GLUE = require.resolve("./wasm/agent_ops.js");

/** The one state object shared by every evaluation of this module in the process. */
function runtime() {
  let rt = globalThis[SINGLETON];
  if (!rt) {
    rt = { glue: null, gluePath: null, core: null, initKey: null, configJson: null, infoJson: null, initResult: null, logger: null, api: null, once: new Set(), inflight: new Map(), timer: null };
    globalThis[SINGLETON] = rt;
  }
  return rt;
}

// ---------------------------------------------------------------------------------------
// Host (README G-R8): every method returns a value; errors are HostError JSON, never thrown.

function hostError(e) {
  const code = e && e.code;
  if (code === "ENOENT" || code === "ENOTDIR") return JSON.stringify({ kind: "NotFound" });
  if (code === "EACCES" || code === "EPERM") return JSON.stringify({ kind: "PermissionDenied" });
  if (code === "EEXIST") return JSON.stringify({ kind: "Locked" });
  return JSON.stringify({ kind: "Io", message: String((e && e.message) || e) });
}
const ok = (v) => JSON.stringify({ ok: v });
const errJson = (e) => `{"error":${hostError(e)}}`;
const kindOf = (st) => (st.isSymbolicLink() ? "symlink" : st.isDirectory() ? "dir" : st.isFile() ? "file" : "other");

/** A lock whose owner was a process on this machine that no longer runs is stale (kill -9). */
function ownerGone(p) {
  try {
    const o = JSON.parse(fs.readFileSync(p, "utf8"));
    if (!o || o.host !== os.hostname() || !Number.isInteger(o.pid) || o.pid === process.pid) return false;
    try { process.kill(o.pid, 0); return false; } catch (e) { return Boolean(e && e.code === "ESRCH"); }
  } catch { return false; }
}

/** Links a prepared lock file into place, breaking a stale lock once. */
function linkLock(tmp, p, ttl) {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.linkSync(tmp, p);
      return undefined;
    } catch (e) {
      if (!e || e.code !== "EEXIST") return hostError(e);
      let stale = true;
      try { stale = Date.now() - fs.statSync(p).mtimeMs > ttl || ownerGone(p); } catch { /* gone: retry */ }
      if (!stale) return JSON.stringify({ kind: "Locked" });
      try { fs.unlinkSync(p); } catch { /* someone else broke it */ }
    }
  }
  return JSON.stringify({ kind: "Locked" });
}

function makeHost(rt) {
  return {
    fsRead(p, max) {
      try {
        const st = fs.statSync(p);
        if (st.size > max) return JSON.stringify({ kind: "TooLarge" });
        const b = fs.readFileSync(p);
        return b.length > max ? JSON.stringify({ kind: "TooLarge" }) : new Uint8Array(b.buffer, b.byteOffset, b.length);
      } catch (e) { return hostError(e); }
    },
    fsWriteAtomic(p, bytes, mode) {
      const dir = path.dirname(p);
      const tmp = path.join(dir, `.${path.basename(p)}.tmp-${crypto.randomBytes(6).toString("hex")}`);
      try {
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        const fd = fs.openSync(tmp, "wx", mode);
        try { fs.writeSync(fd, bytes); fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
        fs.renameSync(tmp, p);
        try { const d = fs.openSync(dir, "r"); try { fs.fsyncSync(d); } finally { fs.closeSync(d); } } catch { /* directory fsync unsupported */ }
        return undefined;
      } catch (e) {
        try { fs.unlinkSync(tmp); } catch { /* not created */ }
        return hostError(e);
      }
    },
    fsAppendLine(p, line, fsync) {
      try {
        fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o700 });
        const fd = fs.openSync(p, "a", 0o600);
        try { fs.writeSync(fd, line + "\n"); if (fsync) fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
        return undefined;
      } catch (e) { return hostError(e); }
    },
    fsList(dir, max) {
      try {
        const entries = [];
        let truncated = false;
        for (const name of fs.readdirSync(dir)) {
          if (entries.length >= max) { truncated = true; break; }
          try {
            const st = fs.lstatSync(path.join(dir, name));
            entries.push({ name, kind: kindOf(st), size: st.size, mtimeMs: Math.floor(st.mtimeMs) });
          } catch { /* vanished while listing */ }
        }
        return ok({ entries, truncated });
      } catch (e) { return errJson(e); }
    },
    fsStat(p) {
      try { const st = fs.lstatSync(p); return ok({ kind: kindOf(st), size: st.size, mtimeMs: Math.floor(st.mtimeMs) }); }
      catch (e) { return errJson(e); }
    },
    fsRemove(p) {
      try { fs.unlinkSync(p); return undefined; } catch (e) { return e && e.code === "ENOENT" ? undefined : hostError(e); }
    },
    fsLock(p, ttl) {
      const body = JSON.stringify({ pid: process.pid, host: os.hostname(), acquiredAt: Date.now() });
      // The lock appears with its content or not at all (temp file, then link), so a kill
      // never leaves an empty lock nobody can prove stale.
      const tmp = path.join(path.dirname(p), `.${path.basename(p)}.lock-${process.pid}-${crypto.randomBytes(4).toString("hex")}`);
      try {
        fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o700 });
        fs.writeFileSync(tmp, body, { mode: 0o600, flag: "wx" });
      } catch (e) { return hostError(e); }
      try { return linkLock(tmp, p, ttl); } finally { try { fs.unlinkSync(tmp); } catch { /* gone */ } }
    },
    fsUnlock(p) {
      try { fs.unlinkSync(p); return undefined; } catch (e) { return e && e.code === "ENOENT" ? undefined : hostError(e); }
    },
    resolveDirs() {
      const info = rt.infoJson ? JSON.parse(rt.infoJson) : {};
      return ok({ homeDir: os.homedir(), workspaceDir: info.workspaceDir || process.cwd(), openclawStateDir: info.openclawStateDir || "" });
    },
    exec(argvJson, cwd, timeout, max) {
      try {
        const [cmd, ...args] = JSON.parse(argvJson);
        const r = spawnSync(cmd, args, { cwd: cwd || undefined, timeout, maxBuffer: max, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        if (r.error && r.error.code !== "ETIMEDOUT") return errJson(r.error);
        return ok({ status: r.status ?? -1, stdout: (r.stdout || "").slice(0, max), stderr: (r.stderr || "").slice(0, max), timedOut: Boolean(r.error && r.error.code === "ETIMEDOUT") });
      } catch (e) { return errJson(e); }
    },
    nowMs: () => Date.now(),
    monotonicMs: () => performance.now(),
    env: (name) => process.env[name],
    random: (n) => new Uint8Array(crypto.randomBytes(n)),
    log(level, code, message) { log(rt, level, `${code}: ${message}`); },
  };
}

function log(rt, level, text) {
  const l = rt.logger;
  const fn = l && (l[level] || l.info);
  if (typeof fn === "function") fn.call(l, `[agent-ops] ${text}`);
  else if (level === "error" || level === "warn") console.error(`[agent-ops] ${text}`);
}

// ---------------------------------------------------------------------------------------
// Core lifecycle: synchronous instantiation, lazy re-instantiation after a trap (G-R21).

function core(rt) {
  if (rt.core) return rt.core;
  const t0 = performance.now();
  if (rt.gluePath !== GLUE) rt.glue = null;
  if (!rt.glue) {
    delete require.cache[GLUE];
    rt.glue = require(GLUE); // wasm-bindgen --target nodejs: reads and instantiates synchronously
    rt.gluePath = GLUE;
  }
  rt.core = new rt.glue.Core(makeHost(rt));
  if (rt.configJson !== null) rt.initResult = JSON.parse(rt.core.init(rt.configJson, rt.infoJson));
  rt.loadMs = performance.now() - t0;
  log(rt, "info", `core.loaded: wasm core instantiated and initialised in ${rt.loadMs.toFixed(1)} ms`);
  return rt.core;
}

function poison(rt, e) {
  log(rt, "error", `core.trap: ${e && e.stack ? e.stack : e}`);
  rt.core = null;
  rt.glue = null; // a trapped instance may hold corrupt memory: reload the module next time
}

/** JSON text of a value with functions, cycles and non-plain objects dropped. */
function toJson(v) {
  const seen = new WeakSet();
  return JSON.stringify(v ?? null, (_k, x) => {
    if (typeof x === "function" || typeof x === "symbol") return undefined;
    if (typeof x === "bigint") return Number(x);
    // Lone surrogates become U+FFFD (phase 4 check 1 reports them) instead of JSON escapes
    // the core cannot decode.
    if (typeof x === "string") return x.toWellFormed();
    if (x && typeof x === "object") {
      if (seen.has(x)) return undefined;
      seen.add(x);
      if (typeof AbortSignal !== "undefined" && x instanceof AbortSignal) return undefined;
    }
    return x;
  });
}

/** Key order does not change a config's identity. */
function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(",")}}`;
  return JSON.stringify(v ?? null);
}

function hostInfo(api) {
  const cfg = api.config || {};
  const entry = (cfg.plugins && cfg.plugins.entries && cfg.plugins.entries[PLUGIN_ID]) || {};
  let stateDir;
  try { stateDir = api.runtime && api.runtime.state && api.runtime.state.resolveStateDir ? api.runtime.state.resolveStateDir() : undefined; } catch { stateDir = undefined; }
  const defaults = (cfg.agents && cfg.agents.defaults) || {};
  return {
    openclawStateDir: stateDir || process.env.OPENCLAW_STATE_DIR || undefined,
    homeDir: os.homedir(),
    workspaceDir: typeof defaults.workspace === "string" ? defaults.workspace : undefined,
    os: process.platform === "darwin" ? "macos" : "linux",
    conversationAccess: Boolean(entry.hooks && entry.hooks.allowConversationAccess === true),
    contextEngineSelected: Boolean(cfg.plugins && cfg.plugins.slots && cfg.plugins.slots.contextEngine === PLUGIN_ID),
    openclawVersion: api.runtime && api.runtime.version ? String(api.runtime.version) : undefined,
    models: modelEntries(cfg),
    compactionProvider: typeof (defaults.compaction || {}).provider === "string" ? defaults.compaction.provider : undefined,
    hostCompactionEnabled: (defaults.compaction || {}).enabled !== false,
    compactionTimeoutSeconds: Number.isInteger((defaults.compaction || {}).timeoutSeconds) ? defaults.compaction.timeoutSeconds : undefined,
    tmpDir: os.tmpdir(),
    pid: process.pid,
    // OpenClaw's sandbox and exec-host settings as they are; the core reads them (SandboxFacts).
    sandbox: { agents: cfg.agents ?? null, tools: cfg.tools ?? null, skills: cfg.skills ?? null },
  };
}

/** `models.providers.<p>.models[]` flattened to what phase 1 reads (window, output limit). */
function modelEntries(cfg) {
  const out = [];
  const providers = (cfg.models && cfg.models.providers) || {};
  for (const [provider, p] of Object.entries(providers)) {
    for (const m of (p && Array.isArray(p.models) ? p.models : [])) {
      if (m && typeof m.id === "string") {
        const c = m.cost && typeof m.cost === "object" ? m.cost : undefined;
        const num = (x) => (typeof x === "number" && Number.isFinite(x) && x >= 0 ? x : 0);
        out.push({
          provider, id: m.id,
          contextWindow: Number.isInteger(m.contextWindow) ? m.contextWindow : undefined,
          maxTokens: Number.isInteger(m.maxTokens) ? m.maxTokens : undefined,
          cost: c ? { input: num(c.input), output: num(c.output), cacheRead: num(c.cacheRead), cacheWrite: num(c.cacheWrite) } : undefined,
        });
      }
    }
  }
  return out;
}

function init(rt, api) {
  const configJson = canonical(api.pluginConfig ?? {});
  const infoJson = JSON.stringify(hostInfo(api));
  const key = `${configJson}\n${infoJson}`;
  if (rt.initKey === key && rt.initResult) return rt.initResult;
  rt.configJson = configJson;
  rt.infoJson = infoJson;
  rt.initResult = null;
  rt.initKey = key;
  if (rt.core) rt.initResult = JSON.parse(rt.core.init(configJson, infoJson));
  else core(rt);
  return rt.initResult;
}

/** The core's `agent-ops config applied: on [...] off [...]` line, unprefixed (issue 17). */
const applied = (rt, line) => line && (rt.logger && rt.logger.info ? rt.logger.info(line) : console.log(line));

// ---------------------------------------------------------------------------------------
// Hooks: one handler per phase and hook, as the core lists them (OC-R10).

function handle(reg, event, ctx) {
  const rt = runtime();
  let resp;
  try {
    const c = core(rt);
    resp = JSON.parse(c.dispatch(reg.handler, toJson(event ?? {}), toJson(ctx ?? null)));
  } catch (e) {
    poison(rt, e);
    return failure(reg, event);
  }
  if (resp.error) {
    log(rt, "error", `${resp.error.code}: ${resp.error.message}`);
    return failure(reg, event);
  }
  for (const d of resp.diagnostics || []) log(rt, d.level, `${d.code}: ${d.message}`);
  const ret = resp.ret ?? undefined;
  const wait = runJobs(rt, resp.jobs, ret);
  return wait ? wait.then(() => ret) : ret;
}

/** Runs the jobs of a core answer; returns a promise when one of them is a drain to await. */
function runJobs(rt, jobs, ret) {
  let wait = null;
  for (const job of jobs || []) {
    if (job.kind === "approval" && ret && ret.requireApproval) {
      ret.requireApproval.onResolution = (decision) => complete(rt, job.id, { decision });
    } else if (job.kind === "inject") {
      inject(rt, job.payload);
    } else if (job.kind === "llm") {
      runLlm(rt, job);
    } else if (job.kind === "config") {
      applyConfig(rt, job);
    } else if (job.kind === "drain") {
      wait = drain(rt, job.payload && job.payload.waitMs);
    }
  }
  return wait;
}

/** An internal LLM job (phase 3): the core built the prompt and validates the answer. */
function runLlm(rt, job) {
  const api = rt.api;
  const p = job.payload || {};
  const run = async () => {
    let outcome;
    try {
      if (!api || !api.runtime || !api.runtime.llm || typeof api.runtime.llm.complete !== "function") throw new Error("api.runtime.llm.complete is not available");
      const r = await api.runtime.llm.complete({
        systemPrompt: p.systemPrompt,
        messages: [{ role: "user", content: p.prompt }],
        purpose: p.purpose,
        maxTokens: p.maxTokens,
        signal: AbortSignal.timeout(job.timeoutMs),
      });
      outcome = { ok: true, text: r && typeof r.text === "string" ? r.text : "", stopReason: r && r.stopReason, provider: r && r.provider, model: r && r.model, usage: r && r.usage };
    } catch (e) {
      const aborted = Boolean(e && (e.name === "AbortError" || e.name === "TimeoutError"));
      outcome = { ok: false, aborted, error: String((e && e.message) || e) };
    }
    complete(rt, job.id, outcome);
  };
  // A hook's async context may belong to a run whose work scope OpenClaw already closed
  // (agent_end in the gateway): jobs start in the service's context when there is one.
  const started = rt.jobCtx ? rt.jobCtx.runInAsyncScope(run) : run();
  rt.inflight.set(job.id, started);
  started.finally(() => rt.inflight.delete(job.id));
}

/** Sets the values the core listed in OpenClaw's config file (phase 7 disables a denied skill). */
function applyConfig(rt, job) {
  const p = job.payload || {};
  const run = async () => {
    try {
      const cfgApi = rt.api && rt.api.runtime && rt.api.runtime.config;
      if (!cfgApi || typeof cfgApi.mutateConfigFile !== "function") throw new Error("api.runtime.config.mutateConfigFile is not available");
      await cfgApi.mutateConfigFile({
        afterWrite: { mode: "auto" },
        mutate(draft) {
          for (const { path: keys, value } of p.set || []) {
            let o = draft;
            for (const k of keys.slice(0, -1)) o = o[k] && typeof o[k] === "object" ? o[k] : (o[k] = {});
            o[keys[keys.length - 1]] = value;
          }
        },
      });
      complete(rt, job.id, { ok: true });
    } catch (e) {
      complete(rt, job.id, { ok: false, error: String((e && e.message) || e) });
    }
  };
  if (rt.jobCtx) rt.jobCtx.runInAsyncScope(run);
  else run();
}

/** Waits for in-flight jobs (all, or the listed ones), at most `waitMs` (the core sized it). */
function drain(rt, waitMs, ids) {
  const pending = Array.isArray(ids) ? ids.map((id) => rt.inflight.get(id)).filter(Boolean) : [...rt.inflight.values()];
  if (!pending.length || !(waitMs > 0)) return null;
  let timer;
  const limit = new Promise((resolve) => { timer = setTimeout(resolve, waitMs); if (timer.unref) timer.unref(); });
  return Promise.race([Promise.allSettled(pending), limit]).finally(() => clearTimeout(timer));
}

/** A one-shot note for the session's next turn (the core decided the text). */
function inject(rt, p) {
  const api = rt.api;
  const fn = api && (api.enqueueNextTurnInjection || (api.session && api.session.workflow && api.session.workflow.enqueueNextTurnInjection));
  if (typeof fn !== "function" || !p) return;
  Promise.resolve()
    .then(() => fn.call(api, { sessionKey: p.sessionKey, text: p.text, idempotencyKey: p.idempotencyKey, placement: "append_context", ttlMs: 3_600_000 }))
    .catch((e) => log(rt, "warn", `core.inject_failed: ${(e && e.message) || e}`));
}

/** A slash command: dispatched like a hook; the core's `ret.text` is the reply. */
function command(cmd, ctx) {
  const rt = runtime();
  try {
    const resp = JSON.parse(core(rt).dispatch(cmd.handler, toJson({ args: ctx && ctx.args }), toJson(ctx ?? null)));
    if (resp.error) return { text: `agent-ops: ${resp.error.message}` };
    const out = { text: (resp.ret && resp.ret.text) || "agent-ops: no answer" };
    if (resp.ret && resp.ret.continueAgent === true) out.continueAgent = true;
    return out;
  } catch (e) {
    poison(rt, e);
    return { text: "agent-ops: the command failed; see the gateway log" };
  }
}

/** An agent tool: dispatched like a hook with the tool context; the core's text is the result. */
function toolCall(tool, params, tctx) {
  const rt = runtime();
  const ctx = { sessionKey: tctx && tctx.sessionKey, sessionId: tctx && tctx.sessionId, agentId: tctx && tctx.agentId };
  try {
    const resp = JSON.parse(core(rt).dispatch(tool.handler, toJson({ params: params ?? {} }), toJson(ctx)));
    const text = resp.error ? `agent-ops: ${resp.error.message}` : (resp.ret && resp.ret.text) || "agent-ops: no answer";
    return { content: [{ type: "text", text }], details: (resp.ret && resp.ret.details) || {} };
  } catch (e) {
    poison(rt, e);
    return { content: [{ type: "text", text: "agent-ops: the tool failed; see the gateway log" }], details: {} };
  }
}

function complete(rt, jobId, outcome) {
  try {
    const resp = JSON.parse(core(rt).completeJob(jobId, toJson(outcome)));
    if (resp.error) log(rt, "warn", `${resp.error.code}: ${resp.error.message}`);
    for (const d of resp.diagnostics || []) log(rt, d.level, `${d.code}: ${d.message}`);
    runJobs(rt, resp.jobs, null);
  } catch (e) {
    poison(rt, e);
  }
}

/** The service: ticks the core (retries, replay) and drains at stop. */
function makeService(rt, spec) {
  const n = (rt.services = (rt.services || 0) + 1);
  const tick = () => {
    try {
      const resp = JSON.parse(core(rt).tick(Date.now()));
      if (resp.error) return log(rt, "warn", `${resp.error.code}: ${resp.error.message}`);
      for (const d of resp.diagnostics || []) log(rt, d.level, `${d.code}: ${d.message}`);
      runJobs(rt, resp.jobs, null);
    } catch (e) {
      poison(rt, e);
    }
    // OpenClaw's current config of this plugin: the core applies a change OpenClaw's replacement
    // did not (issue 17); trap recovery then starts from it, and the next register() re-inits.
    let config;
    try { config = rt.api.runtime.config.current().plugins.entries[PLUGIN_ID].config ?? null; } catch { return; }
    const a = (handle({ handler: "config_check", failure: { mode: "open" } }, { config }, null) || {}).applied;
    if (a) { rt.configJson = a.config; rt.initKey = null; applied(rt, a.line); }
  };
  return {
    id: spec.id,
    start() {
      // Jobs run in the context of the first start (the gateway's): a replacement's start runs
      // inside its reload operation, whose plugin inventory retires when it ends (issue 17).
      rt.jobCtx ??= new AsyncResource("agent-ops.jobs");
      if (rt.timer) clearInterval(rt.timer);
      rt.timer = setInterval(() => rt.jobCtx.runInAsyncScope(tick), spec.tickMs);
      rt.timerOf = n;
      if (rt.timer.unref) rt.timer.unref();
      if (spec.startHandler) handle({ handler: spec.startHandler, failure: { mode: "open" } }, { service: n }, null);
      tick();
    },
    stop() {
      // A replaced instance stopping after its successor started leaves the successor's timer.
      if (rt.timerOf === n) {
        clearInterval(rt.timer);
        rt.timer = null;
      }
      return handle({ handler: spec.stopHandler, failure: { mode: "open" } }, { service: n }, null);
    },
  };
}

// ---------------------------------------------------------------------------------------
// Phase 1: the context engine and the compaction provider (openclaw.md §6, §13). The core
// decides (gate, breaker, microcompaction, summary check); this code runs what it asks
// for: OpenClaw's delegate compaction and the summarizer's LLM call. Nothing here throws to
// OpenClaw: a throw would quarantine the engine (OC-R11).

/** One core engine call; null means "pass through". */
function engineCall(rt, method, params) {
  try {
    const out = JSON.parse(core(rt).engine(method, toJson(params)));
    for (const d of out.diagnostics || []) log(rt, d.level, `${d.code}: ${d.message}`);
    if (out.error) {
      log(rt, "warn", `${out.error.code}: ${out.error.message}`);
      return null;
    }
    if (out.invalidInput) log(rt, "warn", `${out.invalidInput.code}: ${out.invalidInput.path} ${out.invalidInput.message}`);
    return out.value ?? null;
  } catch (e) {
    poison(rt, e);
    return null;
  }
}

/** The runtime-context fields the core reads (the rest holds config, functions, signals). */
function pickRuntime(rc) {
  if (!rc || typeof rc !== "object") return undefined;
  const keys = ["trigger", "forceReason", "currentTokenCount", "provider", "modelId", "modelContextWindow", "tokenBudget", "attempt", "maxAttempts", "contextWindowReferenceTokens", "preflightCompactionTrigger"];
  const out = {};
  for (const k of keys) if (rc[k] !== undefined) out[k] = rc[k];
  if (typeof rc.model === "string") out.model = rc.model;
  return out;
}

function slimResult(r) {
  if (!r || typeof r !== "object") return r ?? null;
  const inner = r.result && typeof r.result === "object" ? r.result : undefined;
  return {
    ok: r.ok, compacted: r.compacted, reason: r.reason,
    result: inner ? { summary: inner.summary, tokensBefore: inner.tokensBefore, tokensAfter: inner.tokensAfter, firstKeptEntryId: inner.firstKeptEntryId } : undefined,
  };
}

async function delegate(rt, params) {
  try {
    rt.sdk ??= import("openclaw/plugin-sdk/core");
    const sdk = await rt.sdk;
    return { result: await sdk.delegateCompactionToRuntime(params) };
  } catch (e) {
    const aborted = Boolean((params.abortSignal && params.abortSignal.aborted) || (e && e.name === "AbortError"));
    return { error: String((e && e.message) || e), aborted };
  }
}

const PASS_MAINTAIN = { changed: false, bytesFreed: 0, rewrittenEntries: 0 };

function makeEngine(rt, spec, factoryCtx) {
  const fctx = factoryCtx || {};
  return {
    info: {
      id: spec.id,
      name: spec.name,
      version: spec.version,
      ownsCompaction: spec.ownsCompaction,
      transcriptSemantics: { currentTurnFence: "before-current-turn-entry-v1", turnAdvancementIdempotency: "atomic-idempotent-v1" },
    },
    async ingest() {
      return { ingested: false };
    },
    async assemble(p) {
      const messages = Array.isArray(p && p.messages) ? p.messages : [];
      const v = engineCall(rt, "assemble", {
        sessionId: p && p.sessionId, sessionKey: p && p.sessionKey, messages: p && p.messages, tokenBudget: p && p.tokenBudget,
        model: p && typeof p.model === "string" ? p.model : undefined,
        runtimeSettings: p && p.runtimeSettings && p.runtimeSettings.model ? { model: p.runtimeSettings.model } : undefined,
        runtimeContext: pickRuntime(p && p.runtimeContext),
      });
      if (!v) return { messages, estimatedTokens: 0 };
      let out = messages;
      // A resumed session's repaired transcript (P6-R13), phase 1's clears already applied.
      if (Array.isArray(v.messages)) out = v.messages;
      else if (Array.isArray(v.clear) && v.clear.length) {
        out = messages.slice();
        for (const i of v.clear) if (out[i]) out[i] = { ...out[i], content: structuredClone(v.replacement) };
      }
      const res = { messages: out, estimatedTokens: Number.isFinite(v.estimatedTokens) ? v.estimatedTokens : 0 };
      if (typeof v.systemPromptAddition === "string") res.systemPromptAddition = v.systemPromptAddition;
      return res;
    },
    async compact(p) {
      // P3-R17: a notes job of this session in flight is given a moment to finish first.
      const w = engineCall(rt, "compactWait", { sessionId: p && p.sessionId, sessionKey: p && p.sessionKey });
      if (w && w.waitMs > 0) await drain(rt, w.waitMs, w.jobs);
      const d = engineCall(rt, "compact", {
        sessionId: p && p.sessionId, sessionKey: p && p.sessionKey, tokenBudget: p && p.tokenBudget, force: p && p.force,
        currentTokenCount: p && p.currentTokenCount, compactionTarget: p && p.compactionTarget,
        customInstructions: p && p.customInstructions, runtimeContext: pickRuntime(p && p.runtimeContext),
      });
      if (d && d.action === "return") return d.value;
      const params = d && typeof d.customInstructions === "string" ? { ...p, customInstructions: d.customInstructions } : p;
      const { result, error, aborted } = await delegate(rt, params);
      if (d && d.attempt) {
        const v = engineCall(rt, "compactResult", { attempt: d.attempt, result: slimResult(result), error, aborted });
        if (v) return v;
      }
      return error === undefined ? result : { ok: false, compacted: false, reason: `agent-ops: compaction failed: ${error}` };
    },
    async commitTurn(p) {
      const a = (p && p.admission) || {};
      const v = engineCall(rt, "commitTurn", { advancementKey: p && p.advancementKey, admission: { sessionId: a.sessionId, sessionKey: a.sessionKey }, messages: p && p.messages });
      return { status: v && v.status === "duplicate" ? "duplicate" : "committed" };
    },
    async maintain(p) {
      const rc = (p && p.runtimeContext) || {};
      const d = engineCall(rt, "maintain", { sessionId: p && p.sessionId, sessionKey: p && p.sessionKey, runtimeContext: pickRuntime(rc) });
      if (d && d.action === "delegate") {
        // openclaw.md §13.3: the post-turn runtime context lacks model and config.
        const { result, error, aborted } = await delegate(rt, {
          sessionId: p.sessionId, sessionKey: p.sessionKey, sessionTarget: p.sessionTarget,
          tokenBudget: rc.tokenBudget ?? d.tokenBudget, force: true, customInstructions: d.customInstructions ?? undefined,
          runtimeContext: { ...rc, model: rc.model ?? rc.modelId, config: rc.config ?? fctx.config, agentDir: rc.agentDir ?? fctx.agentDir, workspaceDir: rc.workspaceDir ?? fctx.workspaceDir },
        });
        engineCall(rt, "compactResult", { attempt: d.attempt, result: slimResult(result), error, aborted });
      } else if (d && d.action === "microcompact" && typeof rc.rewriteTranscriptEntries === "function") {
        // openclaw.md §13.5: persistent microcompaction through the transcript rewrite.
        try {
          const rt2 = await import("openclaw/plugin-sdk/session-transcript-runtime");
          const entries = await rt2.readVisibleSessionTranscriptMessageEntries(p.sessionTarget || rc.sessionTarget);
          const plan = engineCall(rt, "microcompactEntries", {
            sessionId: p.sessionId, sessionKey: p.sessionKey,
            entries: (entries || []).map((e) => ({ entryId: e.entryId, message: e.message })),
          });
          if (plan && Array.isArray(plan.replacements) && plan.replacements.length) {
            const r = await rc.rewriteTranscriptEntries({ replacements: plan.replacements });
            engineCall(rt, "microcompactPersisted", { sessionKey: p.sessionKey, result: r });
            return { changed: Boolean(r && r.changed), bytesFreed: (r && r.bytesFreed) || 0, rewrittenEntries: (r && r.rewrittenEntries) || 0 };
          }
        } catch (e) {
          engineCall(rt, "microcompactPersisted", { sessionKey: p.sessionKey, error: String((e && e.message) || e) });
        }
      }
      return PASS_MAINTAIN;
    },
  };
}

function makeCompactionProvider(rt, api, spec) {
  return {
    id: spec.id,
    label: spec.label,
    async summarize(p) {
      const req = engineCall(rt, "summaryRequest", { messages: p && p.messages, previousSummary: p && p.previousSummary });
      if (!req || req.skip) throw new Error("agent-ops: the nine-section summary is off; using OpenClaw's summary");
      const r = await api.runtime.llm.complete({
        systemPrompt: req.systemPrompt,
        messages: [{ role: "user", content: req.prompt }],
        purpose: req.purpose,
        maxTokens: req.maxTokens,
        signal: p && p.signal,
      });
      const text = r && typeof r.text === "string" ? r.text : "";
      const check = engineCall(rt, "summaryCheck", { text });
      if (!check || !check.ok) {
        throw new Error(`agent-ops: the summary lacks required sections (${((check && check.missing) || []).join(", ") || "empty"})`);
      }
      return text;
    },
  };
}

/** The core's failure policy: closed (its `ret`) for all calls or only the listed tool ids. */
function failure(reg, event) {
  const f = reg.failure;
  if (!f || f.mode !== "closed") return undefined;
  const tool = String((event && event.toolName) || "").trim().toLowerCase();
  return !f.tools || f.tools.includes(tool) ? f.ret : undefined;
}

export default {
  id: PLUGIN_ID,
  name: "Agent Ops",
  description: "Production agent operations: compaction governance, loop budgets, session memory, shell-command security, memory scoping, coordinator resume integrity, forked agents and skills.",
  register(api) {
    const rt = runtime();
    rt.logger = api.logger || rt.logger;
    registerCli(api, () => { core(rt); return { glue: rt.glue, host: makeHost(rt) }; });
    if (api.registrationMode === "cli-metadata") return;
    rt.api = api;
    const result = init(rt, api);
    if (!result || !result.ok) {
      const errors = (result && result.errors) || [];
      const text = errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join("; ");
      throw new Error(`agent-ops: invalid config at plugins.entries.agent-ops.config: ${text || "unknown error"}`);
    }
    // Every live (re)registration: gateway start, config hot reload, `plugins reload`.
    if ((api.registrationMode ?? "full") === "full") applied(rt, result.applied);
    for (const d of result.diagnostics || []) {
      const onceKey = `${d.code}:${d.message}`;
      if (rt.once.has(onceKey)) continue;
      rt.once.add(onceKey);
      log(rt, d.level, `${d.code}: ${d.message}`);
    }
    // One registration per hook: the core runs the phases behind it (issue 17).
    for (const reg of result.hooks || []) {
      const opts = { priority: reg.priority };
      if (reg.matcher) opts.matcher = reg.matcher;
      api.on(reg.hook, (event, ctx) => handle(reg, event, ctx), opts);
    }
    for (const cmd of result.commands || []) {
      if (typeof api.registerCommand === "function") {
        api.registerCommand({ name: cmd.name, description: cmd.description, acceptsArgs: cmd.acceptsArgs, handler: (ctx) => command(cmd, ctx) });
      }
    }
    for (const tool of result.tools || []) {
      if (typeof api.registerTool === "function") {
        api.registerTool((tctx) => ({
          name: tool.name, label: tool.label, description: tool.description, parameters: tool.parameters, catalogMode: "direct-only",
          async execute(_id, params) { return toolCall(tool, params, tctx); },
        }), { name: tool.name });
      }
    }
    if (result.service && typeof api.registerService === "function") {
      api.registerService(makeService(rt, result.service));
    }
    if (result.engine && typeof api.registerContextEngine === "function") {
      const spec = result.engine;
      api.registerContextEngine(spec.id, (factoryCtx) => makeEngine(rt, spec, factoryCtx));
    }
    if (result.compactionProvider && typeof api.registerCompactionProvider === "function") {
      api.registerCompactionProvider(makeCompactionProvider(rt, api, result.compactionProvider));
    }
    // A real load (not discovery or the CLI): the record `agent-ops doctor` reads as "loaded".
    if (api.registrationMode === "full") {
      try {
        const rec = JSON.parse(core(rt).recordLoaded(process.pid, rt.configJson));
        if (rec.error) log(rt, "warn", `core.load_record_failed: ${rec.error}`);
      } catch (e) { poison(rt, e); }
    }
  },
};
