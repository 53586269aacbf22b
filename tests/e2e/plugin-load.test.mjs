// (a) E2E-1: the plugin loads in the real OpenClaw and registers its hooks without diagnostics.
import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { checkPrerequisites, withScenario, PLUGIN_DIR, PLUGIN_ID, scaled } from "./lib/harness.mjs";

const TIMEOUT = scaled(240_000);

describe("plugin load (openclaw plugins inspect --runtime)", { concurrency: true }, () => {
  before(() => checkPrerequisites());

  test("e2e_1_inspect_runtime_lists_before_tool_call_without_errors", { timeout: TIMEOUT }, () =>
    withScenario({ name: "inspect", pluginConfig: {} }, async (s) => {
      const { res, report } = await s.inspectPlugin();
      assert.equal(res.code, 0, `plugins inspect exited ${res.code}`);
      assert.ok(report && report.plugin, "inspect printed no JSON report");
      const p = report.plugin;
      assert.equal(p.id, PLUGIN_ID);
      assert.equal(p.status, "loaded", `plugin status ${p.status}`);
      assert.equal(p.imported, true, "plugin module was not imported");
      assert.equal(p.enabled, true);
      assert.equal(path.resolve(p.rootDir), path.resolve(PLUGIN_DIR));
      assert.equal(p.configSchema, true, "manifest configSchema not recognised");
      const hooks = (report.typedHooks ?? []).map((h) => h.name);
      assert.ok(hooks.includes("before_tool_call"), `typedHooks ${JSON.stringify(report.typedHooks)} lacks before_tool_call`);
      const diags = report.diagnostics ?? [];
      const bad = diags.filter((d) => d.level === "error" || /blocked/i.test(String(d.message)));
      assert.deepEqual(bad, [], `error/blocked diagnostics: ${JSON.stringify(bad)}`);
      assert.equal(report.policy?.allowConversationAccess, true);
    }));
});
