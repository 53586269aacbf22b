// Phase 6 in the real OpenClaw gateway (issue 7 proof (a)–(e); P6-T5, T8, T20): a coordinator agent's
// request carries our rules and only the orchestration tools; a worker it spawns is tracked; the
// gateway is killed while the worker runs and restarted under a config that says "normal"; the
// resumed coordinator session keeps coordinator mode with the warning and is told the worker was
// interrupted; `/workers` lists the states.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { checkPrerequisites, createScenario, withDiagnostics, marker, onlyPhases, scaled } from "./lib/harness.mjs";

const TIMEOUT = scaled(400_000);

async function waitFor(what, fn, timeoutMs = scaled(90_000)) {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function lineage(stateDir) {
  const dir = path.join(stateDir, "lineage");
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((n) => n.endsWith(".jsonl")).sort().flatMap((n) =>
    fs.readFileSync(path.join(dir, n), "utf8").split("\n").filter(Boolean).flatMap((l) => { try { return [JSON.parse(l)]; } catch { return []; } }));
}

describe("phase 6 coordinator resume integrity (gateway)", { concurrency: false }, () => {
  let s;
  const coord = marker("coord");
  const worker = marker("worker");
  const resume = marker("resume");
  before(async () => {
    checkPrerequisites();
    s = await createScenario({
      name: "p6",
      pluginConfig: onlyPhases({ coordinator: { enabled: true, agents: { main: { mode: "coordinator" } } } }),
      script: {
        steps: [
          { id: "co:spawn", match: { marker: coord, call: 1 }, toolCalls: [{ name: "tool_call", arguments: { id: "sessions_spawn", args: { task: `${worker} research how the build works`, label: "researcher" } } }] },
          { id: "co:yield", match: { marker: coord, call: 2 }, toolCalls: [{ name: "sessions_yield", arguments: {} }] },
          // First: after the restart the coordinator's turn also carries the worker's task text.
          { id: "co:resume", match: { marker: resume }, text: "I will decide about the interrupted worker." },
          // The worker is still thinking when the gateway dies, however slow the machine: the
          // fake model ends this wait when the killed gateway's connection closes.
          { id: "worker:slow", match: { marker: worker }, text: "Research result.", delayMs: 600_000 },
          // OpenClaw 2026.9.6 retains the interrupted child at the next start and runs it again.
          { id: "worker:again", match: { marker: worker, after: "worker:slow" }, text: "Research result after the restart.", times: 0 },
        ],
        fallback: { text: "ok" },
      },
    });
    await withDiagnostics(s, () => s.startGateway());
  }, { timeout: TIMEOUT });
  after(async () => {
    if (s) await s.cleanup({ failed: s.failed });
  });

  test("p6_e2e_coordinator_spawns_a_tracked_worker_then_resumes_after_a_killed_gateway", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const key = s.sessionKey("coord");
      const run = await s.runAgent({ message: `${coord} find out how the build works`, sessionKey: key });
      assert.equal(run.code, 0, `exit ${run.code}`);
      // (a) our rules and only the orchestration tools in the coordinator's request.
      const first = s.modelLog().find((e) => e.matched === "co:spawn");
      assert.ok(first, "the coordinator never reached the model");
      assert.ok(first.systemTail.includes("# Coordinator mode (agent-ops)"), first.systemTail.slice(-1500));
      const tools = first.toolNames ?? [];
      console.log(`coordinator request tools: ${tools.join(", ")}`);
      for (const t of ["exec", "write", "edit", "read", "apply_patch"]) assert.ok(!tools.includes(t), `${t} offered to a coordinator: ${tools.join(", ")}`);
      // (b) the worker is tracked.
      const spawned = await waitFor("the spawned lineage event", () => lineage(s.pluginStateDir).find((e) => e.event === "spawned"));
      assert.match(spawned.childSessionKey, /^agent:main:subagent:/);
      assert.equal(spawned.parentSessionKey, key);
      assert.match(spawned.task ?? "", /research how the build works/);
      // (c) needs the worker mid-request when the gateway dies: its scripted reply is held back.
      await waitFor("the worker's model request to be in flight", () => s.model.pending().some((e) => e.matched === "worker:slow"));
      const listed = await s.runCommand({ command: "/workers", sessionKey: key, expect: "worker(s) of" });
      assert.equal(listed.code, 0, listed.error ?? "");
      assert.match(listed.text, /researcher \(agent:main:subagent:[^)]+\): running; task: .*research how the build works/);

      // (c), (d): kill the gateway while the worker runs; restart with the agent configured normal.
      await s.stopGateway();
      s.patchConfig({ plugins: { entries: { "agent-ops": { config: { phases: { coordinator: { agents: { main: { mode: "normal" } } } } } } } } });
      await withDiagnostics(s, () => s.startGateway());
      const interrupted = await waitFor("the interrupted lineage event", () => lineage(s.pluginStateDir).find((e) => e.event === "interrupted" && e.childSessionKey === spawned.childSessionKey));
      assert.ok(interrupted);
      const again = await s.runAgent({ message: `${resume} what happened to the research`, sessionKey: key });
      assert.equal(again.code, 0, `exit ${again.code}`);
      assert.ok(s.modelLog().some((e) => e.matched === "co:resume"), "the resumed coordinator never reached the model");
      // The notices go to the coordinator's first turn after the restart (OpenClaw may run the
      // retained worker's settle turn first).
      const parentReqs = s.modelLog().filter((e) => e.lastUser && !e.lastUser.includes("[Subagent Task]") && (e.systemTail ?? "").includes("# Coordinator mode (agent-ops)"));
      const noticed = parentReqs.find((e) => e.lastUser.includes(`was interrupted by a restart`));
      assert.ok(noticed, `no coordinator request carried the interrupted-worker notice: ${parentReqs.map((e) => e.lastUser.slice(0, 300)).join(" | ")}`);
      assert.ok(noticed.lastUser.includes(`Worker researcher (${spawned.childSessionKey}) was interrupted by a restart`), noticed.lastUser.slice(0, 2000));
      assert.ok(noticed.lastUser.includes("Coordinator mode is on again to match this resumed session."), noticed.lastUser.slice(0, 2000));
      const resumed = s.modelLog().find((e) => e.matched === "co:resume");
      assert.ok(resumed.systemTail.includes("# Coordinator mode (agent-ops)"), "the resumed session lost coordinator mode");
      assert.ok(s.readDecisions().some((d) => d.code === "coord.mode.switched"));
      // (e) /workers shows the interrupted worker.
      const after = await s.runCommand({ command: "/workers", sessionKey: key, expect: "worker(s) of" });
      assert.match(after.text, /researcher \(agent:main:subagent:[^)]+\): (interrupted|ended|running)/);
      assert.ok(lineage(s.pluginStateDir).some((e) => e.event === "interrupted"), "the registry lost the interruption");
    }));
});
