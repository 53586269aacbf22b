// Scripted OpenAI-compatible chat-completions server for the end-to-end tests
// (spec/openclaw.md §12.1). Only the LLM is scripted; OpenClaw itself is real.
//
// In-process:
//   import { startFakeModel } from "./fake-model.mjs";
//   const fm = await startFakeModel({ script, logFile });   // fm.baseUrl = "http://127.0.0.1:<port>/v1"
//   ... fm.requests (array of log entries) ... await fm.close();
// CLI:
//   node fake-model.mjs --script s.json --log l.jsonl --port-file p [--port N]
//   (writes the port to the port file once listening; SIGTERM/SIGINT stop it)
//
// Script format (JSON):
//   {
//     "model": "fake-model",                      // id listed by GET /v1/models (default "fake-model")
//     "steps": [                                  // ordered; the first unused step that matches wins
//       { "id": "call-rm",
//         "match": {                              // every given field must hold (all optional)
//           "marker": "E2E-RM-1",                 // substring of the user message(s) of the current turn
//                                                 // (OpenClaw adds an internal-context user message) or system prompt
//           "markerIn": "user"|"system"|"any",    // where to look for the marker (default "any")
//           "turn": "first"|"continue"|"any",     // first model call of a turn, or after tool results
//           "call": 2,                            // 1-based model-call position inside the turn
//           "after": "other-step-id",             // that step must already have been used
//           "toolResultIncludes": "text",         // the last tool message contains this text
//           "tools": "none"|"some"                // the request offers no tools (e.g. a summarizer
//                                                 // call) or at least one (an agent turn)
//         },
//         "times": 1,                             // how often the step may be used (default 1; 0 = unlimited)
//         // exactly one reply kind:
//         "toolCalls": [{ "name": "exec", "arguments": { "command": "ls" } }],   // arguments object or string
//         "text": "The tool said: {{lastToolResult}}",
//         "error": { "status": 500, "body": { "error": { "message": "boom" } } },
//         "usage": { "prompt_tokens": 1000, "completion_tokens": 20 },           // optional
//         "delayMs": 0                                                           // optional; the wait ends
//                                                 // early when the client goes away or the server closes
//                                                 // (logged with "aborted": true, nothing sent), or when
//                                                 // the test calls releaseDelays() (answered as scripted)
//       }
//     ],
//     "fallback": { "text": "..." },              // reply when nothing matches (default: a fixed text)
//     "caching": {                                // optional: report usage like a caching provider
//       "ttlMs": 300000, "price": { "input": 3, "output": 15, "cacheRead": 0.3, "cacheWrite": 3.75 },
//       "readMultiplier": 0.1, "writeMultiplier": 1.25   // used when cacheRead/cacheWrite are absent
//     }                                           // (rule, tokenizer and clock: ./prompt-cache.mjs)
//   }
// With `caching`, a step's explicit `usage` fields still win; the rest come from the simulation.
// Control endpoints (loopback, like the server): POST /control/clock {"advanceMs": N} moves the
// simulated clock of the prompt cache forward (an idle gap without waiting) → {offsetMs};
// GET /control/usage → totals {calls, promptTokens, cacheRead, cacheWrite, output, costUsd}.
// Templates in text and in string tool-call arguments: {{lastToolResult}}, {{toolResults}} (all tool
// messages of the current turn joined by newlines), {{lastUser}}, {{stepId}}, {{requestNo}}.
//
// Every request is appended to the log (JSONL) and to `requests`:
//   { n, at, method, url, model, stream, roles, toolNames, messageCount, turn, call, lastUser,
//     lastTool, toolResults, allToolResults (each clipped to 200 chars), allToolResultChars, systemTail (last 8,000 chars of the system prompt), matched, reply: {kind, ...}, status }

import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createPromptCache, priceTable, costUsd, countTokens } from "./prompt-cache.mjs";

const DEFAULT_FALLBACK_TEXT = "fake-model: no scripted step matched this request.";

/** Text of an OpenAI message `content` (string, array of parts, or null). */
export function contentText(content) {
  if (content == null) return "";
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((p) => (typeof p === "string" ? p : p && typeof p.text === "string" ? p.text : ""))
      .join("");
  }
  if (typeof content === "object" && typeof content.text === "string") return content.text;
  return JSON.stringify(content);
}

function hasToolCalls(m) {
  return m && m.role === "assistant" && Array.isArray(m.tool_calls) && m.tool_calls.length > 0;
}

/**
 * Classify a request: the "turn tail" is everything after the last assistant message without
 * tool calls. No tool message in the tail → first model call of a new turn; otherwise the model
 * continues after tool results. `call` = 1 + number of assistant messages in the tail.
 */
export function analyseMessages(messages) {
  const msgs = Array.isArray(messages) ? messages : [];
  let cut = -1;
  for (let i = msgs.length - 1; i >= 0; i--) {
    if (msgs[i]?.role === "assistant" && !hasToolCalls(msgs[i])) {
      cut = i;
      break;
    }
  }
  const tail = msgs.slice(cut + 1);
  const toolMsgs = tail.filter((m) => m?.role === "tool");
  const turn = toolMsgs.length > 0 ? "continue" : "first";
  const call = 1 + tail.filter((m) => m?.role === "assistant").length;
  // OpenClaw appends its own internal-context user message after the real one, so the "latest user
  // message" is every user message of the current turn (falling back to the last user message).
  let lastUser = tail
    .filter((m) => m?.role === "user")
    .map((m) => contentText(m.content))
    .join("\n");
  if (!lastUser) {
    for (let i = msgs.length - 1; i >= 0; i--) {
      if (msgs[i]?.role === "user") {
        lastUser = contentText(msgs[i].content);
        break;
      }
    }
  }
  const system = msgs
    .filter((m) => m?.role === "system" || m?.role === "developer")
    .map((m) => contentText(m.content))
    .join("\n");
  let lastTool = null;
  for (let i = msgs.length - 1; i >= 0; i--) {
    if (msgs[i]?.role === "tool") {
      lastTool = contentText(msgs[i].content);
      break;
    }
  }
  return {
    turn,
    call,
    lastUser,
    system,
    lastTool,
    toolResults: toolMsgs.map((m) => contentText(m.content)),
    allToolResults: msgs.filter((m) => m?.role === "tool").map((m) => contentText(m.content)),
    roles: msgs.map((m) => m?.role),
  };
}

function render(template, vars) {
  return String(template).replace(/\{\{\s*(\w+)\s*\}\}/g, (all, name) =>
    Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name] ?? "") : all,
  );
}

function renderDeep(value, vars) {
  if (typeof value === "string") return render(value, vars);
  if (Array.isArray(value)) return value.map((v) => renderDeep(v, vars));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderDeep(v, vars)]));
  }
  return value;
}

function stepMatches(step, info, used) {
  const m = step.match ?? {};
  if (m.marker != null) {
    const where = m.markerIn ?? "any";
    const inUser = info.lastUser.includes(m.marker);
    const inSystem = info.system.includes(m.marker);
    if (where === "user" && !inUser) return false;
    if (where === "system" && !inSystem) return false;
    if (where === "any" && !inUser && !inSystem) return false;
  }
  if (m.turn && m.turn !== "any" && m.turn !== info.turn) return false;
  if (m.call != null && m.call !== info.call) return false;
  if (m.after != null && !(used.get(m.after) > 0)) return false;
  if (m.toolResultIncludes != null && !(info.lastTool ?? "").includes(m.toolResultIncludes)) return false;
  if (m.tools === "none" && info.toolCount > 0) return false;
  if (m.tools === "some" && !(info.toolCount > 0)) return false;
  return true;
}

function estimateTokens(body) {
  return Math.max(1, Math.ceil(JSON.stringify(body?.messages ?? []).length / 4));
}

/**
 * Start the server. Options: script (object), logFile (path, optional), port (default 0 = free),
 * host (default 127.0.0.1; only loopback is allowed), quiet.
 */
export async function startFakeModel({ script = {}, logFile, port = 0, host = "127.0.0.1" } = {}) {
  if (host !== "127.0.0.1" && host !== "::1" && host !== "localhost") {
    throw new Error(`fake-model: refusing to bind to non-loopback host ${host}`);
  }
  let current = normaliseScript(script);
  const used = new Map();
  const requests = [];
  let n = 0;
  let chunkNo = 0;
  let callNo = 0;
  // Simulated clock of the prompt cache (real time + offset), its cache and running totals.
  let clockOffsetMs = 0;
  const simNow = () => Date.now() + clockOffsetMs;
  let promptCache = createPromptCache({ ttlMs: current.caching?.ttlMs ?? 300_000, now: simNow });
  const totals = { calls: 0, promptTokens: 0, cacheRead: 0, cacheWrite: 0, output: 0, costUsd: 0 };
  const advanceClock = (ms) => {
    const d = Number(ms);
    if (Number.isFinite(d) && d > 0) clockOffsetMs += d;
    return clockOffsetMs;
  };
  if (logFile) {
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    fs.writeFileSync(logFile, "");
  }
  const record = (entry) => {
    requests.push(entry);
    if (logFile) fs.appendFileSync(logFile, JSON.stringify(entry) + "\n");
  };

  const sockets = new Set();
  // Scripted delays in progress: each ends when its time is up, its client hangs up (a killed
  // gateway), or the server closes, so a long "still thinking" step never outlives its test.
  let closing = false;
  // `waiting` holds the log entry of each request inside its delay (see `pending()`).
  const delays = new Set();
  const waiting = new Set();
  const delay = (ms, res, entry) =>
    new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        res.off("close", end);
        delays.delete(end);
        waiting.delete(entry);
        resolve();
      };
      const timer = setTimeout(end, ms);
      res.once("close", end);
      delays.add(end);
      waiting.add(entry);
    });
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      handle(req, res, Buffer.concat(chunks).toString("utf8")).catch((err) => {
        try {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: { message: String(err?.stack ?? err) } }));
        } catch {
          /* response already sent */
        }
      });
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });

  async function handle(req, res, raw) {
    const no = ++n;
    const url = new URL(req.url, "http://x");
    const p = url.pathname.replace(/\/+$/, "");
    const base = { n: no, at: new Date().toISOString(), method: req.method, url: req.url };
    if (req.method === "GET" && (p === "/v1/models" || p === "/models")) {
      record({ ...base, kind: "models", status: 200 });
      sendJson(res, 200, { object: "list", data: [{ id: current.model, object: "model", owned_by: "agent-ops-e2e" }] });
      return;
    }
    if (req.method === "POST" && p === "/control/clock") {
      let advanceMs = 0;
      try {
        advanceMs = Number(JSON.parse(raw || "{}").advanceMs ?? 0);
      } catch {
        /* treated as 0 */
      }
      const offsetMs = advanceClock(advanceMs);
      record({ ...base, kind: "control", status: 200, advanceMs, offsetMs });
      sendJson(res, 200, { offsetMs });
      return;
    }
    if (req.method === "GET" && p === "/control/usage") {
      sendJson(res, 200, { ...totals });
      return;
    }
    if (req.method !== "POST" || !(p === "/v1/chat/completions" || p === "/chat/completions")) {
      record({ ...base, kind: "unknown", status: 404 });
      sendJson(res, 404, {});
      return;
    }
    let body;
    try {
      body = JSON.parse(raw || "{}");
    } catch (err) {
      record({ ...base, kind: "chat", status: 400, error: "invalid JSON body" });
      sendJson(res, 400, { error: { message: "invalid JSON body" } });
      return;
    }
    const info = analyseMessages(body.messages);
    const toolNames = Array.isArray(body.tools)
      ? body.tools.map((t) => t?.function?.name ?? t?.name).filter(Boolean)
      : [];
    info.toolCount = toolNames.length;
    let step = null;
    for (const s of current.steps) {
      const times = s.times ?? 1;
      if (times !== 0 && (used.get(s.id) ?? 0) >= times) continue;
      if (stepMatches(s, info, used)) {
        step = s;
        break;
      }
    }
    if (step) used.set(step.id, (used.get(step.id) ?? 0) + 1);
    const reply = step ?? { id: null, ...current.fallback };
    const vars = {
      lastToolResult: info.lastTool ?? "",
      toolResults: info.toolResults.join("\n"),
      lastUser: info.lastUser,
      stepId: reply.id ?? "",
      requestNo: no,
    };
    const entry = {
      ...base,
      kind: "chat",
      model: body.model,
      stream: body.stream === true,
      roles: info.roles,
      messageCount: info.roles.length,
      toolNames,
      turn: info.turn,
      call: info.call,
      lastUser: info.lastUser.slice(-2000),
      lastTool: info.lastTool,
      toolResults: info.toolResults,
      // Every tool message of the request (earlier turns too), clipped: what the model was shown.
      allToolResults: info.allToolResults.map((t) => t.slice(0, 200)),
      allToolResultChars: info.allToolResults.map((t) => t.length),
      // The end of the system prompt, where plugins' appended system context lands.
      systemTail: info.system.slice(-8000),
      matched: step ? step.id : null,
    };
    if (reply.delayMs) {
      await delay(reply.delayMs, res, entry);
      if (res.destroyed || closing) {
        record({ ...entry, aborted: true });
        return;
      }
    }

    if (reply.error) {
      const status = reply.error.status ?? 500;
      record({ ...entry, status, reply: { kind: "error", status } });
      sendJson(res, status, reply.error.body ?? { error: { message: `fake-model scripted error ${status}`, type: "server_error" } });
      return;
    }
    const usageIn = reply.usage ?? {};
    // A caching provider's accounting (./prompt-cache.mjs); explicit step usage still wins.
    const cached = current.caching ? promptCache.account(body.model ?? current.model, body) : null;
    const prompt_tokens = usageIn.prompt_tokens ?? cached?.promptTokens ?? estimateTokens(body);
    const completion_tokens = usageIn.completion_tokens ?? (cached ? completionTokens(reply) : 16);
    const usage = {
      prompt_tokens,
      completion_tokens,
      total_tokens: usageIn.total_tokens ?? prompt_tokens + completion_tokens,
    };
    if (usageIn.cached_tokens != null) usage.prompt_tokens_details = { cached_tokens: usageIn.cached_tokens };
    else if (cached) {
      const read = Math.min(cached.cacheRead, prompt_tokens);
      const write = Math.min(cached.cacheWrite, prompt_tokens - read);
      usage.prompt_tokens_details = { cached_tokens: read, cache_write_tokens: write };
      const u = { input: prompt_tokens - read - write, cacheRead: read, cacheWrite: write, output: completion_tokens };
      const dollars = costUsd(u, priceTable(current.caching));
      totals.calls += 1;
      totals.promptTokens += prompt_tokens;
      totals.cacheRead += read;
      totals.cacheWrite += write;
      totals.output += completion_tokens;
      totals.costUsd += dollars;
      entry.cache = { ...u, costUsd: dollars, clockOffsetMs };
    }
    const created = Math.floor(Date.now() / 1000);
    const id = `chatcmpl-${no}`;
    const model = body.model ?? current.model;
    let toolCalls = null;
    let text = null;
    if (Array.isArray(reply.toolCalls) && reply.toolCalls.length > 0) {
      toolCalls = reply.toolCalls.map((tc) => {
        const args = renderDeep(tc.arguments ?? {}, vars);
        return {
          id: tc.id ?? `call_${++callNo}`,
          name: tc.name,
          arguments: typeof args === "string" ? args : JSON.stringify(args),
        };
      });
    } else {
      text = render(reply.text ?? DEFAULT_FALLBACK_TEXT, vars);
    }
    record({
      ...entry,
      status: 200,
      reply: toolCalls
        ? { kind: "tool_calls", toolCalls: toolCalls.map(({ id: tid, name, arguments: a }) => ({ id: tid, name, arguments: a })) }
        : { kind: "text", text },
      usage,
    });

    if (body.stream === true) {
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        connection: "keep-alive",
      });
      const send = (obj) => res.write(`data: ${JSON.stringify(obj)}\n\n`);
      const chunk = (choices, extra = {}) => ({ id, object: "chat.completion.chunk", created, model, choices, ...extra });
      chunkNo++;
      if (toolCalls) {
        send(chunk([{
          index: 0,
          delta: {
            role: "assistant",
            content: null,
            tool_calls: toolCalls.map((tc, i) => ({ index: i, id: tc.id, type: "function", function: { name: tc.name, arguments: "" } })),
          },
          finish_reason: null,
        }]));
        send(chunk([{
          index: 0,
          delta: { tool_calls: toolCalls.map((tc, i) => ({ index: i, function: { arguments: tc.arguments } })) },
          finish_reason: null,
        }]));
        send(chunk([{ index: 0, delta: {}, finish_reason: "tool_calls" }]));
      } else {
        send(chunk([{ index: 0, delta: { role: "assistant", content: text }, finish_reason: null }]));
        send(chunk([{ index: 0, delta: {}, finish_reason: "stop" }]));
      }
      send(chunk([], { usage }));
      res.write("data: [DONE]\n\n");
      res.end();
      return;
    }
    const message = toolCalls
      ? {
          role: "assistant",
          content: null,
          tool_calls: toolCalls.map((tc) => ({ id: tc.id, type: "function", function: { name: tc.name, arguments: tc.arguments } })),
        }
      : { role: "assistant", content: text };
    sendJson(res, 200, {
      id,
      object: "chat.completion",
      created,
      model,
      choices: [{ index: 0, message, finish_reason: toolCalls ? "tool_calls" : "stop" }],
      usage,
    });
  }

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const actualPort = server.address().port;
  const hostForUrl = host.includes(":") ? `[${host}]` : host;
  return {
    port: actualPort,
    url: `http://${hostForUrl}:${actualPort}`,
    baseUrl: `http://${hostForUrl}:${actualPort}/v1`,
    requests,
    /** Log entries of chat requests only. */
    chatRequests: () => requests.filter((r) => r.kind === "chat"),
    /** Replace the script (step usage counters are reset). */
    setScript(next) {
      current = normaliseScript(next);
      used.clear();
      promptCache = createPromptCache({ ttlMs: current.caching?.ttlMs ?? 300_000, now: simNow });
    },
    /** Requests inside their scripted delay right now (log entries; not in `requests` until they end). */
    pending: () => [...waiting],
    /** Ends every scripted delay in progress now: each of those requests is answered as scripted
     * (a job held until the test has done what must happen while it runs). */
    releaseDelays() {
      for (const end of [...delays]) end();
    },
    /** Move the prompt cache's simulated clock forward by `ms` (an idle gap); returns the offset. */
    advanceClock,
    /** Running totals of the caching simulation (zeros without `caching`). */
    usageTotals: () => ({ ...totals }),
    /** How often each step id was used. */
    usedSteps: () => Object.fromEntries(used),
    close() {
      closing = true;
      return new Promise((resolve) => {
        for (const end of [...delays]) end();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      });
    },
  };
}

function normaliseScript(script) {
  const s = script ?? {};
  const steps = Array.isArray(s.steps) ? s.steps : [];
  const ids = new Set();
  const out = steps.map((st, i) => {
    const id = st.id ?? `step-${i + 1}`;
    if (ids.has(id)) throw new Error(`fake-model: duplicate step id ${id}`);
    ids.add(id);
    const kinds = ["toolCalls", "text", "error"].filter((k) => st[k] != null);
    if (kinds.length !== 1) throw new Error(`fake-model: step ${id} needs exactly one of toolCalls, text, error`);
    return { ...st, id };
  });
  return {
    model: s.model ?? "fake-model",
    steps: out,
    fallback: s.fallback ?? { text: DEFAULT_FALLBACK_TEXT },
    caching: s.caching ?? null,
  };
}

/** Output tokens of a scripted reply under the caching simulation: its text or tool-call JSON. */
function completionTokens(reply) {
  if (Array.isArray(reply.toolCalls) && reply.toolCalls.length > 0) return Math.max(1, countTokens(JSON.stringify(reply.toolCalls)));
  return Math.max(1, countTokens(reply.text ?? DEFAULT_FALLBACK_TEXT));
}

function sendJson(res, status, obj) {
  const data = JSON.stringify(obj);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(data) });
  res.end(data);
}

/** Read a JSONL log written by the server (ignores a torn last line). */
export function readLog(file) {
  let text;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return [];
  }
  const out = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      /* torn line */
    }
  }
  return out;
}

// ---------------------------------------------------------------- CLI
async function cli(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--script" || a === "--log" || a === "--port-file" || a === "--port") args[a.slice(2)] = argv[++i];
    else if (a === "--help" || a === "-h") args.help = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (args.help || !args.script) {
    process.stderr.write("usage: node fake-model.mjs --script s.json [--log l.jsonl] [--port-file p] [--port N]\n");
    process.exit(args.help ? 0 : 2);
  }
  const script = JSON.parse(fs.readFileSync(args.script, "utf8"));
  const fm = await startFakeModel({ script, logFile: args.log, port: args.port ? Number(args.port) : 0 });
  if (args["port-file"]) {
    const tmp = `${args["port-file"]}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, String(fm.port));
    fs.renameSync(tmp, args["port-file"]);
  }
  process.stderr.write(`fake-model listening on ${fm.baseUrl}\n`);
  const stop = () => fm.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`fake-model: ${err?.stack ?? err}\n`);
    process.exit(1);
  });
}
