//! `agent-ops check` and `agent-ops explain` (P4-R45 to P4-R47a).

use super::{option_value, Context, EXIT_IO};
use crate::config::parse_config_value;
use crate::shell::{self, cli_record, BashSecurityConfig, EvalContext, Evaluation, Os, Verdict};
use std::io::{BufRead, Write};

/// Exit status of `--exit-code` for an ask verdict.
pub const EXIT_ASK: i32 = 10;
/// Exit status of `--exit-code` for a deny verdict.
pub const EXIT_DENY: i32 = 20;
/// Exit status when a JSONL line was invalid.
pub const EXIT_BAD_JSONL: i32 = 4;

/// The largest `--config` file read.
const MAX_CONFIG_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InputMode {
    Lines,
    Jsonl,
}

#[derive(Debug)]
struct CheckArgs {
    json: bool,
    input: InputMode,
    exit_code: bool,
    ctx: EvalContext,
    config: BashSecurityConfig,
    command: Option<String>,
    /// `--workspace` was given: per-line `cwd`s of JSONL input do not move it.
    workspace_given: bool,
}

enum ArgError {
    Usage(String),
    Io(String),
}

fn parse_args(args: &[String], allow_flags: bool, cx: &Context<'_>) -> Result<CheckArgs, ArgError> {
    let mut out = CheckArgs {
        json: false,
        input: InputMode::Lines,
        exit_code: false,
        ctx: EvalContext {
            home: cx.home(),
            cwd: cx.cwd.clone(),
            workspace: String::new(),
            os: cx.os,
            env_keys: Vec::new(),
            ..Default::default()
        },
        config: BashSecurityConfig::default(),
        command: None,
        workspace_given: false,
    };
    let mut config_file: Option<String> = None;
    let mut operands: Vec<String> = Vec::new();
    let mut it = args.iter();
    let mut options_done = false;
    while let Some(arg) = it.next() {
        if options_done || !arg.starts_with("--") {
            operands.push(arg.clone());
            continue;
        }
        if arg == "--" {
            options_done = true;
            continue;
        }
        if allow_flags && arg == "--json" {
            out.json = true;
            continue;
        }
        if allow_flags && arg == "--exit-code" {
            out.exit_code = true;
            continue;
        }
        if allow_flags {
            if let Some(v) = option_value(arg, "--input", &mut it) {
                out.input = match v.map_err(ArgError::Usage)?.as_str() {
                    "lines" => InputMode::Lines,
                    "jsonl" => InputMode::Jsonl,
                    other => {
                        return Err(ArgError::Usage(format!(
                            "--input must be `lines` or `jsonl`, got `{other}`"
                        )))
                    }
                };
                continue;
            }
        }
        if let Some(v) = option_value(arg, "--home", &mut it) {
            out.ctx.home = v.map_err(ArgError::Usage)?;
            continue;
        }
        if let Some(v) = option_value(arg, "--cwd", &mut it) {
            out.ctx.cwd = v.map_err(ArgError::Usage)?;
            continue;
        }
        if let Some(v) = option_value(arg, "--workspace", &mut it) {
            out.ctx.workspace = v.map_err(ArgError::Usage)?;
            out.workspace_given = true;
            if out.ctx.workspace.is_empty() {
                return Err(ArgError::Usage("--workspace needs a directory".into()));
            }
            continue;
        }
        // The commands ran in OpenClaw's sandbox (a replayed log of a sandboxed agent):
        // `runProject: "sandbox"` then allows project code, as in the gateway.
        if arg == "--sandboxed" {
            out.ctx.sandboxed = true;
            continue;
        }
        if let Some(v) = option_value(arg, "--os", &mut it) {
            out.ctx.os = match v.map_err(ArgError::Usage)?.as_str() {
                "linux" => Os::Linux,
                "macos" => Os::Macos,
                other => {
                    return Err(ArgError::Usage(format!(
                        "--os must be `linux` or `macos`, got `{other}`"
                    )))
                }
            };
            continue;
        }
        if let Some(v) = option_value(arg, "--config", &mut it) {
            config_file = Some(v.map_err(ArgError::Usage)?);
            continue;
        }
        return Err(ArgError::Usage(format!("unknown option `{arg}`")));
    }
    if operands.len() > 1 {
        return Err(ArgError::Usage(format!(
            "expected at most one COMMAND operand, got {}: quote the whole command as one argument, e.g. agent-ops check 'ls -la | wc -l'",
            operands.len()
        )));
    }
    out.command = operands.pop();
    if out.ctx.workspace.is_empty() {
        out.ctx.workspace = out.ctx.cwd.clone();
    }
    if let Some(file) = config_file {
        let path = super::openclaw::user_path(&file, &cx.home(), &cx.cwd);
        let bytes = cx
            .host
            .fs_read(&path, MAX_CONFIG_BYTES)
            .map_err(|e| ArgError::Io(format!("cannot read --config {file}: {e}")))?;
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| ArgError::Usage(format!("--config {file} is not valid JSON: {e}")))?;
        let wrapped = crate::json!({ "phases": { "bashSecurity": value } });
        let cfg = parse_config_value(wrapped).map_err(|errs| {
            ArgError::Usage(
                errs.iter()
                    .map(|e| format!("--config {file}: {e}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        })?;
        out.config = cfg.phases.bash_security.0;
    }
    Ok(out)
}

fn write_result(
    out: &mut dyn Write,
    json: bool,
    command: &str,
    ev: &Evaluation,
) -> std::io::Result<()> {
    if json {
        writeln!(out, "{}", cli_record(command, ev).to_json())?;
    } else {
        let escaped = command
            .replace('\\', "\\\\")
            .replace('\n', "\\n")
            .replace('\r', "\\r")
            .replace('\t', "\\t");
        writeln!(out, "{}\t{}\t{escaped}", ev.verdict.as_str(), ev.reason)?;
    }
    // Streaming: every answer is visible before the next input is read (P4-R45).
    out.flush()
}

fn exit_for(v: Verdict) -> i32 {
    match v {
        Verdict::Allow => 0,
        Verdict::Ask => EXIT_ASK,
        Verdict::Deny => EXIT_DENY,
    }
}

/// `agent-ops check`.
pub fn run_check(
    args: &[String],
    cx: &Context<'_>,
    stdin: &mut dyn BufRead,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let a = match parse_args(args, true, cx) {
        Ok(a) => a,
        Err(ArgError::Usage(m)) => return super::usage_error(cx, stderr, "check", &m),
        Err(ArgError::Io(m)) => {
            let _ = writeln!(stderr, "agent-ops check: {m}");
            return EXIT_IO;
        }
    };
    // What the gateway's Host would find on disk for this command (repository hooks,
    // standard-named Python modules), looked up here the same way.
    let judge = |command: &str, ctx: &shell::EvalContext| {
        let mut ctx = ctx.clone();
        let (hooks, shadow) = shell::lookup_host_facts(cx.host, command, &ctx.cwd, &ctx.home);
        ctx.repo_hooks = hooks;
        ctx.module_shadow = shadow;
        ctx.files = shell::lookup_file_facts(cx.host, command, &ctx);
        shell::evaluate_verdict(command, &ctx, &a.config)
    };
    if let Some(cmd) = &a.command {
        let ev = judge(cmd, &a.ctx);
        if write_result(stdout, a.json, cmd, &ev).is_err() {
            return EXIT_IO;
        }
        return if a.exit_code { exit_for(ev.verdict) } else { 0 };
    }
    let mut worst = Verdict::Allow;
    let mut bad_line = false;
    let mut buf = Vec::new();
    let mut line_no = 0u64;
    loop {
        buf.clear();
        match stdin.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                let _ = writeln!(stderr, "agent-ops check: cannot read stdin: {e}");
                return EXIT_IO;
            }
        }
        line_no += 1;
        if buf.last() == Some(&b'\n') {
            buf.pop();
        }
        // Invalid UTF-8 becomes U+FFFD, which check 1 reports (P4-R45).
        let text = String::from_utf8_lossy(&buf).into_owned();
        let line_ctx;
        let (command, ctx) = match a.input {
            InputMode::Lines => (text, &a.ctx),
            InputMode::Jsonl => match jsonl_record(&text, &a.ctx, a.workspace_given) {
                Ok((c, None)) => (c, &a.ctx),
                Ok((c, Some(x))) => {
                    line_ctx = x;
                    (c, &line_ctx)
                }
                Err(m) => {
                    let _ = writeln!(stderr, "agent-ops check: line {line_no}: {m}");
                    bad_line = true;
                    continue;
                }
            },
        };
        let ev = judge(&command, ctx);
        worst = worst.max(ev.verdict);
        if write_result(stdout, a.json, &command, &ev).is_err() {
            return EXIT_IO;
        }
    }
    if bad_line {
        EXIT_BAD_JSONL
    } else if a.exit_code {
        exit_for(worst)
    } else {
        0
    }
}

/// The command of one JSONL line and, when the line carries its own `cwd`, `home`, `os` or
/// `workspace` (issue 16 item 10), the context to evaluate it in. A line with a `cwd` but no
/// `workspace` keeps the `--workspace` of the run when one was given, and otherwise uses its
/// own cwd (as `--workspace` defaults to `--cwd`).
fn jsonl_record(
    line: &str,
    base: &EvalContext,
    workspace_given: bool,
) -> Result<(String, Option<EvalContext>), String> {
    let v: serde_json::Value =
        crate::json::from_str(line).map_err(|e| format!("invalid JSONL: {e}"))?;
    match v {
        serde_json::Value::String(s) => Ok((s, None)),
        serde_json::Value::Object(m) => {
            let Some(serde_json::Value::String(cmd)) = m.get("command") else {
                return Err("invalid JSONL: an object needs a `command` string".into());
            };
            let field = |k: &str| -> Result<Option<&str>, String> {
                match m.get(k) {
                    None | Some(serde_json::Value::Null) => Ok(None),
                    Some(serde_json::Value::String(s)) => Ok(Some(s.as_str())),
                    Some(_) => Err(format!("invalid JSONL: `{k}` must be a string")),
                }
            };
            let (cwd, home, os, ws) = (
                field("cwd")?,
                field("home")?,
                field("os")?,
                field("workspace")?,
            );
            if cwd.is_none() && home.is_none() && os.is_none() && ws.is_none() {
                return Ok((cmd.clone(), None));
            }
            let mut ctx = base.clone();
            if let Some(c) = cwd {
                if !workspace_given {
                    ctx.workspace = c.to_string();
                }
                ctx.cwd = c.to_string();
            }
            if let Some(h) = home {
                ctx.home = h.to_string();
            }
            if let Some(o) = os {
                ctx.os = match o {
                    "linux" => Os::Linux,
                    "macos" => Os::Macos,
                    other => {
                        return Err(format!(
                            "invalid JSONL: `os` must be `linux` or `macos`, got `{other}`"
                        ))
                    }
                };
            }
            if let Some(w) = ws {
                ctx.workspace = w.to_string();
            }
            Ok((cmd.clone(), Some(ctx)))
        }
        _ => Err("invalid JSONL: expected a string or an object with `command`".into()),
    }
}

/// `agent-ops explain`.
pub fn run_explain(
    args: &[String],
    cx: &Context<'_>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let a = match parse_args(args, false, cx) {
        Ok(a) => a,
        Err(ArgError::Usage(m)) => return super::usage_error(cx, stderr, "explain", &m),
        Err(ArgError::Io(m)) => {
            let _ = writeln!(stderr, "agent-ops explain: {m}");
            return EXIT_IO;
        }
    };
    let Some(cmd) = a.command else {
        return super::usage_error(
            cx,
            stderr,
            "explain",
            "missing COMMAND (quote the whole command as one argument)",
        );
    };
    let text = shell::explain(&cmd, &a.ctx, &a.config);
    if stdout.write_all(text.as_bytes()).is_err() {
        return EXIT_IO;
    }
    0
}
