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
    let read_cfg = match entry.get("config") {
        Some(Value::Null) | None => serde_json::json!({}),
        Some(v) => v.clone(),
    };
    let gateway = gateway_status(&res.state_dir, &read_cfg);
    if json {
        let mut v = serde_json::to_value(&res).unwrap_or_default();
        if let Some(m) = v.as_object_mut() {
            m.insert("gateway".into(), gateway.json);
        }
        let _ = writeln!(
            stdout,
            "{}",
            serde_json::to_string_pretty(&v).unwrap_or_default()
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
    for l in &gateway.lines {
        let _ = writeln!(stdout, "{l}");
    }
    // The gateway runs with defaults for these keys, but what the operator wrote is not what
    // runs: a failing status so scripts notice.
    if res.config_errors.is_empty() {
        0
    } else {
        EXIT_USAGE
    }
}

/// What the gateway status file says, against the config this doctor read.
struct GatewayReport {
    json: Value,
    lines: Vec<String>,
}

/// Reads `<stateDir>/gateway-status.json` (written by the gateway's service, issue 17): the
/// phases the running gateway enforces, whether that is the config read here, and what a
/// refused plugin replacement left unapplied.
fn gateway_status(state_dir: &str, read_cfg: &Value) -> GatewayReport {
    let path = crate::runtime::status_path(state_dir);
    let Some(st) = std::fs::read(&path)
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
    else {
        return GatewayReport {
            json: Value::Null,
            lines: vec![format!(
                "gateway: no status at {path} (no gateway with this agent-ops version has run with this state dir)"
            )],
        };
    };
    let list = |k: &str| {
        st.get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    let pid = st.get("pid").and_then(Value::as_u64);
    let running = pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
    let same = st
        .get("config")
        .is_some_and(|c| crate::runtime::same_config(c, read_cfg));
    let mut lines = vec![format!(
        "gateway: {} enforces on [{}] off [{}] ({path})",
        match (pid, running) {
            (Some(p), true) => format!("pid {p} (running)"),
            (Some(p), false) => format!("pid {p} (not running; last known state)"),
            (None, _) => "an unknown process".to_string(),
        },
        list("on"),
        list("off")
    )];
    if same {
        lines.push("gateway: that is the config read above".into());
    } else {
        let pending = st.get("pending").filter(|p| !p.is_null());
        lines.push(format!(
            "warn gateway.config_not_applied: the gateway enforces a different plugins.entries.agent-ops.config than the file read above{}",
            if pending.is_some() {
                "; the plugin has seen the change but could not apply it (see the gateway log)"
            } else if running {
                "; a replacement or in-place apply may still be under way (up to 10 s after an edit)"
            } else {
                ""
            }
        ));
    }
    let missing = list("missing");
    if !missing.is_empty() {
        lines.push(format!(
            "error gateway.reload_needed: handlers the applied config needs were never registered by the running plugin instance ({missing}); run `openclaw plugins reload agent-ops` or restart the gateway"
        ));
    }
    let mut json = st.clone();
    if let Some(m) = json.as_object_mut() {
        m.insert("running".into(), Value::Bool(running));
        m.insert("matchesConfig".into(), Value::Bool(same));
        m.insert("path".into(), Value::String(path));
    }
    GatewayReport { json, lines }
}

fn usage(stderr: &mut dyn Write, m: &str) -> i32 {
    let _ = writeln!(stderr, "agent-ops doctor: {m}");
    EXIT_USAGE
}
