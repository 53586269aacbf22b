// (e) Unknown keys and wrong types in plugins.entries.agent-ops.config are refused by OpenClaw
// (manifest configSchema, additionalProperties:false) before anything runs, naming the key.
import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import { checkPrerequisites, withScenario, marker, scaled } from "./lib/harness.mjs";

const TIMEOUT = scaled(240_000);
const ENTRY = "plugins.entries.agent-ops.config";

/** All validation issues as "path: message" lines, from the --json envelope and from stderr. */
function issueLines(res) {
  const fromJson = (res.json?.issues ?? []).map((i) => `${i.path}: ${i.message}`);
  return { fromJson, text: `${fromJson.join("\n")}\n${res.stderr}` };
}

const CASES = [
  {
    name: "unknown_key",
    config: { phases: { bashSecurity: { enabled: true, askActon: "block" } } },
    // OpenClaw reports the object holding the unknown key and names the key in the message.
    expectPath: `${ENTRY}.phases.bashSecurity`,
    expectKey: "askActon",
  },
  {
    name: "wrong_type",
    config: { phases: { loopBudget: { enabled: true, maxToolCallsPerRun: "many" } } },
    expectPath: `${ENTRY}.phases.loopBudget.maxToolCallsPerRun`,
    expectKey: "maxToolCallsPerRun",
  },
];

describe("config validation", { concurrency: true }, () => {
  before(() => checkPrerequisites());

  for (const c of CASES) {
    test(`g_r13_e2e_config_${c.name}_is_refused_naming_the_key`, { timeout: TIMEOUT }, () =>
      withScenario({ name: `cfg-${c.name}`, pluginConfig: c.config }, async (s) => {
        const mark = marker(c.name);
        s.model.setScript({ steps: [{ id: "any", match: { marker: mark }, text: "should not be reached" }] });

        // A real agent run on a fresh state dir is refused before any model call.
        const run = await s.runAgentLocal({ message: `${mark} hello` });
        assert.notEqual(run.code, 0, "agent --local accepted an invalid plugin config");
        const r = issueLines(run);
        assert.ok(
          r.fromJson.some((l) => l.startsWith(c.expectPath) && l.includes(c.expectKey)),
          `no issue naming ${c.expectPath} / ${c.expectKey}: ${JSON.stringify(r.fromJson)}`,
        );
        assert.ok(r.text.includes(c.expectPath), "stderr does not name the key path");
        assert.equal(s.model.chatRequests().length, 0, "the model was called despite the invalid config");

        // `openclaw config validate --json` reports the same.
        const v = await s.runCli(["config", "validate", "--json"], { label: "config validate" });
        assert.equal(v.code, 1, `config validate exited ${v.code}`);
        assert.equal(v.json?.valid, false);
        const vr = issueLines(v);
        assert.ok(
          vr.fromJson.some((l) => l.startsWith(c.expectPath) && l.includes(c.expectKey)),
          `config validate issues: ${JSON.stringify(vr.fromJson)}`,
        );
        assert.deepEqual(s.readDecisions(), []);
      }));
  }
});
