// README G-R20 at the wasm boundary: bad input never panics or traps. Every export of the Node
// build (pkg/wasm, loaded directly, `new Core(host)`) and of the WIT component (jco-transpiled)
// is fed malformed JSON, wrong JSON types, deeply nested JSON, huge strings and lone surrogates;
// each answer must be JSON of the documented shape (a typed `core.invalid_input` error for bad
// input). Hosts that throw or return garbage must not make the core trap either.
// Run through `bash scripts/component-test.sh` (it transpiles the component first).
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  makeTempRoot, makeJsHost, makeWitHost, loadNodeBuild, instantiateComponent, configJson, hostInfoJson,
  isTrap, describeThrown, label,
} from "../component/hosts.mjs";

const HANDLER = "bashSecurity:before_tool_call";
const MB = 1024 * 1024;
const DEPTH = 100_000;

// ---------------------------------------------------------------------------------------------
// Inputs

const HUGE = "a".repeat(20 * MB);
const HUGE_JSON_STRING = `"${HUGE}"`;
const HUGE_EVENT = JSON.stringify({ toolName: "exec", params: { command: HUGE } });

/** JSON text that does not parse (or is refused: too deep, too big). `blank` parses as null. */
const MALFORMED_JSON = [
  "{", "}", "[", "]", "nul", "tru", "{\"a\":}", "{'a':1}", "{\"a\":1}garbage", "{\"a\" 1}", "[1,]", "{,}",
  "NaN", "Infinity", "-", "+1", "01", "1e999999", "\u0000", "{\"a\":\"\u0001\"}", "\uFEFF{}",
  "\"\\uZZZZ\"", "\"unterminated",
  "[".repeat(DEPTH), "{\"a\":".repeat(DEPTH), "[".repeat(DEPTH) + "]".repeat(DEPTH),
  "{\"a\":".repeat(DEPTH) + "1" + "}".repeat(DEPTH), "[".repeat(129) + "]".repeat(129),
  HUGE, HUGE_JSON_STRING, HUGE_EVENT,
];
/**
 * JSON text with lone-surrogate escapes: the component build refuses it as malformed; the Node
 * build reads each escape as U+FFFD (the binding rewrites them, so check 1 sees the character),
 * so either a typed error or a normal answer is right; never a trap.
 */
const LONE_SURROGATE_JSON = ["\"\\ud800\"", "{\"a\":\"\\udc00\"}"];
const BLANK_JSON = ["", "   ", "\n\t"];
/** Valid JSON that is not an object. */
const NON_OBJECT_JSON = ["42", "-1", "1.5e300", "-0", "18446744073709551616", "\"str\"", "true", "false", "null", "[]", "[1,{\"a\":[]}]", "\"\uD800\""];
/** Objects with garbage members (valid JSON objects). */
const ODD_EVENTS = [
  {},
  { toolName: 42 },
  { toolName: "exec" },
  { toolName: "exec", params: [] },
  { toolName: "exec", params: null },
  { toolName: "exec", params: "rm -rf /" },
  { toolName: "exec", params: { command: null } },
  { toolName: "exec", params: { command: ["rm", "-rf", "/"] } },
  { toolName: "exec", params: { command: { $: "x" } } },
  { toolName: "exec", params: { command: 1e308 } },
  { toolName: "exec", params: { command: "ls", env: [1, 2], workdir: 42, cwd: {} } },
  { toolName: "exec", params: { command: "ls", env: { PATH: 42, LD_PRELOAD: null, "": "" } } },
  { toolName: "exec", params: { command: "ls", workdir: "relative/../../x" } },
  { toolName: "exec", toolKind: 42, params: { code: {} } },
  { toolName: "exec", toolKind: "code_mode_exec", params: { code: null } },
  { toolName: "process", params: { action: 42, command: null } },
  { toolName: "process", params: { action: "write", data: ["x"] } },
  { toolName: "exec", params: { command: "ls" }, runId: 42, toolCallId: [], sessionKey: {} },
  { toolName: "exec", params: { command: "\u0000" } },
  { toolName: "exec", params: { command: "" } },
  { toolName: "exec", params: { command: "x".repeat(MB) } },
  { toolName: "exec", params: { command: "echo " + "a".repeat(200 * 1024) } },
  { toolName: "exec", params: { command: "$(".repeat(DEPTH) } },
  { toolName: "exec", params: { command: "(".repeat(DEPTH) + ")".repeat(DEPTH) } },
  { toolName: "exec", params: { command: "a && ".repeat(DEPTH) + "b" } },
  { toolName: "exec", params: { command: "ls" }, deep: JSON.parse("[".repeat(120) + "]".repeat(120)) },
  Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i])),
];
const ODD_CTX = [
  { sessionKey: 42, workspaceDir: [], runId: {} },
  { workspaceDir: "relative/path" },
  { workspaceDir: "" },
  { home: 42, cwd: null, os: {} },
  { os: "windows", home: "", cwd: "" },
];
/**
 * Objects holding lone surrogates: JSON.stringify escapes them (`"\ud800"`), which serde_json
 * refuses, so the core may answer with a typed error instead of a result (both are fine here).
 */
const LONE_SURROGATE_EVENTS = [{ toolName: "exec", params: { command: "ls \uD800 \uDC00" } }];
const LONE_SURROGATE_CTX = [{ workspaceDir: "\uD800" }, { cwd: "a\uDC00" }];
/** Arbitrary strings for string-typed parameters (hook, method, job id, command). */
const STRINGS = [
  "", " ", "\u0000", "\uD800", "a\uDC00b", "\uDBFF\uDFFF", "🙂", ":", "::::", "bashSecurity:", ":before_tool_call",
  "nope:before_tool_call", `${HANDLER}:extra`, HANDLER, "before_tool_call", "'", "\"", "\\", "$", "`", "#",
  "$(".repeat(DEPTH), "(".repeat(DEPTH), "{".repeat(DEPTH), "[".repeat(DEPTH), "`".repeat(DEPTH), "<(".repeat(DEPTH),
  "$((".repeat(DEPTH), "${".repeat(DEPTH), "\"$(\"".repeat(DEPTH / 4), "a && ".repeat(DEPTH) + "b", "|".repeat(DEPTH),
  "a=b ".repeat(DEPTH), "\n".repeat(DEPTH), "cat <<EOF\n".repeat(DEPTH / 10), "if then fi ".repeat(DEPTH / 10),
  "x".repeat(MB), HUGE,
];

const str = (v) => (typeof v === "string" ? v : JSON.stringify(v));

// ---------------------------------------------------------------------------------------------
// Targets: a uniform face over both builds; `fresh()` gives a new, initialised instance.

function nodeTarget(dirs, hostFactory = () => makeJsHost(dirs).host) {
  let glue = loadNodeBuild();
  const t = {
    name: "node",
    fresh({ reload = false, init = true } = {}) {
      if (reload) glue = loadNodeBuild(); // after a trap the module memory may be corrupt
      const core = new glue.Core(hostFactory());
      if (init) {
        const r = JSON.parse(core.init(configJson(dirs), hostInfoJson(dirs)));
        assert.equal(r.ok, true, `init of a fresh node core failed: ${JSON.stringify(r.errors)}`);
      }
      t.x = {
        version: () => core.version(),
        coreVersion: () => glue.coreVersion(),
        init: (a, b) => core.init(a, b),
        dispatch: (a, b, c) => core.dispatch(a, b, c),
        engine: (a, b) => core.engine(a, b),
        completeJob: (a, b) => core.completeJob(a, b),
        evaluateCommand: (a, b) => core.evaluateCommand(a, b),
        tick: (n) => core.tick(n),
        validateConfig: (a) => glue.validateConfig(a),
      };
      return t;
    },
  };
  return t;
}

async function componentTarget(dirs, hostFactory = () => makeWitHost(dirs).host) {
  const t = {
    name: "component",
    async fresh({ init = true } = {}) {
      const c = await instantiateComponent(hostFactory());
      if (init) {
        const r = JSON.parse(c.init(configJson(dirs), hostInfoJson(dirs)));
        assert.equal(r.ok, true, `init of a fresh component failed: ${JSON.stringify(r.errors)}`);
      }
      t.x = {
        version: () => c.version(),
        init: (a, b) => c.init(a, b),
        dispatch: (a, b, cc) => c.dispatch(a, b, cc),
        engine: (a, b) => c.engine(a, b),
        completeJob: (a, b) => c.completeJob(a, b),
        evaluateCommand: (a, b) => c.evaluateCommand(a, b),
        tick: (n) => c.tick(typeof n === "bigint" ? n : n),
        validateConfig: (a) => c.validateConfig(a),
      };
      return t;
    },
  };
  await t.fresh();
  return t;
}

// ---------------------------------------------------------------------------------------------
// Shape checks: each returns null when fine, else a description of what is wrong.

function parseOut(out) {
  if (typeof out !== "string") return [null, `returned ${typeof out}, not a string`];
  try {
    return [JSON.parse(out), null];
  } catch (e) {
    return [null, `returned invalid JSON (${e.message}): ${out.slice(0, 200)}`];
  }
}

function checkError(v, pointer) {
  const e = v && v.error;
  if (!e || typeof e !== "object") return `expected {"error":…}, got ${JSON.stringify(v).slice(0, 300)}`;
  if (e.code !== "core.invalid_input") return `error code ${e.code}, expected core.invalid_input: ${JSON.stringify(e).slice(0, 300)}`;
  if (typeof e.message !== "string" || !e.message) return `error without a message: ${JSON.stringify(e)}`;
  if (typeof e.path !== "string") return `error without a path: ${JSON.stringify(e)}`;
  if (pointer !== undefined && e.path !== pointer) return `error path ${JSON.stringify(e.path)}, expected ${pointer}`;
  return null;
}

function checkHookResponse(v) {
  if (!v || typeof v !== "object" || Array.isArray(v)) return `not an object: ${JSON.stringify(v)}`;
  if (v.error) return `unexpected error ${JSON.stringify(v.error)}`;
  for (const k of ["ret", "jobs", "decisions", "diagnostics"]) if (!(k in v)) return `HookResponse without ${k}: ${JSON.stringify(v).slice(0, 300)}`;
  if (!Array.isArray(v.jobs) || !Array.isArray(v.decisions) || !Array.isArray(v.diagnostics)) return "HookResponse arrays are not arrays";
  return null;
}

const checkErrorOr = (other) => (v, pointer) => (v && v.error ? checkError(v, pointer) : other(v));

/** A hook answer in which no command was allowed (a lone surrogate in a command, check 1). */
function checkNotAllowed(v) {
  const p = checkHookResponse(v);
  if (p) return p;
  return v.decisions.some((d) => d.action === "allow") ? `allowed: ${JSON.stringify(v.decisions).slice(0, 300)}` : null;
}

function checkRecord(v) {
  if (v && v.error) return `unexpected error ${JSON.stringify(v.error)}`;
  const keys = Object.keys(v || {});
  if (keys.join() !== "command,verdict,checks,reason,message") return `record keys ${keys.join()}`;
  if (!["allow", "ask", "deny"].includes(v.verdict)) return `verdict ${v.verdict}`;
  return null;
}

function checkInitRefused(v) {
  if (!v || v.ok !== false) return `init accepted it: ${JSON.stringify(v).slice(0, 200)}`;
  if (!Array.isArray(v.errors) || v.errors.length === 0) return `ok:false without errors: ${JSON.stringify(v).slice(0, 300)}`;
  for (const e of v.errors) if (typeof e.message !== "string" || typeof e.path !== "string") return `malformed config error ${JSON.stringify(e)}`;
  return null;
}

/** A config the core cannot use runs on the defaults, with the error reported (issue 17 item 3). */
function checkInitFallback(v) {
  if (!v || v.ok !== true) return `init refused a bad config instead of using the defaults: ${JSON.stringify(v).slice(0, 200)}`;
  if (!Array.isArray(v.configErrors) || v.configErrors.length === 0) return `defaults used without configErrors: ${JSON.stringify(v).slice(0, 300)}`;
  for (const e of v.configErrors) if (typeof e.message !== "string" || typeof e.path !== "string") return `malformed config error ${JSON.stringify(e)}`;
  return null;
}

function checkInitAny(v) {
  if (!v || typeof v.ok !== "boolean") return `InitResult without ok: ${JSON.stringify(v).slice(0, 200)}`;
  return v.ok ? null : checkInitRefused(v);
}

function checkValidateRefused(v) {
  if (!v || v.ok !== false) return `validateConfig accepted it: ${JSON.stringify(v).slice(0, 200)}`;
  if (!Array.isArray(v.errors) || v.errors.length === 0) return `ok:false without errors: ${JSON.stringify(v).slice(0, 300)}`;
  return null;
}

function checkValidateAny(v) {
  if (!v || typeof v.ok !== "boolean") return `no ok: ${JSON.stringify(v).slice(0, 200)}`;
  return v.ok ? null : checkValidateRefused(v);
}

function checkVersion(v) {
  return v && typeof v.version === "string" && typeof v.crate === "string" ? null : `bad version ${JSON.stringify(v)}`;
}

// ---------------------------------------------------------------------------------------------
// The probe: call one export, never let a throw escape; recover a fresh instance after one.

/**
 * Runs `cases` ([exportName, args, check, pointer?]) against `target`; returns the list of
 * problems ({exp, args, problem, trap}). After a throw the target is replaced by a fresh instance
 * (and, for a trap, a fresh module) so later cases are not poisoned.
 */
async function runCases(target, cases) {
  const problems = [];
  for (const [exp, args, check, pointer] of cases) {
    let out;
    try {
      out = target.x[exp](...args);
    } catch (e) {
      const trap = isTrap(e);
      problems.push({ exp, args, trap, problem: `${trap ? "TRAP" : "THREW"} ${describeThrown(e)}` });
      await target.fresh({ reload: true });
      continue;
    }
    const [v, bad] = parseOut(out);
    const problem = bad ?? check(v, pointer);
    if (problem) problems.push({ exp, args, trap: false, problem });
    // The instance is still usable after every call.
    try {
      const [ver, vbad] = parseOut(target.x.version());
      const p = vbad ?? checkVersion(ver);
      if (p) problems.push({ exp, args, trap: false, problem: `version() after it: ${p}` });
    } catch (e) {
      problems.push({ exp, args, trap: isTrap(e), problem: `version() after it ${isTrap(e) ? "TRAPPED" : "threw"}: ${describeThrown(e)}` });
      await target.fresh({ reload: true });
    }
  }
  return problems;
}

function report(target, problems) {
  return problems
    .map((p) => `  [${target.name}] ${p.exp}(${p.args.map(label).join(", ")}): ${p.problem}`)
    .join("\n");
}

function assertClean(target, problems) {
  assert.equal(problems.length, 0, `${problems.length} problem(s):\n${report(target, problems)}`);
}

// ---------------------------------------------------------------------------------------------
// Case tables shared by both builds

const ctxOk = "{}";
const evOk = JSON.stringify({ toolName: "exec", params: { command: "ls" } });

function dispatchCases() {
  const c = [];
  for (const j of [...MALFORMED_JSON, ...BLANK_JSON, ...NON_OBJECT_JSON]) c.push(["dispatch", [HANDLER, j, ctxOk], checkError, "/event"]);
  for (const j of MALFORMED_JSON) c.push(["dispatch", [HANDLER, evOk, j], checkError, "/ctx"]);
  for (const j of NON_OBJECT_JSON.filter((x) => x !== "null")) c.push(["dispatch", [HANDLER, evOk, j], checkError, "/ctx"]);
  for (const j of [...BLANK_JSON, "null"]) c.push(["dispatch", [HANDLER, evOk, j], checkHookResponse]);
  for (const ev of ODD_EVENTS) c.push(["dispatch", [HANDLER, str(ev), ctxOk], checkHookResponse]);
  for (const ev of ODD_EVENTS.slice(0, 4)) c.push(["dispatch", ["before_tool_call", str(ev), "null"], checkHookResponse]);
  for (const ctx of ODD_CTX) c.push(["dispatch", [HANDLER, evOk, str(ctx)], checkHookResponse]);
  for (const ev of LONE_SURROGATE_EVENTS) c.push(["dispatch", [HANDLER, str(ev), ctxOk], checkErrorOr(checkNotAllowed), "/event"]);
  for (const j of LONE_SURROGATE_JSON) c.push(["dispatch", [HANDLER, j, ctxOk], checkErrorOr(checkHookResponse), "/event"]);
  for (const j of LONE_SURROGATE_JSON) c.push(["dispatch", [HANDLER, evOk, j], checkErrorOr(checkHookResponse), "/ctx"]);
  for (const ctx of LONE_SURROGATE_CTX) c.push(["dispatch", [HANDLER, evOk, str(ctx)], checkErrorOr(checkHookResponse), "/ctx"]);
  for (const h of STRINGS) c.push(["dispatch", [h, evOk, ctxOk], checkErrorOr(checkHookResponse), "/hook"]);
  return c;
}

function engineCases() {
  const c = [];
  for (const j of MALFORMED_JSON) c.push(["engine", ["assemble", j], checkError, "/params"]);
  for (const j of [...BLANK_JSON, ...NON_OBJECT_JSON, ...ODD_EVENTS.slice(0, 6).map(str)]) {
    for (const m of ["assemble", "compact", "commitTurn", "ingest", "maintain"]) c.push(["engine", [m, j], (v) => (v && v.error ? `unexpected error ${JSON.stringify(v.error)}` : null)]);
  }
  for (const m of STRINGS) c.push(["engine", [m, "{}"], checkError, "/method"]);
  for (const j of LONE_SURROGATE_JSON) c.push(["engine", ["assemble", j], checkErrorOr(() => null), "/params"]);
  return c;
}

function completeJobCases() {
  const c = [];
  for (const j of MALFORMED_JSON) c.push(["completeJob", ["job-1", j], checkError, "/outcome"]);
  for (const j of [...BLANK_JSON, ...NON_OBJECT_JSON, "{\"decision\":42}", "{\"decision\":\"allow-always\"}"]) c.push(["completeJob", ["job-1", j], checkHookResponse]);
  for (const id of STRINGS) c.push(["completeJob", [id, "{\"decision\":\"deny\"}"], checkHookResponse]);
  for (const j of LONE_SURROGATE_JSON) c.push(["completeJob", ["job-1", j], checkErrorOr(checkHookResponse), "/outcome"]);
  return c;
}

function evaluateCases() {
  const c = [];
  for (const j of MALFORMED_JSON) c.push(["evaluateCommand", ["ls", j], checkError, "/ctx"]);
  for (const j of NON_OBJECT_JSON.filter((x) => x !== "null")) c.push(["evaluateCommand", ["ls", j], checkError, "/ctx"]);
  for (const j of [...BLANK_JSON, "null", ...ODD_CTX.map(str)]) c.push(["evaluateCommand", ["ls", j], checkRecord]);
  for (const ctx of LONE_SURROGATE_CTX) c.push(["evaluateCommand", ["ls", str(ctx)], checkErrorOr(checkRecord), "/ctx"]);
  for (const j of LONE_SURROGATE_JSON) c.push(["evaluateCommand", ["ls", j], checkErrorOr(checkRecord), "/ctx"]);
  for (const cmd of STRINGS) c.push(["evaluateCommand", [cmd, "{}"], checkRecord]);
  return c;
}

function configCases() {
  const c = [];
  const info = "{}";
  for (const j of [...MALFORMED_JSON, ...LONE_SURROGATE_JSON, ...NON_OBJECT_JSON.filter((x) => x !== "null")]) {
    c.push(["init", [j, info], checkInitFallback]);
    c.push(["validateConfig", [j], checkValidateRefused]);
  }
  // Host info: unknown keys are ignored (serde skips their values without depth limit or size
  // check), so objects whose only oddity sits under an unknown key are accepted.
  const ignoredUnderUnknownKey = (j) => j.startsWith("{\"a\":") || j === HUGE_EVENT;
  for (const j of [...MALFORMED_JSON, ...LONE_SURROGATE_JSON]) c.push(["init", ["{}", j], ignoredUnderUnknownKey(j) ? checkInitAny : checkInitRefused]);
  const oddConfigs = [
    { phases: [] }, { phases: null }, { phases: { bashSecurity: 42 } }, { phases: { bashSecurity: { enabled: "yes" } } },
    { stateDir: 42 }, { stateDir: "" }, { stateDir: "\uD800" }, { audit: { enabled: [] } }, { "": {} },
    { phases: { loopBudget: { maxToolCallsPerRun: -1 } } }, { phases: { loopBudget: { maxToolCallsPerRun: 1e308 } } },
    { phases: { loopBudget: { maxToolCallsPerRun: 18446744073709551616 } } },
    JSON.parse(`{"phases":${"{\"a\":".repeat(60)}1${"}".repeat(60)}}`),
  ];
  for (const cfg of oddConfigs) {
    c.push(["init", [str(cfg), info], checkInitAny]);
    c.push(["validateConfig", [str(cfg)], checkValidateAny]);
  }
  for (const info2 of [...NON_OBJECT_JSON.filter((x) => x !== "null"), "{\"homeDir\":42}", "{\"os\":[]}", "{\"conversationAccess\":\"yes\"}"]) {
    c.push(["init", ["{}", info2], checkInitRefused]);
  }
  for (const s of STRINGS) {
    c.push(["init", [s, "{}"], checkInitAny]);
    c.push(["validateConfig", [s], checkValidateAny]);
  }
  return c;
}

// ---------------------------------------------------------------------------------------------

describe("G-R20: bad input at the wasm boundary", () => {
  let dirs;
  let targets;
  before(async () => {
    dirs = makeTempRoot("boundary");
    const node = nodeTarget(dirs);
    node.fresh();
    targets = [node, await componentTarget(dirs)];
  });
  after(() => dirs && dirs.cleanup());

  const tables = {
    dispatch: dispatchCases,
    engine: engineCases,
    completeJob: completeJobCases,
    evaluateCommand: evaluateCases,
    "init and validateConfig": configCases,
  };
  for (const build of ["node", "component"]) {
    describe(`${build} build`, () => {
      for (const [name, cases] of Object.entries(tables)) {
        test(`${name}: malformed, wrong-typed, deep, huge and lone-surrogate inputs never trap`, { timeout: 300_000 }, async () => {
          const t = targets.find((x) => x.name === build);
          await t.fresh();
          assertClean(t, await runCases(t, cases()));
        });
      }

      test("tick: odd clock values", async () => {
        const t = targets.find((x) => x.name === build);
        await t.fresh();
        const values = build === "node"
          ? [0, -1, -0, 12.5, NaN, Infinity, -Infinity, 1e308, -1e308, 2 ** 53 + 1, Number.MIN_VALUE]
          : [0n, -1n, 1n, -(2n ** 63n), 2n ** 63n - 1n];
        assertClean(t, await runCases(t, values.map((n) => ["tick", [n], checkHookResponse])));
      });

      test("every export before init answers core.not_initialized (or works), never traps", async () => {
        const t = targets.find((x) => x.name === build);
        await t.fresh({ init: false });
        const notInit = (v) => (v && v.error && v.error.code === "core.not_initialized" ? null : `expected core.not_initialized: ${JSON.stringify(v).slice(0, 200)}`);
        const cases = [
          ["dispatch", [HANDLER, evOk, ctxOk], notInit],
          ["dispatch", [HANDLER, "{", "{"], checkError, "/event"],
          ["engine", ["assemble", "{}"], notInit],
          ["completeJob", ["job-1", "{}"], notInit],
          ["tick", [build === "node" ? 0 : 0n], notInit],
          ["evaluateCommand", ["ls -la", "{}"], checkRecord],
          ["validateConfig", ["{"], checkValidateRefused],
          ["version", [], checkVersion],
        ];
        if (build === "node") cases.push(["coreVersion", [], checkVersion]);
        assertClean(t, await runCases(t, cases));
      });

      test("a refused init leaves the core uninitialised, a good one recovers it", async () => {
        const t = targets.find((x) => x.name === build);
        await t.fresh();
        const problems = await runCases(t, [
          // Bad host info is refused; a bad config is not (it runs on the defaults).
          ["init", ["{}", "[1]"], checkInitRefused],
          ["dispatch", [HANDLER, evOk, ctxOk], (v) => (v?.error?.code === "core.not_initialized" ? null : `expected core.not_initialized: ${JSON.stringify(v)}`)],
          ["init", [configJson(dirs), hostInfoJson(dirs)], (v) => (v?.ok === true ? null : `init refused: ${JSON.stringify(v.errors)}`)],
          ["dispatch", [HANDLER, evOk, ctxOk], checkHookResponse],
        ]);
        assertClean(t, problems);
      });
    });
  }

  for (const build of ["node", "component"]) {
    test(`${build} build: non-string arguments (JS-level wrong types) never trap and leave the core usable`, async (tc) => {
      const t = targets.find((x) => x.name === build);
      await t.fresh();
      const junk = [42, null, undefined, {}, ["a"], true, 1n, { toString() { return "{}"; } }];
      const thrown = [];
      const traps = [];
      for (const exp of ["init", "dispatch", "engine", "completeJob", "evaluateCommand", "validateConfig", "tick"]) {
        for (const j of [...junk, ...(exp === "tick" ? [NaN, "5", 2 ** 64] : [])]) {
          const args = exp === "tick" || exp === "validateConfig" ? [j] : exp === "dispatch" ? [HANDLER, j, j] : [j, j];
          const what = `${exp}(${args.map(label).join(", ")})`;
          try {
            const out = t.x[exp](...args);
            if (typeof out !== "string") thrown.push(`${what} returned ${typeof out}`);
            else JSON.parse(out);
          } catch (e) {
            (isTrap(e) ? traps : thrown).push(`${what}: ${describeThrown(e)}`);
            if (isTrap(e)) await t.fresh({ reload: true });
          }
          try {
            JSON.parse(t.x.version());
          } catch (e) {
            traps.push(`version() after ${what}: ${describeThrown(e)}`);
            await t.fresh({ reload: true });
          }
        }
      }
      // JS TypeErrors thrown by the glue before the core is entered are reported, not failed.
      for (const s of thrown) tc.diagnostic(`glue threw (not a trap): ${s}`);
      assert.deepEqual(traps, [], `${build}: ${traps.length} trap(s) on non-string arguments:\n${traps.join("\n")}`);
      // And the core still answers normally afterwards.
      await t.fresh();
      assert.equal(checkHookResponse(JSON.parse(t.x.dispatch(HANDLER, evOk, ctxOk))), null);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Hosts that throw or return garbage (README G-R9: host errors are values; the core must cope).

/** A scenario touching every host path the core uses today; returns the list of problems. */
async function hostScenario(target, dirs) {
  return runCases(target, [
    ["init", [configJson(dirs), hostInfoJson(dirs)], checkInitAny],
    ["init", ["{}", "{}"], checkInitAny],
    ["init", [configJson(dirs), "{}"], checkInitAny],
    ["dispatch", [HANDLER, JSON.stringify({ toolName: "exec", params: { command: "rm -rf ~" }, toolCallId: "a" }), "{\"sessionKey\":\"s\"}"], checkErrorOr(checkHookResponse)],
    ["dispatch", [HANDLER, JSON.stringify({ toolName: "exec", params: { command: 42 }, toolCallId: "b" }), "{}"], checkErrorOr(checkHookResponse)],
    ["dispatch", [HANDLER, JSON.stringify({ toolName: "exec", params: { command: "echo " + "x".repeat(100 * 1024) } }), "{}"], checkErrorOr(checkHookResponse)],
    ["dispatch", ["before_tool_call", JSON.stringify({ toolName: "exec", params: { command: "ls -la" } }), "{\"workspaceDir\":\"\"}"], checkErrorOr(checkHookResponse)],
    ["evaluateCommand", ["rm -rf ~", "{}"], checkRecord],
    ["evaluateCommand", ["ls -la", "null"], checkRecord],
    ["completeJob", ["job-1-00000000", "{\"decision\":\"deny\"}"], checkErrorOr(checkHookResponse)],
    ["engine", ["assemble", "{\"messages\":[]}"], (v) => (v ? null : "empty")],
    ["tick", [target.name === "node" ? 1 : 1n], checkErrorOr(checkHookResponse)],
    ["validateConfig", ["{}"], checkValidateAny],
  ]);
}

const JS_HOST_METHODS = ["fsRead", "fsWriteAtomic", "fsAppendLine", "fsList", "fsStat", "fsRemove", "fsLock", "fsUnlock", "resolveDirs", "exec", "nowMs", "monotonicMs", "env", "random", "log"];
const WIT_RESULT_METHODS = ["fsRead", "fsWriteAtomic", "fsAppendLine", "fsList", "fsStat", "fsRemove", "fsLock", "fsUnlock", "exec"];

describe("G-R9/G-R20: a misbehaving host never makes the core trap", () => {
  let dirs;
  before(() => { dirs = makeTempRoot("badhost"); });
  after(() => dirs && dirs.cleanup());

  const nodeWith = async (hostFactory) => nodeTarget(dirs, hostFactory).fresh({ init: false });

  test("node build: host methods that throw (Error objects and non-Error values)", async () => {
    const all = [];
    const throwables = [new Error("boom"), new TypeError("bad"), "a string", undefined, null, 42, { kind: "NotFound" }, Symbol("s"), 1n, Object.create(null)];
    for (const v of throwables) {
      const t = await nodeWith(() => Object.fromEntries(JS_HOST_METHODS.map((m) => [m, () => { throw v; }])));
      for (const p of await hostScenario(t, dirs)) all.push({ ...p, exp: `${p.exp} [host throws ${label(typeof v === "symbol" ? String(v) : v)}]` });
    }
    assertClean({ name: "node" }, all);
  });

  test("node build: host methods that return garbage", async () => {
    const garbage = [
      undefined, null, 0, -1, NaN, Infinity, -1e308, 1e308, true, "", "not json", "{", "{\"kind\":\"Nope\"}", "{\"kind\":\"Io\"}",
      "{\"ok\":null}", "{\"error\":null}", "{\"ok\":42}", "{\"ok\":{\"entries\":\"x\"}}", "{\"ok\":{\"homeDir\":42}}", "{\"error\":\"x\"}",
      "{\"ok\":{\"status\":1e308,\"stdout\":[],\"stderr\":null,\"timedOut\":\"no\"}}", "x".repeat(MB), "\uD800",
      {}, [], { ok: {} }, new Uint8Array(0), new Uint8Array(3 * MB).fill(0x61), new Int32Array(4), new ArrayBuffer(8), new Float64Array(2),
      2n ** 70n, Symbol("s"), () => 1, Promise.resolve("{}"),
      new Proxy({}, { get() { throw new Error("proxy"); } }),
    ];
    const all = [];
    for (const g of garbage) {
      const t = await nodeWith(() => Object.fromEntries(JS_HOST_METHODS.map((m) => [m, () => g])));
      for (const p of await hostScenario(t, dirs)) all.push({ ...p, exp: `${p.exp} [host returns ${label(typeof g === "symbol" ? String(g) : g)}]` });
    }
    assertClean({ name: "node" }, all);
  });

  test("node build: per-method garbage on an otherwise working host (reads of torn journals, short random, odd clocks)", async () => {
    const all = [];
    const overrides = [
      { fsRead: () => new Uint8Array([0x7b, 0x22, 0xff, 0xfe]) }, // torn, non-UTF-8 tail: repair path
      { fsRead: () => new Uint8Array(70 * MB) }, // more than max_bytes
      { fsLock: () => JSON.stringify({ kind: "Locked" }) },
      { fsAppendLine: () => "{\"kind\":\"Io\",\"message\":\"disk full\"}" },
      { fsWriteAtomic: () => 42 },
      { random: () => new Uint8Array(0) },
      { random: () => new Uint8Array(10 * MB) },
      { nowMs: () => -1e308 },
      { nowMs: () => 1e308 },
      { nowMs: () => -8.64e15 - 1 },
      { nowMs: () => "2026-01-15" },
      { monotonicMs: () => -5 },
      { env: () => ({}) },
      { env: () => "x".repeat(MB) },
      { resolveDirs: () => JSON.stringify({ ok: { homeDir: "", workspaceDir: "", openclawStateDir: "" } }) },
      { resolveDirs: () => JSON.stringify({ ok: { homeDir: "relative", workspaceDir: "\u0000", openclawStateDir: "~" } }) },
      { log: () => { throw new Error("logger down"); } },
    ];
    for (const o of overrides) {
      const t = await nodeWith(() => ({ ...makeJsHost(dirs).host, ...o }));
      for (const p of await hostScenario(t, dirs)) all.push({ ...p, exp: `${p.exp} [host ${Object.keys(o)[0]}: ${String(Object.values(o)[0]).slice(0, 60)}]` });
    }
    assertClean({ name: "node" }, all);
  });

  test("node build: host object without methods, null, a number, or a throwing Proxy", async () => {
    const all = [];
    for (const h of [{}, null, undefined, 42, "host", new Proxy({}, { get() { throw new Error("proxy get"); } })]) {
      let t;
      try {
        t = await nodeWith(() => h);
      } catch (e) {
        all.push({ exp: "new Core", args: [h], trap: isTrap(e), problem: `${isTrap(e) ? "TRAP" : "THREW"} ${describeThrown(e)}` });
        continue;
      }
      for (const p of await hostScenario(t, dirs)) all.push({ ...p, exp: `${p.exp} [host ${label(h)}]` });
    }
    assertClean({ name: "node" }, all);
  });

  test("node build: a host that calls back into the core (re-entrancy) does not trap", async () => {
    let core = null;
    const inner = [];
    const base = makeJsHost(dirs).host;
    const glue = loadNodeBuild();
    const host = {
      ...base,
      fsAppendLine(...a) {
        try { inner.push(core.dispatch(HANDLER, evOk, ctxOk).slice(0, 80)); } catch (e) { inner.push(`${isTrap(e) ? "TRAP" : "threw"} in dispatch: ${describeThrown(e)}`); }
        try { inner.push(core.evaluateCommand("ls", "{}").slice(0, 80)); } catch (e) { inner.push(`${isTrap(e) ? "TRAP" : "threw"} in evaluateCommand: ${describeThrown(e)}`); }
        try { inner.push(glue.validateConfig("{}")); } catch (e) { inner.push(`${isTrap(e) ? "TRAP" : "threw"} in validateConfig: ${describeThrown(e)}`); }
        return base.fsAppendLine(...a);
      },
    };
    core = new glue.Core(host);
    assert.equal(JSON.parse(core.init(configJson(dirs), hostInfoJson(dirs))).ok, true);
    let out;
    try {
      out = core.dispatch(HANDLER, JSON.stringify({ toolName: "exec", params: { command: 42 } }), ctxOk);
    } catch (e) {
      assert.fail(`outer dispatch ${isTrap(e) ? "TRAPPED" : "threw"}: ${describeThrown(e)}; inner calls: ${inner.join(" | ")}`);
    }
    assert.equal(checkHookResponse(JSON.parse(out)), null, out);
    assert.ok(!inner.some((s) => s.startsWith("TRAP")), `inner calls: ${inner.join(" | ")}`);
    // Still usable afterwards.
    assert.equal(checkHookResponse(JSON.parse(core.dispatch(HANDLER, evOk, ctxOk))), null);
  });

  test("component: a host that calls back into the core (re-entrancy) gets core.reentrant, no trap", async () => {
    const inner = [];
    let c = null;
    const base = makeWitHost(dirs).host;
    const host = {
      ...base,
      fsAppendLine(...a) {
        for (const [name, f] of [
          ["version", () => c.version()],
          ["validateConfig", () => c.validateConfig("{}")],
          ["dispatch", () => c.dispatch(HANDLER, evOk, ctxOk)],
          ["evaluateCommand", () => c.evaluateCommand("ls", "{}")],
          ["tick", () => c.tick(0n)],
        ]) {
          try {
            inner.push([name, JSON.parse(f())]);
          } catch (e) {
            inner.push([name, `${isTrap(e) ? "TRAP" : "threw"} ${describeThrown(e)}`]);
          }
        }
        return base.fsAppendLine(...a);
      },
    };
    c = await instantiateComponent(host);
    assert.equal(JSON.parse(c.init(configJson(dirs), hostInfoJson(dirs))).ok, true);
    let out;
    try {
      out = c.dispatch(HANDLER, JSON.stringify({ toolName: "exec", params: { command: 42 } }), ctxOk);
    } catch (e) {
      assert.fail(`outer dispatch ${isTrap(e) ? "TRAPPED" : "threw"}: ${describeThrown(e)}; inner: ${JSON.stringify(inner)}`);
    }
    assert.equal(checkHookResponse(JSON.parse(out)), null, out);
    assert.ok(inner.length > 0, "the host was never called back");
    for (const [name, r] of inner) {
      assert.equal(typeof r, "object", `inner ${name}: ${r}`);
      if (["dispatch", "evaluateCommand", "tick"].includes(name)) assert.equal(r.error?.code, "core.reentrant", `inner ${name}: ${JSON.stringify(r)}`);
    }
    assert.equal(checkHookResponse(JSON.parse(c.dispatch(HANDLER, evOk, ctxOk))), null);
  });

  test("component: result functions that signal errors (thrown strings of any content)", async () => {
    const all = [];
    for (const s of ["not-found", "permission-denied", "too-large", "unsupported", "locked", "io: boom", "io:", "", "garbage", "\uD800", "x".repeat(MB)]) {
      const t = await componentTarget(dirs, () => {
        const h = makeWitHost(dirs).host;
        for (const m of WIT_RESULT_METHODS) h[m] = () => { throw s; };
        return h;
      }).catch((e) => ({ failed: e }));
      if (t.failed) { all.push({ exp: "instantiate/init", args: [s], trap: isTrap(t.failed), problem: describeThrown(t.failed) }); continue; }
      for (const p of await hostScenario(t, dirs)) all.push({ ...p, exp: `${p.exp} [host throws ${label(s)}]` });
    }
    assertClean({ name: "component" }, all);
  });

  test("component: well-typed garbage from every host function", async () => {
    const all = [];
    const variants = [
      { fsList: () => "not json", fsStat: () => "{", exec: () => "", resolveDirs: () => "garbage" },
      { fsList: () => "{}", fsStat: () => "null", exec: () => "{}", resolveDirs: () => "{\"homeDir\":42}" },
      { fsList: () => "{\"entries\":[{\"name\":1}],\"truncated\":\"x\"}", fsStat: () => "{\"kind\":\"nope\",\"size\":-1,\"mtimeMs\":1e400}", resolveDirs: () => "" },
      { fsList: () => "[".repeat(DEPTH), fsStat: () => "{\"a\":".repeat(DEPTH), exec: () => "x".repeat(MB), resolveDirs: () => "[".repeat(DEPTH) },
      { resolveDirs: () => JSON.stringify({ homeDir: "", workspaceDir: "", openclawStateDir: "" }) },
      { resolveDirs: () => JSON.stringify({ homeDir: "relative", workspaceDir: "\u0000", openclawStateDir: "~", stateDir: "\uD800" }) },
      { fsRead: () => new Uint8Array([0x7b, 0x22, 0xff, 0xfe]) },
      { fsRead: () => new Uint8Array(0) },
      { fsRead: (_p, max) => new Uint8Array(Math.min(Number(max) + 1, 70 * MB)) },
      { random: () => new Uint8Array(0) },
      { random: () => new Uint8Array(4 * MB) },
      { nowMs: () => -(2n ** 63n) },
      { nowMs: () => 2n ** 63n - 1n },
      { nowMs: () => 0n },
      { monotonicMs: () => 2n ** 64n - 1n },
      { env: () => "" },
      { env: () => "\uD800".repeat(1000) },
      { env: () => "x".repeat(MB) },
      { log: () => undefined },
    ];
    for (const v of variants) {
      const t = await componentTarget(dirs, () => ({ ...makeWitHost(dirs).host, ...v })).catch((e) => ({ failed: e }));
      const what = Object.entries(v).map(([k, f]) => `${k}: ${String(f).slice(0, 50)}`).join("; ");
      if (t.failed) { all.push({ exp: "instantiate/init", args: [], trap: isTrap(t.failed), problem: `[host ${what}] ${describeThrown(t.failed)}` }); continue; }
      for (const p of await hostScenario(t, dirs)) all.push({ ...p, exp: `${p.exp} [host ${what}]` });
    }
    assertClean({ name: "component" }, all);
  });
});

// `cliRun` (`openclaw agent-ops …`, issue 17 item 7): the CLI in the Node build answers every
// argument list, facts object and host with `{code, stdout, stderr}`; bad input is a usage error
// (exit 2), never a trap or a throw.
describe("G-R20: cliRun never traps", () => {
  test("node build: good calls, malformed arguments and facts, hosts without methods", () => {
    const dirs = makeTempRoot("cli-boundary");
    try {
      const glue = loadNodeBuild();
      const host = () => makeJsHost(dirs).host;
      const facts = JSON.stringify({ cwd: dirs.workspace, program: "openclaw agent-ops" });
      const problems = [];
      const call = (h, a, f, what) => {
        try {
          const v = JSON.parse(glue.cliRun(h, a, f));
          if (!Number.isInteger(v.code) || typeof v.stdout !== "string" || typeof v.stderr !== "string") problems.push(`${what}: bad shape ${JSON.stringify(v).slice(0, 200)}`);
          return v;
        } catch (e) {
          problems.push(`${what}: ${isTrap(e) ? "TRAP" : "threw"} ${describeThrown(e)}`);
          return null;
        }
      };
      // Good calls: doctor finds OpenClaw's state dir through host.env; check reads stdin once.
      const doc = call(host(), JSON.stringify(["doctor"]), facts, "doctor");
      assert.ok(doc && doc.stdout.includes(`OpenClaw state dir: ${dirs.openclawState}`), JSON.stringify(doc));
      const help = call(host(), JSON.stringify(["grants", "--help"]), facts, "grants --help");
      assert.equal(help && help.code, 0);
      assert.ok(help.stdout.startsWith("usage: openclaw agent-ops grants"), help.stdout);
      let reads = 0;
      const stdinHost = { ...host(), readStdin: () => { reads++; return new TextEncoder().encode("ls\nrm -rf /\n"); } };
      const chk = call(stdinHost, JSON.stringify(["check"]), facts, "check (stdin)");
      assert.deepEqual(chk.stdout.split("\n").filter(Boolean).map((l) => l.split("\t")[0]), ["allow", "deny"]);
      assert.equal(reads, 1);
      // A host without readStdin: an I/O error (exit 3), not a hang or a trap.
      const noStdin = call(host(), JSON.stringify(["check"]), facts, "check (no stdin)");
      assert.equal(noStdin && noStdin.code, 3, JSON.stringify(noStdin));
      const throwing = { ...host(), readStdin: () => { throw new Error("boom"); } };
      assert.equal(call(throwing, JSON.stringify(["check"]), facts, "check (throwing stdin)")?.code, 3);

      // Malformed argument lists and facts: usage errors.
      const badArgs = [...MALFORMED_JSON, ...BLANK_JSON, ...NON_OBJECT_JSON, "[1,2]", "[\"check\",null]", "{\"a\":1}", 42, null, undefined, {}, ["check"]];
      for (const a of badArgs) {
        const v = call(host(), a, facts, `args ${label(a)}`);
        if (v && v.code !== 2) problems.push(`args ${label(a)}: exit ${v.code}`);
      }
      // (HUGE_EVENT is a valid object: facts ignore keys they do not know.)
      assert.equal(call(host(), "[\"version\"]", HUGE_EVENT, "facts HUGE_EVENT")?.code, 0);
      for (const f of [...MALFORMED_JSON.filter((x) => x !== HUGE_EVENT), "42", "[]", "{\"cwd\":42}", "{\"os\":[]}", 42, null, undefined]) {
        const v = call(host(), "[\"version\"]", f, `facts ${label(f)}`);
        if (v && v.code !== 2) problems.push(`facts ${label(f)}: exit ${v.code}`);
      }
      // Odd but valid arguments: huge, lone surrogates, NUL, every subcommand with junk.
      for (const a of [["check", HUGE], ["check", "\uD800"], ["explain", "\u0000"], ["doctor", "--openclaw-config", "\uDC00"], ["memory", "status", "--workspace", ""], ["skills", "--workspace", "/nonexistent"], ["grants", "revoke", "x"], ["manifest", "--write", "/x"], ["frobnicate"], []]) {
        call(host(), JSON.stringify(a), facts, `args ${label(JSON.stringify(a))}`);
      }
      // Hosts that are not hosts: every method missing, or every method throwing.
      const thrower = new Proxy({}, { get: () => () => { throw new Error("host down"); } });
      for (const [name, h] of [["empty object", {}], ["throwing proxy", thrower]]) {
        for (const a of [["doctor"], ["grants"], ["skills"], ["memory", "status"], ["check", "ls"]]) call(h, JSON.stringify(a), facts, `${name} ${a.join(" ")}`);
      }
      // recordLoaded (the plugin calls it on a real load): before init an error, after init the
      // record, for any pid and config value.
      const core = new glue.Core(host());
      assert.ok(JSON.parse(core.recordLoaded(1, "{}")).error);
      assert.equal(JSON.parse(core.init(configJson(dirs), hostInfoJson(dirs))).ok, true);
      for (const [pid, cfg] of [[1234, configJson(dirs)], [-1, "{"], [NaN, null], [2 ** 53, 42], ["x", undefined], [null, HUGE_JSON_STRING]]) {
        try {
          const r = JSON.parse(core.recordLoaded(pid, cfg));
          if (typeof r.ok !== "string") problems.push(`recordLoaded(${label(pid)}): ${JSON.stringify(r).slice(0, 200)}`);
        } catch (e) {
          problems.push(`recordLoaded(${label(pid)}): ${isTrap(e) ? "TRAP" : "threw"} ${describeThrown(e)}`);
        }
      }
      assert.deepEqual(problems, []);
    } finally {
      dirs.cleanup();
    }
  });
});
