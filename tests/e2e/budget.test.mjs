// Phase 2 in the real OpenClaw gateway (issue 5 proof (a)-(d), (f); P2-T16, P2-T17): a tool loop is
// stopped at the tool-call cap and the next call never runs; a run that streams more than its
// output-token cap is blocked at its next tool call; a spent session budget refuses the next run
// before any model call, also after a gateway restart; a token target is pursued with `revise`
// continuations until diminishing returns.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { checkPrerequisites, createScenario, withDiagnostics, marker, onlyPhases, scaled } from "./lib/harness.mjs";

const TIMEOUT = scaled(420_000);

function budgetDecisions(s, sessionKey) {
  return s.readDecisions().filter((d) => d.phase === "budget" && d.sessionKey === sessionKey);
}

function runsJournal(s) {
  const dir = path.join(s.pluginStateDir, "budget");
  let names = [];
  try {
    names = fs.readdirSync(dir).filter((n) => /^runs-.*\.jsonl$/.test(n));
  } catch {
    return [];
  }
  return names.flatMap((n) => fs.readFileSync(path.join(dir, n), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)));
}

// Sequential: the last test restarts the shared gateway.
describe("phase 2 loop termination and budgets (gateway)", { concurrency: false }, () => {
  let s;
  const loop = marker("loop");
  const big = marker("big");
  const spend = marker("spend");
  const again = marker("again");
  const target = marker("target");
  const spawnMark = marker("spawn");
  const childMark = marker("child");
  const bigText = "word ".repeat(2400);

  before(async () => {
    checkPrerequisites();
    s = await createScenario({
      name: "p2",
      pluginConfig: onlyPhases({
        loopBudget: { enabled: true, maxToolCallsPerRun: 3, maxRunOutputTokens: 2000, maxSessionTokens: 5000 },
      }),
      script: {
        steps: [
          // (a) once our block reason comes back, the model gives up; until then it loops forever.
          { id: "loop:gives-up", match: { marker: loop, toolResultIncludes: "agent-ops[budget.cap.tool_calls]" }, text: "Stopped: {{lastToolResult}}" },
          { id: "loop:call", match: { marker: loop, tools: "some" }, toolCalls: [{ name: "exec", arguments: { command: "echo tick >> loop-counter.txt" } }], times: 0 },
          // (b) a small call, then one that streams ~12 KB (about 3,000 tokens by the stream estimate).
          { id: "big:small", match: { marker: big, call: 1 }, toolCalls: [{ name: "exec", arguments: { command: "echo first >> big-counter.txt" } }] },
          { id: "big:huge", match: { marker: big, call: 2 }, toolCalls: [{ name: "exec", arguments: { command: `echo ${bigText} >> big-counter.txt` } }] },
          { id: "big:end", match: { marker: big, call: 3 }, text: "Done: {{lastToolResult}}" },
          // (c) a run that reports more prompt tokens than the session budget.
          { id: "spend:reply", match: { marker: spend }, text: "spent", usage: { prompt_tokens: 6000, completion_tokens: 50 } },
          { id: "again:reply", match: { marker: again }, text: "this must never be sent", times: 0 },
          // (e) the parent spawns a child whose task carries a token target, then yields; small
          // usage so the child is within the parent's session budget (P2-R5b).
          { id: "spawn:call", match: { marker: spawnMark, call: 1 }, usage: { prompt_tokens: 100, completion_tokens: 10 }, toolCalls: [{ name: "tool_call", arguments: { id: "sessions_spawn", args: { task: `${childMark} write the child report; use 2k tokens` } } }] },
          { id: "spawn:yield", match: { marker: spawnMark, call: 2 }, usage: { prompt_tokens: 100, completion_tokens: 10 }, toolCalls: [{ name: "sessions_yield", arguments: {} }] },
          { id: "child:reply", match: { marker: childMark }, text: "Child report: short.", usage: { prompt_tokens: 100, completion_tokens: 10 }, times: 0 },
          // (d) short answers to a +2k target: three continuations, then diminishing returns.
          { id: "target:reply", match: { marker: target }, text: "Short progress note.", usage: { prompt_tokens: 100, completion_tokens: 10 }, times: 0 },
        ],
        fallback: { text: "fallback", usage: { prompt_tokens: 100, completion_tokens: 5 } },
      },
    });
    await withDiagnostics(s, () => s.startGateway());
  }, { timeout: TIMEOUT });
  after(async () => {
    if (s) await s.cleanup({ failed: s.failed });
  });

  test("p2_t16_e2e_tool_loop_stopped_at_the_tool_call_cap", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const key = s.sessionKey("loop");
      const run = await s.runAgent({ message: `${loop} keep ticking`, sessionKey: key });
      assert.equal(run.code, 0, `exit ${run.code}`);
      // The fourth call never ran: exactly three ticks on disk.
      const ticks = fs.readFileSync(path.join(s.workspace, "loop-counter.txt"), "utf8").trim().split("\n");
      assert.equal(ticks.length, 3, `ticks: ${ticks.length}`);
      assert.ok(run.text.includes("budget.cap.tool_calls"), `final text: ${run.text}`);
      const dec = budgetDecisions(s, key).filter((d) => d.code === "budget.cap.tool_calls");
      assert.equal(dec.length, 1, JSON.stringify(budgetDecisions(s, key)));
      assert.match(dec[0].message, /maxToolCallsPerRun/);
      const line = runsJournal(s).find((r) => r.sessionKey === key);
      assert.equal(line?.terminal, "cap_tool_calls", JSON.stringify(line));
      assert.ok(line.blockedToolCalls >= 1);
    }));

  test("p2_e2e_run_output_tokens_block_the_next_call", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const key = s.sessionKey("big");
      const run = await s.runAgent({ message: `${big} write a lot`, sessionKey: key });
      assert.equal(run.code, 0, `exit ${run.code}`);
      const written = fs.readFileSync(path.join(s.workspace, "big-counter.txt"), "utf8");
      assert.equal(written.trim(), "first", "the call after the oversize response ran");
      const end = s.modelLog().find((e) => e.matched === "big:end");
      assert.ok(end?.lastTool?.includes("agent-ops[budget.cap.run_tokens]"), `tool result: ${end?.lastTool}`);
      const dec = budgetDecisions(s, key).find((d) => d.code === "budget.cap.run_tokens");
      assert.ok(dec, JSON.stringify(budgetDecisions(s, key)));
      assert.ok(dec.details.outputTokens > 2000, JSON.stringify(dec.details));
    }));

  test("p2_t17_e2e_token_target_continues_then_stops_on_diminishing_returns", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const key = s.sessionKey("target");
      const run = await s.runAgent({ message: `+2k ${target} write the report`, sessionKey: key });
      assert.equal(run.code, 0, `exit ${run.code}`);
      const calls = s.modelLog().filter((e) => e.matched === "target:reply");
      assert.equal(calls.length, 4, `model requests: ${calls.length} (1 + 3 revisions)`);
      assert.ok(calls[1].lastUser.includes("Continue the work; do not stop to summarize."), calls[1].lastUser.slice(-600));
      assert.ok(calls[1].lastUser.includes("agent-ops[budget.continue.below_target]"));
      const dec = budgetDecisions(s, key);
      assert.equal(dec.filter((d) => d.code === "budget.continue.below_target").length, 3, JSON.stringify(dec.map((d) => d.code)));
      const done = dec.find((d) => d.code === "budget.target.diminishing");
      assert.ok(done, JSON.stringify(dec.map((d) => d.code)));
      assert.equal(done.details.continuationCount, 3);
      assert.equal(done.details.diminishingReturns, true);
    }));

  test("p2_t6_e2e_subagent_gets_no_continuation", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const key = s.sessionKey("parent");
      const run = await s.runAgent({ message: `${spawnMark} delegate the report`, sessionKey: key });
      assert.equal(run.code, 0, `exit ${run.code}`);
      // The child runs after the parent yields; wait for its run to end.
      const childLine = () => runsJournal(s).find((r) => /:subagent:/.test(r.sessionKey ?? ""));
      const deadline = Date.now() + scaled(90_000);
      while (Date.now() < deadline && !childLine()) await new Promise((r) => setTimeout(r, 500));
      const line = childLine();
      assert.ok(line, "no runs-journal line for the child run");
      const child = s.modelLog().filter((e) => e.matched === "child:reply");
      assert.equal(child.length, 1, `child model requests: ${child.length} (a continuation would add more); child run: ${JSON.stringify(line)}`);
      assert.ok(child[0].lastUser.includes("[Subagent Task]"), child[0].lastUser.slice(0, 300));
      assert.equal(line.isSubagent, true);
      assert.equal(line.continuations, 0);
      assert.equal(line.terminal, "completed");
      const childDecisions = s.readDecisions().filter((d) => d.phase === "budget" && /:subagent:/.test(d.sessionKey ?? ""));
      assert.ok(!childDecisions.some((d) => d.code === "budget.continue.below_target"), JSON.stringify(childDecisions));
    }));

  test("p2_r13_e2e_budget_command_reports_the_session", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const key = s.sessionKey("cmd");
      const r = await s.runCommand({ sessionKey: key, command: "/budget", expect: "agent-ops budget for this session" });
      assert.equal(r.code, 0, r.error ?? "");
      assert.match(r.text, /maxToolCallsPerRun/);
      assert.match(r.text, /tool calls this run: \d+ \/ 3/);
      assert.match(r.text, /session tokens: \d+ used \/ 5000/);
      assert.equal(s.modelLog().filter((e) => e.lastUser?.includes("/budget")).length, 0, "the command reached the model");
    }));

  // (c) then (f): spent session budget refuses the next run, before and after a restart.
  test("p2_t14_e2e_spent_session_budget_refuses_the_next_run_and_survives_restart", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const key = s.sessionKey("spend");
      const r1 = await s.runAgent({ message: `${spend} go`, sessionKey: key });
      assert.equal(r1.code, 0, `exit ${r1.code}`);
      // llm_output arrives after agent_end: wait for the session file to carry the usage.
      const file = path.join(s.pluginStateDir, "budget");
      const deadline = Date.now() + scaled(20_000);
      let used = 0;
      while (Date.now() < deadline) {
        for (const n of fs.existsSync(file) ? fs.readdirSync(file) : []) {
          if (!n.endsWith(".json")) continue;
          const b = JSON.parse(fs.readFileSync(path.join(file, n), "utf8"));
          if (b.sessionKey === key) used = b.inputTokens + b.outputTokens;
        }
        if (used >= 5000) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.ok(used >= 5000, `session usage on disk: ${used}`);
      const r2 = await s.runAgent({ message: `${again} one more`, sessionKey: key });
      assert.notEqual(r2.code, 0, "the refused run exited 0");
      assert.ok(`${r2.stdout}${r2.stderr}`.includes("budget.cap.session_tokens"), `${r2.stdout.slice(0, 800)}`);
      assert.equal(s.modelLog().filter((e) => e.matched === "again:reply").length, 0, "the model was called for a refused run");
      assert.ok(budgetDecisions(s, key).some((d) => d.code === "budget.cap.session_tokens"));

      await s.stopGateway();
      await s.startGateway();
      const r3 = await s.runAgent({ message: `${again} after restart`, sessionKey: key });
      assert.notEqual(r3.code, 0);
      assert.ok(`${r3.stdout}${r3.stderr}`.includes("budget.cap.session_tokens"));
      assert.equal(s.modelLog().filter((e) => e.matched === "again:reply").length, 0, "the model was called after the restart");
    }));
});
