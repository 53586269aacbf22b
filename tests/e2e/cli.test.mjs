// Issue 17 proof (f): the CLI ships with the plugin. After `openclaw plugins install <tgz>` on a
// fresh state dir, `openclaw agent-ops …` runs the core's CLI (the native binary's Rust code, in
// the plugin's wasm): `doctor` names the config file it read and prints the installed / enabled /
// allowed / loaded / degraded checks, `check 'rm -rf ~'` denies, and `--help` works on every
// subcommand. "loaded" turns ok once a gateway has loaded the plugin.
import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { checkPrerequisites, withScenario, findPluginTarball, stripAnsi, PLUGIN_DIR, PLUGIN_ID, NODE24, OPENCLAW_MJS, scaled } from "./lib/harness.mjs";
import { phase4Config } from "./lib/scripts.mjs";

const TIMEOUT = scaled(600_000);
const SUBCOMMANDS = ["check", "explain", "doctor", "memory", "skills", "grants", "version"];

function tarballOrFail() {
  const tgz = findPluginTarball();
  assert.ok(tgz, `no pkg/agent-ops-openclaw-plugin-<version>.tgz in ${PLUGIN_DIR}; run: bash scripts/build.sh --pack`);
  const newest = Math.max(0, ...["index.js", "cli.js", "openclaw.plugin.json", "wasm/agent_ops_bg.wasm"]
    .map((f) => path.join(PLUGIN_DIR, f))
    .filter((f) => fs.existsSync(f))
    .map((f) => fs.statSync(f).mtimeMs));
  assert.ok(fs.statSync(tgz).mtimeMs + 1000 >= newest, `${tgz} is older than the files in ${PLUGIN_DIR}; run: bash scripts/build.sh --pack`);
  return tgz;
}

/** The check line `name` of a doctor report ("ok   installed …"). */
function checkLine(stdout, name) {
  const line = stripAnsi(stdout).split("\n").find((l) => l.slice(5).startsWith(name));
  assert.ok(line, `no ${name} line in:\n${stdout}`);
  return line;
}

describe("openclaw agent-ops from a tarball install", { concurrency: true }, () => {
  before(() => checkPrerequisites());

  test("e2e_cli_ships_with_the_plugin", { timeout: TIMEOUT }, async () => {
    const tgz = tarballOrFail();
    await withScenario({ name: "cli", plugin: "none" }, async (s) => {
      const inst = await s.installPlugin(tgz);
      assert.equal(inst.code, 0, `plugins install exited ${inst.code}`);
      const installed = path.join(s.stateDir, "extensions", PLUGIN_ID);
      assert.ok(fs.existsSync(path.join(installed, "cli.js")), "cli.js is not in the installed plugin");
      s.patchConfig({
        plugins: { allow: [PLUGIN_ID], entries: { [PLUGIN_ID]: { config: phase4Config(), hooks: { allowConversationAccess: true } } } },
      });
      const agentOps = (args, opts) => s.runCli([PLUGIN_ID, ...args], { label: `agent-ops ${args.join(" ")}`, ...opts });

      // doctor: the file it read (the harness sets OPENCLAW_CONFIG_PATH) and each check.
      const doc = await agentOps(["doctor"]);
      assert.equal(doc.code, 0, `doctor exited ${doc.code}: ${doc.stdout}\n${doc.stderr}`);
      assert.ok(doc.stdout.includes(`OpenClaw config: ${s.configPath} (from $OPENCLAW_CONFIG_PATH)`), doc.stdout);
      assert.ok(doc.stdout.includes(`OpenClaw state dir: ${s.stateDir}`), doc.stdout);
      assert.match(checkLine(doc.stdout, "installed"), new RegExp(`^ok +installed +${installed.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(OpenClaw's extensions directory, version `));
      assert.match(checkLine(doc.stdout, "enabled"), /^ok /);
      assert.match(checkLine(doc.stdout, "allowed"), /^ok /);
      // No gateway has loaded it yet: a warning naming the record.
      assert.match(checkLine(doc.stdout, "loaded"), /^warn .*runtime\/applied\.json is missing/);
      assert.match(checkLine(doc.stdout, "degraded"), /conversation access: plugins\.entries\.agent-ops\.hooks\.allowConversationAccess is true/);
      assert.ok(doc.stdout.includes("phase 4 bashSecurity   Bash/exec command security: enabled"), doc.stdout);
      assert.ok(doc.stdout.includes("phase 2 loopBudget     Loop termination and budgets: disabled"), doc.stdout);

      // check: the same verdict as the gateway's before_tool_call.
      const chk = await agentOps(["check", "--exit-code", "rm -rf ~"]);
      assert.equal(chk.code, 20, `check exited ${chk.code}: ${chk.stdout}\n${chk.stderr}`);
      // stdout is the core's output only (OpenClaw's and the plugin's log lines go to stderr).
      assert.equal(stripAnsi(chk.stdout), "deny\texec.deny.destructive.rm_root\trm -rf ~\n");
      // `--` reaches the core as typed, and stdin is read when COMMAND is absent.
      const dash = await agentOps(["check", "--json", "--", "--help"]);
      assert.equal(JSON.parse(stripAnsi(dash.stdout).trim().split("\n").pop()).command, "--help");
      const piped = spawnSync(NODE24, [OPENCLAW_MJS, PLUGIN_ID, "check", "--json"], {
        cwd: s.workspace, env: s.env, input: "ls -la\nrm -rf ~\n", encoding: "utf8", timeout: scaled(180_000),
      });
      const verdicts = stripAnsi(piped.stdout).split("\n").filter(Boolean).map((l) => JSON.parse(l).verdict);
      assert.deepEqual(verdicts, ["allow", "deny"], `${piped.stdout}\n${piped.stderr}`);

      // --help on every subcommand exits 0 with its usage.
      for (const cmd of SUBCOMMANDS) {
        const h = await agentOps([cmd, "--help"]);
        assert.equal(h.code, 0, `${cmd} --help exited ${h.code}: ${h.stderr}`);
        assert.ok(stripAnsi(h.stdout).includes(`usage: openclaw agent-ops ${cmd}`), `${cmd} --help:\n${h.stdout}`);
      }
      const overview = await agentOps(["--help"]);
      assert.equal(overview.code, 0);
      for (const cmd of SUBCOMMANDS) assert.ok(overview.stdout.includes(`  ${cmd} `), overview.stdout);
      const bad = await agentOps(["doctor", "--bogus"]);
      assert.equal(bad.code, 2);
      assert.ok(bad.stderr.includes("usage: openclaw agent-ops doctor"), bad.stderr);

      // A gateway loads the plugin: "loaded" names the running process and the phases it applied.
      await s.startGateway();
      const live = await agentOps(["doctor"]);
      assert.equal(live.code, 0, `doctor exited ${live.code}: ${live.stdout}\n${live.stderr}`);
      const loaded = checkLine(live.stdout, "loaded");
      assert.match(loaded, /^ok +loaded +process \d+ \(running\) loaded agent-ops \S+ at \S+: on \[bashSecurity\] off \[compaction, loopBudget, sessionMemory, memoryScoping, coordinator, forkSkills\]$/, loaded);
      const record = JSON.parse(fs.readFileSync(path.join(s.pluginStateDir, "runtime", "applied.json"), "utf8"));
      assert.deepEqual(record.on, ["bashSecurity"]);
      assert.ok(Number.isInteger(record.pid), JSON.stringify(record));
      await s.stopGateway();
    });
  });
});
