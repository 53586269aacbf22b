// Issue 19 in the real gateway: a job in flight while the plugin's core is replaced. OpenClaw
// does not replace the plugin instance while agent-ops has work in flight (plugin-reinstall
// covers that), but the entry replaces the core itself after a wasm trap (G-R21): a phase 3
// notes job started by the trapped core finishes in the new one, which never issued it. The new
// core must say so (`core.job.unknown`, naming the job), apply nothing from the result, and run
// the job again: the notes end up with the re-run's content and the journal reads
// `enqueued, started, started, succeeded`.
//
// The trap is forced by tests/e2e/lib/trap-preload.mjs (see core-trap.test.mjs); the scripted
// model holds the notes job until the trap has happened (releaseDelays), so the order is fixed
// without any timing.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { pathToFileURL } from "node:url";
import { checkPrerequisites, createScenario, withDiagnostics, marker, onlyPhases, scaled, REPO } from "./lib/harness.mjs";
import { execThenReport, requestForStep, reasonCodes } from "./lib/scripts.mjs";

const TIMEOUT = scaled(300_000);
const TRAP = `AGENT_OPS_E2E_TRAP_${crypto.randomBytes(4).toString("hex")}`;
const NOTES_MARK = "agent-ops:job=session_notes";
const HEADERS = ["# Session Title", "# Current State", "# Task Specification", "# Files and Functions", "# Workflow", "# Errors & Corrections", "# Codebase and System Documentation", "# Learnings", "# Key Results", "# Worklog"];
const scriptedNotes = (tag) => HEADERS.map((h, i) => `${h}\n${i === 1 ? `${tag}: the release plan is drafted.` : ""}\n`).join("\n");

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

function notesTexts(stateDir) {
  const dir = path.join(stateDir, "sessions");
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).map((d) => path.join(dir, d, "notes.md")).filter((p) => fs.existsSync(p)).map((p) => fs.readFileSync(p, "utf8"));
}

describe("issue 19: a memory job in flight across a core replacement (trap)", () => {
  let s;
  const ask = marker("held");
  const trapMark = marker("trap");
  before(async () => {
    checkPrerequisites();
    s = await createScenario({
      name: "core-jobs",
      pluginConfig: onlyPhases({ bashSecurity: { enabled: true, askAction: "block" }, sessionMemory: { enabled: true, longTerm: { enabled: false } } }),
      script: {
        steps: [
          { id: "j:reply", match: { marker: ask, tools: "some" }, text: "Done for now.", usage: { prompt_tokens: 12_000, completion_tokens: 40 } },
          // The notes job of the `ask` run (its transcript carries the marker).
          { id: "j:notes-held", match: { marker: ask, tools: "none" }, text: scriptedNotes("E2E-RESULT-OF-THE-TRAPPED-CORE"), delayMs: 600_000 },
          { id: "j:notes-rerun", match: { marker: ask, tools: "none", after: "j:notes-held" }, text: scriptedNotes("E2E-RERUN-IN-THE-NEW-CORE") },
          { id: "j:notes-other", match: { marker: NOTES_MARK, tools: "none" }, text: scriptedNotes("E2E-OTHER-RUN"), times: 0 },
          ...execThenReport(trapMark, `echo ${TRAP}`),
        ],
      },
    });
    s.env.NODE_OPTIONS = `--import ${pathToFileURL(path.join(REPO, "tests/e2e/lib/trap-preload.mjs")).href}`;
    s.env.AGENT_OPS_E2E_TRAP_MARK = TRAP;
    await withDiagnostics(s, () => s.startGateway());
  }, { timeout: TIMEOUT });
  after(async () => {
    if (s) await s.cleanup({ failed: s.failed });
  });

  test("issue19_e2e_a_notes_job_finishing_after_a_trap_is_reported_and_run_again", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const run = await s.runAgent({ message: `${ask} wrap up` });
      assert.equal(run.code, 0, `agent exited ${run.code}`);
      await waitFor("the notes job held by the model", () => s.model.pending().some((e) => e.matched === "j:notes-held"));
      const job = readJournal(s.pluginStateDir).find((r) => r.event === "started" && r.jobId.startsWith("notes-"))?.jobId;
      assert.ok(job, JSON.stringify(readJournal(s.pluginStateDir)));

      // The core traps (phase 4 fails closed) and is replaced while the job runs.
      const trapped = await s.runAgent({ message: `${trapMark} say it` });
      assert.equal(trapped.code, 0, `agent exited ${trapped.code}`);
      assert.equal(reasonCodes(requestForStep(s.modelLog(), `${trapMark}:report`)?.lastTool)[0], "exec.deny.internal_error");
      const log = () => fs.readFileSync(s.openclawLog, "utf8");
      assert.match(log(), /core\.trap: RuntimeError: unreachable/);

      // The job's result reaches the new core.
      s.model.releaseDelays();
      const line = await waitFor("core.job.unknown for the notes job", () => log().split("\n").find((l) => l.includes("core.job.unknown") && l.includes(job)));
      assert.match(line, /WARN/);
      assert.match(line, /session_notes job; its result is discarded and the job re-queued: attempt 2/);
      await waitFor("the re-run to succeed", () => readJournal(s.pluginStateDir).some((r) => r.jobId === job && r.event === "succeeded"));
      assert.deepEqual(readJournal(s.pluginStateDir).filter((r) => r.jobId === job).map((r) => r.event), ["enqueued", "started", "started", "succeeded"]);
      assert.ok(s.modelLog().some((e) => e.matched === "j:notes-rerun"), "the job was not run again");
      const notes = notesTexts(s.pluginStateDir);
      assert.ok(notes.some((t) => t.includes("E2E-RERUN-IN-THE-NEW-CORE")), "the re-run's notes were not written");
      assert.ok(!notes.some((t) => t.includes("E2E-RESULT-OF-THE-TRAPPED-CORE")), "the new core applied a result it did not ask for");
      assert.equal(log().split("\n").filter((l) => l.includes("core.job.unknown")).length, 1, "one report per orphaned job");
    }));
});
