// Resumed transcript repair in the REAL OpenClaw (issue 19, P6-R13/P6-R14): the gateway is killed
// with SIGKILL while a tool call of the session runs, so the transcript keeps the assistant's tool
// call without a result (a dangling call). After a restart the next turn of that session must reach
// the model repaired: a tool result for that call id, right after the call. The repair may come
// from agent-ops' sanitation in the context engine's assemble ("[agent-ops: no result was
// recorded…]") or from OpenClaw's own transcript repair ("[openclaw] missing tool result…"),
// whichever runs first; the test prints which one the model saw. With agent-ops as the context
// engine, the `coord.degraded.sanitation` diagnostic must not appear.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { checkPrerequisites, createScenario, withDiagnostics, marker, onlyPhases, scaled } from "./lib/harness.mjs";

const TIMEOUT = scaled(400_000);
const OURS = "[agent-ops: no result was recorded for this tool call before the session was interrupted]";
const OPENCLAW = "[openclaw] missing tool result in session history";

async function waitFor(what, fn, timeoutMs = scaled(90_000)) {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("resumed transcript repair (gateway)", { concurrency: false }, () => {
  let s;
  const start = marker("dangle");
  const resume = marker("dangle-resume");
  const spawner = marker("prep-spawn");
  const worker = marker("prep-worker");
  before(async () => {
    checkPrerequisites();
    s = await createScenario({
      name: "resume-repair",
      pluginConfig: onlyPhases({ compaction: { enabled: true }, coordinator: { enabled: true } }),
      configPatch: { plugins: { slots: { contextEngine: "agent-ops" } } },
      script: {
        steps: [
          // A tool call that is still running when the gateway dies (the exec tool waits up to
          // yieldMs before it would background the command).
          { id: "dangle:call", match: { marker: start, turn: "first" }, toolCalls: [{ name: "exec", arguments: { command: "sleep 300", yieldMs: 300000 } }] },
          { id: "dangle:resume", match: { marker: resume }, text: "Resumed." },
          // P6-R1 in engine mode: a spawn goes through the context engine's prepareSubagentSpawn.
          { id: "prep:spawn", match: { marker: spawner, call: 1 }, toolCalls: [{ name: "tool_call", arguments: { id: "sessions_spawn", args: { task: `${worker} list the files`, label: "prepped" } } }] },
          { id: "prep:worker", match: { marker: worker }, text: "Files listed." },
        ],
        fallback: { text: "ok" },
      },
    });
    await withDiagnostics(s, () => s.startGateway());
  }, { timeout: TIMEOUT });
  after(async () => {
    if (s) await s.cleanup({ failed: s.failed });
  });

  test("a_dangling_tool_call_reaches_the_model_repaired_after_a_crash", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const key = s.sessionKey("dangle");
      // The run never finishes on its own: the gateway is killed under it.
      const pending = s.runAgent({ message: `${start} run the long job`, sessionKey: key, timeoutMs: scaled(200_000) });
      await waitFor("the tool call to be handed out", () => s.modelLog().some((e) => e.matched === "dangle:call"));
      // Give OpenClaw time to persist the assistant message and start the command.
      await new Promise((r) => setTimeout(r, scaled(4_000)));
      s.gateway.child.kill("SIGKILL");
      await s.stopGateway();
      await pending.catch(() => null);
      await withDiagnostics(s, () => s.startGateway());
      const run = await s.runAgent({ message: `${resume} carry on`, sessionKey: key });
      assert.equal(run.code, 0, `exit ${run.code}`);
      const req = s.modelLog().find((e) => e.matched === "dangle:resume");
      assert.ok(req, "the resumed turn never reached the model");
      const repaired = (req.allToolResults ?? []).find((t) => t.startsWith(OURS.slice(0, 60)) || t.startsWith(OPENCLAW));
      assert.ok(repaired, `no repaired tool result in the resumed request: ${JSON.stringify(req.allToolResults)} roles=${JSON.stringify(req.roles)}`);
      console.log(`repaired by: ${repaired.startsWith(OPENCLAW) ? "OpenClaw's transcript repair" : "agent-ops sanitation"}`);
      const oursRepaired = repaired.startsWith(OURS.slice(0, 60));
      if (oursRepaired) {
        assert.ok(s.readDecisions().some((d) => d.code === "coord.resume.repaired"), "repair made without its decision");
      }
      const logs = `${s.gateway?.stdout ?? ""}${s.gateway?.stderr ?? ""}`;
      assert.ok(!logs.includes("coord.degraded.sanitation"), "sanitation reported degraded although agent-ops is the context engine");
    }));

  test("p6_r1_a_spawn_is_prepared_by_the_context_engine_before_it_is_spawned", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const key = s.sessionKey("prep");
      const run = await s.runAgent({ message: `${spawner} hand the listing to a worker`, sessionKey: key });
      assert.equal(run.code, 0, `exit ${run.code}`);
      const events = () => {
        const dir = path.join(s.pluginStateDir, "lineage");
        if (!fs.existsSync(dir)) return [];
        return fs.readdirSync(dir).filter((n) => n.endsWith(".jsonl")).sort().flatMap((n) =>
          fs.readFileSync(path.join(dir, n), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)));
      };
      const prepared = await waitFor("the prepared lineage event", () => events().find((e) => e.event === "prepared" && e.parentSessionKey === key));
      assert.match(prepared.childSessionKey, /^agent:main:subagent:/);
      assert.ok(["isolated", "fork"].includes(prepared.contextMode), JSON.stringify(prepared));
      const mine = () => events().filter((e) => e.childSessionKey === prepared.childSessionKey).map((e) => e.event);
      await waitFor("the spawned lineage event", () => mine().includes("spawned"));
      assert.equal(mine()[0], "prepared", `events of the child: ${mine().join(", ")}`);
      await waitFor("the worker to end", () => mine().includes("ended"), scaled(180_000));
      console.log(`lineage of the prepared worker: ${mine().join(" -> ")}`);
      assert.ok(!mine().includes("rolled_back"), "a spawn that went through was rolled back");
    }));
});
