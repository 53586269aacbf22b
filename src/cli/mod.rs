//! The `agent-ops` command line (README G-R14a, phase 4 §10), shared by the native binary and
//! the plugin (`openclaw agent-ops …`, issue 17 item 7): the same code runs natively and in the
//! wasm core, with every file read and written through the [`Host`] and everything else the
//! process knows passed in a [`Context`].
//!
//! `run` is a short match over subcommands; each subcommand parses its own options first and
//! decides second. Exit statuses: 0 ok, 1 a failed doctor check, 2 usage, 3 I/O, 4 invalid JSONL
//! line, and for `check --exit-code` 10 ask / 20 deny (P4-R47).

mod budget;
mod check;
mod doctor;
mod grants;
mod host;
mod memory;
pub mod openclaw;
mod skills;
pub mod usage;

pub use host::CliHost;

use crate::host::Host;
use crate::shell::Os;
use serde_json::Value;
use std::io::{BufRead, Write};

/// Exit status for a usage error.
pub const EXIT_USAGE: i32 = 2;
/// Exit status for an I/O error.
pub const EXIT_IO: i32 = 3;

/// What the CLI knows about the process it runs in, besides its arguments.
pub struct Context<'a> {
    /// Files, environment variables and the clock.
    pub host: &'a dyn Host,
    /// The working directory.
    pub cwd: String,
    /// The OS commands are checked for by default.
    pub os: Os,
    /// The program as the user typed it, for usage text (`agent-ops`, `openclaw agent-ops`).
    pub program: String,
    /// OpenClaw's own reading of its config, when the CLI runs inside OpenClaw: used when the
    /// file is JSON5 rather than plain JSON.
    pub openclaw_config: Option<Value>,
    /// Where the running plugin was loaded from, when the CLI runs inside OpenClaw.
    pub plugin_dir: Option<String>,
}

impl Context<'_> {
    /// `$HOME` (empty when unset).
    fn home(&self) -> String {
        self.host.env("HOME").unwrap_or_default()
    }
}

/// Runs the CLI with `args` (without the program name); returns the exit status.
pub fn run(
    args: &[String],
    cx: &Context<'_>,
    stdin: &mut dyn BufRead,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let prog = cx.program.as_str();
    let Some((cmd, rest)) = args.split_first() else {
        let _ = stderr.write_all(usage::overview(prog).as_bytes());
        return EXIT_USAGE;
    };
    if let Some(help) = usage::find(cmd).filter(|_| usage::wants_help(rest)) {
        let _ = stdout.write_all(usage::command_help(help, prog).as_bytes());
        return 0;
    }
    match cmd.as_str() {
        "check" => check::run_check(rest, cx, stdin, stdout, stderr),
        "explain" => check::run_explain(rest, cx, stdout, stderr),
        "doctor" => doctor::run(rest, cx, stdout, stderr),
        "manifest" => manifest(rest, cx, stdout, stderr),
        "version" | "--version" | "-V" => {
            let _ = writeln!(stdout, "agent-ops {}", crate::runtime::version());
            0
        }
        "help" | "--help" | "-h" => match rest {
            [] => {
                let _ = stdout.write_all(usage::overview(prog).as_bytes());
                0
            }
            [name] if usage::find(name).is_some() => {
                let help = usage::find(name).map(|h| usage::command_help(h, prog));
                let _ = stdout.write_all(help.unwrap_or_default().as_bytes());
                0
            }
            _ => {
                let _ = writeln!(
                    stderr,
                    "agent-ops help: unknown command `{}`\n\n{}",
                    rest.join(" "),
                    usage::overview(prog)
                );
                EXIT_USAGE
            }
        },
        "memory" => memory::run(rest, cx, stdout, stderr),
        "grants" => grants::run(rest, cx, stdout, stderr),
        "status" => budget::run_status(rest, cx, stdout, stderr),
        "budget" => budget::run_budget(rest, cx, stdout, stderr),
        "skills" => skills::run(rest, cx, stdout, stderr),
        other => {
            let _ = writeln!(
                stderr,
                "agent-ops: unknown command `{other}`\n\n{}",
                usage::overview(prog)
            );
            EXIT_USAGE
        }
    }
}

/// A usage error of subcommand `cmd`: the message, then the command's usage line.
fn usage_error(cx: &Context<'_>, stderr: &mut dyn Write, cmd: &str, m: &str) -> i32 {
    let _ = writeln!(
        stderr,
        "agent-ops {cmd}: {m}\n{}\n(`{} {cmd} --help` for details)",
        usage::usage_line(cmd, &cx.program),
        cx.program
    );
    EXIT_USAGE
}

/// Inside the plugin the manifest is not generated: that would put the config's JSON Schema
/// generator into the wasm (a build step needs only the native binary).
#[cfg(target_arch = "wasm32")]
fn manifest(
    _args: &[String],
    cx: &Context<'_>,
    _stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let installed = cx
        .plugin_dir
        .as_deref()
        .map(|d| format!("; the installed one is {d}/openclaw.plugin.json"))
        .unwrap_or_default();
    let _ = writeln!(
        stderr,
        "agent-ops manifest: only the native `agent-ops` binary generates the manifest{installed}"
    );
    EXIT_USAGE
}

#[cfg(not(target_arch = "wasm32"))]
fn manifest(
    args: &[String],
    cx: &Context<'_>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
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
        [flag, file] if flag == "--write" => {
            let path = openclaw::user_path(file, &cx.home(), &cx.cwd);
            match cx.host.fs_write_atomic(&path, text.as_bytes(), 0o644) {
                Ok(()) => 0,
                Err(e) => {
                    let _ = writeln!(stderr, "agent-ops manifest: cannot write {file}: {e}");
                    EXIT_IO
                }
            }
        }
        _ => usage_error(
            cx,
            stderr,
            "manifest",
            "expected no argument or --write FILE",
        ),
    }
}

/// OpenClaw's config as this CLI found it, and the agent-ops plugin config in it.
struct Loaded {
    /// OpenClaw's paths (home, state dir, the config file read).
    paths: openclaw::OpenClawPaths,
    /// The whole OpenClaw config (`null` when there is no file).
    openclaw: Value,
    /// The plugin config with `--state-dir` applied, validated.
    config: crate::config::Config,
}

/// Finds and reads OpenClaw's config (`--openclaw-config` or as OpenClaw finds it) and
/// validates the agent-ops plugin config in it, with `--state-dir` applied, for the
/// subcommands that act on the gateway's state. On failure the message is written (prefixed
/// `agent-ops <cmd>:`) and the exit status returned: I/O for an unreadable file, usage for an
/// invalid plugin config.
fn load_plugin_config(
    cmd: &str,
    cx: &Context<'_>,
    openclaw_config: Option<&str>,
    state_dir: Option<&str>,
    stderr: &mut dyn Write,
) -> Result<Loaded, i32> {
    let paths = openclaw::locate(cx.host, &cx.cwd, openclaw_config);
    let read =
        openclaw::read_config(cx.host, &paths, cx.openclaw_config.as_ref()).map_err(|m| {
            let _ = writeln!(stderr, "agent-ops {cmd}: {m}");
            EXIT_IO
        })?;
    let plugin_cfg = plugin_config_value(
        &read.value,
        state_dir.map(|d| openclaw::user_path(d, &paths.home, &cx.cwd)),
    );
    // The gateway runs a config with errors on the default of each invalid key (issue 17
    // item 3); the CLI answers for that same config and names the errors.
    let (config, errors) = crate::config::parse_config_lenient(plugin_cfg);
    for e in errors {
        let _ = writeln!(
            stderr,
            "agent-ops {cmd}: {} (plugins.entries.agent-ops.config): config error (the default is used): {e}",
            paths.config_path
        );
    }
    Ok(Loaded {
        paths,
        openclaw: read.value,
        config,
    })
}

/// `plugins.entries.agent-ops.config` of an OpenClaw config (`{}` when absent), with `stateDir`
/// replaced by `state_dir` when given.
fn plugin_config_value(openclaw: &Value, state_dir: Option<String>) -> Value {
    let mut cfg = match openclaw.pointer("/plugins/entries/agent-ops/config") {
        Some(v @ Value::Object(_)) => v.clone(),
        Some(v) if !v.is_null() => v.clone(),
        _ => Value::Object(serde_json::Map::new()),
    };
    if let (Some(d), Value::Object(m)) = (state_dir, &mut cfg) {
        m.insert("stateDir".into(), Value::String(d));
    }
    cfg
}

/// The `HostInfo` of a CLI run that loaded the plugin config ([`host_info_of`]).
fn host_info(cx: &Context<'_>, loaded: &Loaded, workspace: &str) -> crate::runtime::HostInfo {
    host_info_of(cx, &loaded.openclaw, &loaded.paths, workspace)
}

/// The `HostInfo` of a CLI run from OpenClaw's config (the plugin's derivation, so the CLI
/// sees the models, the sandbox and the slots the gateway sees), with the CLI's own home
/// (`$HOME`, as the plugin's `os.homedir()`), workspace and OpenClaw state directory.
fn host_info_of(
    cx: &Context<'_>,
    openclaw: &Value,
    paths: &openclaw::OpenClawPaths,
    workspace: &str,
) -> crate::runtime::HostInfo {
    crate::runtime::HostInfo {
        home_dir: Some(cx.home()).filter(|h| !h.is_empty()),
        workspace_dir: Some(workspace.to_string()),
        openclaw_state_dir: Some(paths.state_dir.clone()),
        ..crate::runtime::HostInfo::from_openclaw(openclaw)
    }
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
