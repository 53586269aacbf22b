// Issue 17 proof (d): the one-command install (`scripts/install.sh`, the package's
// `agent-ops-install`) on a fresh OpenClaw state dir leaves a plugin that OpenClaw loads and
// that blocks `rm -rf ~` in the real gateway, with `openclaw plugins doctor` exiting 0; a second
// run changes nothing; a folder merely copied into the extensions directory is reported as not
// loaded instead of passing for an install.
import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { checkPrerequisites, withScenario, marker, findPluginTarball, PLUGIN_DIR, PLUGIN_ID, REPO, OPENCLAW_MJS, scaled } from "./lib/harness.mjs";
import { execThenReport, requestForStep } from "./lib/scripts.mjs";

const TIMEOUT = scaled(900_000);

function tarballOrFail() {
  const tgz = findPluginTarball();
  assert.ok(tgz, `no pkg/agent-ops-openclaw-plugin-<version>.tgz in ${PLUGIN_DIR}; run: bash scripts/build.sh --pack`);
  const built = ["index.js", "openclaw.plugin.json", "package.json", "wasm", "bin"]
    .map((f) => path.join(PLUGIN_DIR, f))
    .filter((f) => fs.existsSync(f))
    .map((f) => fs.statSync(f).mtimeMs);
  const newest = Math.max(0, ...built);
  assert.ok(fs.statSync(tgz).mtimeMs + 1000 >= newest, `${tgz} is older than the files in ${PLUGIN_DIR}; run: bash scripts/build.sh --pack`);
  return tgz;
}

/** `bash scripts/install.sh ...args` with the scenario's OpenClaw environment. */
function installScript(s, args) {
  return new Promise((resolve) => {
    const child = spawn("bash", [path.join(REPO, "scripts", "install.sh"), ...args], {
      cwd: s.workspace,
      env: { ...s.env, OPENCLAW_BIN: OPENCLAW_MJS },
      stdio: ["ignore", "pipe", "pipe"],
    });
    s.children.add(child);
    const out = { label: `install.sh ${args.join(" ")}`, stdout: "", stderr: "", code: null };
    s.outputs.push(out);
    child.stdout.setEncoding("utf8").on("data", (d) => (out.stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (out.stderr += d));
    child.once("close", (code) => {
      out.code = code;
      resolve(out);
    });
  });
}

/** Every file below `dir`, relative, sorted. */
function listFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** What the install owns in the config: the plugins section and the compaction provider. */
function installState(cfg) {
  return { plugins: cfg.plugins, compaction: cfg.agents?.defaults?.compaction };
}

describe("one-command install", { concurrency: true }, () => {
  before(() => checkPrerequisites());

  test("e2e_install_script_fresh_state_dir_loads_blocks_and_is_idempotent", { timeout: TIMEOUT }, async () => {
    const tgz = tarballOrFail();
    const mark = marker("inst");
    await withScenario({ name: "install-script", plugin: "none" }, async (s) => {
      assert.equal(s.readConfig().plugins, undefined, "the scenario starts without any plugin config");
      const first = await installScript(s, [tgz]);
      assert.equal(first.code, 0, `install.sh exited ${first.code}\n${first.stdout}\n${first.stderr}`);
      assert.match(first.stdout, /OK: agent-ops .* is loaded by OpenClaw/);
      // It edited the config OpenClaw uses (OPENCLAW_CONFIG_PATH), nothing else.
      assert.ok(first.stdout.includes(`OpenClaw config: ${s.configPath}`), first.stdout);
      const installed = path.join(s.stateDir, "extensions", PLUGIN_ID);
      assert.ok(fs.existsSync(path.join(installed, "wasm", "agent_ops_bg.wasm")), `no plugin in ${installed}`);

      const cfg = s.readConfig();
      const entry = cfg.plugins?.entries?.[PLUGIN_ID];
      assert.equal(entry?.enabled, true, JSON.stringify(cfg.plugins));
      assert.equal(entry?.hooks?.allowConversationAccess, true);
      assert.equal(cfg.plugins?.slots?.contextEngine, PLUGIN_ID);
      assert.equal(cfg.agents?.defaults?.compaction?.provider, PLUGIN_ID);
      assert.equal(cfg.plugins?.load, undefined, "the install must not rely on plugins.load.paths");
      assert.equal(cfg.plugins?.allow, undefined, "no allowlist existed, so none is created (it would be exclusive)");

      const doctor = await s.runCli(["plugins", "doctor"], { label: "plugins doctor" });
      assert.equal(doctor.code, 0, `plugins doctor exited ${doctor.code}\n${doctor.stdout}\n${doctor.stderr}`);
      const { res, report } = await s.inspectPlugin();
      assert.equal(res.code, 0);
      assert.equal(report.plugin.status, "loaded");
      assert.equal(report.plugin.name, "Agent Ops", "the manifest's display name");
      assert.equal(path.resolve(report.plugin.rootDir), path.resolve(installed));
      assert.equal(report.install?.source, "archive");
      assert.deepEqual(report.diagnostics ?? [], []);
      // Each hook registered once (the agent_end "blocked" line was printed once per phase).
      const names = (report.typedHooks ?? []).map((h) => h.name);
      assert.ok(names.includes("before_tool_call") && names.includes("agent_end"), JSON.stringify(names));
      assert.deepEqual(names, [...new Set(names)], `a hook is registered twice: ${JSON.stringify(names)}`);

      // Idempotent: the second run leaves the same config and the same installed files.
      const before = { state: installState(s.readConfig()), files: listFiles(installed) };
      const second = await installScript(s, [tgz]);
      assert.equal(second.code, 0, `second install.sh exited ${second.code}\n${second.stdout}\n${second.stderr}`);
      assert.deepEqual({ state: installState(s.readConfig()), files: listFiles(installed) }, before);
      const check = await installScript(s, ["--check"]);
      assert.equal(check.code, 0, `install.sh --check exited ${check.code}\n${check.stderr}`);

      // The real gateway blocks `rm -rf ~` with the installed copy and its default config.
      const canary = path.join(s.home, "canary", "keep.txt");
      fs.mkdirSync(path.dirname(canary), { recursive: true });
      fs.writeFileSync(canary, "canary\n");
      await s.startGateway();
      s.model.setScript({ steps: execThenReport(mark, "rm -rf ~") });
      const run = await s.runAgent({ message: `${mark} clean up` });
      assert.equal(run.code, 0, `agent exited ${run.code}`);
      assert.ok(fs.existsSync(canary), "canary vanished");
      const reported = requestForStep(s.modelLog(), `${mark}:report`);
      assert.ok(reported?.lastTool?.includes("agent-ops[exec.deny.destructive.rm_root]"), `tool result: ${reported?.lastTool}`);
      const deny = s.readDecisions().filter((d) => d.action === "deny" && d.details?.command === "rm -rf ~");
      assert.equal(deny.length, 1, JSON.stringify(s.readDecisions().slice(-5)));
      const gwLog = s.gateway.stdout + s.gateway.stderr;
      assert.doesNotMatch(gwLog, /typed hook "[a-z_]+" blocked/);
    });
  });

  test("e2e_install_script_reports_a_copied_folder_as_not_loaded_then_replaces_it", { timeout: TIMEOUT }, async () => {
    const tgz = tarballOrFail();
    await withScenario({ name: "install-copy", plugin: "none" }, async (s) => {
      // The "drop a folder into extensions" install of the issue: listed as enabled, not loaded.
      const copy = path.join(s.stateDir, "extensions", PLUGIN_ID);
      fs.mkdirSync(copy, { recursive: true });
      for (const f of ["index.js", "openclaw.plugin.json", "package.json", "wasm", "skills"]) {
        fs.cpSync(path.join(PLUGIN_DIR, f), path.join(copy, f), { recursive: true });
      }
      s.patchConfig({ plugins: { entries: { [PLUGIN_ID]: { enabled: true, hooks: { allowConversationAccess: true } } } } });
      const check = await installScript(s, ["--check"]);
      assert.equal(check.code, 1, `install.sh --check exited ${check.code}\n${check.stdout}\n${check.stderr}`);
      assert.match(check.stderr, /is a copied folder, not an OpenClaw install/);
      assert.match(check.stderr, /the gateway does not load it/);

      // An existing allowlist keeps its entries and gains agent-ops.
      s.patchConfig({ plugins: { allow: ["memory-core"] } });
      const inst = await installScript(s, [tgz]);
      assert.equal(inst.code, 0, `install.sh exited ${inst.code}\n${inst.stdout}\n${inst.stderr}`);
      const cfg = s.readConfig();
      assert.deepEqual(cfg.plugins.allow, ["memory-core", PLUGIN_ID]);
      const { report } = await s.inspectPlugin();
      assert.equal(report.install?.source, "archive");
      assert.equal(report.plugin.status, "loaded");
      const again = await installScript(s, ["--check"]);
      assert.equal(again.code, 0, `install.sh --check exited ${again.code}\n${again.stderr}`);
    });
  });
});
