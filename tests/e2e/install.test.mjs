// (f) The packed plugin installs with `openclaw plugins install <tgz> --force --accept-capabilities`
// into a fresh state dir and then loads and blocks without plugins.load.paths.
import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { checkPrerequisites, withScenario, marker, findPluginTarball, PLUGIN_DIR, PLUGIN_ID, scaled } from "./lib/harness.mjs";
import { execThenReport, phase4Config, requestForStep } from "./lib/scripts.mjs";

const TIMEOUT = scaled(300_000);

function tarballOrFail() {
  const tgz = findPluginTarball();
  assert.ok(tgz, `no pkg/agent-ops-openclaw-plugin-<version>.tgz in ${PLUGIN_DIR}; run: bash scripts/build.sh --pack`);
  const built = ["index.js", "openclaw.plugin.json", "package.json", "wasm"]
    .map((f) => path.join(PLUGIN_DIR, f))
    .filter((f) => fs.existsSync(f))
    .map((f) => fs.statSync(f).mtimeMs);
  const newest = Math.max(0, ...built);
  assert.ok(fs.statSync(tgz).mtimeMs + 1000 >= newest, `${tgz} is older than the files in ${PLUGIN_DIR}; run: bash scripts/build.sh --pack`);
  return tgz;
}

describe("install from the npm-pack tarball", { concurrency: true }, () => {
  before(() => checkPrerequisites());

  test("e2e_install_tarball_then_plugin_loads_and_blocks", { timeout: TIMEOUT }, async () => {
    const tgz = tarballOrFail();
    const mark = marker("inst");
    await withScenario({ name: "install", plugin: "none" }, async (s) => {
      const inst = await s.installPlugin(tgz);
      assert.equal(inst.code, 0, `plugins install exited ${inst.code}`);
      assert.match(inst.stdout, /Installed plugin: agent-ops/);
      const installed = path.join(s.stateDir, "extensions", PLUGIN_ID);
      for (const f of ["package.json", "openclaw.plugin.json", "index.js"]) {
        assert.ok(fs.existsSync(path.join(installed, f)), `${f} missing in ${installed}`);
      }

      // OpenClaw enabled the entry itself; add our config, never plugins.load.paths.
      const cfg = s.readConfig();
      assert.equal(cfg.plugins?.entries?.[PLUGIN_ID]?.enabled, true, `config after install: ${JSON.stringify(cfg.plugins)}`);
      assert.equal(cfg.plugins?.load, undefined, "install added plugins.load");
      s.patchConfig({ plugins: { entries: { [PLUGIN_ID]: { config: phase4Config(), hooks: { allowConversationAccess: true } } } } });

      const { res, report } = await s.inspectPlugin();
      assert.equal(res.code, 0, `plugins inspect exited ${res.code}`);
      assert.equal(report.plugin.status, "loaded");
      assert.equal(path.resolve(report.plugin.rootDir), path.resolve(installed));
      assert.equal(report.install?.source ?? report.plugin.install?.source, "archive");
      assert.ok((report.typedHooks ?? []).some((h) => h.name === "before_tool_call"), JSON.stringify(report.typedHooks));
      const bad = (report.diagnostics ?? []).filter((d) => d.level === "error" || /blocked/i.test(String(d.message)));
      assert.deepEqual(bad, []);

      // A deny still works from the installed copy (`~` form of the home directory).
      const canary = path.join(s.home, "canary", "keep.txt");
      fs.mkdirSync(path.dirname(canary), { recursive: true });
      fs.writeFileSync(canary, "canary\n");
      s.model.setScript({ steps: execThenReport(mark, "rm -rf ~") });
      const run = await s.runAgentLocal({ message: `${mark} clean up` });
      assert.equal(run.code, 0, `agent --local exited ${run.code}`);
      assert.ok(fs.existsSync(canary), "canary vanished");
      const reported = requestForStep(s.modelLog(), `${mark}:report`);
      assert.ok(reported?.lastTool?.includes("agent-ops[exec.deny.destructive.rm_root]"), `tool result: ${reported?.lastTool}`);
      const deny = s.readDecisions().filter((d) => d.action === "deny" && d.details?.command === "rm -rf ~");
      assert.equal(deny.length, 1);
    });
  });
});
