// The WIT component (README §5.1) in a real component host: jco-transpiled, run in Node 24 with
// `agent-ops:core/host` implemented by this test over a temp directory and WASI from
// @bytecodealliance/preview2-shim. Run through `bash scripts/component-test.sh`.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
  makeTempRoot, makeWitHost, instantiateComponent, configJson, hostInfoJson, FIXED_DAY, FIXED_NOW,
} from "./hosts.mjs";

const HANDLER = "bashSecurity:before_tool_call";

function parse(text, what) {
  assert.equal(typeof text, "string", `${what} did not return a string`);
  try {
    return JSON.parse(text);
  } catch (e) {
    assert.fail(`${what} returned invalid JSON (${e.message}): ${text.slice(0, 300)}`);
  }
}

describe("WIT component in jco (agent-ops:core/host over a temp dir)", () => {
  let dirs;
  let wit;
  let c;

  before(async () => {
    dirs = makeTempRoot("component");
    wit = makeWitHost(dirs);
    c = await instantiateComponent(wit.host);
  });
  after(() => dirs && dirs.cleanup());

  const dispatchExec = (command, ids = {}) =>
    parse(
      c.dispatch(
        HANDLER,
        JSON.stringify({ toolName: "exec", params: { command }, runId: ids.runId ?? "run-1", toolCallId: ids.toolCallId ?? "call-1" }),
        JSON.stringify({ sessionKey: ids.sessionKey ?? "agent:main:test" }),
      ),
      `dispatch(${JSON.stringify(command)})`,
    );

  test("version", () => {
    const v = parse(c.version(), "version");
    assert.equal(typeof v.crate, "string");
    assert.equal(typeof v.schema, "number");
    assert.equal(v.version, `${v.crate}+schema.${v.schema}`);
  });

  test("validate-config accepts {} and refuses an unknown phase key with its path", () => {
    assert.deepEqual(parse(c.validateConfig("{}"), "validateConfig({})"), { ok: true });
    const bad = parse(c.validateConfig(JSON.stringify({ phases: { loopBudget: { maxToolCalls: 5 } } })), "validateConfig(bad)");
    assert.equal(bad.ok, false);
    assert.ok(Array.isArray(bad.errors) && bad.errors.length > 0, JSON.stringify(bad));
    assert.ok(
      bad.errors.some((e) => e.path === "phases.loopBudget.maxToolCalls"),
      `no error names phases.loopBudget.maxToolCalls: ${JSON.stringify(bad.errors)}`,
    );
  });

  test("calls before init are refused with core.not_initialized", () => {
    // Own instance: the shared one is initialised by the next test.
    return instantiateComponent(makeWitHost(dirs).host).then((fresh) => {
      const r = parse(fresh.dispatch(HANDLER, "{}", "{}"), "dispatch before init");
      assert.equal(r.error?.code, "core.not_initialized", JSON.stringify(r));
      assert.equal(parse(fresh.tick(0n), "tick before init").error?.code, "core.not_initialized");
    });
  });

  test("init returns ok with the bashSecurity:before_tool_call registration", () => {
    const r = parse(c.init(configJson(dirs), hostInfoJson(dirs)), "init");
    assert.equal(r.ok, true, JSON.stringify(r.errors));
    assert.equal(r.stateDir, dirs.state);
    const reg = r.registrations.find((x) => x.handler === HANDLER);
    assert.ok(reg, `registrations: ${JSON.stringify(r.registrations)}`);
    assert.equal(reg.hook, "before_tool_call");
    assert.equal(reg.phase, "bashSecurity");
    assert.ok(reg.matcher.includes("exec"), JSON.stringify(reg.matcher));
    assert.equal(reg.failure.mode, "closed");
    assert.equal(reg.failure.ret.block, true);
  });

  test("dispatch: rm -rf ~ is blocked with an exec.deny reason", () => {
    const r = dispatchExec("rm -rf ~", { toolCallId: "call-rm" });
    assert.equal(r.error, undefined, JSON.stringify(r));
    assert.equal(r.ret?.block, true, `ret: ${JSON.stringify(r.ret)}`);
    assert.match(r.ret.blockReason, /^agent-ops\[exec\.deny\./);
    assert.match(r.ret.blockReason, /^agent-ops\[exec\.deny\.destructive\.rm_root\]/);
    const d = r.decisions.find((x) => x.toolCallId === "call-rm");
    assert.equal(d?.code, "exec.deny.destructive.rm_root", JSON.stringify(r.decisions));
    assert.equal(d.action, "deny");
  });

  test("dispatch: ls -la is allowed (ret null)", () => {
    const r = dispatchExec("ls -la", { toolCallId: "call-ls" });
    assert.equal(r.error, undefined, JSON.stringify(r));
    assert.equal(r.ret, null, `ret: ${JSON.stringify(r.ret)}`);
    assert.deepEqual(r.jobs, []);
  });

  test("dispatch: {command: 42} is denied as exec.deny.invalid_params", () => {
    const r = dispatchExec(42, { toolCallId: "call-42" });
    assert.equal(r.error, undefined, JSON.stringify(r));
    assert.equal(r.ret?.block, true, `ret: ${JSON.stringify(r.ret)}`);
    assert.match(r.ret.blockReason, /^agent-ops\[exec\.deny\.invalid_params\]/);
    assert.equal(r.decisions.find((x) => x.toolCallId === "call-42")?.code, "exec.deny.invalid_params");
  });

  test("dispatch: malformed event JSON is a typed error, not a trap", () => {
    const r = parse(c.dispatch(HANDLER, "{", "{}"), "dispatch({)");
    assert.equal(r.error?.code, "core.invalid_input");
    assert.equal(r.error.path, "/event");
  });

  test("the decision journal is written through the host imports into <stateDir>/audit", () => {
    const journal = path.join(dirs.state, "audit", `decisions-${FIXED_DAY}.jsonl`);
    assert.ok(fs.existsSync(journal), `missing ${journal}; host calls: ${JSON.stringify(wit.calls.map((x) => x[0]))}`);
    const text = fs.readFileSync(journal, "utf8");
    assert.ok(text.endsWith("\n"), "journal does not end with a newline");
    const lines = text.trimEnd().split("\n").map((l) => JSON.parse(l));
    const byCall = Object.fromEntries(lines.map((l) => [l.toolCallId, l]));
    for (const id of ["call-rm", "call-ls", "call-42"]) {
      assert.ok(byCall[id], `no journal line for ${id}: ${text}`);
      assert.equal(byCall[id].phase, "exec");
      assert.equal(byCall[id].at, FIXED_NOW);
      assert.equal(byCall[id].sessionKey, "agent:main:test");
      assert.equal(byCall[id].runId, "run-1");
    }
    assert.equal(byCall["call-rm"].details?.command, "rm -rf ~");
    assert.equal(byCall["call-42"].code, "exec.deny.invalid_params");
    // It went through the imports: fs-append-line on exactly that path.
    assert.ok(wit.calls.some(([name, p]) => name === "fsAppendLine" && p === journal), "no fs-append-line call for the journal");
    // The journal lock was released.
    assert.equal(fs.existsSync(`${journal}.lock`), false, "journal lock file left behind");
  });

  test("evaluate-command returns the CLI record with keys in order", () => {
    for (const command of ["rm -rf ~", "ls -la", "", "echo $(("]) {
      const text = c.evaluateCommand(command, JSON.stringify({ home: dirs.home, cwd: dirs.workspace }));
      const r = parse(text, `evaluateCommand(${JSON.stringify(command)})`);
      assert.deepEqual(Object.keys(r), ["command", "verdict", "checks", "reason", "message"], text);
      assert.equal(r.command, command);
      assert.ok(["allow", "ask", "deny"].includes(r.verdict), text);
      assert.ok(Array.isArray(r.checks), text);
      assert.equal(typeof r.reason, "string", text);
      assert.equal(typeof r.message, "string", text);
    }
  });

  test("evaluate-command: rm -rf ~ is denied (destructive.rm_root), ls -la is allowed", () => {
    const ctx = JSON.stringify({ home: dirs.home, cwd: dirs.workspace });
    const rm = parse(c.evaluateCommand("rm -rf ~", ctx), "evaluateCommand(rm -rf ~)");
    assert.equal(rm.verdict, "deny", JSON.stringify(rm));
    assert.equal(rm.reason, "exec.deny.destructive.rm_root", JSON.stringify(rm));
    const ls = parse(c.evaluateCommand("ls -la", ctx), "evaluateCommand(ls -la)");
    assert.equal(ls.verdict, "allow", JSON.stringify(ls));
  });

  test("engine, complete-job and tick answer with JSON", () => {
    // P1-T15: invalid engine input is recorded and answered with the method's pass-through.
    const compact = parse(c.engine("compact", "{}"), "engine(compact)");
    assert.equal(compact.value?.action, "delegate", JSON.stringify(compact));
    assert.equal(compact.invalidInput?.code, "core.invalid_input", JSON.stringify(compact));
    assert.equal(parse(c.engine("nope", "{}"), "engine(nope)").error?.code, "core.invalid_input");
    const cj = parse(c.completeJob("no-such-job", JSON.stringify({ decision: "deny" })), "completeJob");
    assert.equal(cj.diagnostics?.[0]?.code, "core.job.unknown", JSON.stringify(cj));
    const t = parse(c.tick(BigInt(FIXED_NOW)), "tick");
    assert.deepEqual(t, { ret: null, jobs: [], decisions: [], diagnostics: [] });
  });
});
