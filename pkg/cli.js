// `openclaw agent-ops …` (issue 17 item 7): the CLI ships with the plugin. OpenClaw parses
// nothing here: the arguments go to the core's CLI (the Rust code of the native `agent-ops`
// binary, compiled into the same wasm) with the plugin's host for all file I/O, and its output
// and exit status are passed back. The command's description is the manifest's `cliCommands`
// row, which the core generates.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The `cliCommands` rows of the manifest (one: `agent-ops`). */
function descriptors() {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(HERE, "openclaw.plugin.json"), "utf8"));
    return Array.isArray(m.cliCommands) ? m.cliCommands : [];
  } catch {
    return [];
  }
}

/** The arguments after `agent-ops` exactly as typed (`--` included), else commander's. */
function rawArgs(parsed) {
  const i = process.argv.indexOf("agent-ops", 2);
  return i >= 0 ? process.argv.slice(i + 1) : parsed;
}

/**
 * Registers `openclaw agent-ops`. `load()` returns `{ glue, host }`: the instantiated wasm
 * module and a host like the plugin's.
 */
export function registerCli(api, load) {
  if (typeof api.registerCli !== "function") return;
  // The command owns stdout (its output is the core's, often piped): OpenClaw's own startup
  // and plugin log lines go to stderr.
  const rows = descriptors().map((d) => ({ ...d, machineOutput: () => true }));
  api.registerCli(({ program, config }) => {
    for (const d of rows) {
      program.command(d.name).description(d.description)
        .helpOption(false).allowUnknownOption(true).allowExcessArguments(true).argument("[args...]")
        .action((args) => {
          const { glue, host } = load();
          const facts = { cwd: process.cwd(), platform: process.platform, program: `openclaw ${d.name}`, pluginDir: HERE };
          let factsJson;
          try { factsJson = JSON.stringify({ ...facts, openclawConfig: config ?? null }); } catch { factsJson = JSON.stringify(facts); }
          const stdinHost = { ...host, readStdin: () => new Uint8Array(fs.readFileSync(0)) };
          const r = JSON.parse(glue.cliRun(stdinHost, JSON.stringify(rawArgs(args ?? [])), factsJson));
          if (r.stdout) process.stdout.write(r.stdout);
          if (r.stderr) process.stderr.write(r.stderr);
          process.exitCode = r.code;
        });
    }
  }, { descriptors: rows });
}
