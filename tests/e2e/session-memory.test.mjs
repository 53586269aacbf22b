// Phase 3 in the real OpenClaw gateway (issue 6 proof (a) and (c); P3-T21, P3-T22): after enough
// tokens the session notes appear with the template and the scripted content, a long-term
// extraction writes a topic file and MEMORY.md, and a gateway stopped while the notes job is in
// flight leaves it journaled and completes it at the next start.
//
// OpenClaw 2026.9.6 waits at SIGTERM for plugin work started from a service (its shutdown drain
// policy, up to 315 s), so a short delay would simply finish during the stop. The scripted job
// therefore never answers in time (600 s; the fake model ends the wait when the killed gateway's
// connection closes): the harness sends SIGTERM, waits 15 s, then SIGKILLs the gateway, as a
// supervisor does with a gateway that will not exit; the job is then provably unfinished.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { checkPrerequisites, createScenario, withDiagnostics, marker, onlyPhases, scaled } from "./lib/harness.mjs";

const TIMEOUT = scaled(300_000);
const NOTES_MARK = "agent-ops:job=session_notes";
const LT_MARK = "agent-ops:job=memory_extract";

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
  return HEADERS.map(([h, d], i) => `${h}\n${d}\n${i === 0 ? `Release planning ${tag}` : i === 1 ? `${tag}: the release plan is drafted; next step is the canary.` : ""}\n`).join("\n");
}

async function waitFor(what, fn, timeoutMs = scaled(60_000)) {
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

function notesFiles(stateDir) {
  const dir = path.join(stateDir, "sessions");
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).map((d) => path.join(dir, d, "notes.md")).filter((p) => fs.existsSync(p));
}

describe("phase 3 session memory (gateway)", { concurrency: false }, () => {
  let s;
  const ask = marker("notes");
  before(async () => {
    checkPrerequisites();
    s = await createScenario({
      name: "p3",
      pluginConfig: onlyPhases({ sessionMemory: { enabled: true }, memoryScoping: { enabled: true } }),
      script: {
        steps: [
          { id: "sm:reply", match: { marker: ask, tools: "some" }, text: "The release plan is drafted.", usage: { prompt_tokens: 12_000, completion_tokens: 40 } },
          { id: "sm:notes", match: { marker: NOTES_MARK, tools: "none" }, text: scriptedNotes("E2E-NOTES-CONTENT") },
          { id: "sm:lt", match: { marker: LT_MARK, tools: "none" }, text: JSON.stringify({ operations: [{ op: "create", file: "release-plan.md", type: "project", name: "Release plan", description: "E2E-LT-DESCRIPTION", body: "E2E-LT-BODY: tag, build, canary, promote." }] }) },
        ],
      },
    });
    await withDiagnostics(s, () => s.startGateway());
  }, { timeout: TIMEOUT });
  after(async () => {
    if (s) await s.cleanup({ failed: s.failed });
  });

  test("p3_e2e_notes_file_appears_with_the_template_and_scripted_content", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const run = await s.runAgent({ message: `${ask} plan the release` });
      assert.equal(run.code, 0, `exit ${run.code}`);
      const file = await waitFor("notes.md with the scripted content", () => notesFiles(s.pluginStateDir).find((p) => fs.readFileSync(p, "utf8").includes("E2E-NOTES-CONTENT")));
      const text = fs.readFileSync(file, "utf8");
      for (const [h, d] of HEADERS) assert.ok(text.includes(`${h}\n${d}\n`), `missing ${h} with its description`);
      assert.equal((fs.statSync(file).mode & 0o777).toString(8), "600");
      const req = s.modelLog().find((e) => e.matched === "sm:notes");
      assert.ok(req, "the notes job never reached the model");
      assert.equal(req.toolNames?.length ?? 0, 0, "the notes job offered tools");
      const cursor = JSON.parse(fs.readFileSync(path.join(path.dirname(file), "cursor.json"), "utf8"));
      assert.equal(cursor.initialized, true);
      assert.ok(cursor.coveredRef, "the covered cursor was not set after a tool-free input");
      await waitFor("journal succeeded", () => readJournal(s.pluginStateDir).some((r) => r.event === "succeeded" && r.jobId.startsWith("notes-")));
    }));

  test("p3_e2e_long_term_extraction_writes_topic_and_index", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const mem = path.join(s.workspace, ".openclaw", "agent-memory", "main");
      const topic = path.join(mem, "release-plan.md");
      await waitFor("the extracted topic file", () => fs.existsSync(topic) && fs.existsSync(path.join(mem, "MEMORY.md")));
      assert.match(fs.readFileSync(topic, "utf8"), /^---\nname: Release plan\ndescription: E2E-LT-DESCRIPTION\ntype: project\n---\nE2E-LT-BODY/);
      assert.match(fs.readFileSync(path.join(mem, "MEMORY.md"), "utf8"), /- \[Release plan\]\(release-plan\.md\) — E2E-LT-DESCRIPTION/);
      // The internal jobs' usage is in the cost ledger under their purpose (P5-R24).
      const costs = path.join(s.pluginStateDir, "costs");
      const lines = await waitFor("cost records of the jobs", () => {
        const all = fs.existsSync(costs) ? fs.readdirSync(costs).flatMap((n) => fs.readFileSync(path.join(costs, n), "utf8").trim().split("\n").map((l) => JSON.parse(l))) : [];
        return all.some((l) => l.purpose === "session_notes" && l.scope === "session") && all.some((l) => l.purpose === "memory_extract" && l.scope === "project") ? all : null;
      });
      assert.ok(lines.length >= 3);
    }));
});

describe("phase 3 drain and replay across a gateway restart (gateway)", { concurrency: false }, () => {
  let s;
  const ask = marker("drain");
  const resume = marker("resume");
  before(async () => {
    checkPrerequisites();
    s = await createScenario({
      name: "p3drain",
      pluginConfig: onlyPhases({ sessionMemory: { enabled: true, longTerm: { enabled: false } } }),
      script: {
        steps: [
          { id: "d:reply", match: { marker: ask, tools: "some" }, text: "Done for now.", usage: { prompt_tokens: 12_000, completion_tokens: 40 } },
          { id: "d:notes-slow", match: { marker: NOTES_MARK, tools: "none" }, text: scriptedNotes("E2E-SLOW-NEVER-APPLIED"), delayMs: 600_000 },
          { id: "d:notes-replay", match: { marker: NOTES_MARK, tools: "none", after: "d:notes-slow" }, text: scriptedNotes("E2E-REPLAYED-CONTENT") },
          { id: "d:resume", match: { marker: resume, tools: "some" }, text: "Resumed." },
        ],
      },
    });
    await withDiagnostics(s, () => s.startGateway());
  }, { timeout: TIMEOUT });
  after(async () => {
    if (s) await s.cleanup({ failed: s.failed });
  });

  test("p3_t22_e2e_gateway_stopped_mid_job_completes_it_on_the_next_start", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const run = await s.runAgent({ message: `${ask} wrap up` });
      assert.equal(run.code, 0, `exit ${run.code}`);
      // The fake model logs a request when it answers: the journal shows the job started.
      await waitFor("the notes job to start", () => readJournal(s.pluginStateDir).some((r) => r.event === "started" && r.jobId.startsWith("notes-")));
      await new Promise((r) => setTimeout(r, 2_000));
      const t0 = Date.now();
      await s.stopGateway();
      const stopMs = Date.now() - t0;
      const before = readJournal(s.pluginStateDir);
      const job = before.find((r) => r.event === "enqueued")?.jobId;
      assert.ok(job, JSON.stringify(before));
      assert.deepEqual(before.filter((r) => r.jobId === job).map((r) => r.event), ["enqueued", "started"], "the job must be journaled and unfinished after the stop");
      assert.ok(fs.existsSync(path.join(s.pluginStateDir, "jobs", `${job}.json`)), "the job file is gone");
      assert.ok(!notesFiles(s.pluginStateDir).some((p) => fs.readFileSync(p, "utf8").includes("E2E-SLOW-NEVER-APPLIED")));
      await withDiagnostics(s, () => s.startGateway());
      await waitFor("the replayed job to succeed", () => readJournal(s.pluginStateDir).some((r) => r.jobId === job && r.event === "succeeded"), scaled(90_000));
      const events = readJournal(s.pluginStateDir).filter((r) => r.jobId === job).map((r) => r.event);
      assert.deepEqual(events, ["enqueued", "started", "started", "succeeded"]);
      const file = notesFiles(s.pluginStateDir).find((p) => fs.readFileSync(p, "utf8").includes("E2E-REPLAYED-CONTENT"));
      assert.ok(file, "the replayed notes were not written");
      assert.ok(!fs.existsSync(path.join(s.pluginStateDir, "jobs", `${job}.json`)), "the job file of a succeeded job stays");
      assert.ok(stopMs < 30_000, `stop took ${stopMs} ms`);
      // The dead gateway's job lock did not keep the new process from replaying it.
      assert.ok(!fs.existsSync(path.join(s.pluginStateDir, "locks", `job-${job}`)), "the job lock stays");
      // P3-R21: the resumed session's first prompt in the new process carries the notes.
      const again = await s.runAgent({ message: `${resume} where were we`, sessionKey: run.sessionKey });
      assert.equal(again.code, 0, `exit ${again.code}`);
      const req = s.modelLog().find((e) => e.matched === "d:resume");
      assert.ok(req, "the resumed run did not reach the model");
      assert.ok(req.systemTail.includes("# Session notes (agent-ops)"), req.systemTail.slice(-2000));
      assert.ok(req.systemTail.includes("E2E-REPLAYED-CONTENT"), "the replayed notes were not offered on resume");
    }));
});
