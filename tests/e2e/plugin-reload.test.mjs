// OC-R7 in the real gateway: after the plugin's files are replaced by a new build (what a
// re-install or a rebuild does: same path, new wasm file) and `openclaw plugins reload
// agent-ops` runs against the running gateway, the new wasm takes over. The running core lives
// in a process-wide singleton that outlives OpenClaw's module copies, so before this change it
// kept the old wasm until the gateway restarted.
//
// The "new build" is the installed wasm with a custom section appended (a build id OpenClaw
// and the core ignore): a different file of the same code, so the test needs one build only.
// The version string is the wasm identity the plugin logs when it replaces the core
// (`core.reloaded: a new wasm build (<size>:<sha256 prefix>)`): the new file's appear there, and
// a command answered afterwards runs on the new instance. Copies of the same build (OpenClaw
// copies plugin files at run time) never replace the running core: before the new file, the log
// has no core.reloaded line.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { checkPrerequisites, createScenario, withDiagnostics, scaled, PLUGIN_DIR } from "./lib/harness.mjs";
import { phase4Config } from "./lib/scripts.mjs";

const TIMEOUT = scaled(300_000);

/** A wasm custom section named `name` with `data` (LEB128 sizes). */
function customSection(name, data) {
  const leb = (n) => { const out = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n); return out; };
  const nameBytes = Buffer.from(name), body = Buffer.concat([Buffer.from(leb(nameBytes.length)), nameBytes, Buffer.from(data)]);
  return Buffer.concat([Buffer.from([0]), Buffer.from(leb(body.length)), body]);
}

describe("OC-R7: a reloaded plugin runs the new wasm", () => {
  let s;
  let copy;
  before(async () => {
    checkPrerequisites();
    // The plugin is loaded from a copy, so the test can replace its wasm.
    const dir = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR || "/tmp"), "agent-ops-reload-"));
    copy = path.join(dir, "plugin");
    fs.cpSync(PLUGIN_DIR, copy, { recursive: true, filter: (p) => !p.endsWith(".tgz") });
    s = await createScenario({ name: "reload", pluginConfig: phase4Config(), plugin: { loadPath: copy } });
    await withDiagnostics(s, () => s.startGateway());
  }, { timeout: TIMEOUT });
  after(async () => {
    if (s) await s.cleanup({ failed: s.failed });
    if (copy) fs.rmSync(path.dirname(copy), { recursive: true, force: true });
  });

  test("oc_r7_e2e_plugins_reload_replaces_the_running_wasm", { timeout: TIMEOUT }, () =>
    withDiagnostics(s, async () => {
      await s.runCommand({ command: "/agent-ops status", expect: "agent-ops" });
      const reloads = () => [...fs.readFileSync(s.openclawLog, "utf8").matchAll(/core\.reloaded: a new wasm build \((\d+):([0-9a-f]+)\)/g)];
      assert.equal(reloads().length, 0, `the core was replaced with no new build: ${reloads().map((m) => m[0]).join(" | ")}`);
      const wasm = path.join(copy, "wasm", "agent_ops_bg.wasm");
      const before = fs.statSync(wasm).size;
      const buildId = `e2e-build-${crypto.randomBytes(4).toString("hex")}`;
      // A new file at the same path (write + rename, as an install does).
      const tmp = `${wasm}.new`;
      fs.writeFileSync(tmp, Buffer.concat([fs.readFileSync(wasm), customSection("agent-ops.build", Buffer.from(buildId))]));
      fs.renameSync(tmp, wasm);
      const after = fs.statSync(wasm).size;
      assert.ok(after > before);

      const res = await s.runCli(["plugins", "reload", "agent-ops", "--json"], { label: "plugins reload agent-ops" });
      assert.equal(res.code, 0, `plugins reload exited ${res.code}: ${res.stderr}`);
      // The new instance answers commands.
      await s.runCommand({ command: "/agent-ops status", expect: "agent-ops" });
      const m = reloads();
      assert.ok(m.length >= 1, "no core.reloaded line after plugins reload");
      const last = m[m.length - 1];
      assert.equal(Number(last[1]), after, `the reloaded build is not the new file: ${last[0]}`);
      assert.equal(last[2], crypto.createHash("sha256").update(fs.readFileSync(wasm)).digest("hex").slice(0, 16), last[0]);
    }));
});
