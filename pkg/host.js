// agent-ops Host (README G-R8) for the Node build of the core: file I/O, locks, exec, clocks,
// randomness and logging with synchronous Node APIs. Every method returns a value; errors are
// HostError JSON, never thrown. Used by the plugin entry (index.js) and its CLI (cli.js).

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";

function hostError(e) {
  const code = e && e.code;
  if (code === "ENOENT" || code === "ENOTDIR") return JSON.stringify({ kind: "NotFound" });
  if (code === "EACCES" || code === "EPERM") return JSON.stringify({ kind: "PermissionDenied" });
  if (code === "EEXIST") return JSON.stringify({ kind: "Locked" });
  return JSON.stringify({ kind: "Io", message: String((e && e.message) || e) });
}
const ok = (v) => JSON.stringify({ ok: v });
const errJson = (e) => `{"error":${hostError(e)}}`;
const kindOf = (st) => (st.isSymbolicLink() ? "symlink" : st.isDirectory() ? "dir" : st.isFile() ? "file" : "other");

/** A lock whose owner was a process on this machine that no longer runs is stale (kill -9). */
function ownerGone(p) {
  try {
    const o = JSON.parse(fs.readFileSync(p, "utf8"));
    if (!o || o.host !== os.hostname() || !Number.isInteger(o.pid) || o.pid === process.pid) return false;
    try { process.kill(o.pid, 0); return false; } catch (e) { return Boolean(e && e.code === "ESRCH"); }
  } catch { return false; }
}

/** Links a prepared lock file into place, breaking a stale lock. A lock that vanished
 * between the failed link and the look at it is retried, never removed: removing the path
 * then could delete a lock its holder had just taken again (two holders, G-R18). */
function linkLock(tmp, p, ttl) {
  const isStale = (f) => Date.now() - fs.statSync(f).mtimeMs > ttl || ownerGone(f);
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      fs.linkSync(tmp, p);
      return undefined;
    } catch (e) {
      if (!e || e.code !== "EEXIST") return hostError(e);
      let stale;
      try { stale = isStale(p); } catch (x) { if (x && x.code === "ENOENT") continue; stale = true; }
      if (!stale) return JSON.stringify({ kind: "Locked" });
      // Rename aside (one breaker wins); link back what turns out to be fresh.
      const aside = `${p}.stale-${process.pid}-${crypto.randomBytes(4).toString("hex")}`;
      try { fs.renameSync(p, aside); } catch { continue; }
      let still = true;
      try { still = isStale(aside); } catch { /* unreadable: stale */ }
      if (!still) { try { fs.linkSync(aside, p); } catch { /* held by another by now */ } }
      try { fs.unlinkSync(aside); } catch { /* gone */ }
    }
  }
  return JSON.stringify({ kind: "Locked" });
}

/** Identity of the wasm build next to `gluePath` (`<name>_bg.wasm`), by content: a re-installed
 * or rebuilt plugin has a new one even at the same path (OC-R7), while the copies of one build
 * OpenClaw makes at run time (other paths, other inodes) share it and keep the running core. */
export function wasmStamp(gluePath) {
  try { const b = fs.readFileSync(gluePath.replace(/\.js$/, "_bg.wasm")); return `${b.length}:${crypto.createHash("sha256").update(b).digest("hex").slice(0, 16)}`; } catch { return null; }
}

/** The Host for a core of `rt` (the plugin's singleton state: `infoJson`, `logger`). */
export function makeHost(rt) {
  return {
    fsRead(p, max) {
      try {
        const st = fs.statSync(p);
        if (st.size > max) return JSON.stringify({ kind: "TooLarge" });
        const b = fs.readFileSync(p);
        return b.length > max ? JSON.stringify({ kind: "TooLarge" }) : new Uint8Array(b.buffer, b.byteOffset, b.length);
      } catch (e) { return hostError(e); }
    },
    fsWriteAtomic(p, bytes, mode) {
      const dir = path.dirname(p);
      const tmp = path.join(dir, `.${path.basename(p)}.tmp-${crypto.randomBytes(6).toString("hex")}`);
      try {
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        const fd = fs.openSync(tmp, "wx", mode);
        try { fs.writeSync(fd, bytes); fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
        fs.renameSync(tmp, p);
        try { const d = fs.openSync(dir, "r"); try { fs.fsyncSync(d); } finally { fs.closeSync(d); } } catch { /* directory fsync unsupported */ }
        return undefined;
      } catch (e) {
        try { fs.unlinkSync(tmp); } catch { /* not created */ }
        return hostError(e);
      }
    },
    fsAppendLine(p, line, fsync) {
      try {
        fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o700 });
        const fd = fs.openSync(p, "a+", 0o600);
        try {
          // G-R17: a torn last line (a writer killed mid-line) gets its newline in this write.
          const size = fs.fstatSync(fd).size, last = Buffer.alloc(1);
          const torn = size > 0 && fs.readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 10;
          // One write: a short one (a full disk) must not report a record that is not there.
          const buf = Buffer.from((torn ? "\n" : "") + line + "\n");
          const n = fs.writeSync(fd, buf);
          if (n !== buf.length) return JSON.stringify({ kind: "Io", message: `short append: ${n} of ${buf.length}` });
          if (fsync) fs.fsyncSync(fd);
        } finally { fs.closeSync(fd); }
        return undefined;
      } catch (e) { return hostError(e); }
    },
    fsList(dir, max) {
      try {
        const entries = [];
        let truncated = false;
        for (const name of fs.readdirSync(dir)) {
          if (entries.length >= max) { truncated = true; break; }
          try {
            const st = fs.lstatSync(path.join(dir, name));
            entries.push({ name, kind: kindOf(st), size: st.size, mtimeMs: Math.floor(st.mtimeMs) });
          } catch { /* vanished while listing */ }
        }
        return ok({ entries, truncated });
      } catch (e) { return errJson(e); }
    },
    fsStat(p) {
      try { const st = fs.lstatSync(p); return ok({ kind: kindOf(st), size: st.size, mtimeMs: Math.floor(st.mtimeMs) }); }
      catch (e) { return errJson(e); }
    },
    fsRemove(p) {
      try { fs.unlinkSync(p); return undefined; } catch (e) { return e && e.code === "ENOENT" ? undefined : hostError(e); }
    },
    fsLock(p, ttl) {
      const body = JSON.stringify({ pid: process.pid, host: os.hostname(), acquiredAt: Date.now() });
      // The lock appears with its content or not at all (temp file, then link), so a kill
      // never leaves an empty lock nobody can prove stale.
      const tmp = path.join(path.dirname(p), `.${path.basename(p)}.lock-${process.pid}-${crypto.randomBytes(4).toString("hex")}`);
      try {
        fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o700 });
        fs.writeFileSync(tmp, body, { mode: 0o600, flag: "wx" });
      } catch (e) { return hostError(e); }
      try { return linkLock(tmp, p, ttl); } finally { try { fs.unlinkSync(tmp); } catch { /* gone */ } }
    },
    fsUnlock(p) {
      try { fs.unlinkSync(p); return undefined; } catch (e) { return e && e.code === "ENOENT" ? undefined : hostError(e); }
    },
    resolveDirs() {
      const info = rt.infoJson ? JSON.parse(rt.infoJson) : {};
      return ok({ homeDir: os.homedir(), workspaceDir: info.workspaceDir || process.cwd(), openclawStateDir: info.openclawStateDir || "" });
    },
    exec(argvJson, cwd, timeout, max) {
      try {
        const [cmd, ...args] = JSON.parse(argvJson);
        const r = spawnSync(cmd, args, { cwd: cwd || undefined, timeout, maxBuffer: max, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        if (r.error && r.error.code !== "ETIMEDOUT") return errJson(r.error);
        return ok({ status: r.status ?? -1, stdout: (r.stdout || "").slice(0, max), stderr: (r.stderr || "").slice(0, max), timedOut: Boolean(r.error && r.error.code === "ETIMEDOUT") });
      } catch (e) { return errJson(e); }
    },
    nowMs: () => Date.now(),
    monotonicMs: () => performance.now(),
    env: (name) => process.env[name],
    random: (n) => new Uint8Array(crypto.randomBytes(n)),
    log(level, code, message) { log(rt, level, `${code}: ${message}`); },
    nfc: (text) => String(text).normalize("NFC"),
    tzOffset(zone, atMs) {
      // Minutes east of UTC of an IANA zone at an instant: the zone's wall clock read back as UTC.
      try {
        const f = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
        const p = Object.fromEntries(f.formatToParts(new Date(atMs)).map((x) => [x.type, Number(x.value)]));
        return Math.round((Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(atMs / 1000) * 1000) / 60000);
      } catch { return undefined; }
    },
  };
}

/** A line for OpenClaw's plugin logger (stderr when there is none and it matters). */
export function log(rt, level, text) {
  const l = rt.logger;
  const fn = l && (l[level] || l.info);
  if (typeof fn === "function") fn.call(l, `[agent-ops] ${text}`);
  else if (level === "error" || level === "warn") console.error(`[agent-ops] ${text}`);
}

/**
 * Ends a run the core stopped (issue 20: a dollar cap, an identical-call or cycle block): OpenClaw's
 * own abort of the session's active embedded run. The fallback only: the core first closes the
 * model's answer without its tool calls (`live` below), which ends the run cleanly; an abort
 * leaves the turn open in the transcript and the CLI reports the run as failed.
 */
export function abortRun(rt, { payload: p }) {
  if (!p?.sessionId) {
    log(rt, "warn", `budget.abort_failed: run ${p?.runId} has no session id; it is stopped at its next tool call instead`);
    return;
  }
  import("openclaw/plugin-sdk/agent-harness-runtime")
    .then((m) => {
      const ok = typeof m.abortAgentHarnessRun === "function" && m.abortAgentHarnessRun(p.sessionId);
      log(rt, ok ? "info" : "warn", `budget.run_${ok ? "ended" : "abort_failed"}: run ${p.runId} of ${p.sessionKey} (${p.code})${ok ? "" : ": no active run to abort"}`);
    })
    .catch((e) => log(rt, "warn", `budget.abort_failed: ${e?.message || e}`));
}

/**
 * A rewrite the core marked `live` (issue 20: the closing answer of a run a stop ends, in
 * `before_message_write`) also applies to the message object OpenClaw handed the hook: its agent
 * loop reads that object after the write, so the run ends on the rewritten answer instead of
 * running the dropped tool calls. Other answers pass unchanged.
 */
export function live(event, ret) {
  if (!ret || ret.live !== true) return ret;
  const { live: _live, ...out } = ret;
  const m = event?.message;
  if (out.message && m && typeof m === "object") {
    for (const k of Object.keys(m)) if (!(k in out.message)) delete m[k];
    Object.assign(m, out.message);
    out.message = m;
  }
  return out;
}

