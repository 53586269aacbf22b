// G-R21 in the real gateway: a wasm trap inside phase 4's before_tool_call is caught by the JS
// entry, logged as `core.trap`, the instance is dropped and re-created on the next call, and
// phase 4's failure policy applies: the exec is blocked (fail closed), never run.
//
// The trap is forced by tests/e2e/lib/trap-preload.mjs, loaded into the gateway with
// NODE_OPTIONS=--import: it wraps the cores the plugin creates and, for a call whose event
// carries the marker, runs a wasm `unreachable` in that call (a genuine WebAssembly.RuntimeError
// where a trap of the core would surface). Chosen over a switch in the plugin because nothing
// shipped can reach it: no env var or export of the plugin turns it on, and pkg/index.js (at
// its 400-line ceiling) gains nothing.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { pathToFileURL } from "node:url";
import { checkPrerequisites, createScenario, withDiagnostics, marker, scaled, REPO } from "./lib/harness.mjs";
import { execThenReport, phase4Config, requestForStep, reasonCodes } from "./lib/scripts.mjs";

const TIMEOUT = scaled(300_000);
const TRAP = `AGENT_OPS_E2E_TRAP_${crypto.randomBytes(4).toString("hex")}`;
const trapMark = marker("trap");
const afterMark = marker("after");

describe("G-R21: a core trap in the gateway fails phase 4 closed", () => {
  let s;
  let canary;
  let token;
  before(async () => {
    checkPrerequisites();
    s = await createScenario({ name: "core-trap", pluginConfig: phase4Config() });
    canary = path.join(s.workspace, "trap-canary.txt");
    token = `after-trap-${crypto.randomBytes(4).toString("hex")}`;
    s.env.NODE_OPTIONS = `--import ${pathToFileURL(path.join(REPO, "tests/e2e/lib/trap-preload.mjs")).href}`;
    s.env.AGENT_OPS_E2E_TRAP_MARK = TRAP;
    s.model.setScript({
      steps: [
        ...execThenReport(trapMark, `echo ${TRAP} > ${canary}`),
        ...execThenReport(afterMark, `echo ${token}`),
      ],
    });
    await withDiagnostics(s, () => s.startGateway());
  }, { timeout: TIMEOUT });
  after(async () => {
    if (s) await s.cleanup({ failed: s.failed });
  });

  test("g_r21_e2e_trap_blocks_the_exec_logs_core_trap_and_the_next_call_works", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const run = await s.runAgent({ message: `${trapMark} write the canary` });
      assert.equal(run.code, 0, `openclaw agent exited ${run.code}`);
      // Fail closed: the command never ran, and the model got phase 4's failure answer.
      assert.ok(!fs.existsSync(canary), "the exec ran although the core trapped");
      const reported = requestForStep(s.modelLog(), `${trapMark}:report`);
      assert.ok(reported, "the model was not called again after the tool call");
      assert.equal(reasonCodes(reported.lastTool)[0], "exec.deny.internal_error", `tool result seen by the model: ${reported.lastTool}`);
      // The diagnostic: the trap is logged with its wasm error.
      const log = fs.readFileSync(s.openclawLog, "utf8");
      assert.match(log, /core\.trap: RuntimeError: unreachable/, "no core.trap line in the gateway log");
      assert.ok(s.gateway.stderr.includes("[trap-preload] trapping"), "the trap was never forced");

      // The poisoned instance was dropped: the next call gets a new core, which decides normally.
      const next = await s.runAgent({ message: `${afterMark} print the token` });
      assert.equal(next.code, 0, `openclaw agent exited ${next.code}`);
      const ok = requestForStep(s.modelLog(), `${afterMark}:report`);
      assert.ok(ok?.lastTool?.includes(token), `tool result after the trap: ${ok?.lastTool}`);
      const loads = (fs.readFileSync(s.openclawLog, "utf8").match(/core\.loaded: wasm core instantiated/g) || []).length;
      assert.ok(loads >= 2, `the core was not re-instantiated after the trap (${loads} loads)`);
    }));
});
