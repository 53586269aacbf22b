// Issue 20 in the real OpenClaw gateway with the scripted model: a runaway polling loop is
// stopped at its dollar cap, the run ends within one more model call, the agent's next run is
// refused with the reason, `/budget resume` lifts it, and the numbers in `/budget` are the
// spend journal's.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { checkPrerequisites, createScenario, withDiagnostics, marker, onlyPhases, scaled } from "./lib/harness.mjs";

const TIMEOUT = scaled(420_000);
// USD per million tokens of the scripted model: the caps are judged on these prices.
const PRICE = { input: 1, output: 10, cacheRead: 0.1, cacheWrite: 1.25 };

function jsonl(dir, re) {
  let names = [];
  try {
    names = fs.readdirSync(dir).filter((n) => re.test(n));
  } catch {
    return [];
  }
  return names.flatMap((n) => fs.readFileSync(path.join(dir, n), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)));
}

describe("issue 20 dollar caps (gateway)", { concurrency: false }, () => {
  let s;
  const runaway = marker("runaway");
  const again = marker("again");
  const later = marker("later");

  before(async () => {
    checkPrerequisites();
    s = await createScenario({
      name: "spend",
      // Phase 5 on too: its cost ledger is the one `/agent-ops status` must agree with.
      pluginConfig: onlyPhases({ loopBudget: { enabled: true, maxRunCostUsd: 0.05, costWarnAt: 0.5, maxDailyCostUsd: 100, timeZone: "Europe/Berlin" }, memoryScoping: { enabled: true } }),
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
        steps: [
          // A runaway poller: a new command every call (so no identical-call block), forever.
          { id: "runaway:call", match: { marker: runaway, tools: "some" }, toolCalls: [{ name: "exec", arguments: { command: "echo poll {{requestNo}} >> poll-counter.txt" } }], usage: { prompt_tokens: 8000, completion_tokens: 40 }, times: 0 },
          { id: "again:reply", match: { marker: again }, text: "this must never be sent", times: 0 },
          { id: "later:reply", match: { marker: later }, text: "back to work", usage: { prompt_tokens: 100, completion_tokens: 5 } },
        ],
        fallback: { text: "fallback", usage: { prompt_tokens: 100, completion_tokens: 5 } },
      },
    });
    await withDiagnostics(s, () => s.startGateway());
  }, { timeout: TIMEOUT });
  after(async () => {
    if (s) await s.cleanup({ failed: s.failed });
  });

  test("issue20_e2e_runaway_loop_ends_at_the_dollar_cap_and_the_agent_is_held_until_resume", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const key = s.sessionKey("runaway");
      const run = await s.runAgent({ message: `${runaway} poll the build until it is done`, sessionKey: key });
      const budgetDir = path.join(s.pluginStateDir, "budget");
      const decisions = () => s.readDecisions().filter((d) => d.phase === "budget");
      const hit = decisions().find((d) => d.code === "budget.cap.cost_usd.run");
      assert.ok(hit, `no cap decision; run exit ${run.code}: ${run.text ?? run.stdout?.slice(0, 400)}; decisions ${JSON.stringify(decisions().map((d) => d.code))}`);
      assert.equal(hit.details.cap, "phases.loopBudget.maxRunCostUsd");
      assert.ok(hit.details.spentUsd >= 0.05, JSON.stringify(hit.details));
      assert.match(hit.message, /\$0\.0\d{3} of its \$0\.0500 dollar cap \(phases\.loopBudget\.maxRunCostUsd\)/);
      // The ladder warned first (costWarnAt 0.5), in the journal.
      assert.ok(decisions().some((d) => d.code === "budget.cost.warning.run"), JSON.stringify(decisions().map((d) => d.code)));
      // Within one more model call: exactly one request carried our block back to the model,
      // and the run was ended at its next tool call (no request after it).
      const calls = s.modelLog().filter((e) => e.matched === "runaway:call");
      const afterBlock = calls.filter((e) => (e.lastTool ?? "").includes("agent-ops[budget.cap.cost_usd.run]"));
      assert.equal(afterBlock.length, 1, `requests after the block: ${afterBlock.length} of ${calls.length}`);
      assert.equal(calls[calls.length - 1], afterBlock[0], "a model call came after the one allowed");
      const ended = decisions().find((d) => d.code === "budget.cap.cost_usd.run" && d.details.runEnded === true);
      assert.ok(ended, "the run was not ended by the plugin");
      // Ticks on disk: every call before the block ran, none after.
      const ticks = fs.readFileSync(path.join(s.workspace, "poll-counter.txt"), "utf8").trim().split("\n");
      assert.equal(ticks.length, calls.length - 2, `ticks ${ticks.length}, model calls ${calls.length}`);
      // The runs journal says how it ended once agent_end fired.
      const deadline = Date.now() + scaled(20_000);
      let line;
      while (Date.now() < deadline && !(line = jsonl(budgetDir, /^runs-.*\.jsonl$/).find((r) => r.sessionKey === key))) await new Promise((r) => setTimeout(r, 250));
      assert.equal(line?.terminal, "cap_cost_usd_run", JSON.stringify(line));
      assert.equal(line.endedByPlugin, true);
      console.log(`# runaway: ${calls.length} model calls, ${ticks.length} tool calls ran, cap hit at $${hit.details.spentUsd.toFixed(4)} (estimate), exit ${run.code}`);

      // The next run of the agent is refused before any model call, with the reason.
      const r2 = await s.runAgent({ message: `${again} one more try`, sessionKey: s.sessionKey("again") });
      assert.notEqual(r2.code, 0, "the refused run exited 0");
      assert.ok(`${r2.stdout}${r2.stderr}`.includes("budget.cap.cost_usd.run"), `${r2.stdout.slice(0, 800)}`);
      assert.ok(`${r2.stdout}${r2.stderr}`.includes("/budget resume"));
      assert.equal(s.modelLog().filter((e) => e.matched === "again:reply").length, 0, "the model was called for a refused run");

      // The operator lifts it; the next run goes through.
      const cmd = await s.runCommand({ sessionKey: s.sessionKey("ops"), command: "/budget resume", expect: "resumed" });
      assert.equal(cmd.code, 0, cmd.error ?? "");
      assert.match(cmd.text, /agent main resumed/);
      assert.ok(decisions().some((d) => d.code === "budget.cost.resumed"));
      const r3 = await s.runAgent({ message: `${later} carry on`, sessionKey: s.sessionKey("later") });
      assert.equal(r3.code, 0, `exit ${r3.code}: ${r3.stdout.slice(0, 400)}`);
      assert.equal(s.modelLog().filter((e) => e.matched === "later:reply").length, 1);

      // Exact usage replaced the estimate in the spend journal once llm_output arrived.
      const spendDeadline = Date.now() + scaled(20_000);
      let lines = [];
      while (Date.now() < spendDeadline && !(lines = jsonl(budgetDir, /^spend-.*\.jsonl$/)).some((l) => l.sessionKey === key)) await new Promise((r) => setTimeout(r, 250));
      const mine = lines.filter((l) => l.sessionKey === key);
      assert.ok(mine.length >= 1, JSON.stringify(lines));
      for (const l of mine) {
        const want = (l.input * PRICE.input + l.output * PRICE.output + l.cacheRead * PRICE.cacheRead + l.cacheWrite * PRICE.cacheWrite) / 1e6;
        assert.ok(Math.abs(l.costUsd - want) < 1e-9, JSON.stringify(l));
        assert.equal(l.source, "table");
      }

      // `/agent-ops status --json` shows the same dollars as phase 5's cost ledger (and the spend journal).
      const ledger = jsonl(path.join(s.pluginStateDir, "costs"), /^\d{4}-\d{2}-\d{2}\.jsonl$/).filter((r) => r.sessionKey === key);
      assert.ok(ledger.length >= 1, "no cost ledger record for the runaway session");
      const ledgerUsd = ledger.reduce((a, r) => a + r.costUsd, 0);
      const journalUsd = mine.reduce((a, l) => a + l.costUsd, 0);
      assert.ok(Math.abs(ledgerUsd - journalUsd) < 1e-9, `ledger ${ledgerUsd} vs spend journal ${journalUsd}`);
      const st = await s.runCommand({ sessionKey: key, command: "/agent-ops status --json", expect: "sessionCostUsd" });
      assert.equal(st.code, 0, st.error ?? "");
      const status = JSON.parse(st.text.slice(st.text.indexOf("{")));
      assert.ok(Math.abs(status.budget.sessionCostUsd - ledgerUsd) < 1e-9, `status ${status.budget.sessionCostUsd} vs ledger ${ledgerUsd}`);
      const cap = status.budget.caps.find((c) => c.key === "phases.loopBudget.maxRunCostUsd");
      assert.ok(cap, JSON.stringify(status.budget));
      assert.equal(status.budget.hold, null, "the hold was lifted");
      // The daily window in Europe/Berlin: the zone came from the host's Intl (no zone database in wasm).
      const daily = status.budget.caps.find((c) => c.key === "phases.loopBudget.maxDailyCostUsd");
      assert.equal(daily?.ladder, "ok", JSON.stringify(status.budget.caps));
      assert.equal(status.budget.timeZone, "Europe/Berlin");
      const gwLog = fs.existsSync(s.openclawLog) ? fs.readFileSync(s.openclawLog, "utf8") : "";
      assert.ok(gwLog.includes("[agent-ops]"), "the gateway log has no agent-ops lines to check");
      assert.ok(!gwLog.includes("budget.cost.time_zone"), "the zone was not resolved");
      const text = await s.runCommand({ sessionKey: key, command: "/agent-ops status", expect: "agent-ops status for agent main" });
      assert.match(text.text, /dollars this session: \$\d+\.\d{4}/);
      assert.match(text.text, /compaction breakers open: \d+/);
      console.log(`# status: session $${status.budget.sessionCostUsd.toFixed(6)}, cost ledger $${ledgerUsd.toFixed(6)} (${ledger.length} record(s))`);
    }));
});
