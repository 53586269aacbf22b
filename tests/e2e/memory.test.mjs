// Phase 5 in the real OpenClaw gateway (issue 6 proof (b), (f); P5-R11, R25): a new session's prompt
// carries the agent's MEMORY.md, its scope note and a relevant topic file; `/memory` shows the cost
// ledger; a write into another agent's memory directory is blocked.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { checkPrerequisites, createScenario, withDiagnostics, marker, onlyPhases, scaled } from "./lib/harness.mjs";

const TIMEOUT = scaled(300_000);

describe("phase 5 memory scoping (gateway)", { concurrency: false }, () => {
  let s;
  const ask = marker("mem");
  const foreign = marker("foreign");
  before(async () => {
    checkPrerequisites();
    s = await createScenario({
      name: "p5",
      pluginConfig: onlyPhases({ memoryScoping: { enabled: true } }),
      script: {
        steps: [
          { id: "mem:reply", match: { marker: ask }, text: "noted" },
          { id: "foreign:write", match: { marker: foreign, call: 1 }, toolCalls: [{ name: "write", arguments: { path: ".openclaw/agent-memory/reviewer/notes.md", content: "overwritten by main" } }] },
          { id: "foreign:end", match: { marker: foreign, call: 2 }, text: "Result: {{lastToolResult}}" },
        ],
      },
    });
    // Project scope (the default): <projectRoot>/.openclaw/agent-memory/main/, where the project
    // root is the workspace's git root (OpenClaw makes the workspace a git repository).
    const mem = path.join(s.workspace, ".openclaw", "agent-memory", "main");
    fs.mkdirSync(mem, { recursive: true });
    fs.writeFileSync(path.join(mem, "MEMORY.md"), "- [Release checklist](release.md) — E2E-MEMORY-INDEX-LINE\n");
    fs.writeFileSync(path.join(mem, "release.md"), "---\nname: Release checklist\ndescription: release checklist for the deploy pipeline\ntype: project\n---\nE2E-MEMORY-TOPIC-BODY: tag, build, canary, promote.\n");
    fs.mkdirSync(path.join(s.workspace, ".openclaw", "agent-memory", "reviewer"), { recursive: true });
    fs.writeFileSync(path.join(s.workspace, ".openclaw", "agent-memory", "reviewer", "notes.md"), "reviewer's own notes\n");
    await withDiagnostics(s, () => s.startGateway());
  }, { timeout: TIMEOUT });
  after(async () => {
    if (s) await s.cleanup({ failed: s.failed });
  });

  test("p5_e2e_new_session_prompt_carries_memory_index_and_relevant_topic", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const run = await s.runAgent({ message: `${ask} walk me through the release checklist for the deploy` });
      assert.equal(run.code, 0, `exit ${run.code}`);
      const req = s.modelLog().find((e) => e.matched === "mem:reply");
      assert.ok(req, "the model was not called");
      assert.ok(req.systemTail.includes("# Agent memory (project scope)"), req.systemTail.slice(-1500));
      assert.ok(req.systemTail.includes("E2E-MEMORY-INDEX-LINE"), "MEMORY.md is not in the prompt");
      assert.ok(req.systemTail.includes("shared with your team through version control"));
      assert.ok(req.systemTail.includes("E2E-MEMORY-TOPIC-BODY"), "the relevant topic file was not recalled");
    }));

  test("p5_e2e_memory_command_shows_the_cost_ledger", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      // The previous test's run produced an llm_output: its usage is in the ledger.
      const r = await s.runCommand({ command: "/memory today", expect: "main on fake/fake-model" });
      assert.equal(r.code, 0, r.error ?? "");
      assert.match(r.text, /agent-ops memory for agent `main`: Project scope/);
      assert.match(r.text, /main on fake\/fake-model: \d+ call\(s\), input \d+, output \d+/);
      const ledger = fs.readdirSync(path.join(s.pluginStateDir, "costs")).filter((n) => n.endsWith(".jsonl"));
      assert.equal(ledger.length, 1);
      const lines = fs.readFileSync(path.join(s.pluginStateDir, "costs", ledger[0]), "utf8").trim().split("\n").map((l) => JSON.parse(l));
      assert.ok(lines.some((l) => l.purpose === "main" && l.model === "fake-model" && l.costUsd === 0), JSON.stringify(lines));
    }));

  test("p5_t13_e2e_write_into_another_agents_memory_is_blocked", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const run = await s.runAgent({ message: `${foreign} update the reviewer's notes` });
      assert.equal(run.code, 0, `exit ${run.code}`);
      const notes = fs.readFileSync(path.join(s.workspace, ".openclaw", "agent-memory", "reviewer", "notes.md"), "utf8");
      assert.equal(notes, "reviewer's own notes\n", "the foreign memory file was overwritten");
      const end = s.modelLog().find((e) => e.matched === "foreign:end");
      assert.ok(end?.lastTool?.includes("agent-ops[scope.isolation.foreign_memory]"), `tool result: ${end?.lastTool}`);
      assert.ok(s.readDecisions().some((d) => d.code === "scope.isolation.foreign_memory" && d.action === "deny"));
    }));
});

// Issue 6 proof (e), P5-T18: a project snapshot initializes an agent's empty user memory at its first
// prompt, and the prompt already carries the snapshot's index.
describe("phase 5 snapshot initialization (gateway)", () => {
  test("p5_t18_e2e_snapshot_initializes_empty_user_memory", { timeout: TIMEOUT }, async () => {
    checkPrerequisites();
    const ask = marker("snap");
    const s = await createScenario({
      name: "p5-snap",
      pluginConfig: onlyPhases({ memoryScoping: { enabled: true, defaultScope: "user" } }),
      script: { steps: [{ id: "snap:reply", match: { marker: ask }, text: "ok" }] },
    });
    try {
      await withDiagnostics(s, async () => {
        const snap = path.join(s.workspace, ".openclaw", "agent-memory-snapshots", "main");
        fs.mkdirSync(snap, { recursive: true });
        fs.writeFileSync(path.join(snap, "snapshot.json"), JSON.stringify({ updatedAt: "2026-11-24T10:00:00Z" }));
        fs.writeFileSync(path.join(snap, "MEMORY.md"), "- [Team conventions](conventions.md) — E2E-SNAPSHOT-INDEX\n");
        fs.writeFileSync(path.join(snap, "conventions.md"), "---\nname: Team conventions\ndescription: team conventions\n---\nRebase, never merge.\n");
        await s.startGateway();
        const run = await s.runAgent({ message: `${ask} hello` });
        assert.equal(run.code, 0, `exit ${run.code}`);
        const mem = path.join(s.pluginStateDir, "memory", "agent-memory", "main");
        assert.equal(fs.readFileSync(path.join(mem, "conventions.md"), "utf8"), "---\nname: Team conventions\ndescription: team conventions\n---\nRebase, never merge.\n");
        assert.match(fs.readFileSync(path.join(mem, ".snapshot-synced.json"), "utf8"), /2026-11-24T10:00:00Z/);
        const req = s.modelLog().find((e) => e.matched === "snap:reply");
        assert.ok(req?.systemTail.includes("E2E-SNAPSHOT-INDEX"), "the snapshot's index is not in the first prompt");
        assert.ok(s.readDecisions().some((d) => d.code === "scope.snapshot.initialized"));
      });
    } finally {
      await s.cleanup({ failed: s.failed });
    }
  });
});

// Issue 6 proof (d), P5-R3: `AGENT_OPS_REMOTE_MEMORY_DIR` moves the user scope to
// `<remote>/agent-memory/<agent>/` and the local scope to
// `<remote>/projects/<sanitized project root>/agent-memory-local/<agent>/`; the default locations
// are then not read. One-shot runs: each reads the config and the environment afresh.
describe("phase 5 remote memory directory (one-shot runs)", { concurrency: false }, () => {
  let s;
  const askUser = marker("remote-user");
  const askLocal = marker("remote-local");
  before(async () => {
    checkPrerequisites();
    s = await createScenario({
      name: "p5remote",
      pluginConfig: onlyPhases({ memoryScoping: { enabled: true, defaultScope: "user" } }),
      script: {
        steps: [
          { id: "remote:user", match: { marker: askUser }, text: "ok" },
          { id: "remote:local", match: { marker: askLocal }, text: "ok" },
        ],
      },
    });
  }, { timeout: TIMEOUT });
  after(async () => {
    if (s) await s.cleanup({ failed: s.failed });
  });

  test("p5_e2e_remote_memory_dir_moves_the_user_and_local_scopes", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      const remote = path.join(s.dir, "remote-memory");
      s.env.AGENT_OPS_REMOTE_MEMORY_DIR = remote;
      const put = (dir, line) => {
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, "MEMORY.md"), `- [Note](note.md) — ${line}\n`);
      };
      put(path.join(remote, "agent-memory", "main"), "E2E-REMOTE-USER-LINE");
      put(path.join(s.pluginStateDir, "memory", "agent-memory", "main"), "E2E-DEFAULT-USER-LINE");
      let run = await s.runAgentLocal({ message: `${askUser} what do you remember` });
      assert.equal(run.code, 0, `exit ${run.code}`);
      let req = s.modelLog().find((e) => e.matched === "remote:user");
      assert.ok(req, "the model was not called");
      assert.ok(req.systemTail.includes("# Agent memory (user scope)"), req.systemTail.slice(-1500));
      assert.ok(req.systemTail.includes(path.join(remote, "agent-memory", "main")), "the user scope is not in the remote dir");
      assert.ok(req.systemTail.includes("E2E-REMOTE-USER-LINE"));
      assert.ok(!req.systemTail.includes("E2E-DEFAULT-USER-LINE"), "the default user dir was read");

      s.patchConfig({ plugins: { entries: { "agent-ops": { config: { phases: { memoryScoping: { defaultScope: "local" } } } } } } });
      // The project root is the workspace (a git repository); the remote layout sanitizes it.
      const root = fs.realpathSync(s.workspace);
      const sanitized = root.replace(/[^A-Za-z0-9]/g, "-");
      const localDir = path.join(remote, "projects", sanitized, "agent-memory-local", "main");
      put(localDir, "E2E-REMOTE-LOCAL-LINE");
      put(path.join(s.workspace, ".openclaw", "agent-memory-local", "main"), "E2E-DEFAULT-LOCAL-LINE");
      run = await s.runAgentLocal({ message: `${askLocal} what do you remember here` });
      assert.equal(run.code, 0, `exit ${run.code}`);
      req = s.modelLog().find((e) => e.matched === "remote:local");
      assert.ok(req, "the model was not called");
      assert.ok(req.systemTail.includes("# Agent memory (local scope)"), req.systemTail.slice(-1500));
      assert.ok(req.systemTail.includes(localDir), `the local scope is not ${localDir}: ${req.systemTail.slice(-1500)}`);
      assert.ok(req.systemTail.includes("E2E-REMOTE-LOCAL-LINE"));
      assert.ok(!req.systemTail.includes("E2E-DEFAULT-LOCAL-LINE"), "the default local dir was read");
    }));
});
