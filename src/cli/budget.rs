//! `agent-ops status` and `agent-ops budget resume` (issue 20 items 2-3): the same core as the
//! plugin's `/agent-ops status` and `/budget resume`, over the plugin's state directory. The
//! command goes through the runtime's dispatch, so the CLI and the slash command give the same
//! answer from the same files.

use super::{option_value, CliHost, Context, EXIT_IO};
use crate::host::HostDirs;
use crate::json;
use crate::runtime::Runtime;
use serde_json::Value;
use std::io::Write;

struct Opts {
    oc_config: Option<String>,
    state_dir: Option<String>,
    agent: Option<String>,
    session_key: Option<String>,
    session_id: Option<String>,
    json: bool,
}

fn parse(args: &[String], allowed: &[&str]) -> Result<Opts, String> {
    let mut o = Opts {
        oc_config: None,
        state_dir: None,
        agent: None,
        session_key: None,
        session_id: None,
        json: false,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "--json" && allowed.contains(&"--json") {
            o.json = true;
            continue;
        }
        let mut take = |name: &str| {
            if allowed.contains(&name) {
                option_value(arg, name, &mut it)
            } else {
                None
            }
        };
        let slot = if let Some(v) = take("--openclaw-config") {
            (&mut o.oc_config, v)
        } else if let Some(v) = take("--state-dir") {
            (&mut o.state_dir, v)
        } else if let Some(v) = take("--agent") {
            (&mut o.agent, v)
        } else if let Some(v) = take("--session-key") {
            (&mut o.session_key, v)
        } else if let Some(v) = take("--session-id") {
            (&mut o.session_id, v)
        } else {
            return Err(format!("unknown option `{arg}`"));
        };
        *slot.0 = Some(slot.1?);
    }
    Ok(o)
}

/// Runs one phase-2 command of the runtime over the plugin's state directory.
fn dispatch(
    cmd: &str,
    o: &Opts,
    cx: &Context<'_>,
    handler: &str,
    event: Value,
    ctx: Value,
    stderr: &mut dyn Write,
) -> Result<Value, i32> {
    let loaded = super::load_plugin_config(
        cmd,
        cx,
        o.oc_config.as_deref(),
        o.state_dir.as_deref(),
        stderr,
    )?;
    let home = cx.home();
    let host = CliHost::new(
        cx.host,
        HostDirs {
            home_dir: home,
            workspace_dir: cx.cwd.clone(),
            openclaw_state_dir: loaded.paths.state_dir.clone(),
            ..HostDirs::default()
        },
    );
    let info = super::host_info(cx, &loaded, &cx.cwd);
    let cfg = super::plugin_config_value(
        &loaded.openclaw,
        o.state_dir
            .as_deref()
            .map(|d| super::openclaw::user_path(d, &loaded.paths.home, &cx.cwd)),
    );
    let mut rt = Runtime::new();
    let init = rt.init(
        &host,
        &cfg.to_string(),
        &serde_json::to_string(&info).unwrap_or_default(),
    );
    if !init.ok || !loaded.config.phases.loop_budget.enabled() {
        let _ = writeln!(
            stderr,
            "agent-ops {cmd}: phase 2 (phases.loopBudget) is off or the config does not load: {:?}",
            init.errors
        );
        return Err(EXIT_IO);
    }
    match rt.dispatch(&host, handler, &event, &ctx) {
        Ok(r) => Ok(r.ret),
        Err(e) => {
            let _ = writeln!(stderr, "agent-ops {cmd}: {}", e.message);
            Err(EXIT_IO)
        }
    }
}

/// `agent-ops status [--agent ID] [--session-key K] [--json]`.
pub fn run_status(
    args: &[String],
    cx: &Context<'_>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let allowed = [
        "--openclaw-config",
        "--state-dir",
        "--agent",
        "--session-key",
        "--json",
    ];
    let o = match parse(args, &allowed) {
        Ok(o) => o,
        Err(m) => return super::usage_error(cx, stderr, "status", &m),
    };
    let key = o.session_key.clone().unwrap_or_default();
    let mut ctx = json!({ "sessionKey": key });
    if let (Some(a), Some(m)) = (&o.agent, ctx.as_object_mut()) {
        m.insert("agentId".into(), json!(a));
    }
    let args = if o.json { "status --json" } else { "status" };
    match dispatch(
        "status",
        &o,
        cx,
        "loopBudget:command:agent-ops",
        json!({ "args": args }),
        ctx,
        stderr,
    ) {
        Ok(ret) => {
            let text = ret.get("text").and_then(Value::as_str).unwrap_or("");
            let _ = writeln!(stdout, "{}", text.trim_end());
            0
        }
        Err(code) => code,
    }
}

/// `agent-ops budget resume --agent ID [--session-id SID]`.
pub fn run_budget(
    args: &[String],
    cx: &Context<'_>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let Some((action, rest)) = args.split_first() else {
        return super::usage_error(cx, stderr, "budget", "missing action (resume)");
    };
    if action != "resume" {
        return super::usage_error(cx, stderr, "budget", &format!("unknown action `{action}`"));
    }
    let allowed = [
        "--openclaw-config",
        "--state-dir",
        "--agent",
        "--session-id",
    ];
    let o = match parse(rest, &allowed) {
        Ok(o) => o,
        Err(m) => return super::usage_error(cx, stderr, "budget", &m),
    };
    let Some(agent) = o.agent.clone() else {
        return super::usage_error(cx, stderr, "budget", "resume needs --agent ID");
    };
    let mut ctx = json!({ "agentId": agent, "sessionKey": format!("agent:{agent}:cli") });
    if let (Some(sid), Some(m)) = (&o.session_id, ctx.as_object_mut()) {
        m.insert("sessionId".into(), json!(sid));
    }
    let args = if o.session_id.is_some() {
        "resume"
    } else {
        "resume --all-sessions"
    };
    match dispatch(
        "budget",
        &o,
        cx,
        "loopBudget:command:budget",
        json!({ "args": args }),
        ctx,
        stderr,
    ) {
        Ok(ret) => {
            let text = ret.get("text").and_then(Value::as_str).unwrap_or("");
            let _ = writeln!(stdout, "{text}");
            i32::from(text.contains("could not"))
        }
        Err(code) => code,
    }
}
