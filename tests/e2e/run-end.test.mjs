// Issue 20 item 2 in the real OpenClaw gateway: a run that phase 2 ends (identical-call block,
// cycle block, dollar cap) stops within one more model call AND leaves its session usable: the
// next user message on the SAME session reaches the model and gets its answer. For a dollar cap
// the agent's next run is refused first (cleanly, before any model call) until `/budget resume`,
// after which the same session works again.
//
// The scripted model ignores every block (it would poll forever), and its runaway steps come
// before the follow-up steps, as in the cost benchmark: a follow-up request that still looks like
// the runaway turn (the ended run left no closing answer in the transcript) is answered with
// another poll, and the follow-up fails.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { checkPrerequisites, createScenario, withDiagnostics, marker, onlyPhases, scaled } from "./lib/harness.mjs";

const TIMEOUT = scaled(420_000);
// USD per million tokens. Requests are priced by their size until the exact usage arrives, so the
// run cap ($0.50) is far above what a 100-token loop costs and reached by the 100,000-token one.
const PRICE = { input: 1, output: 10, cacheRead: 0.1, cacheWrite: 1.25 };

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

async function runLine(s, key, n) {
  const deadline = Date.now() + scaled(30_000);
  let lines = [];
  while (Date.now() < deadline && (lines = runsJournal(s).filter((r) => r.sessionKey === key)).length < n) await new Promise((r) => setTimeout(r, 250));
  return lines;
}

describe("issue 20 ended runs leave the session usable (gateway)", { concurrency: false }, () => {
  let s;
  const repeat = marker("repeat");
  const repeatNext = marker("repeat-next");
  const cycle = marker("cycle");
  const cycleNext = marker("cycle-next");
  const spend = marker("spend");
  const spendHeld = marker("spend-held");
  const spendNext = marker("spend-next");

  before(async () => {
    checkPrerequisites();
    s = await createScenario({
      name: "run-end",
      pluginConfig: onlyPhases({ loopBudget: { enabled: true, maxRunCostUsd: 0.5 } }),
      configPatch: {
        models: {
          providers: {
            fake: { models: [{ id: "fake-model", name: "Fake Model", reasoning: false, input: ["text"], cost: PRICE, contextWindow: 1000000, maxTokens: 4096 }] },
          },
        },
      },
      script: {
        steps: [
          // Runaway loops that ignore every block (first: they win whenever their marker is in the turn).
          { id: "repeat:poll", match: { marker: repeat, tools: "some" }, toolCalls: [{ name: "exec", arguments: { command: "cat status.txt" } }], usage: { prompt_tokens: 100, completion_tokens: 5 }, times: 0 },
          { id: "cycle:a", match: { marker: cycle, tools: "some", toolResultIncludes: "cycle-b" }, toolCalls: [{ name: "exec", arguments: { command: "echo cycle-a" } }], usage: { prompt_tokens: 100, completion_tokens: 5 }, times: 0 },
          { id: "cycle:b", match: { marker: cycle, tools: "some" }, toolCalls: [{ name: "exec", arguments: { command: "echo cycle-b" } }], usage: { prompt_tokens: 100, completion_tokens: 5 }, times: 0 },
          { id: "spend:poll", match: { marker: spend, tools: "some" }, toolCalls: [{ name: "exec", arguments: { command: "echo poll {{requestNo}} >> spend-counter.txt" } }], usage: { prompt_tokens: 100000, completion_tokens: 40 }, times: 0 },
          // The follow-ups on the same sessions.
          { id: "repeat-next:reply", match: { marker: repeatNext }, text: "repeat follow-up answered", usage: { prompt_tokens: 100, completion_tokens: 5 }, times: 0 },
          { id: "cycle-next:reply", match: { marker: cycleNext }, text: "cycle follow-up answered", usage: { prompt_tokens: 100, completion_tokens: 5 }, times: 0 },
          { id: "spend-held:reply", match: { marker: spendHeld }, text: "this must never be sent", times: 0 },
          { id: "spend-next:reply", match: { marker: spendNext }, text: "spend follow-up answered", usage: { prompt_tokens: 100, completion_tokens: 5 }, times: 0 },
        ],
        fallback: { text: "fallback", usage: { prompt_tokens: 100, completion_tokens: 5 } },
      },
    });
    fs.writeFileSync(path.join(s.workspace, "status.txt"), "pipeline #4711: running\n");
    await withDiagnostics(s, () => s.startGateway());
  }, { timeout: TIMEOUT });
  after(async () => {
    if (s) await s.cleanup({ failed: s.failed });
  });

  /** The loop run on `key`: blocked with `code`, ended within one more model call. */
  async function loopEnds(key, message, code, stepIds) {
    const first = s.modelLog().length;
    const run = await s.runAgent({ message, sessionKey: key });
    const mine = s.modelLog().slice(first);
    const decisions = s.readDecisions().filter((d) => d.phase === "budget" && d.sessionKey === key);
    const blocks = decisions.filter((d) => d.code === code);
    assert.ok(blocks.length >= 1, `no ${code}; run exit ${run.code}: ${run.stdout.slice(0, 400)}; decisions ${JSON.stringify(decisions.map((d) => d.code))}`);
    const calls = s.modelLog().filter((e) => stepIds.includes(e.matched));
    const afterBlock = calls.filter((e) => (e.lastTool ?? "").includes(`agent-ops[${code}]`));
    assert.equal(afterBlock.length, 1, `requests after the block: ${afterBlock.length} of ${calls.length}`);
    assert.equal(calls[calls.length - 1], afterBlock[0], "a model call came after the one allowed");
    // Nothing could act after that call: any later request of the run offered no tools (OpenClaw's
    // own text-only finalization pass, when the closed answer had no streamed text), at most one.
    const rest = mine.filter((e) => e.n > afterBlock[0].n);
    assert.ok(rest.length <= 1 && rest.every((e) => (e.toolNames ?? []).length === 0), `requests after the allowed one: ${JSON.stringify(rest.map((e) => ({ matched: e.matched, tools: e.toolNames?.length })))}`);
    // Ended cleanly: the CLI reports success with a reply, and the journal says the plugin ended it.
    assert.equal(run.code, 0, `the ended run exited ${run.code}: ${run.stdout.slice(0, 600)}`);
    assert.ok(run.text.trim().length > 0, "no reply");
    const ended = s.readDecisions().filter((d) => d.phase === "budget" && d.sessionKey === key && d.code === code && d.details?.runEnded === true);
    assert.equal(ended.length, 1, JSON.stringify(ended));
    const lines = await runLine(s, key, 1);
    assert.equal(lines.length, 1, JSON.stringify(lines));
    return { run, calls, line: lines[0] };
  }

  /** A new message on the same session reaches the model and is answered. */
  async function followUp(key, mark, stepId, reply, loopSteps) {
    const before = s.modelLog().length;
    const r = await s.runAgent({ message: `${mark} what is the status now?`, sessionKey: key });
    const mine = s.modelLog().slice(before);
    assert.equal(r.code, 0, `the follow-up exited ${r.code}: ${r.stdout.slice(0, 600)} ${r.stderr.slice(-600)}; its requests matched ${JSON.stringify(mine.map((e) => e.matched))}`);
    assert.deepEqual(mine.filter((e) => loopSteps.includes(e.matched)).map((e) => e.matched), [], "the ended loop went on in the follow-up");
    assert.equal(mine.filter((e) => e.matched === stepId).length, 1, JSON.stringify(mine.map((e) => e.matched)));
    assert.ok(r.text.includes(reply), `reply: ${r.text}`);
  }

  test("issue20_e2e_identical_call_block_ends_the_run_and_the_session_goes_on", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const key = s.sessionKey("repeat");
      const { calls, line } = await loopEnds(key, `${repeat} poll status.txt until the pipeline is green`, "budget.repeat.blocked", ["repeat:poll"]);
      assert.equal(line.endedByPlugin, true, JSON.stringify(line));
      console.log(`# repeat: ${calls.length} model calls in the loop run, terminal ${line.terminal}`);
      await followUp(key, repeatNext, "repeat-next:reply", "repeat follow-up answered", ["repeat:poll"]);
    }));

  test("issue20_e2e_cycle_block_ends_the_run_and_the_session_goes_on", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const key = s.sessionKey("cycle");
      const { calls, line } = await loopEnds(key, `${cycle} alternate the two checks until they agree`, "budget.cycle.blocked", ["cycle:a", "cycle:b"]);
      assert.equal(line.endedByPlugin, true, JSON.stringify(line));
      console.log(`# cycle: ${calls.length} model calls in the loop run, terminal ${line.terminal}`);
      await followUp(key, cycleNext, "cycle-next:reply", "cycle follow-up answered", ["cycle:a", "cycle:b"]);
    }));

  // Last: the dollar cap holds the whole agent until `/budget resume`.
  test("issue20_e2e_dollar_cap_refuses_cleanly_and_the_session_goes_on_after_resume", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const key = s.sessionKey("spend");
      const { calls, line } = await loopEnds(key, `${spend} poll the build until it is done`, "budget.cap.cost_usd.run", ["spend:poll"]);
      assert.equal(line.terminal, "cap_cost_usd_run", JSON.stringify(line));
      assert.equal(line.endedByPlugin, true, JSON.stringify(line));
      console.log(`# spend: ${calls.length} model calls in the capped run`);

      // Held: the same session's next run is refused before any model call, with the reason.
      const before = s.modelLog().length;
      const held = await s.runAgent({ message: `${spendHeld} one more try`, sessionKey: key });
      assert.notEqual(held.code, 0, "the refused run exited 0");
      const out = `${held.stdout}${held.stderr}`;
      assert.ok(out.includes("budget.cap.cost_usd.run") && out.includes("/budget resume"), out.slice(0, 800));
      assert.equal(s.modelLog().slice(before).length, 0, `the model was called for a refused run: ${JSON.stringify(s.modelLog().slice(before).map((e) => e.matched))}`);

      const cmd = await s.runCommand({ sessionKey: key, command: "/budget resume", expect: "resumed" });
      assert.equal(cmd.code, 0, cmd.error ?? "");
      assert.match(cmd.text, /resumed/);
      await followUp(key, spendNext, "spend-next:reply", "spend follow-up answered", ["spend:poll", "spend-held:reply"]);
    }));
});
