// agent-ops OpenClaw plugin entry: a thin adapter around the Rust core (wasm).
//
// What lives here (README G-R5): synchronous instantiation of the wasm core, the process-wide
// singleton (OpenClaw evaluates this module several times and splits hooks across copies,
// openclaw.md §3), hook registration as the core lists it, JSON translation both ways, running
// the jobs and engine effects the core asks for, and the failure policy the core declared for
// each handler. The Host is in host.js. No policy decision lives in this file: what to send,
// what to do next and what to answer all come from the core.

import os from "node:os";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { AsyncResource } from "node:async_hooks";
import { makeHost, log, abortRun, wasmStamp, live } from "./host.js";
import { registerCli } from "./cli.js";

const PLUGIN_ID = "agent-ops";
const SINGLETON = Symbol.for("agent-ops.runtime.v1");
const require = createRequire(import.meta.url);
const GLUE = require.resolve("./wasm/agent_ops.js");

/** The one state object shared by every evaluation of this module in the process. */
const runtime = () => (globalThis[SINGLETON] ??= { glue: null, gluePath: null, core: null, initKey: null, configJson: null, infoJson: null, initResult: null, logger: null, api: null, once: new Set(), inflight: new Map(), timer: null });

// ---------------------------------------------------------------------------------------
// Core lifecycle: synchronous instantiation, lazy re-instantiation after a trap (G-R21).

/** The wasm module (wasm-bindgen --target nodejs, synchronous). A new build on disk (reload or re-install: same path, new file) replaces the core at the next register() (OC-R7). */
function glue(rt) {
  const stamp = wasmStamp(GLUE);
  if (rt.glue && rt.glueStamp === stamp) return rt.glue;
  if (rt.glue) log(rt, "info", `core.reloaded: a new wasm build (${stamp}) replaces the running core`);
  delete require.cache[GLUE]; // the singleton outlives module copies: only this re-reads the wasm
  Object.assign(rt, { glue: require(GLUE), gluePath: GLUE, glueStamp: stamp, core: rt.glue ? null : rt.core, initKey: rt.glue ? null : rt.initKey });
  return rt.glue;
}

function core(rt) {
  if (rt.core) return rt.core;
  const t0 = performance.now();
  rt.core = new (glue(rt).Core)(makeHost(rt));
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

/**
 * One call into the core: its JSON answer parsed, diagnostics and errors logged, jobs started
 * (`wait` is the drain to await, if any). Null when the core trapped (the instance is dropped).
 */
function call(rt, method, ...args) {
  let out;
  try { out = JSON.parse(core(rt)[method](...args)); } catch (e) { poison(rt, e); return null; }
  if (out.error) log(rt, "warn", `${out.error.code}: ${out.error.message}`);
  for (const d of out.diagnostics || []) log(rt, d.level, `${d.code}: ${d.message}`);
  out.wait = runJobs(rt, out.jobs, out.ret);
  return out;
}

/** What the core needs to know about this process; it derives the rest (HostInfo::from_plugin_facts). */
function hostFacts(api) {
  let stateDir;
  try { stateDir = api.runtime?.state?.resolveStateDir?.(); } catch { /* not known */ }
  return { openclaw: api.config ?? null, stateDir, homeDir: os.homedir(), tmpDir: os.tmpdir(), pid: process.pid, platform: process.platform, version: api.runtime?.version };
}

function init(rt, api) {
  const configJson = canonical(api.pluginConfig ?? {});
  let infoJson;
  try { infoJson = glue(rt).hostInfo(toJson(hostFacts(api))); } catch (e) { poison(rt, e); infoJson = "{}"; }
  const key = `${configJson}\n${infoJson}`;
  if (rt.initKey === key && rt.initResult) return rt.initResult;
  Object.assign(rt, { configJson, infoJson, initResult: null, initKey: key });
  if (rt.core) rt.initResult = JSON.parse(rt.core.init(configJson, infoJson));
  else core(rt);
  return rt.initResult;
}

/** The core's `agent-ops config applied: on [...] off [...]` line, unprefixed (issue 17). */
const applied = (rt, line) => line && (rt.logger && rt.logger.info ? rt.logger.info(line) : console.log(line));

// ---------------------------------------------------------------------------------------
// Hooks, commands, tools, jobs: one handler per hook, as the core lists them (OC-R10).

function handle(reg, event, ctx) {
  const resp = call(runtime(), "dispatch", reg.handler, toJson(event ?? {}), toJson(ctx ?? null));
  if (!resp || resp.error) return failure(reg, event);
  const ret = live(event, resp.ret ?? undefined);
  return resp.wait ? resp.wait.then(() => ret) : ret;
}

/** Runs the jobs of a core answer; returns a promise when one of them is a drain to await. */
function runJobs(rt, jobs, ret) {
  let wait = null;
  for (const job of jobs || []) {
    if (job.kind === "approval" && ret?.requireApproval) ret.requireApproval.onResolution = (decision) => complete(rt, job.id, { decision });
    else if (job.kind === "drain") wait = drain(rt, job.payload?.waitMs);
    else ({ inject, llm: runLlm, config: applyConfig, abort: abortRun })[job.kind]?.(rt, job);
  }
  return wait;
}

/** An internal LLM job (phase 3): the core built the prompt and validates the answer. */
function runLlm(rt, job) {
  const p = job.payload || {};
  const started = inJobContext(rt, async () => {
    let outcome;
    try {
      const llm = rt.api?.runtime?.llm;
      if (typeof llm?.complete !== "function") throw new Error("api.runtime.llm.complete is not available");
      const r = await llm.complete({ systemPrompt: p.systemPrompt, messages: [{ role: "user", content: p.prompt }], purpose: p.purpose, maxTokens: p.maxTokens, signal: AbortSignal.timeout(job.timeoutMs) });
      outcome = { ok: true, text: typeof r?.text === "string" ? r.text : "", stopReason: r?.stopReason, provider: r?.provider, model: r?.model, usage: r?.usage };
    } catch (e) {
      outcome = { ok: false, aborted: e?.name === "AbortError" || e?.name === "TimeoutError", error: String(e?.message || e) };
    }
    complete(rt, job.id, outcome);
  });
  rt.inflight.set(job.id, started);
  started.finally(() => rt.inflight.delete(job.id));
}

/** A hook's async context may belong to a run whose work scope OpenClaw already closed
 * (agent_end in the gateway): jobs start in the service's context when there is one. */
const inJobContext = (rt, run) => (rt.jobCtx ? rt.jobCtx.runInAsyncScope(run) : run());

/** Sets the values the core listed in OpenClaw's config file (phase 7 disables a denied skill). */
function applyConfig(rt, job) {
  inJobContext(rt, async () => {
    try {
      const cfgApi = rt.api?.runtime?.config;
      if (typeof cfgApi?.mutateConfigFile !== "function") throw new Error("api.runtime.config.mutateConfigFile is not available");
      const mutate = (draft) => { for (const { path: keys, value } of job.payload?.set || []) setPath(draft, keys, value); };
      await cfgApi.mutateConfigFile({ afterWrite: { mode: "auto" }, mutate });
      complete(rt, job.id, { ok: true });
    } catch (e) {
      complete(rt, job.id, { ok: false, error: String(e?.message || e) });
    }
  });
}

/** Waits for in-flight jobs (all, or the listed ones), at most `waitMs` (the core sized it). */
function drain(rt, waitMs, ids) {
  const pending = Array.isArray(ids) ? ids.map((id) => rt.inflight.get(id)).filter(Boolean) : [...rt.inflight.values()];
  if (!pending.length || !(waitMs > 0)) return null;
  let timer;
  const limit = new Promise((resolve) => { timer = setTimeout(resolve, waitMs); if (timer.unref) timer.unref(); });
  return Promise.race([Promise.allSettled(pending), limit]).finally(() => clearTimeout(timer));
}

/** A one-shot note for the session's next turn: the core wrote the whole request. */
function inject(rt, { payload: p }) {
  const api = rt.api;
  const fn = api?.enqueueNextTurnInjection || api?.session?.workflow?.enqueueNextTurnInjection;
  if (typeof fn !== "function" || !p) return;
  Promise.resolve().then(() => fn.call(api, p)).catch((e) => log(rt, "warn", `core.inject_failed: ${e?.message || e}`));
}

/** A slash command: dispatched like a hook; the core's `ret.text` is the reply. */
function command(cmd, ctx) {
  const resp = call(runtime(), "dispatch", cmd.handler, toJson({ args: ctx?.args }), toJson(ctx ?? null));
  if (!resp) return { text: "agent-ops: the command failed; see the gateway log" };
  if (resp.error) return { text: `agent-ops: ${resp.error.message}` };
  return resp.ret?.continueAgent === true ? { text: resp.ret.text || "agent-ops: no answer", continueAgent: true } : { text: resp.ret?.text || "agent-ops: no answer" };
}

/** An agent tool: dispatched like a hook with the tool context; the core's text is the result. */
function toolCall(tool, params, tctx) {
  const ctx = { sessionKey: tctx?.sessionKey, sessionId: tctx?.sessionId, agentId: tctx?.agentId };
  const resp = call(runtime(), "dispatch", tool.handler, toJson({ params: params ?? {} }), toJson(ctx));
  const text = !resp ? "agent-ops: the tool failed; see the gateway log" : resp.error ? `agent-ops: ${resp.error.message}` : resp.ret?.text || "agent-ops: no answer";
  return { content: [{ type: "text", text }], details: resp?.ret?.details || {} };
}

const complete = (rt, jobId, outcome) => call(rt, "completeJob", jobId, toJson(outcome));

/** The service: ticks the core (retries, replay) and drains at stop. */
function makeService(rt, spec) {
  const n = (rt.services = (rt.services || 0) + 1);
  const tick = () => {
    if (call(rt, "tick", Date.now())?.error) return;
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
      if (rt.timerOf === n) { clearInterval(rt.timer); rt.timer = null; }
      return handle({ handler: spec.stopHandler, failure: { mode: "open" } }, { service: n }, null);
    },
  };
}

// ---------------------------------------------------------------------------------------
// Phase 1: the context engine and the compaction provider (openclaw.md §6, §13). The core
// decides everything, including each step of compact, maintain and summarize (an effect loop:
// it answers with the effect to perform next, or the value to return). Nothing here throws to
// OpenClaw unless the core says so: a throw would quarantine the engine (OC-R11).

/** One engine method; null means "pass through". */
function engine(rt, method, params) {
  const out = call(rt, "engine", method, toJson(params));
  return out && !out.error ? out.value ?? null : null;
}

/** The listed paths (`a.b`) of OpenClaw's arguments: what the core reads, nothing else. */
function pick(src, paths) {
  const out = {};
  for (const p of paths || []) {
    const [v] = lookup(src, p);
    if (v !== undefined) setPath(out, p.split("."), v);
  }
  return out;
}

/** Sets `value` at the path `keys` of `o`, creating objects on the way. */
function setPath(o, keys, value) {
  for (const k of keys.slice(0, -1)) o = o[k] && typeof o[k] === "object" ? o[k] : (o[k] = {});
  o[keys[keys.length - 1]] = value;
}

/** The value at a dotted path, and the object holding it (`this` for a method). */
function lookup(base, path) {
  let [v, self] = [base, undefined];
  for (const k of String(path).split(".")) [self, v] = [v, v?.[k]];
  return [v, self];
}

/** A core template made concrete: `{$ref, default}` and `{$spread, …}` name values of `scope`. */
function resolve(v, scope) {
  if (Array.isArray(v)) return v.map((x) => resolve(x, scope));
  if (!v || typeof v !== "object") return v;
  if (typeof v.$ref === "string") return lookup(scope, v.$ref)[0] ?? resolve(v.default, scope);
  const out = typeof v.$spread === "string" ? { ...lookup(scope, v.$spread)[0] } : {};
  for (const [k, x] of Object.entries(v)) if (k !== "$spread") out[k] = resolve(x, scope);
  return out;
}

/** One effect the core asked for; its outcome is `{result}`, `{error, aborted}` or `{unavailable}`. */
async function perform(rt, e, scope) {
  if (e.kind === "wait") return { result: await drain(rt, e.waitMs, e.jobs) };
  try {
    if (e.requires && typeof lookup(scope, e.requires)[0] !== "function") return { unavailable: true };
    const base = e.module ? await ((rt.modules ??= {})[e.module] ??= import(e.module)) : scope;
    const [fn, self] = lookup(base, e.fn);
    return { result: await fn.apply(self, resolve(e.args || [], scope)) };
  } catch (err) {
    const aborted = Boolean((err && err.name === "AbortError") || (e.signal && lookup(scope, e.signal)[0]?.aborted));
    return { error: String((err && err.message) || err), aborted, cause: err };
  }
}

/** Runs a multi-step call: asks the core for each step, performs its effect, reports back. */
async function drive(rt, spec, op, scope) {
  const ask = (q) => engine(rt, "step", q);
  let step = ask({ op, params: pick(scope.call, spec.fields[op]) }) ?? spec.failure[op];
  while (step && step.effect) {
    scope.outcome = await perform(rt, step.effect, scope);
    if (!step.next) break;
    step = ask({ ...step.next, outcome: scope.outcome }) ?? step.fallback;
  }
  const t = step?.throw === undefined ? undefined : resolve(step.throw, scope);
  if (t !== undefined) throw t instanceof Error ? t : new Error(String(t));
  return resolve(step?.value, scope);
}

function makeEngine(rt, spec, factoryCtx) {
  const fctx = factoryCtx || {};
  return {
    info: { id: spec.id, name: spec.name, version: spec.version, ownsCompaction: spec.ownsCompaction, transcriptSemantics: spec.transcriptSemantics },
    ingest: async () => ({ ingested: false }),
    async assemble(p) {
      const messages = Array.isArray(p && p.messages) ? p.messages : [];
      const v = engine(rt, "assemble", pick(p, spec.fields.assemble));
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
    compact: (p) => drive(rt, spec, "compact", { call: p ?? {}, factory: fctx }),
    commitTurn: async (p) => ({ status: engine(rt, "commitTurn", pick(p, spec.fields.commitTurn))?.status === "duplicate" ? "duplicate" : "committed" }),
    maintain: (p) => drive(rt, spec, "maintain", { call: p ?? {}, factory: fctx }),
    // Phase 6's lineage (P6-R1): `prepared`, its rollback, and `ended` in engine mode.
    async prepareSubagentSpawn(p) {
      const v = engine(rt, "prepareSubagentSpawn", pick(p, spec.fields.prepareSubagentSpawn));
      return v?.rollback ? { rollback: async () => void engine(rt, "rollbackSubagentSpawn", pick(p, spec.fields.rollbackSubagentSpawn)) } : undefined;
    },
    onSubagentEnded: async (p) => void engine(rt, "onSubagentEnded", pick(p, spec.fields.onSubagentEnded)),
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
      const line = `${d.code}: ${d.message}`;
      if (!rt.once.has(line)) log(rt, d.level, line), rt.once.add(line);
    }
    // One registration per hook: the core runs the phases behind it (issue 17).
    for (const reg of result.hooks || []) {
      const opts = { priority: reg.priority };
      if (reg.matcher) opts.matcher = reg.matcher;
      api.on(reg.hook, (event, ctx) => handle(reg, event, ctx), opts);
    }
    for (const cmd of typeof api.registerCommand === "function" ? result.commands || [] : []) {
      api.registerCommand({ name: cmd.name, description: cmd.description, acceptsArgs: cmd.acceptsArgs, handler: (ctx) => command(cmd, ctx) });
    }
    for (const tool of typeof api.registerTool === "function" ? result.tools || [] : []) {
      const { handler: _h, ...spec } = tool;
      api.registerTool((tctx) => ({ ...spec, execute: async (_id, params) => toolCall(tool, params, tctx) }), { name: tool.name });
    }
    if (result.service && typeof api.registerService === "function") api.registerService(makeService(rt, result.service));
    const engineSpec = result.engine || { fields: {}, failure: {} };
    if (result.engine && typeof api.registerContextEngine === "function") {
      api.registerContextEngine(engineSpec.id, (factoryCtx) => makeEngine(rt, engineSpec, factoryCtx));
    }
    if (result.compactionProvider && typeof api.registerCompactionProvider === "function") {
      const { id, label } = result.compactionProvider;
      api.registerCompactionProvider({ id, label, summarize: (p) => drive(rt, engineSpec, "summarize", { call: p ?? {}, api }) });
    }
    // A real load (not discovery or the CLI): the record `agent-ops doctor` reads as "loaded".
    if (api.registrationMode === "full") call(rt, "recordLoaded", process.pid, rt.configJson);
  },
};
