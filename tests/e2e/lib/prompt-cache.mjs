// Usage the way a caching provider reports it, for the scripted model server (./fake-model.mjs) and the
// cost benchmark (scripts/bench-cost.sh, issue 20 item 4). Enabled by a `caching` block in the script;
// without it the server behaves exactly as before.
//
// Token counting (no tokenizer ships offline: neither OpenClaw's node_modules nor the package lists
// of this machine have a tiktoken-compatible one, so this is a DOCUMENTED APPROXIMATION of cl100k/o200k
// BPE, not a real tokenizer): a text is split into runs of letters, digits, whitespace and single
// other characters; a letter run costs ceil(len / 5) tokens (common words are one token, long
// identifiers split), a digit run ceil(len / 3) (BPE merges at most three digits), one space before
// another token is free (BPE merges " word", " ="), any other whitespace run costs 1, and every other character
// (punctuation, operators, non-ASCII) costs 1. Each message adds 4 tokens of framing and each tool
// definition is counted over its JSON text. On English prose and source code it lands within about
// ±15 % of cl100k; it is deterministic, which is what a benchmark comparing configurations needs.
//
// Prompt cache (the rule the benchmark documents):
//   - A request is a sequence of blocks: the tool definitions, then every message; a message whose
//     content is an array contributes one block per part. Each block prefix has a hash.
//   - Cache READ = the tokens of the longest block prefix that an earlier request (same model) sent
//     and whose entry has not expired. Everything after it is a cache WRITE (the provider stores the
//     whole prompt). Reads and writes both renew the lifetime of every prefix of this request.
//   - Lifetime `ttlMs` (default 300,000 = 5 minutes) on the server's simulated clock: the real clock
//     plus an offset the driver advances (HTTP `POST /control/clock {"advanceMs": N}` or
//     `fm.advanceClock(N)`), so an idle gap longer than the lifetime is simulated without waiting.
//   - Prices in USD per million tokens from `caching.price` {input, output, cacheRead, cacheWrite};
//     a missing cacheRead/cacheWrite is `input × readMultiplier` (default 0.1) / `input ×
//     writeMultiplier` (default 1.25), the Anthropic ratios. The same table goes into OpenClaw's
//     `models.providers.<p>.models[].cost` so OpenClaw's own accounting sees the same prices.
//   - Reported as OpenAI-compatible usage: prompt_tokens = all input tokens (uncached + read +
//     written), prompt_tokens_details.cached_tokens = read, prompt_tokens_details.cache_write_tokens =
//     written (the fields OpenClaw's openai-completions parser reads), plus `cost_usd` for the log.

import crypto from "node:crypto";

/** Approximate BPE token count of a text (see the header for the rule). */
export function countTokens(text) {
  const s = String(text ?? "");
  let n = 0;
  const re = /[A-Za-z]+|[0-9]+|\s+|[^A-Za-z0-9\s]/g;
  let m;
  while ((m = re.exec(s)) !== null) {
    const t = m[0];
    const c = t.charCodeAt(0);
    const isLetter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    const isDigit = c >= 48 && c <= 57;
    if (isLetter) {
      n += Math.ceil(t.length / 5);
    } else if (isDigit) {
      n += Math.ceil(t.length / 3);
    } else if (/^\s+$/.test(t)) {
      // " word", " =": a single space merges with the token that follows it.
      const follows = re.lastIndex < s.length;
      if (!(t === " " && follows)) n += 1;
    } else {
      n += 1;
    }
  }
  return n;
}

const MESSAGE_FRAMING_TOKENS = 4;

function partText(p) {
  if (typeof p === "string") return p;
  if (p && typeof p.text === "string") return p.text;
  return JSON.stringify(p ?? null);
}

/** Blocks of a chat-completions request body: [{key, tokens}] in prompt order. */
export function requestBlocks(body) {
  const blocks = [];
  const tools = Array.isArray(body?.tools) ? body.tools : [];
  if (tools.length > 0) {
    const text = JSON.stringify(tools);
    blocks.push({ key: `tools\u0000${text}`, tokens: countTokens(text) });
  }
  for (const m of Array.isArray(body?.messages) ? body.messages : []) {
    const head = JSON.stringify({ role: m?.role, name: m?.name, tool_call_id: m?.tool_call_id, tool_calls: m?.tool_calls });
    const headTokens = MESSAGE_FRAMING_TOKENS + (Array.isArray(m?.tool_calls) ? countTokens(JSON.stringify(m.tool_calls)) : 0);
    const c = m?.content;
    if (Array.isArray(c) && c.length > 0) {
      c.forEach((p, i) => {
        const text = partText(p);
        blocks.push({ key: `${i === 0 ? head : "+"}\u0000${text}`, tokens: (i === 0 ? headTokens : 0) + countTokens(text) });
      });
    } else {
      const text = c == null ? "" : typeof c === "string" ? c : partText(c);
      blocks.push({ key: `${head}\u0000${text}`, tokens: headTokens + countTokens(text) });
    }
  }
  return blocks;
}

/** Price table with the documented defaults filled in (USD per million tokens). */
export function priceTable(caching = {}) {
  const p = caching.price ?? {};
  const input = p.input ?? 3;
  return {
    input,
    output: p.output ?? 15,
    cacheRead: p.cacheRead ?? input * (caching.readMultiplier ?? 0.1),
    cacheWrite: p.cacheWrite ?? input * (caching.writeMultiplier ?? 1.25),
  };
}

/** Dollars of one call's usage {input (uncached), cacheRead, cacheWrite, output} under `price`. */
export function costUsd(u, price) {
  return (u.input * price.input + u.cacheRead * price.cacheRead + u.cacheWrite * price.cacheWrite + u.output * price.output) / 1e6;
}

/**
 * The simulated provider-side prompt cache of one server. `now()` is the simulated clock in ms.
 * `account(model, body)` returns {promptTokens, cacheRead, cacheWrite, input} and updates the cache.
 */
export function createPromptCache({ ttlMs = 300_000, now = () => Date.now() } = {}) {
  const entries = new Map(); // prefix hash -> expiry (simulated ms)
  return {
    account(model, body) {
      const t = now();
      const blocks = requestBlocks(body);
      const h = crypto.createHash("sha256");
      h.update(String(model ?? ""));
      let total = 0;
      let read = 0;
      const hashes = [];
      for (const b of blocks) {
        h.update("\u0001");
        h.update(b.key);
        const digest = h.copy().digest("hex");
        total += b.tokens;
        hashes.push(digest);
        const exp = entries.get(digest);
        if (exp !== undefined && exp > t && read === total - b.tokens) read = total;
      }
      for (const d of hashes) entries.set(d, t + ttlMs);
      // Forget what expired long ago, so a long session does not grow the map without bound.
      if (entries.size > 50_000) for (const [k, exp] of entries) if (exp <= t) entries.delete(k);
      return { promptTokens: total, cacheRead: read, cacheWrite: total - read, input: 0 };
    },
  };
}
