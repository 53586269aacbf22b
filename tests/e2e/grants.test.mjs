// Phase 4 approval grants in the REAL OpenClaw (issue 16 item 9): an `allow-always` answer to
// `npm test` is offered by OpenClaw's approval flow, runs the command, and stores a grant; the next
// `npm test` in the same session runs without any approval request; a different command
// (`npm run build`) still asks; the grant is listed by the `/grants` command and by the native
// `agent-ops grants` CLI over the same state dir, and after `agent-ops grants revoke ID` the same
// `npm test` asks again. Every step is checked in the decision journal too.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { checkPrerequisites, createScenario, withDiagnostics, marker, scaled } from "./lib/harness.mjs";
import { execThenReport, phase4Config, requestForStep } from "./lib/scripts.mjs";

const TIMEOUT = scaled(300_000);
const APPROVAL_TIMEOUT_MS = 10_000;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The native CLI built by `cargo test` / `cargo build` (scripts/test.sh builds it before e2e). */
function agentOpsBin() {
  for (const p of [path.join(root, "target/debug/agent-ops"), path.join(root, "target/release/agent-ops")]) {
    if (fs.existsSync(p)) return p;
  }
  throw new Error("the native agent-ops CLI is not built: run `cargo build --bin agent-ops` (scripts/test.sh does)");
}

function cli(s, args) {
  const r = spawnSync(agentOpsBin(), ["grants", ...args, "--state-dir", s.pluginStateDir, "--json"], {
    encoding: "utf8",
    // No OpenClaw config: the CLI finds one as OpenClaw does, so HOME is the scenario's (empty).
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("OPENCLAW_"))), HOME: s.home },
    timeout: scaled(30_000),
  });
  assert.equal(r.status, 0, `agent-ops grants ${args.join(" ")}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const hex = () => crypto.randomBytes(4).toString("hex");
const token = `agent-ops-e2e-tests-ran-${hex()}`;
const marks = {
  first: marker("grant-first"),
  again: marker("grant-again"),
  other: marker("grant-other"),
  revoked: marker("grant-revoked"),
};

describe("phase 4 approval grants (allow-always) in OpenClaw", () => {
  let s;
  let session;
  before(async () => {
    checkPrerequisites();
    s = await createScenario({
      name: "grants",
      pluginConfig: phase4Config({ askAction: "approve", approval: { timeoutMs: APPROVAL_TIMEOUT_MS } }),
    });
    fs.writeFileSync(
      path.join(s.workspace, "package.json"),
      JSON.stringify({ name: "e2e-project", version: "1.0.0", private: true, scripts: { test: `echo ${token}`, build: "echo built" } }, null, 2),
    );
    s.model.setScript({
      steps: [
        ...execThenReport(marks.first, "npm test"),
        ...execThenReport(marks.again, "npm test -- --ci"),
        ...execThenReport(marks.other, "npm run build"),
        ...execThenReport(marks.revoked, "npm test"),
      ],
    });
    session = s.sessionKey("grants");
    await withDiagnostics(s, () => s.startGateway());
  }, { timeout: TIMEOUT });

  after(async () => {
    await s?.cleanup({ failed: s.failed });
  });

  const send = (mark, onApproval) =>
    s.chatSendWithApprovals({ message: `${mark} please run it`, sessionKey: session, onApproval });

  test("allow_always_grants_the_pattern_and_revoke_takes_it_back", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      // 1. The first `npm test` asks, with allow-always offered; the answer runs it.
      const r1 = await send(marks.first, () => "allow-always");
      assert.equal(r1.code, 0, JSON.stringify(r1.errors));
      assert.equal(r1.approvals.length, 1, "the first npm test must ask");
      const q = r1.approvals[0].request;
      assert.deepEqual(q.allowedDecisions, ["allow-once", "allow-always", "deny"], JSON.stringify(q));
      assert.ok(q.description.includes("Allow always grants: npm test"), q.description);
      assert.equal(r1.resolutions[0]?.result?.ok, true, JSON.stringify(r1.resolutions));
      const rep1 = requestForStep(s.modelLog(), `${marks.first}:report`);
      assert.ok(rep1?.lastTool?.includes(token), `npm test did not run: ${rep1?.lastTool}`);
      const stored = s.readDecisions().find((d) => d.code === "exec.approval.allow_always" && d.sessionKey === session);
      assert.ok(stored, "allow-always was not journaled");
      assert.equal(stored.details?.grant?.stored, true, JSON.stringify(stored.details));
      const id = stored.details.grant.id;

      // 2. The same pattern in the same session runs without asking.
      const r2 = await send(marks.again, () => "deny");
      assert.equal(r2.approvals.length, 0, "a granted npm test must not ask again");
      const rep2 = requestForStep(s.modelLog(), `${marks.again}:report`);
      assert.ok(rep2?.lastTool?.includes(token), `granted npm test did not run: ${rep2?.lastTool}`);
      assert.ok(
        s.readDecisions().some((d) => d.code === "exec.allow.grant" && d.sessionKey === session && d.details?.command === "npm test -- --ci"),
        "exec.allow.grant not journaled",
      );

      // 3. Another command of the same program still asks (the grant never widens).
      const r3 = await send(marks.other, () => "deny");
      assert.equal(r3.approvals.length, 1, "npm run build must still ask");

      // 4. The grant is listed by /grants and by the CLI, and revoking it brings the ask back.
      const slash = await s.runCommand({ command: "/grants list", sessionKey: session, expect: "agent-ops grants (" });
      assert.ok(slash.text?.includes(id) && slash.text.includes("npm test"), `/grants: ${slash.text} ${slash.error}`);
      const listed = cli(s, ["list"]);
      assert.deepEqual(listed.grants.map((g) => g.id), [id], JSON.stringify(listed));
      assert.deepEqual(listed.grants[0].patterns.map((p) => p.words.join(" ")), ["npm test"]);
      assert.deepEqual(cli(s, ["revoke", id]), { revoked: id });
      assert.deepEqual(cli(s, ["list"]).grants, []);
      const r4 = await send(marks.revoked, () => "deny");
      assert.equal(r4.approvals.length, 1, "after revoke npm test must ask again");
    }));
});
