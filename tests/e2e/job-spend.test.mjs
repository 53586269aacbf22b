// Issue 20 proof "internal jobs show up in the spend", in the real OpenClaw gateway with the
// scripted caching model: phase 3's session-notes job runs through OpenClaw's llm runtime, its
// usage lands in phase 5's cost ledger under its purpose with non-zero dollars, and phase 2
// counts the same dollars: the spend journal has the job's line and `/agent-ops status --json`
// reports a session spend (and a daily spend) equal to the sum of the ledger records including
// the job.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { checkPrerequisites, createScenario, withDiagnostics, marker, onlyPhases, scaled } from "./lib/harness.mjs";

const TIMEOUT = scaled(300_000);
const NOTES_MARK = "agent-ops:job=session_notes";
// USD per million tokens: the gateway's model cost table and the caching simulation agree.
const PRICE = { input: 1, output: 10, cacheRead: 0.1, cacheWrite: 1.25 };
const EPS = 1e-9;
// The notes template's headers and descriptions (phase 3 rejects an update that drops them).
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
const NOTES = HEADERS.map(([h, d], i) => `${h}\n${d}\n${i === 0 ? "Release planning" : ""}\n`).join("\n");

function jsonl(dir, re) {
  let names = [];
  try {
    names = fs.readdirSync(dir).filter((n) => re.test(n));
  } catch {
    return [];
  }
  return names.flatMap((n) => fs.readFileSync(path.join(dir, n), "utf8").split("\n").filter(Boolean).flatMap((l) => { try { return [JSON.parse(l)]; } catch { return []; } }));
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

const sum = (rs) => rs.reduce((a, r) => a + r.costUsd, 0);

describe("issue 20 internal jobs in the spend (gateway)", { concurrency: false }, () => {
  let s;
  const ask = marker("jobspend");

  before(async () => {
    checkPrerequisites();
    s = await createScenario({
      name: "jobspend",
      // Long-term extraction off: one internal job (the session notes), so the totals are final
      // once its ledger record is there. The daily window in UTC, the ledger's file day.
      pluginConfig: onlyPhases({
        loopBudget: { enabled: true, maxSessionCostUsd: 50, maxDailyCostUsd: 100, timeZone: "UTC" },
        sessionMemory: { enabled: true, longTerm: { enabled: false } },
        memoryScoping: { enabled: true },
      }),
      configPatch: {
        models: {
          providers: {
            fake: {
              models: [{ id: "fake-model", name: "Fake Model", reasoning: false, input: ["text"], cost: PRICE, contextWindow: 128000, maxTokens: 4096 }],
            },
          },
        },
      },
      script: {
        caching: { ttlMs: 300_000, price: PRICE },
        steps: [
          // Enough prompt tokens for the notes trigger (as in session-memory.test.mjs).
          { id: "js:reply", match: { marker: ask, tools: "some" }, text: "The release plan is drafted.", usage: { prompt_tokens: 12_000, completion_tokens: 40 } },
          { id: "js:notes", match: { marker: NOTES_MARK, tools: "none" }, text: NOTES },
        ],
        fallback: { text: "fallback" },
      },
    });
    await withDiagnostics(s, () => s.startGateway());
  }, { timeout: TIMEOUT });
  after(async () => {
    if (s) await s.cleanup({ failed: s.failed });
  });

  test("issue20_e2e_session_notes_job_is_in_the_cost_ledger_and_the_phase2_spend", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const key = s.sessionKey("jobspend");
      const run = await s.runAgent({ message: `${ask} plan the release`, sessionKey: key });
      assert.equal(run.code, 0, `exit ${run.code}: ${run.stdout?.slice(0, 400)}`);
      const costsDir = path.join(s.pluginStateDir, "costs");
      const budgetDir = path.join(s.pluginStateDir, "budget");
      const ledger = () => jsonl(costsDir, /^\d{4}-\d{2}-\d{2}\.jsonl$/);
      const spend = () => jsonl(budgetDir, /^spend-.*\.jsonl$/);

      // The job reached the model through the gateway, and its usage came back.
      await waitFor("the notes job at the model", () => s.modelLog().some((e) => e.matched === "js:notes"));
      const job = await waitFor("the session_notes cost record", () => ledger().find((r) => r.purpose === "session_notes"));
      // (a) Phase 5: the job's record, attributed by purpose to the session it served, priced.
      assert.equal(job.sessionKey, key, JSON.stringify(job));
      assert.equal(job.scope, "session");
      assert.ok(job.costUsd > 0, `job cost ${job.costUsd}: ${JSON.stringify(job)}`);
      const tokens = (job.inputTokens ?? 0) + (job.cacheReadTokens ?? 0) + (job.cacheWriteTokens ?? 0);
      assert.ok(tokens > 0 && job.outputTokens > 0, JSON.stringify(job));
      const want = ((job.inputTokens ?? 0) * PRICE.input + job.outputTokens * PRICE.output + (job.cacheReadTokens ?? 0) * PRICE.cacheRead + (job.cacheWriteTokens ?? 0) * PRICE.cacheWrite) / 1e6;
      assert.ok(Math.abs(job.costUsd - want) < EPS, `job ${job.costUsd} vs table ${want}`);

      // (b) Phase 2: the spend journal charged the same job under its purpose, same dollars.
      const jobLine = await waitFor("the session_notes spend line", () => spend().find((l) => l.purpose === "session_notes"));
      assert.equal(jobLine.sessionKey, key, JSON.stringify(jobLine));
      assert.ok(Math.abs(jobLine.costUsd - job.costUsd) < EPS, `spend journal ${jobLine.costUsd} vs ledger ${job.costUsd}`);
      // OpenClaw's llm runtime reports the job's cost (from the same cost table): phase 2 takes
      // the reported dollars, phase 5 prices the tokens; they must agree.
      assert.ok(["reported", "table"].includes(jobLine.source), JSON.stringify(jobLine));

      // Every model call of the session (the run's and the job's) has exactly one ledger record:
      // the job is neither lost nor also counted as a main call.
      const calls = s.modelLog().filter((e) => e.matched === "js:reply" || e.matched === "js:notes");
      const mine = await waitFor("a ledger record per model call", () => {
        const rs = ledger().filter((r) => r.sessionKey === key);
        return rs.length >= calls.length ? rs : null;
      });
      assert.equal(mine.length, calls.length, `ledger ${JSON.stringify(mine.map((r) => r.purpose))} vs ${calls.length} model calls`);
      assert.deepEqual([...new Set(mine.map((r) => r.purpose))].sort(), ["main", "session_notes"]);
      const ledgerUsd = sum(mine);
      const journalUsd = sum(spend().filter((l) => l.sessionKey === key));
      assert.ok(Math.abs(ledgerUsd - journalUsd) < EPS, `ledger ${ledgerUsd} vs spend journal ${journalUsd}`);

      // `/agent-ops status --json`: the session's and the day's dollars include the job.
      const st = await s.runCommand({ sessionKey: key, command: "/agent-ops status --json", expect: "sessionCostUsd" });
      assert.equal(st.code, 0, st.error ?? "");
      const status = JSON.parse(st.text.slice(st.text.indexOf("{")));
      const sessionUsd = status.budget.sessionCostUsd;
      assert.ok(Math.abs(sessionUsd - ledgerUsd) < EPS, `status session ${sessionUsd} vs ledger ${ledgerUsd}`);
      assert.ok(sessionUsd > job.costUsd, "the session spend is only the job's");
      const cap = (k) => status.budget.caps.find((c) => c.key === k);
      const sessionCap = cap("phases.loopBudget.maxSessionCostUsd");
      assert.ok(sessionCap, JSON.stringify(status.budget.caps));
      assert.ok(Math.abs(sessionCap.spentUsd - ledgerUsd) < EPS, `session cap ${sessionCap.spentUsd} vs ledger ${ledgerUsd}`);
      const dayUsd = sum(ledger().filter((r) => (r.agentId ?? "main") === "main"));
      const daily = cap("phases.loopBudget.maxDailyCostUsd");
      assert.ok(daily, JSON.stringify(status.budget.caps));
      assert.ok(Math.abs(daily.spentUsd - dayUsd) < EPS, `daily cap ${daily.spentUsd} vs ledger ${dayUsd}`);
      assert.equal(status.budget.sessionUnknownCalls, 0);
      console.log(`# job spend: session_notes $${job.costUsd.toFixed(6)} of session $${sessionUsd.toFixed(6)} (${mine.length} ledger records), day $${daily.spentUsd.toFixed(6)}`);
    }));
});
