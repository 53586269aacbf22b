// Issue 17 item 3, proof (c): a typo in plugins.entries.agent-ops.config never leaves exec
// unprotected. The three typo kinds an operator makes (a misspelt phase key, a string where an
// integer belongs, an enum value that does not exist) are accepted by OpenClaw (the manifest
// schema accepts any value, so OpenClaw never says "run openclaw doctor --fix", and that command
// no longer quarantines the plugin), while the core names each error by key path (and the closest
// key) at startup and runs phase 4 on its safe defaults: a scripted `rm -rf ~` is blocked.
//
// Before issue 17 this file expected the opposite: OpenClaw refusing the config (exit 78) from
// the strict manifest schema. That refusal is what led to the quarantine, so it is gone.
import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { checkPrerequisites, withScenario, marker, scaled, stripAnsi, PLUGIN_ID } from "./lib/harness.mjs";
import { execThenReport, requestForStep, reasonCodes } from "./lib/scripts.mjs";

const TIMEOUT = scaled(420_000);
const ENTRY = `plugins.entries.${PLUGIN_ID}.config`;

const CASES = [
  {
    // An attempt to switch phase 4 off that misspells the key: phase 4 stays on.
    name: "misspelt_phase_key",
    config: { phases: { bashSecurty: false } },
    path: "phases.bashSecurty",
    says: "did you mean `bashSecurity`",
    doctor: true,
  },
  {
    name: "string_for_integer",
    config: { phases: { bashSecurity: { limits: { maxDepth: "deep" } } } },
    path: "phases.bashSecurity.limits.maxDepth",
    says: "invalid type",
  },
  {
    name: "unknown_enum_value",
    config: { phases: { bashSecurity: { askAction: "prompt" } } },
    path: "phases.bashSecurity.askAction",
    says: "unknown variant `prompt`",
  },
];

async function doctorFixKeepsOurEntry(s) {
  const before = s.readConfig().plugins.entries[PLUGIN_ID];
  // Doctor's state migrations run in a throwaway state dir: on a loaded machine one can miss its
  // 5 s lease and mark the state "maintenance required", which then stops the gateway (exit 78)
  // for reasons unrelated to the config this test is about.
  const stateDir = fs.mkdtempSync(path.join(s.dir, "doctor-state-"));
  const d = await s.runCli(["doctor", "--fix", "--non-interactive"], { label: "doctor --fix", env: { OPENCLAW_STATE_DIR: stateDir } });
  const after = s.readConfig().plugins.entries[PLUGIN_ID];
  assert.deepEqual(after.config, before.config, `doctor --fix (exit ${d.code}) changed our config`);
  assert.notEqual(after.enabled, false, `doctor --fix disabled the plugin: ${d.stdout.slice(-2000)}`);
  // OpenClaw's doctor loads the plugin, so it shows our error too.
  assert.ok(stripAnsi(d.stdout + d.stderr).includes("core.config.invalid"), "doctor did not show the agent-ops config error");
}

describe("config typos never unload phase 4", { concurrency: true }, () => {
  before(() => checkPrerequisites());

  for (const c of CASES) {
    test(`i17_e2e_config_${c.name}_starts_reports_the_key_and_blocks_rm_rf_home`, { timeout: TIMEOUT }, () =>
      withScenario({ name: `cfg-${c.name}`, pluginConfig: c.config }, async (s) => {
        const mark = marker(c.name);
        const rmCommand = `rm -rf ${s.home}`;
        s.model.setScript({ steps: execThenReport(mark, rmCommand) });
        const canary = path.join(s.home, "canary", "keep.txt");
        fs.mkdirSync(path.dirname(canary), { recursive: true });
        const content = `canary ${crypto.randomBytes(8).toString("hex")}\n`;
        fs.writeFileSync(canary, content);

        // OpenClaw accepts the config: no issue under our entry, nothing for doctor to "fix".
        const v = await s.runCli(["config", "validate", "--json"], { label: "config validate" });
        assert.equal(v.code, 0, `config validate exited ${v.code}: ${v.stdout}${v.stderr}`);
        assert.equal(v.json?.valid, true, JSON.stringify(v.json));
        assert.ok(!(v.json?.issues ?? []).some((i) => String(i.path).startsWith(ENTRY)), JSON.stringify(v.json));

        // `openclaw doctor --fix` (OpenClaw's advice for an invalid config) leaves our entry as
        // written and the plugin enabled: it used to delete the config and disable the plugin.
        // Its repair acts on the issues `config validate` reports (none for us, asserted above
        // for every case), so one case runs it: each run costs about 40 s of a busy machine.
        if (c.doctor) await doctorFixKeepsOurEntry(s);


        // The gateway starts and logs our error with the full key path.
        await s.startGateway();
        const gwText = stripAnsi(s.gateway.stdout + s.gateway.stderr);
        const line = gwText.split("\n").find((l) => l.includes("core.config.invalid") && l.includes(`${ENTRY}.${c.path}`));
        assert.ok(line, `no core.config.invalid line naming ${ENTRY}.${c.path}:\n${gwText.slice(-3000)}`);
        assert.ok(line.includes(c.says), `the error does not say "${c.says}": ${line}`);
        assert.ok(gwText.includes("core.config.defaults_used"), "no summary line saying the defaults are used");

        // A scripted `rm -rf ~` is blocked by phase 4 and the canary survives.
        const run = await s.runAgent({ message: `${mark} please clean up the home directory` });
        assert.equal(run.code, 0, `openclaw agent exited ${run.code}`);
        assert.equal(fs.readFileSync(canary, "utf8"), content, "canary file changed or vanished: rm -rf ran");
        const reported = requestForStep(s.modelLog(), `${mark}:report`);
        assert.ok(requestForStep(s.modelLog(), `${mark}:exec`), "the scripted model never asked for the exec call");
        assert.ok(reported, "the model was not called again after the tool call");
        assert.equal(reasonCodes(reported.lastTool)[0], "exec.deny.destructive.rm_root", `tool result: ${reported.lastTool}`);
        const deny = s.readDecisions().filter((x) => x.phase === "exec" && x.details?.command === rmCommand);
        assert.equal(deny.length, 1, JSON.stringify(s.readDecisions()));
        assert.equal(deny[0].action, "deny");
      }));
  }
});
