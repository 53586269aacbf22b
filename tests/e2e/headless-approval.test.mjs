// Phase 4 asks in runs nobody can approve from (issue 17 item 8), in the REAL OpenClaw gateway.
// `openclaw agent` (the CLI path, non-interactive) has no approval-capable surface: with
// `askAction: "approve"` OpenClaw would refuse our `requireApproval` with its generic "Plugin
// approval unavailable" error. The plugin sees that from the tool-hook context (a requester without
// a channel) and answers with its own reason, `exec.ask.no_approver`, naming `askAction: "block"`
// and `rules.allow`; the decision journal has it and no approval was requested. With
// `askAction: "block"` the message says the command was blocked by policy and how to allow it.
// Two gateways (one per askAction) start at once; each runs one turn.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { checkPrerequisites, createScenario, withDiagnostics, marker, scaled } from "./lib/harness.mjs";
import { execThenReport, phase4Config, requestForStep, reasonCodes } from "./lib/scripts.mjs";

const TIMEOUT = scaled(300_000);
const ASK_CODE = "exec.ask.interpreter";
const OPENCLAW_GENERIC = "Plugin approval unavailable";
const hex = () => crypto.randomBytes(4).toString("hex");

describe("phase 4 asks in headless runs (gateway, openclaw agent)", { concurrency: true }, () => {
  let approve;
  let block;
  const approveMark = marker("headless-approve");
  const blockMark = marker("headless-block");
  const cmd = {};
  const file = {};

  before(async () => {
    checkPrerequisites();
    [approve, block] = await Promise.all([
      // A long approval timeout: an answer "at once" cannot be a timeout.
      createScenario({ name: "headless-approve", pluginConfig: phase4Config({ askAction: "approve", approval: { timeoutMs: 600_000 } }) }),
      createScenario({ name: "headless-block", pluginConfig: phase4Config({ askAction: "block" }) }),
    ]);
    file.approve = path.join(approve.workspace, `approve-marker-${hex()}`);
    file.block = path.join(block.workspace, `block-marker-${hex()}`);
    // Inline interpreter code always asks (exec.ask.interpreter).
    cmd.approve = `python3 -c 'open("${file.approve}", "w").close()'`;
    cmd.block = `python3 -c 'open("${file.block}", "w").close()'`;
    approve.model.setScript({ steps: execThenReport(approveMark, cmd.approve) });
    block.model.setScript({ steps: execThenReport(blockMark, cmd.block) });
    await Promise.all([withDiagnostics(approve, () => approve.startGateway()), withDiagnostics(block, () => block.startGateway())]);
  }, { timeout: TIMEOUT });

  after(async () => {
    await Promise.all([approve?.cleanup({ failed: approve.failed }), block?.cleanup({ failed: block.failed })]);
  });

  test("p4_e2e_approve_in_a_cli_run_is_answered_with_no_approver", { timeout: TIMEOUT }, () =>
    withDiagnostics(approve, async () => {
      const run = await approve.runAgent({ message: `${approveMark} please create the marker file` });
      assert.equal(run.code, 0, `openclaw agent exited ${run.code}`);
      assert.ok(!fs.existsSync(file.approve), `marker ${file.approve} exists: the command ran`);

      const reported = requestForStep(approve.modelLog(), `${approveMark}:report`);
      assert.ok(reported, "the model was not called again after the tool call (the run did not go on)");
      const got = String(reported.lastTool);
      assert.deepEqual(reasonCodes(got), ["exec.ask.no_approver"], `tool result seen by the model: ${got}`);
      assert.ok(got.includes('askAction: \\"block\\"') || got.includes('askAction: "block"'), `no askAction advice: ${got}`);
      assert.ok(got.includes("rules.allow"), `no rules.allow advice: ${got}`);
      assert.ok(!got.includes(OPENCLAW_GENERIC), `OpenClaw's generic error reached the model: ${got}`);
      assert.ok(run.text.includes("agent-ops[exec.ask.no_approver]"), `final text: ${run.text}`);

      const mine = approve.readDecisions().filter((d) => d.phase === "exec" && d.sessionKey === run.sessionKey);
      const show = JSON.stringify(mine);
      // One decision: no approval was requested, so none was cancelled either.
      assert.equal(mine.length, 1, show);
      assert.equal(mine[0].code, "exec.ask.no_approver", show);
      assert.equal(mine[0].action, "deny", show);
      assert.equal(mine[0].details?.askCode, ASK_CODE, show);
      assert.equal(mine[0].details?.askAction, "approve", show);
      assert.equal(mine[0].details?.approvalSurface, "none", show);
      assert.equal(mine[0].details?.command, cmd.approve, show);
      assert.match(mine[0].message, /askAction: "block"/, show);
      assert.match(mine[0].message, /rules\.allow/, show);
      assert.ok(!approve.readDecisions().some((d) => d.code.startsWith("exec.approval.")), "an approval was requested and resolved");
    }));

  test("p4_t75_e2e_block_says_blocked_by_policy_and_how_to_allow", { timeout: TIMEOUT }, () =>
    withDiagnostics(block, async () => {
      const run = await block.runAgent({ message: `${blockMark} please create the marker file` });
      assert.equal(run.code, 0, `openclaw agent exited ${run.code}`);
      assert.ok(!fs.existsSync(file.block), `marker ${file.block} exists: the command ran`);

      const reported = requestForStep(block.modelLog(), `${blockMark}:report`);
      assert.ok(reported, "the model was not called again after the tool call");
      const got = String(reported.lastTool);
      assert.deepEqual(reasonCodes(got), [ASK_CODE], `tool result seen by the model: ${got}`);
      assert.ok(got.includes("Blocked by policy"), `tool result: ${got}`);
      assert.ok(got.includes("rules.allow"), `tool result: ${got}`);
      assert.ok(!/needs approval|approve it first/.test(got), `the block message still asks for an approval: ${got}`);

      const mine = block.readDecisions().filter((d) => d.phase === "exec" && d.sessionKey === run.sessionKey);
      const show = JSON.stringify(mine);
      assert.equal(mine.length, 1, show);
      assert.equal(mine[0].code, ASK_CODE, show);
      assert.equal(mine[0].details?.askAction, "block", show);
      assert.match(mine[0].message, /Blocked by policy/, show);
    }));
});
