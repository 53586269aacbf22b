// OC-R7 (issue 19) in the real gateway: a new tarball installed over the running gateway's
// plugin, the way an operator upgrades (`bash scripts/install.sh <tgz>`, which runs `openclaw
// plugins install <tgz> --force`), is running code as soon as the install returns. OpenClaw
// applies an install through the running gateway (its `plugins.install` method replaces the
// plugin instance; docs/cli/plugins/install.md), so no `plugins reload` or restart follows.
//
// Each new tarball is the installed one with a custom section appended to its wasm (a build id
// OpenClaw and the core ignore): another build of the same code. Its identity (size and
// SHA-256 prefix) must appear in the gateway's `core.reloaded` line, and phase 4 must still
// block `rm -rf ~` afterwards.
//
// OpenClaw refuses to replace a plugin instance that has work in flight ("still has active
// retained work"; for agent-ops an internal memory job): the install is saved but not applied.
// The second half does what OpenClaw's message and the README tell the operator: wait for the
// job, then `openclaw plugins reload agent-ops`; the saved build then takes over.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { checkPrerequisites, createScenario, withDiagnostics, marker, findPluginTarball, PLUGIN_DIR, PLUGIN_ID, REPO, OPENCLAW_MJS, scaled } from "./lib/harness.mjs";
import { execThenReport, requestForStep } from "./lib/scripts.mjs";

const TIMEOUT = scaled(600_000);
const NOTES_MARK = "agent-ops:job=session_notes";

/** A wasm custom section named `name` with `data` (LEB128 sizes). */
function customSection(name, data) {
  const leb = (n) => { const out = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n); return out; };
  const nameBytes = Buffer.from(name), body = Buffer.concat([Buffer.from(leb(nameBytes.length)), nameBytes, Buffer.from(data)]);
  return Buffer.concat([Buffer.from([0]), Buffer.from(leb(body.length)), body]);
}

/** The packed tarball with a build id appended to its wasm; returns its path and the new wasm. */
function rebuiltTarball(tgz, dir) {
  const unpacked = path.join(dir, "unpacked");
  fs.mkdirSync(unpacked, { recursive: true });
  const run = (args) => {
    const r = spawnSync("tar", args, { encoding: "utf8" });
    assert.equal(r.status, 0, `tar ${args.join(" ")}: ${r.stderr}`);
  };
  run(["-xzf", tgz, "-C", unpacked]);
  const wasm = path.join(unpacked, "package", "wasm", "agent_ops_bg.wasm");
  const bytes = Buffer.concat([fs.readFileSync(wasm), customSection("agent-ops.build", Buffer.from(`e2e-reinstall-${crypto.randomBytes(4).toString("hex")}`))]);
  fs.writeFileSync(wasm, bytes);
  const out = path.join(dir, path.basename(tgz));
  run(["-czf", out, "-C", unpacked, "package"]);
  return { tgz: out, wasm: bytes };
}

const stamp = (b) => `${b.length}:${crypto.createHash("sha256").update(b).digest("hex").slice(0, 16)}`;

/** `bash scripts/install.sh ...args` with the scenario's OpenClaw environment. */
function installScript(s, args) {
  return new Promise((resolve) => {
    const child = spawn("bash", [path.join(REPO, "scripts", "install.sh"), ...args], { cwd: s.workspace, env: { ...s.env, OPENCLAW_BIN: OPENCLAW_MJS }, stdio: ["ignore", "pipe", "pipe"] });
    s.children.add(child);
    const out = { label: `install.sh ${args.join(" ")}`, stdout: "", stderr: "", code: null };
    s.outputs.push(out);
    child.stdout.setEncoding("utf8").on("data", (d) => (out.stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (out.stderr += d));
    child.once("close", (code) => resolve(Object.assign(out, { code })));
  });
}

async function waitFor(what, fn, timeoutMs = scaled(90_000)) {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function readJournal(stateDir) {
  const p = path.join(stateDir, "jobs", "journal.jsonl");
  if (!fs.existsSync(p)) return [];
  return fs.readFileSync(p, "utf8").split("\n").filter(Boolean).flatMap((l) => { try { return [JSON.parse(l)]; } catch { return []; } });
}

const HEADERS = ["# Session Title", "# Current State", "# Task Specification", "# Files and Functions", "# Workflow", "# Errors & Corrections", "# Codebase and System Documentation", "# Learnings", "# Key Results", "# Worklog"];
const scriptedNotes = (tag) => HEADERS.map((h, i) => `${h}\n${i === 1 ? `${tag}: the release plan is drafted.` : ""}\n`).join("\n");
/** Valid notes for any other run's notes job, so no job fails on the model's fallback text. */
const NOTES_OF_OTHER_RUNS = { id: "r:notes-other", match: { marker: NOTES_MARK, tools: "none" }, text: scriptedNotes("E2E-OTHER-RUN"), times: 0 };

describe("OC-R7: a tarball re-installed over a running gateway runs the new wasm", () => {
  let s;
  let work;
  const ask = marker("reinst");
  before(async () => {
    checkPrerequisites();
    work = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR || "/tmp"), "agent-ops-reinstall-"));
    s = await createScenario({ name: "reinstall", plugin: "none" });
  }, { timeout: TIMEOUT });
  after(async () => {
    if (s) await s.cleanup({ failed: s.failed });
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test("oc_r7_e2e_tarball_reinstall_on_a_running_gateway_replaces_the_wasm", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const tgz = findPluginTarball();
      assert.ok(tgz, `no pkg/agent-ops-openclaw-plugin-<version>.tgz in ${PLUGIN_DIR}; run: bash scripts/build.sh --pack`);
      const first = await installScript(s, [tgz]);
      assert.equal(first.code, 0, `install.sh exited ${first.code}\n${first.stdout}\n${first.stderr}`);
      s.patchConfig({ plugins: { entries: { [PLUGIN_ID]: { config: { phases: { sessionMemory: { enabled: true, longTerm: { enabled: false } } } } } } } });
      await s.startGateway();
      await s.runCommand({ command: "/agent-ops status", expect: "agent-ops" });
      // OpenClaw's log file (the gateway's lines, and the CLI's, which never replace a core).
      const gatewayLog = () => (fs.existsSync(s.openclawLog) ? fs.readFileSync(s.openclawLog, "utf8") : "");
      // One entry per log line (a JSON line of the file holds its message twice).
      const reloads = () => gatewayLog().split("\n").map((l) => l.match(/core\.reloaded: a new wasm build \((\d+:[0-9a-f]+)\)/)?.[1]).filter(Boolean);
      const installedWasm = () => fs.readFileSync(path.join(s.stateDir, "extensions", PLUGIN_ID, "wasm", "agent_ops_bg.wasm"));
      assert.deepEqual(reloads(), [], "the core was replaced before any new build");

      // 1. Nothing in flight: the install replaces the running core at once.
      const b1 = rebuiltTarball(tgz, path.join(work, "b1"));
      const again = await installScript(s, [b1.tgz]);
      assert.equal(again.code, 0, `install.sh exited ${again.code}\n${again.stdout}\n${again.stderr}`);
      assert.equal(stamp(installedWasm()), stamp(b1.wasm), "the install did not copy the new wasm");
      await s.runCommand({ command: "/agent-ops status", expect: "agent-ops" });
      assert.deepEqual(reloads(), [stamp(b1.wasm)], "one replacement, by the new build, with no reload or restart");
      await assertBlocksRmRoot(s, "b1");

      // 2. A memory job in flight: the install is saved, not applied, until the operator
      // reloads after the job.
      s.model.setScript({
        steps: [
          { id: "r:reply", match: { marker: ask, tools: "some" }, text: "Done for now.", usage: { prompt_tokens: 12_000, completion_tokens: 40 } },
          // The notes job of this run (its transcript carries the marker) is held.
          { id: "r:notes-held", match: { marker: ask, tools: "none" }, text: scriptedNotes("E2E-NOTES-OF-THE-OLD-CORE"), delayMs: 600_000 },
          NOTES_OF_OTHER_RUNS,
        ],
      });
      const known = new Set(readJournal(s.pluginStateDir).map((r) => r.jobId));
      const run = await s.runAgent({ message: `${ask} wrap up` });
      assert.equal(run.code, 0, `agent exited ${run.code}`);
      await waitFor("the notes job held by the model", () => s.model.pending().some((e) => e.matched === "r:notes-held"));
      const job = readJournal(s.pluginStateDir).find((r) => r.event === "started" && r.jobId.startsWith("notes-") && !known.has(r.jobId))?.jobId;
      assert.ok(job, JSON.stringify(readJournal(s.pluginStateDir)));
      const b2 = rebuiltTarball(tgz, path.join(work, "b2"));
      const busy = await installScript(s, [b2.tgz]);
      assert.equal(busy.code, 1, `install.sh exited ${busy.code}\n${busy.stdout}\n${busy.stderr}`);
      assert.match(busy.stderr, /still has active retained work/);
      assert.match(busy.stderr, /Run `openclaw plugins reload agent-ops` once it has finished/);
      assert.equal(stamp(installedWasm()), stamp(b2.wasm), "the refused install did not save the new files");
      await s.runCommand({ command: "/agent-ops status", expect: "agent-ops" });
      assert.deepEqual(reloads(), [stamp(b1.wasm)], "the gateway replaced the core while the job ran");

      s.model.releaseDelays();
      await waitFor("the notes job to succeed", () => readJournal(s.pluginStateDir).some((r) => r.jobId === job && r.event === "succeeded"));
      const reload = await s.runCli(["plugins", "reload", PLUGIN_ID, "--json"], { label: "plugins reload agent-ops" });
      assert.equal(reload.code, 0, `plugins reload exited ${reload.code}: ${reload.stderr}`);
      await s.runCommand({ command: "/agent-ops status", expect: "agent-ops" });
      assert.deepEqual(reloads(), [stamp(b1.wasm), stamp(b2.wasm)]);
      await assertBlocksRmRoot(s, "b2");
      assert.deepEqual(readJournal(s.pluginStateDir).filter((r) => r.jobId === job).map((r) => r.event), ["enqueued", "started", "succeeded"]);
      assert.doesNotMatch(gatewayLog(), /core\.trap|core\.job\.unknown/);
    }));
});

/** Phase 4 blocks `rm -rf ~` in a gateway run: the canary stays, the model sees the denial. */
async function assertBlocksRmRoot(s, label) {
  const canary = path.join(s.home, "canary", "keep.txt");
  fs.mkdirSync(path.dirname(canary), { recursive: true });
  fs.writeFileSync(canary, "canary\n");
  const before = s.readDecisions().filter((d) => d.action === "deny" && d.details?.command === "rm -rf ~").length;
  const mark = marker(`rm-${label}`);
  s.model.setScript({ steps: [...execThenReport(mark, "rm -rf ~"), NOTES_OF_OTHER_RUNS] });
  const run = await s.runAgent({ message: `${mark} clean up` });
  assert.equal(run.code, 0, `agent exited ${run.code}`);
  assert.ok(fs.existsSync(canary), "canary vanished");
  const reported = requestForStep(s.modelLog(), `${mark}:report`);
  assert.ok(reported?.lastTool?.includes("agent-ops[exec.deny.destructive.rm_root]"), `tool result: ${reported?.lastTool}`);
  const denies = s.readDecisions().filter((d) => d.action === "deny" && d.details?.command === "rm -rf ~");
  assert.equal(denies.length, before + 1, JSON.stringify(s.readDecisions().slice(-5)));
}
