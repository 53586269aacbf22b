//! The native `agent-ops` command line (README G-R14a, phase 4 §10).
//!
//! `run` is a short match over subcommands; each subcommand parses its own options first and
//! decides second. Exit statuses: 0 ok, 2 usage, 3 I/O, 4 invalid JSONL line, and for
//! `check --exit-code` 10 ask / 20 deny (P4-R47).

mod check;
mod doctor;
mod grants;
mod memory;
mod skills;

use std::io::{BufRead, Write};

/// Exit status for a usage error.
pub const EXIT_USAGE: i32 = 2;
/// Exit status for an I/O error.
pub const EXIT_IO: i32 = 3;

const USAGE: &str = "usage: agent-ops <command> [options]

commands:
  check [--json] [--input lines|jsonl] [--exit-code] [--home DIR] [--cwd DIR] [--workspace DIR]
        [--os linux|macos] [--sandboxed] [--config FILE] [--] [COMMAND]
                     evaluate shell commands (phase 4); stdin when COMMAND is absent;
                     --sandboxed: they run in OpenClaw's sandbox (runProject: sandbox)
  explain [--home DIR] [--cwd DIR] [--workspace DIR] [--os linux|macos] [--config FILE] [--] COMMAND
                     show the parse tree, executed commands, findings and verdict
  doctor [--openclaw-config FILE] [--state-dir DIR] [--workspace DIR] [--agent ID] [--json]
                     per phase: enabled, implemented, degraded modes and how to lift them
  memory status|snapshot|sync|cost [today|7d|session] [--openclaw-config FILE] [--state-dir DIR]
        [--workspace DIR] [--agent ID] [--scope user|project|local] [--mode merge|replace|skip]
        [--session-key K] [--json]
                     the agent's memory directories, caps, snapshot state and cost ledger (phase 5)
  skills [--openclaw-config FILE] [--workspace DIR] [--state-dir DIR]
                     effective skills, shadowing, invalid files, scanner findings, limits (phase 7)
  grants [list | revoke ID | clear] [--openclaw-config FILE] [--state-dir DIR] [--json]
                     exec approval grants stored by allow-always answers (phase 4)
  manifest [--write FILE]
                     print (or write) the generated openclaw.plugin.json
  version            print the crate and schema version
";

/// Runs the CLI with `args` (without the program name); returns the exit status.
pub fn run(
    args: &[String],
    stdin: &mut dyn BufRead,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let Some((cmd, rest)) = args.split_first() else {
        let _ = stderr.write_all(USAGE.as_bytes());
        return EXIT_USAGE;
    };
    match cmd.as_str() {
        "check" => check::run_check(rest, stdin, stdout, stderr),
        "explain" => check::run_explain(rest, stdout, stderr),
        "doctor" => doctor::run(rest, stdout, stderr),
        "manifest" => manifest(rest, stdout, stderr),
        "version" | "--version" | "-V" => {
            let _ = writeln!(stdout, "agent-ops {}", crate::runtime::version());
            0
        }
        "help" | "--help" | "-h" => {
            let _ = stdout.write_all(USAGE.as_bytes());
            0
        }
        "memory" => memory::run(rest, stdout, stderr),
        "grants" => grants::run(rest, stdout, stderr),
        "skills" => skills::run(rest, stdout, stderr),
        other => {
            let _ = writeln!(stderr, "agent-ops: unknown command `{other}`\n\n{USAGE}");
            EXIT_USAGE
        }
    }
}

fn manifest(args: &[String], stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    let text = match serde_json::to_string_pretty(&crate::config::plugin_manifest()) {
        Ok(t) => t + "\n",
        Err(e) => {
            let _ = writeln!(stderr, "agent-ops manifest: {e}");
            return EXIT_IO;
        }
    };
    match args {
        [] => {
            let _ = stdout.write_all(text.as_bytes());
            0
        }
        [flag, file] if flag == "--write" => match std::fs::write(file, text) {
            Ok(()) => 0,
            Err(e) => {
                let _ = writeln!(stderr, "agent-ops manifest: cannot write {file}: {e}");
                EXIT_IO
            }
        },
        _ => {
            let _ = writeln!(stderr, "usage: agent-ops manifest [--write FILE]");
            EXIT_USAGE
        }
    }
}

/// The OpenClaw config at `path` (JSON), or `null` without a path.
/// The OpenClaw config (JSON) and the agent-ops plugin config in it, with `--state-dir`
/// applied, for the subcommands that act on the gateway's state. On failure the message is
/// written (prefixed `agent-ops <cmd>:`) and the exit status returned: I/O for an unreadable
/// file, usage for an invalid plugin config.
fn load_plugin_config(
    cmd: &str,
    openclaw_config: Option<&str>,
    state_dir: Option<&str>,
    stderr: &mut dyn Write,
) -> Result<(serde_json::Value, crate::config::Config), i32> {
    let oc = read_openclaw_config(openclaw_config).map_err(|m| {
        let _ = writeln!(stderr, "agent-ops {cmd}: {m}");
        EXIT_IO
    })?;
    let mut plugin_cfg = oc
        .pointer("/plugins/entries/agent-ops/config")
        .cloned()
        .unwrap_or(serde_json::json!({}));
    if let (Some(d), serde_json::Value::Object(m)) = (state_dir, &mut plugin_cfg) {
        m.insert("stateDir".into(), serde_json::Value::String(d.to_string()));
    }
    // The gateway runs a config with errors on the default of each invalid key (issue 17
    // item 3); the CLI answers for that same config and names the errors.
    let (config, errors) = crate::config::parse_config_lenient(plugin_cfg);
    for e in errors {
        let _ = writeln!(
            stderr,
            "agent-ops {cmd}: config error (the default is used): {e}"
        );
    }
    Ok((oc, config))
}

fn read_openclaw_config(path: Option<&str>) -> Result<serde_json::Value, String> {
    let Some(path) = path else {
        return Ok(serde_json::Value::Null);
    };
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| {
        format!("{path} is not JSON ({e}); JSON5 configs are not read by this command")
    })
}

/// Takes the value of an option given as `--opt VALUE` or `--opt=VALUE`.
fn option_value(
    arg: &str,
    name: &str,
    it: &mut std::slice::Iter<'_, String>,
) -> Option<Result<String, String>> {
    if arg == name {
        return Some(
            it.next()
                .cloned()
                .ok_or_else(|| format!("option {name} needs a value")),
        );
    }
    arg.strip_prefix(name)
        .and_then(|r| r.strip_prefix('='))
        .map(|v| Ok(v.to_string()))
}
