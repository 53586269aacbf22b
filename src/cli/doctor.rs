//! `agent-ops doctor`: per phase, enabled / implemented / degraded and the setting that lifts
//! a degraded mode (README G-R14a).

use super::{option_value, EXIT_IO, EXIT_USAGE};
use crate::host::{HostDirs, NativeHost};
use crate::runtime::{HostInfo, Runtime};
use serde_json::Value;
use std::io::Write;

/// Runs `agent-ops doctor`.
pub fn run(args: &[String], stdout: &mut dyn Write, stderr: &mut dyn Write) -> i32 {
    let mut oc_config = std::env::var("OPENCLAW_CONFIG_PATH").ok();
    let mut state_dir: Option<String> = None;
    let mut workspace = std::env::current_dir()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut json = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "--json" {
            json = true;
            continue;
        }
        let mut take = |name: &str| option_value(arg, name, &mut it);
        if let Some(v) = take("--openclaw-config") {
            match v {
                Ok(v) => oc_config = Some(v),
                Err(m) => return usage(stderr, &m),
            }
        } else if let Some(v) = take("--state-dir") {
            match v {
                Ok(v) => state_dir = Some(v),
                Err(m) => return usage(stderr, &m),
            }
        } else if let Some(v) = take("--workspace") {
            match v {
                Ok(v) => workspace = v,
                Err(m) => return usage(stderr, &m),
            }
        } else if let Some(v) = take("--agent") {
            if let Err(m) = v {
                return usage(stderr, &m);
            }
        } else {
            return usage(stderr, &format!("unknown option `{arg}`"));
        }
    }
    let oc = match super::read_openclaw_config(oc_config.as_deref()) {
        Ok(v) => v,
        Err(m) => {
            let _ = writeln!(stderr, "agent-ops doctor: {m}");
            return EXIT_IO;
        }
    };
    let entry = oc
        .pointer("/plugins/entries/agent-ops")
        .unwrap_or(&Value::Null);
    let mut plugin_cfg = entry.get("config").cloned().unwrap_or(Value::Null);
    if let (Some(dir), Value::Object(m)) = (&state_dir, &mut plugin_cfg) {
        m.insert("stateDir".into(), Value::String(dir.clone()));
    } else if let (Some(dir), Value::Null) = (&state_dir, &plugin_cfg) {
        plugin_cfg = serde_json::json!({ "stateDir": dir });
    }
    let info = HostInfo {
        home_dir: std::env::var("HOME").ok(),
        workspace_dir: Some(workspace.clone()),
        openclaw_state_dir: std::env::var("OPENCLAW_STATE_DIR").ok(),
        conversation_access: Some(
            entry.pointer("/hooks/allowConversationAccess") == Some(&Value::Bool(true)),
        ),
        context_engine_selected: Some(
            oc.pointer("/plugins/slots/contextEngine")
                .and_then(Value::as_str)
                == Some("agent-ops"),
        ),
        compaction_provider: oc
            .pointer("/agents/defaults/compaction/provider")
            .and_then(Value::as_str)
            .map(str::to_string),
        ..HostInfo::default()
    };
    let host = NativeHost::new(HostDirs {
        home_dir: info.home_dir.clone().unwrap_or_default(),
        workspace_dir: workspace,
        ..HostDirs::default()
    });
    let mut rt = Runtime::new();
    let info_json = serde_json::to_string(&info).unwrap_or_default();
    let res = rt.init(&host, &plugin_cfg.to_string(), &info_json);
    if json {
        let _ = writeln!(
            stdout,
            "{}",
            serde_json::to_string_pretty(&res).unwrap_or_default()
        );
        return if res.ok { 0 } else { EXIT_USAGE };
    }
    if !res.ok {
        let _ = writeln!(stdout, "agent-ops {}: the config is refused:", res.version);
        for e in &res.errors {
            let _ = writeln!(stdout, "  {e}");
        }
        return EXIT_USAGE;
    }
    let _ = writeln!(stdout, "agent-ops {}", res.version);
    let _ = writeln!(stdout, "state dir: {}", res.state_dir);
    for p in &res.phases {
        let state = match (p.enabled, p.implemented) {
            (false, _) => "disabled",
            (true, true) => "enabled",
            (true, false) => "enabled, not implemented in this version (does nothing)",
        };
        let _ = writeln!(
            stdout,
            "phase {} {:<14} {}: {state}",
            p.number, p.key, p.title
        );
        for d in &p.degraded {
            let _ = writeln!(stdout, "    degraded: {d}");
        }
    }
    // The table already says which phases are not implemented.
    for d in res
        .diagnostics
        .iter()
        .filter(|d| d.code != "core.phase.not_implemented")
    {
        let _ = writeln!(stdout, "{} {}: {}", d.level.as_str(), d.code, d.message);
    }
    // The gateway runs with defaults for these keys, but what the operator wrote is not what
    // runs: a failing status so scripts notice.
    if res.config_errors.is_empty() {
        0
    } else {
        EXIT_USAGE
    }
}

fn usage(stderr: &mut dyn Write, m: &str) -> i32 {
    let _ = writeln!(stderr, "agent-ops doctor: {m}");
    EXIT_USAGE
}
