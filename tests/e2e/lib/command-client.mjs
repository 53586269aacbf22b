// Slash-command client for the e2e tests (spec/openclaw.md §14.6): plugin commands are dispatched
// only through the gateway's `chat.send`; the reply is read back with `chat.history`. Run as a child
// process with the scenario's environment (device identity stays in the scenario's temp dir).
//
//   node command-client.mjs '<json options>'   options: {moduleUrl, url, token, sessionKey, message, idempotencyKey, expect}
//
// stdout: one JSON line {type:"reply", text, history} (text: the newest history entry containing
// `expect`) or {type:"error", message}. Exits 0 on a reply, 1 otherwise (20 s limit, times AGENT_OPS_E2E_TIME_SCALE).

import { scaled } from "./time-scale.mjs";

const opts = JSON.parse(process.argv[2] ?? "{}");
const { GatewayClient } = await import(opts.moduleUrl);
const emit = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
let client;
let done = false;

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

function textsOf(history) {
  const out = [];
  const walk = (v) => {
    if (typeof v === "string") out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(history);
  return out;
}

async function poll() {
  const deadline = Date.now() + scaled(20_000);
  let last = null;
  while (Date.now() < deadline) {
    try {
      last = await client.request("chat.history", { sessionKey: opts.sessionKey, limit: 20 });
      const hit = textsOf(last).filter((t) => t.includes(opts.expect)).pop();
      if (hit) {
        emit({ type: "reply", text: hit });
        return finish(0);
      }
    } catch (err) {
      last = { error: String(err?.message ?? err) };
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  emit({ type: "error", message: `no reply containing ${JSON.stringify(opts.expect)}; last history: ${JSON.stringify(last).slice(0, 2000)}` });
  finish(1);
}

client = new GatewayClient({
  url: opts.url,
  token: opts.token,
  clientName: "cli",
  mode: "cli",
  role: "operator",
  scopes: ["operator.read", "operator.write"],
  onHelloOk: () => {
    client
      .request("chat.send", { sessionKey: opts.sessionKey, message: opts.message, idempotencyKey: opts.idempotencyKey })
      .then(() => poll())
      .catch((err) => {
        emit({ type: "error", message: `chat.send failed: ${err?.message ?? err}` });
        finish(1);
      });
  },
  onConnectError: (err) => {
    emit({ type: "error", message: `connect failed: ${err?.message ?? err}` });
    finish(1);
  },
});
process.on("SIGTERM", () => finish(143));
setTimeout(() => {
  emit({ type: "error", message: "timed out" });
  finish(1);
}, scaled(40_000)).unref();
client.start();
