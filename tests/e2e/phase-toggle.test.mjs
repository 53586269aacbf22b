// (d) README G-R13: a disabled phase 4 does nothing. The same dangerous command then really runs —
// the scenario's HOME is a throwaway dir inside <T> holding only a canary, so that is harmless, and
// the canary's disappearance proves the command ran unhindered by agent-ops.
import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { checkPrerequisites, withScenario, marker, onlyPhases, scaled } from "./lib/harness.mjs";
import { execThenReport, requestForStep } from "./lib/scripts.mjs";

const TIMEOUT = scaled(300_000);

function assertThrowawayHome(s) {
  // Safety net: this scenario really runs `rm -rf <HOME>`; never let that be a real home.
  const home = path.resolve(s.home);
  assert.ok(home.startsWith(path.resolve(s.dir) + path.sep), `HOME ${home} is not inside the scenario dir`);
  assert.ok(path.basename(s.dir).startsWith("agent-ops-e2e-"), `unexpected scenario dir ${s.dir}`);
  assert.notEqual(home, path.resolve(os.homedir()));
}

describe("phase 4 switched off", { concurrency: true }, () => {
  before(() => checkPrerequisites());

  for (const [label, bashSecurity] of [
    ["enabled_false", { enabled: false }],
    ["boolean_false", false],
  ]) {
    test(`g_r13_e2e_bash_security_${label}_does_not_block`, { timeout: TIMEOUT }, async () => {
      const mark = marker(`off-${label}`);
      await withScenario(
        { name: `off-${label}`, pluginConfig: onlyPhases({ bashSecurity }) },
        async (s) => {
          assertThrowawayHome(s);
          const canaryDir = path.join(s.home, "canary");
          fs.mkdirSync(canaryDir, { recursive: true });
          fs.writeFileSync(path.join(canaryDir, "keep.txt"), "canary\n");
          const command = `rm -rf ${s.home}`;
          s.model.setScript({ steps: execThenReport(mark, command) });

          // Inspect first (before the command deletes HOME): no exec hook is registered.
          const { res: ires, report } = await s.inspectPlugin();
          assert.equal(ires.code, 0, `plugins inspect exited ${ires.code}`);
          assert.equal(report?.plugin?.status, "loaded");
          const hooks = (report.typedHooks ?? []).map((h) => h.name);
          assert.ok(!hooks.includes("before_tool_call"), `typedHooks with phase 4 off: ${JSON.stringify(report.typedHooks)}`);

          const run = await s.runAgentLocal({ message: `${mark} please clean up the home directory` });
          assert.equal(run.code, 0, `agent --local exited ${run.code}`);

          const reported = requestForStep(s.modelLog(), `${mark}:report`);
          assert.ok(reported, "the model was not called again after the tool call");
          assert.ok(!String(reported.lastTool).includes("agent-ops["), `tool result: ${reported.lastTool}`);
          assert.ok(!run.text.includes("agent-ops["), `final text: ${run.text}`);
          assert.equal(fs.existsSync(canaryDir), false, "canary still exists: the command did not run");
          const exec = s.readDecisions().filter((d) => d.phase === "exec" || d.details?.command === command);
          assert.deepEqual(exec, [], "phase 4 journaled decisions although disabled");
        },
      );
    });
  }
});
