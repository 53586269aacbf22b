#!/usr/bin/env node
// agent-ops-install: installs the plugin so that OpenClaw loads it, or says loudly that it does
// not (issue 17). Every step goes through OpenClaw's own CLI, so OPENCLAW_STATE_DIR,
// OPENCLAW_CONFIG_PATH, config includes and a running gateway are handled the way OpenClaw
// handles them; this file only decides what to ask for and checks what OpenClaw reports.
//
//   agent-ops-install [<plugin.tgz | plugin dir>]   install (default: this package), configure, verify
//   agent-ops-install --check                       verify only: exit 1 unless OpenClaw loads agent-ops
//
// Environment: OPENCLAW_BIN  the OpenClaw CLI to run (default `openclaw` on PATH; a .mjs/.js
//              path runs with this Node).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ID = "agent-ops";
const HERE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const USAGE = `usage: agent-ops-install [<plugin.tgz | plugin dir>] [--check]

Installs agent-ops into OpenClaw (\`openclaw plugins install\`), enables and allows it, turns on
conversation access, selects it as context engine and compaction provider, then checks with
\`openclaw plugins inspect ${ID} --runtime\` and \`openclaw plugins doctor\` that OpenClaw loads it.
Without a source it installs the package it ships in. --check only verifies. Run it again at
any time: the result is the same.

Environment: OPENCLAW_BIN (the OpenClaw CLI, default \`openclaw\`), OPENCLAW_STATE_DIR and
OPENCLAW_CONFIG_PATH (passed on to OpenClaw).`;

function say(msg) {
  process.stdout.write(`[agent-ops-install] ${msg}\n`);
}

function die(msg) {
  process.stderr.write(`[agent-ops-install] FAILED: ${msg}\n`);
  process.exit(1);
}

/** Runs the OpenClaw CLI; never throws on a non-zero exit. */
function openclaw(args, input) {
  const bin = process.env.OPENCLAW_BIN || "openclaw";
  const [cmd, argv] = /\.(m?js|cjs)$/.test(bin) ? [process.execPath, [bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: "utf8", input, env: process.env, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) die(`cannot run ${bin}: ${r.error.message} (install OpenClaw or set OPENCLAW_BIN)`);
  return { code: r.status ?? 1, stdout: r.stdout || "", stderr: r.stderr || "" };
}

/** The JSON document in a CLI's stdout (plugin log lines may precede it). */
function json(out) {
  const i = out.indexOf("{");
  if (i < 0) return null;
  try {
    return JSON.parse(out.slice(i));
  } catch {
    return null;
  }
}

function tail(r) {
  return `${r.stdout}\n${r.stderr}`.trim().split("\n").slice(-15).join("\n");
}

/** A plugin directory or npm-pack tarball that holds a built agent-ops. */
function checkSource(src) {
  if (!fs.existsSync(src)) die(`${src} does not exist`);
  if (fs.statSync(src).isDirectory()) {
    let manifest = null;
    try {
      manifest = JSON.parse(fs.readFileSync(path.join(src, "openclaw.plugin.json"), "utf8"));
    } catch {
      die(`${src} has no readable openclaw.plugin.json: not a plugin directory`);
    }
    if (manifest.id !== ID) die(`${src} holds plugin "${manifest.id}", not ${ID}`);
    if (!fs.existsSync(path.join(src, "wasm", "agent_ops_bg.wasm"))) {
      die(`${src} has no wasm/agent_ops_bg.wasm: build it first (bash scripts/build.sh --pack)`);
    }
  } else if (!/\.(tgz|tar\.gz)$/.test(src)) {
    die(`${src} is neither a plugin directory nor an npm-pack tarball (.tgz)`);
  }
  return src;
}

/** What OpenClaw says about the plugin, and every reason it is not protecting. */
function verify() {
  const problems = [];
  const r = openclaw(["plugins", "inspect", ID, "--runtime", "--json"]);
  const report = json(r.stdout);
  if (r.code !== 0 || !report || !report.plugin) {
    return { problems: [`\`openclaw plugins inspect ${ID} --runtime\` exited ${r.code}: ${tail(r)}`], report };
  }
  const p = report.plugin;
  const diags = report.diagnostics || [];
  const untracked = diags.find((d) => /can't verify where this plugin came from/.test(String(d.message)));
  if (!report.install && !(p.trust && p.trust.installSource)) {
    problems.push(
      `${p.rootDir} is a copied folder, not an OpenClaw install (trust: ${(p.trust && p.trust.reason) || "unknown"}): ` +
        "OpenClaw lists it as enabled but the gateway does not load it" +
        (untracked ? ` ("${untracked.message.split(".")[0]}")` : "") +
        "; commands run unchecked. Install it with this script (it replaces the copy).",
    );
  }
  if (p.status !== "loaded") problems.push(`status is "${p.status}", not "loaded"${p.error ? `: ${p.error}` : ""}`);
  if (p.enabled === false) problems.push(`plugins.entries.${ID}.enabled is not true`);
  for (const d of diags) {
    if (d === untracked) continue;
    if (d.level === "error" || /blocked/i.test(String(d.message))) problems.push(`OpenClaw: ${d.message}`);
  }
  const hooks = (report.typedHooks || []).map((h) => h.name);
  if (!hooks.includes("before_tool_call")) problems.push("no before_tool_call hook: shell commands are not checked");
  return { problems, report, hooks };
}

/** A config value as OpenClaw reads it; undefined when unset. */
function configOf(key) {
  const r = openclaw(["config", "get", key, "--json"]);
  if (r.code !== 0) return undefined;
  try {
    return JSON.parse(r.stdout.trim());
  } catch {
    return json(r.stdout) ?? undefined;
  }
}

function configure() {
  const plugins = configOf("plugins") || {};
  const compaction = configOf("agents.defaults.compaction") || {};
  const patch = {
    plugins: {
      entries: { [ID]: { enabled: true, hooks: { allowConversationAccess: true } } },
      slots: { contextEngine: ID },
    },
    agents: { defaults: { compaction: { provider: ID } } },
  };
  // plugins.allow is exclusive: keep every entry; without a list every plugin may load and
  // creating one would switch the operator's other plugins off.
  if (Array.isArray(plugins.allow) && !plugins.allow.includes(ID)) {
    patch.plugins.allow = [...plugins.allow, ID];
    say(`plugins.allow: adding ${ID} to ${JSON.stringify(plugins.allow)}`);
  }
  const slot = plugins.slots && plugins.slots.contextEngine;
  if (slot && slot !== ID && slot !== "legacy") say(`plugins.slots.contextEngine was "${slot}"; now "${ID}"`);
  if (compaction.provider && compaction.provider !== ID) {
    say(`agents.defaults.compaction.provider was "${compaction.provider}"; now "${ID}"`);
  }
  const r = openclaw(["config", "patch", "--stdin"], JSON.stringify(patch));
  if (r.code !== 0) die(`\`openclaw config patch\` exited ${r.code}:\n${tail(r)}`);
}

function main(argv) {
  let check = false;
  let source = null;
  for (const a of argv) {
    if (a === "--help" || a === "-h") {
      process.stdout.write(`${USAGE}\n`);
      return;
    } else if (a === "--check") check = true;
    else if (a.startsWith("-")) die(`unknown option ${a}\n${USAGE}`);
    else if (source) die(`one source only\n${USAGE}`);
    else source = path.resolve(a);
  }
  const file = openclaw(["config", "file"]);
  say(`OpenClaw config: ${file.stdout.trim().split("\n").pop() || "(unknown)"}`);
  if (!check) {
    const src = checkSource(source || HERE);
    say(`installing ${src}`);
    const inst = openclaw(["plugins", "install", src, "--force", "--accept-capabilities"]);
    if (inst.code !== 0 || !/Installed plugin: agent-ops/.test(inst.stdout)) {
      // OpenClaw does not replace a plugin instance while it has work in flight (for agent-ops
      // a memory job, at most phases.sessionMemory.jobs.timeoutMs); the new files are saved.
      const busy = /still has active retained work/.test(inst.stdout + inst.stderr)
        ? `\nThe new version is saved but the running gateway keeps the old one while agent-ops has work in flight (a memory job ends within phases.sessionMemory.jobs.timeoutMs, 120 s by default). Run \`openclaw plugins reload ${ID}\` once it has finished.`
        : "";
      die(`\`openclaw plugins install\` exited ${inst.code}:\n${tail(inst)}${busy}`);
    }
    configure();
  }
  const { problems, report, hooks } = verify();
  const doctor = openclaw(["plugins", "doctor"]);
  if (doctor.code !== 0) problems.push(`\`openclaw plugins doctor\` exited ${doctor.code}:\n${tail(doctor)}`);
  if (problems.length) {
    die(`OpenClaw does not load ${ID} as it should, so it does not protect:\n- ${problems.join("\n- ")}`);
  }
  const p = report.plugin;
  const unique = new Set(hooks).size;
  say(`OK: ${ID} ${p.version || ""} is loaded by OpenClaw from ${p.rootDir} (install source: ${(report.install && report.install.source) || p.trust.installSource})`);
  say(`OK: ${hooks.length} hooks (${unique} distinct), context engine ${(p.contextEngineIds || []).join(", ") || "none"}, \`openclaw plugins doctor\` passed`);
  say("a running gateway applies this now; otherwise it takes effect at the next `openclaw gateway` start");
}

main(process.argv.slice(2));
