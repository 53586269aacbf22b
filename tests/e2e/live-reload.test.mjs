// Live reload in the real gateway (issue 17, proof (a) and (b)).
//
// (a) Toggling `sessionMemory` off and on and another key while the gateway runs replaces the
//     plugin instance each time (OpenClaw's hybrid reload); each (re)init logs its
//     `agent-ops config applied: on [...] off [...]` line, and a run that crosses the notes
//     threshold afterwards still writes the notes (before issue 17 the job stayed `enqueued`).
// (b) A toggle while a notes model call and an agent turn's tool call are in flight: OpenClaw
//     refuses the replacement ("still has active retained work"; the slow notes call alone does
//     not make it refuse: the tool call between two plugin callbacks does), fails the whole
//     config reload and never retries it. The running instance sees the config file differ
//     from the applied config and applies it in place with a warning; `agent-ops doctor` shows
//     what the gateway enforces, and the gateway really enforces it (phase 4 off: the command
//     runs).
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { checkPrerequisites, createScenario, withDiagnostics, marker, onlyPhases, scaled, REPO } from "./lib/harness.mjs";
import { execThenReport, requestForStep } from "./lib/scripts.mjs";

const TIMEOUT = scaled(300_000);
const NOTES_MARK = "agent-ops:job=session_notes";
const HEADERS = [
  ["# Session Title", "_A short, specific title for this session._"],
  ["# Current State", "_What is in progress now, what is done, and the immediate next step._"],
  ["# Task Specification", "_What the user asked for, with constraints and acceptance criteria._"],
  ["# Files and Functions", "_Important files and symbols and why each matters._"],
  ["# Workflow", "_Commands and procedures used to build, test and run, and how to read their output._"],
  ["# Errors & Corrections", "_Errors met, their fixes, and approaches that failed and must not be retried._"],
  ["# Codebase and System Documentation", "_How the relevant parts of the system fit together._"],
  ["# Learnings", "_What worked, what did not, what to avoid._"],
  ["# Key Results", "_Exact outputs the user asked for._"],
  ["# Worklog", "_Terse step-by-step record of what was done._"],
];

function scriptedNotes(tag) {
  return HEADERS.map(([h, d], i) => `${h}\n${d}\n${i === 1 ? `${tag}: state recorded.` : ""}\n`).join("\n");
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

function logText(s) {
  try {
    return fs.readFileSync(s.openclawLog, "utf8");
  } catch {
    return "";
  }
}

/** Every `agent-ops config applied` line of the gateway log, in order, as {on, off}. */
function appliedLines(s) {
  const split = (x) => x.split(",").map((p) => p.trim()).filter(Boolean);
  return [...logText(s).matchAll(/agent-ops config applied: on \[([^\]]*)\] off \[([^\]]*)\]/g)].map((m) => ({ on: split(m[1]), off: split(m[2]) }));
}

function readJournal(stateDir) {
  const p = path.join(stateDir, "jobs", "journal.jsonl");
  if (!fs.existsSync(p)) return [];
  return fs.readFileSync(p, "utf8").split("\n").filter(Boolean).flatMap((l) => { try { return [JSON.parse(l)]; } catch { return []; } });
}

function notesWith(stateDir, text) {
  const dir = path.join(stateDir, "sessions");
  if (!fs.existsSync(dir)) return null;
  return fs.readdirSync(dir).map((d) => path.join(dir, d, "notes.md")).find((p) => fs.existsSync(p) && fs.readFileSync(p, "utf8").includes(text)) ?? null;
}

function setPhase(s, key, value) {
  s.patchConfig({ plugins: { entries: { "agent-ops": { config: { phases: { [key]: value } } } } } });
}

/** `agent-ops doctor --json` (the native CLI) on the scenario's config and state dir. */
function doctor(s) {
  const bin = ["debug", "release"].map((d) => path.join(REPO, "target", d, "agent-ops")).find((p) => fs.existsSync(p));
  assert.ok(bin, "the native agent-ops CLI is not built: run `cargo build --bin agent-ops`");
  const r = spawnSync(bin, ["doctor", "--openclaw-config", s.configPath, "--state-dir", s.pluginStateDir, "--json"], { encoding: "utf8", timeout: scaled(30_000) });
  assert.equal(r.status, 0, `agent-ops doctor: ${r.stderr}`);
  const text = spawnSync(bin, ["doctor", "--openclaw-config", s.configPath, "--state-dir", s.pluginStateDir], { encoding: "utf8", timeout: scaled(30_000) });
  return { json: JSON.parse(r.stdout), text: text.stdout };
}

describe("live toggles keep phase 3 working (gateway)", { concurrency: false }, () => {
  let s;
  const ask = marker("reload");
  before(async () => {
    checkPrerequisites();
    s = await createScenario({
      name: "reload",
      pluginConfig: onlyPhases({ sessionMemory: { enabled: true, longTerm: { enabled: false } }, bashSecurity: { enabled: true, askAction: "block" } }),
      script: {
        steps: [
          { id: "r:reply", match: { marker: ask, tools: "some" }, text: "The plan is written.", usage: { prompt_tokens: 12_000, completion_tokens: 40 } },
          { id: "r:notes", match: { marker: NOTES_MARK, tools: "none" }, text: scriptedNotes("E2E-AFTER-RELOAD") },
        ],
      },
    });
    await withDiagnostics(s, () => s.startGateway());
  }, { timeout: TIMEOUT });
  after(async () => {
    if (s) await s.cleanup({ failed: s.failed });
  });

  test("issue17_e2e_toggling_session_memory_and_another_key_live_keeps_notes_working", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      await waitFor("the first applied line", () => appliedLines(s).some((l) => l.on.includes("sessionMemory") && l.on.includes("bashSecurity")));
      let seen = appliedLines(s).length;
      const next = (what, pred) =>
        waitFor(what, () => {
          const l = appliedLines(s).slice(seen).find(pred);
          if (l) seen = appliedLines(s).length;
          return l;
        });

      setPhase(s, "sessionMemory", { enabled: false, longTerm: { enabled: false } });
      await next("sessionMemory off applied", (l) => l.off.includes("sessionMemory"));
      setPhase(s, "sessionMemory", { enabled: true, longTerm: { enabled: false } });
      await next("sessionMemory on applied", (l) => l.on.includes("sessionMemory"));
      setPhase(s, "loopBudget", { enabled: true });
      const last = await next("loopBudget on applied", (l) => l.on.includes("loopBudget"));
      assert.ok(last.on.includes("sessionMemory") && last.on.includes("bashSecurity"), JSON.stringify(last));
      assert.match(logText(s), /config hot reload applied/, "OpenClaw did not hot-reload the config");
      // An explicit `plugins reload` replaces the instance with the same config.
      const rl = await s.runCli(["plugins", "reload", "agent-ops"], { label: "plugins reload" });
      assert.equal(rl.code, 0, `plugins reload: ${rl.stderr}`);
      await next("the reloaded instance's line", (l) => l.on.includes("loopBudget"));

      const run = await s.runAgent({ message: `${ask} write the plan` });
      assert.equal(run.code, 0, `exit ${run.code}`);
      const file = await waitFor("notes written after the reloads", () => notesWith(s.pluginStateDir, "E2E-AFTER-RELOAD"));
      assert.ok(file);
      const journal = readJournal(s.pluginStateDir);
      const job = journal.find((r) => r.event === "enqueued" && r.jobId.startsWith("notes-"))?.jobId;
      assert.ok(job, JSON.stringify(journal));
      await waitFor("the notes job to succeed", () => readJournal(s.pluginStateDir).some((r) => r.jobId === job && r.event === "succeeded"));
      assert.deepEqual(readJournal(s.pluginStateDir).filter((r) => r.jobId === job).map((r) => r.event), ["enqueued", "started", "succeeded"]);

      // doctor: the gateway enforces the config in the file.
      const d = doctor(s);
      assert.equal(d.json.gateway?.running, true, d.text);
      assert.equal(d.json.gateway?.matchesConfig, true, d.text);
      assert.ok(d.json.gateway.on.includes("loopBudget") && d.json.gateway.on.includes("sessionMemory"), d.text);
      assert.match(d.text, /gateway: pid \d+ \(running\) enforces on \[/);
    }));
});

describe("a toggle during an in-flight notes call (gateway)", { concurrency: false }, () => {
  let s;
  const ask = marker("inflight");
  const busy = marker("busy");
  const rm = marker("rm");
  before(async () => {
    checkPrerequisites();
    s = await createScenario({
      name: "reload-busy",
      pluginConfig: onlyPhases({ sessionMemory: { enabled: true, longTerm: { enabled: false } }, bashSecurity: { enabled: true, askAction: "block" } }),
      script: {
        steps: [
          { id: "b:reply", match: { marker: ask, tools: "some" }, text: "Noted.", usage: { prompt_tokens: 12_000, completion_tokens: 40 } },
          // The notes call is still running when the config changes ...
          { id: "b:notes-slow", match: { marker: NOTES_MARK, tools: "none" }, text: scriptedNotes("E2E-SLOW-NOTES"), delayMs: 25_000 },
          // ... and so is an agent turn inside a tool call, between two plugin callbacks:
          // OpenClaw counts it as the plugin's active retained work and refuses the replacement.
          ...execThenReport(busy, "sleep 30"),
        ],
      },
    });
    await withDiagnostics(s, () => s.startGateway());
  }, { timeout: TIMEOUT });
  after(async () => {
    if (s) await s.cleanup({ failed: s.failed });
  });

  test("issue17_e2e_a_toggle_during_an_in_flight_notes_call_ends_applied_and_doctor_agrees", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const home = path.resolve(s.home);
      assert.ok(home.startsWith(path.resolve(s.dir) + path.sep) && home !== path.resolve(os.homedir()), `HOME ${home} is not a throwaway dir`);
      const run = await s.runAgent({ message: `${ask} note this` });
      assert.equal(run.code, 0, `exit ${run.code}`);
      await waitFor("the notes job to start", () => readJournal(s.pluginStateDir).some((r) => r.event === "started" && r.jobId.startsWith("notes-")));
      const busyRun = s.runAgent({ message: `${busy} wait for it` });
      await waitFor("the busy turn's tool call", () => requestForStep(s.modelLog(), `${busy}:exec`));
      // The exec starts right after the model's answer: give it a moment to be under way.
      await new Promise((r) => setTimeout(r, 2_000));
      const before = appliedLines(s).length;

      setPhase(s, "bashSecurity", { enabled: false, askAction: "block" });
      const line = await waitFor("phase 4 off applied", () => appliedLines(s).slice(before).find((l) => l.off.includes("bashSecurity")), scaled(120_000));
      assert.ok(line.on.includes("sessionMemory"));
      const log = logText(s);
      const refused = /agent-ops still has active retained work/.test(log);
      const inPlace = /core\.config\.applied_in_place/.test(log);
      process.stdout.write(`# OpenClaw refused the replacement: ${refused}; applied in place by agent-ops: ${inPlace}\n`);
      assert.ok(refused, "OpenClaw did not refuse the replacement: this scenario no longer tests the refusal");
      assert.ok(inPlace, "the refused replacement was neither applied nor reported");
      const b = await busyRun;
      assert.equal(b.code, 0, `busy run exit ${b.code}`);

      // doctor agrees with the gateway ...
      const d = await waitFor("doctor to show the applied config", () => {
        const r = doctor(s);
        return r.json.gateway?.matchesConfig === true ? r : null;
      });
      assert.equal(d.json.gateway.running, true, d.text);
      assert.ok(d.json.gateway.off.includes("bashSecurity"), d.text);
      assert.deepEqual(d.json.gateway.missing, [], d.text);
      // ... and the gateway enforces it: phase 4 is off, so the command runs.
      const canary = path.join(s.home, "canary");
      fs.mkdirSync(canary, { recursive: true });
      fs.writeFileSync(path.join(canary, "keep.txt"), "canary\n");
      s.model.setScript({ steps: execThenReport(rm, `rm -rf ${canary}`) });
      const r2 = await s.runAgent({ message: `${rm} remove the canary` });
      assert.equal(r2.code, 0, `exit ${r2.code}`);
      const reported = requestForStep(s.modelLog(), `${rm}:report`);
      assert.ok(reported, "the model was not called after the tool call");
      assert.ok(!String(reported.lastTool).includes("agent-ops["), `tool result: ${reported.lastTool}`);
      assert.equal(fs.existsSync(canary), false, "the canary survived: phase 4 still enforces");
      // Phase 3 kept running: the slow call's notes were applied.
      await waitFor("the slow notes to be written", () => notesWith(s.pluginStateDir, "E2E-SLOW-NOTES"));
    }));
});
