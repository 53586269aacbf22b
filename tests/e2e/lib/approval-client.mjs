// Approval-capable gateway client for the e2e tests (spec/openclaw.md §14.1). Run as a child process
// with the scenario's environment (HOME, OPENCLAW_STATE_DIR, ...), so the device identity and device
// token OpenClaw's GatewayClient creates land in the scenario's temp dir, never in the real home.
//
//   node approval-client.mjs '<json options>'
//   options: {moduleUrl, url, token, sessionKey, message, idempotencyKey}
//
// It connects as ONE operator client (scopes operator.read/write/approvals, caps ["approvals"]),
// starts the run with `chat.send` and stays connected until the run's final `chat` event.
// stdout: one JSON object per line —
//   {type:"hello"} | {type:"sent", result} | {type:"event", event, payload}
//   {type:"resolved", id, decision, result} | {type:"resolve-error", id, decision, error}
//   {type:"final", payload} | {type:"error", message}
// stdin: one JSON object per line — {type:"resolve", id, decision} | {type:"stop"}.
// Exits 0 after the final chat event (or "stop"), 1 on a connect/request error.

import readline from "node:readline";

const opts = JSON.parse(process.argv[2] ?? "{}");
const { GatewayClient } = await import(opts.moduleUrl);

const emit = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
let done = false;
const pending = new Set(); // plugin.approval.resolve requests not answered yet
let client;

async function finish(code) {
  if (done) return;
  done = true;
  try {
    await client?.stopAndWait({ timeoutMs: 5_000 });
  } catch {
    /* closing anyway */
  }
  process.exit(code);
}

client = new GatewayClient({
  url: opts.url,
  token: opts.token,
  clientName: "cli",
  mode: "cli",
  role: "operator",
  scopes: ["operator.read", "operator.write", "operator.approvals"],
  caps: ["approvals"],
  onHelloOk: () => {
    emit({ type: "hello" });
    client
      .request("chat.send", {
        sessionKey: opts.sessionKey,
        message: opts.message,
        idempotencyKey: opts.idempotencyKey,
      })
      .then((result) => emit({ type: "sent", result }))
      .catch((err) => {
        emit({ type: "error", message: `chat.send failed: ${err?.message ?? err}` });
        finish(1);
      });
  },
  onEvent: (e) => {
    if (!e || typeof e.event !== "string") return;
    // Skip the periodic noise; keep everything else for the test and its diagnostics.
    if (e.event === "tick" || e.event === "health" || e.event === "presence") return;
    emit({ type: "event", event: e.event, payload: e.payload ?? null });
    const p = e.payload ?? {};
    if (e.event === "chat" && p.runId === opts.idempotencyKey && ["final", "error", "aborted"].includes(p.state)) {
      emit({ type: "final", payload: p });
      // Let the answers to our own resolve requests arrive (bounded), then disconnect.
      const limit = new Promise((r) => setTimeout(r, 10_000).unref());
      Promise.race([Promise.allSettled([...pending]), limit]).then(() => finish(0));
    }
  },
  onConnectError: (err) => {
    emit({ type: "error", message: `connect failed: ${err?.message ?? err}` });
    finish(1);
  },
  onClose: (code, reason) => {
    if (!done) emit({ type: "event", event: "(closed)", payload: { code, reason } });
  },
});

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  let cmd;
  try {
    cmd = JSON.parse(line);
  } catch {
    return;
  }
  if (cmd.type === "stop") finish(0);
  else if (cmd.type === "resolve") {
    const req = client
      .request("plugin.approval.resolve", { id: cmd.id, decision: cmd.decision })
      .then((result) => emit({ type: "resolved", id: cmd.id, decision: cmd.decision, result: result ?? null }))
      .catch((err) => emit({ type: "resolve-error", id: cmd.id, decision: cmd.decision, error: String(err?.message ?? err) }))
      .finally(() => pending.delete(req));
    pending.add(req);
  }
});
process.on("SIGTERM", () => finish(143));

client.start();
