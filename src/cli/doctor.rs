//! `agent-ops doctor` (README G-R14a, issue 17 item 7): which OpenClaw config it read; whether
//! the plugin is installed, enabled, allowed and loaded; what is degraded; and per phase,
//! enabled / implemented / degraded with the setting that lifts a degraded mode.

use super::openclaw::{self, ConfigSource, OpenClawPaths};
use super::{option_value, usage_error, CliHost, Context, EXIT_IO, EXIT_USAGE};
use crate::config::Config;
use crate::host::{join_path, parent_dir, Host, HostDirs};
use crate::json;
use crate::runtime::{AppliedRecord, InitResult, Runtime, APPLIED_FILE};
use serde::Serialize;
use serde_json::Value;
use std::io::Write;

const PLUGIN_ID: &str = "agent-ops";

/// Exit status when a check failed (the plugin will not protect as configured).
pub const EXIT_CHECK_FAILED: i32 = 1;

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
enum Status {
    Ok,
    Warn,
    Fail,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok  ",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, Serialize)]
struct Check {
    name: &'static str,
    status: Status,
    message: String,
}

fn check(name: &'static str, status: Status, message: impl Into<String>) -> Check {
    Check {
        name,
        status,
        message: message.into(),
    }
}

/// Runs `agent-ops doctor`.
pub fn run(
    args: &[String],
    cx: &Context<'_>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let mut oc_option: Option<String> = None;
    let mut state_dir: Option<String> = None;
    let mut workspace = cx.cwd.clone();
    let mut json_out = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "--json" {
            json_out = true;
            continue;
        }
        let mut take = |name: &str| option_value(arg, name, &mut it);
        let v = if let Some(v) = take("--openclaw-config") {
            v.map(|v| oc_option = Some(v))
        } else if let Some(v) = take("--state-dir") {
            v.map(|v| state_dir = Some(v))
        } else if let Some(v) = take("--workspace") {
            v.map(|v| workspace = v)
        } else if let Some(v) = take("--agent") {
            v.map(|_| ())
        } else {
            Err(format!("unknown option `{arg}`"))
        };
        if let Err(m) = v {
            return usage_error(cx, stderr, "doctor", &m);
        }
    }
    let paths = openclaw::locate(cx.host, &cx.cwd, oc_option.as_deref());
    let workspace = openclaw::user_path(&workspace, &paths.home, &cx.cwd);
    let read = match openclaw::read_config(cx.host, &paths, cx.openclaw_config.as_ref()) {
        Ok(r) => r,
        Err(m) => {
            let _ = writeln!(
                stdout,
                "OpenClaw config: {} ({})",
                paths.config_path,
                paths.source.describe()
            );
            let _ = writeln!(stderr, "agent-ops doctor: {m}");
            return EXIT_IO;
        }
    };
    let oc = &read.value;
    let state_override = state_dir.map(|d| openclaw::user_path(&d, &paths.home, &cx.cwd));
    let plugin_cfg = super::plugin_config_value(oc, state_override);
    let home = cx.home();
    let info = super::host_info_of(cx, oc, &paths, &workspace);
    let host = CliHost::new(
        cx.host,
        HostDirs {
            home_dir: home,
            workspace_dir: workspace.clone(),
            openclaw_state_dir: paths.state_dir.clone(),
            ..HostDirs::default()
        },
    );
    let mut rt = Runtime::new();
    let info_json = serde_json::to_string(&info).unwrap_or_default();
    let res = rt.init(&host, &plugin_cfg.to_string(), &info_json);
    let config = rt.config().cloned();

    let mut checks = vec![
        installed(&host, cx, &paths, oc, &workspace),
        enabled(oc),
        allowed(oc),
    ];
    if res.ok {
        checks.push(loaded(&host, &res.state_dir, config.as_ref()));
        checks.extend(degraded(&info, &res));
    } else {
        checks.push(check(
            "config",
            Status::Fail,
            format!(
                "plugins.entries.agent-ops.config is refused: {}",
                res.errors
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        ));
    }
    let worst = checks.iter().map(|c| c.status).max().unwrap_or(Status::Ok);
    let gateway = gateway_status(&host, &res.state_dir, &plugin_cfg);
    // A config with errors runs on the default of each invalid key (issue 17 item 3): what the
    // operator wrote is not what runs, so the status fails for scripts.
    let code = if !res.ok || !res.config_errors.is_empty() {
        EXIT_USAGE
    } else if worst == Status::Fail {
        EXIT_CHECK_FAILED
    } else {
        0
    };
    if json_out {
        let report = json!({
            "openclawConfig": {
                "path": paths.config_path,
                "source": source_key(paths.source),
                "note": read.note,
            },
            "openclawStateDir": paths.state_dir,
            "checks": checks,
            "gateway": gateway.json,
            "init": res,
        });
        let _ = writeln!(
            stdout,
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
        return code;
    }
    let _ = writeln!(stdout, "agent-ops {}", res.version);
    let _ = writeln!(
        stdout,
        "OpenClaw config: {} ({})",
        paths.config_path,
        paths.source.describe()
    );
    if let Some(n) = &read.note {
        let _ = writeln!(stdout, "  {n}");
    }
    let _ = writeln!(stdout, "OpenClaw state dir: {}", paths.state_dir);
    if res.ok {
        let _ = writeln!(stdout, "state dir: {}", res.state_dir);
    }
    let _ = writeln!(stdout);
    for c in &checks {
        let _ = writeln!(stdout, "{} {:<9} {}", c.status.label(), c.name, c.message);
    }
    if !res.ok {
        let _ = writeln!(
            stdout,
            "\nagent-ops {}: the config is refused:",
            res.version
        );
        for e in &res.errors {
            let _ = writeln!(stdout, "  {e}");
        }
        return code;
    }
    let _ = writeln!(stdout);
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
    code
}

/// What the gateway status file says, against the config this doctor read.
struct GatewayReport {
    json: Value,
    lines: Vec<String>,
}

/// Reads `<stateDir>/gateway-status.json` (written by the gateway's service, issue 17): the
/// phases the running gateway enforces, whether that is the config read here, and what a
/// refused plugin replacement left unapplied.
fn gateway_status(host: &dyn Host, state_dir: &str, read_cfg: &Value) -> GatewayReport {
    let path = crate::runtime::status_path(state_dir);
    let Some(st) = host
        .fs_read(&path, MAX_MANIFEST_BYTES)
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
    let running = pid.is_some_and(|p| host.fs_stat(&format!("/proc/{p}")).is_ok());
    let mut cfg = read_cfg.clone();
    if let Value::Object(m) = &mut cfg {
        m.remove("stateDir");
    }
    let same = st.get("config").is_some_and(|c| {
        crate::runtime::same_config(c, &cfg) || crate::runtime::same_config(c, read_cfg)
    });
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

fn source_key(s: ConfigSource) -> &'static str {
    match s {
        ConfigSource::Option => "option",
        ConfigSource::EnvConfigPath => "OPENCLAW_CONFIG_PATH",
        ConfigSource::EnvStateDir => "OPENCLAW_STATE_DIR",
        ConfigSource::DefaultDir => "default",
        ConfigSource::NotFound => "none",
    }
}

fn entry(oc: &Value) -> &Value {
    oc.pointer("/plugins/entries/agent-ops")
        .unwrap_or(&Value::Null)
}

fn string_list(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The largest manifest or package.json read.
const MAX_MANIFEST_BYTES: u64 = 4 * 1024 * 1024;

fn read_json(host: &dyn Host, path: &str) -> Option<Value> {
    let bytes = host.fs_read(path, MAX_MANIFEST_BYTES).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// A plugin folder whose manifest has our id, with its package version.
fn plugin_at(host: &dyn Host, dir: &str) -> Option<Option<String>> {
    let manifest = read_json(host, &join_path(dir, "openclaw.plugin.json"))?;
    if manifest.get("id").and_then(Value::as_str) != Some(PLUGIN_ID) {
        return None;
    }
    let version = read_json(host, &join_path(dir, "package.json"))
        .and_then(|p| p.get("version").and_then(Value::as_str).map(str::to_string));
    Some(version)
}

/// installed: the plugin's files are where OpenClaw loads plugins from: `plugins.load.paths`,
/// `<OpenClaw state dir>/extensions/agent-ops` (what `openclaw plugins install` writes) or the
/// workspace's `.openclaw/extensions/agent-ops` (disabled unless enabled explicitly).
fn installed(
    host: &dyn Host,
    cx: &Context<'_>,
    paths: &OpenClawPaths,
    oc: &Value,
    workspace: &str,
) -> Check {
    let mut found: Vec<(String, &'static str, Option<String>)> = Vec::new();
    for p in string_list(oc.pointer("/plugins/load/paths")) {
        let p = openclaw::user_path(&p, &paths.home, &cx.cwd);
        // A load path names the plugin folder or its entry file.
        for dir in [p.as_str(), parent_dir(&p)] {
            if let Some(v) = plugin_at(host, dir) {
                found.push((dir.to_string(), "plugins.load.paths", v));
                break;
            }
        }
    }
    let global = join_path(&paths.state_dir, "extensions/agent-ops");
    if let Some(v) = plugin_at(host, &global) {
        found.push((global, "OpenClaw's extensions directory", v));
    }
    let ws = join_path(workspace, ".openclaw/extensions/agent-ops");
    if let Some(v) = plugin_at(host, &ws) {
        found.push((ws, "the workspace's extensions directory", v));
    }
    let Some((dir, place, version)) = found.first().cloned() else {
        let here = cx
            .plugin_dir
            .as_deref()
            .map(|d| format!(" (this command runs from {d})"))
            .unwrap_or_default();
        return check(
            "installed",
            Status::Fail,
            format!("no agent-ops plugin in plugins.load.paths, {}/extensions or the workspace{here}: install it with `openclaw plugins install <agent-ops tarball>`", paths.state_dir),
        );
    };
    let ours = env!("CARGO_PKG_VERSION");
    let version_note = match &version {
        Some(v) if v != ours => format!(", version {v} (this CLI is {ours})"),
        Some(v) => format!(", version {v}"),
        None => String::new(),
    };
    let more = if found.len() > 1 {
        format!(
            "; also in {}",
            found
                .iter()
                .skip(1)
                .map(|(d, _, _)| d.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    } else {
        String::new()
    };
    let status = match &version {
        Some(v) if v != ours => Status::Warn,
        _ => Status::Ok,
    };
    check(
        "installed",
        status,
        format!("{dir} ({place}{version_note}){more}"),
    )
}

/// enabled: `plugins.enabled`, `plugins.entries.agent-ops.enabled` and `plugins.deny`.
fn enabled(oc: &Value) -> Check {
    if oc.pointer("/plugins/enabled") == Some(&Value::Bool(false)) {
        return check(
            "enabled",
            Status::Fail,
            "plugins.enabled is false: OpenClaw loads no plugin",
        );
    }
    if string_list(oc.pointer("/plugins/deny"))
        .iter()
        .any(|d| d == PLUGIN_ID)
    {
        return check(
            "enabled",
            Status::Fail,
            "plugins.deny lists agent-ops: remove it",
        );
    }
    match entry(oc).get("enabled") {
        Some(Value::Bool(true)) => check(
            "enabled",
            Status::Ok,
            "plugins.entries.agent-ops.enabled is true",
        ),
        Some(Value::Bool(false)) => check(
            "enabled",
            Status::Fail,
            "plugins.entries.agent-ops.enabled is false: set it to true",
        ),
        _ => check(
            "enabled",
            Status::Warn,
            "plugins.entries.agent-ops.enabled is not set: set it to true (a plugin in a workspace is disabled unless enabled)",
        ),
    }
}

/// allowed: `plugins.allow`. An empty allowlist loads only plugins OpenClaw tracks (installed
/// with `openclaw plugins install` or in `plugins.load.paths`); a copied folder is not loaded.
fn allowed(oc: &Value) -> Check {
    let allow = string_list(oc.pointer("/plugins/allow"));
    if allow.iter().any(|a| a == PLUGIN_ID) {
        check("allowed", Status::Ok, "plugins.allow lists agent-ops")
    } else if allow.is_empty() {
        check("allowed", Status::Warn, "plugins.allow is empty: OpenClaw loads agent-ops only when it tracks the install (`openclaw plugins install`, or plugins.load.paths); add \"agent-ops\" to plugins.allow")
    } else {
        check(
            "allowed",
            Status::Fail,
            format!(
                "plugins.allow ({}) does not list agent-ops: OpenClaw will not load it; add \"agent-ops\"",
                allow.join(", ")
            ),
        )
    }
}

/// loaded: the load record of the last instance OpenClaw loaded with this state directory.
fn loaded(host: &dyn Host, state_dir: &str, config: Option<&Config>) -> Check {
    let path = join_path(state_dir, APPLIED_FILE);
    let record: AppliedRecord = match host.fs_read(&path, MAX_MANIFEST_BYTES) {
        Err(_) => {
            return check(
                "loaded",
                Status::Warn,
                format!("no gateway has loaded agent-ops with this state directory ({path} is missing): start or restart the gateway"),
            )
        }
        // Through a `Value` like the other state files: one JSON parser in the plugin (G-R3).
        Ok(bytes) => match crate::json::read_slice(&bytes) {
            Ok(r) => r,
            Err(e) => {
                return check(
                    "loaded",
                    Status::Warn,
                    format!("{path} is not a load record ({e})"),
                )
            }
        },
    };
    let when = crate::calendar::iso_utc(record.applied_at_ms);
    let (process, running) = match record.pid {
        Some(pid) => {
            // Linux: /proc/<pid> exists while the process runs; elsewhere it is unknown.
            let running = if host.fs_stat("/proc/self").is_ok() {
                Some(host.fs_stat(&format!("/proc/{pid}")).is_ok())
            } else {
                None
            };
            (format!("process {pid}"), running)
        }
        None => ("a process".to_string(), None),
    };
    let state = match running {
        Some(true) => " (running)",
        Some(false) => " (no longer running)",
        None => "",
    };
    let mut msg = format!(
        "{process}{state} loaded agent-ops {} at {when}: on [{}] off [{}]",
        record.version,
        record.on.join(", "),
        record.off.join(", ")
    );
    let mut status = if running == Some(false) {
        Status::Warn
    } else {
        Status::Ok
    };
    let applied = crate::config::parse_config(&record.config.to_string()).ok();
    let same = match (applied, config) {
        (Some(mut a), Some(c)) => {
            let mut c = c.clone();
            a.state_dir = None;
            c.state_dir = None;
            Some(a == c)
        }
        _ => None,
    };
    if same == Some(false) {
        status = Status::Warn;
        msg.push_str("; the config file differs from what that instance applied: a reload is pending or was refused (restart the gateway)");
    }
    check("loaded", status, msg)
}

/// degraded: conversation access, the context-engine slot and the compaction provider, each
/// only when an enabled phase needs it (the init result's per-phase notes).
fn degraded(info: &crate::runtime::HostInfo, res: &InitResult) -> Vec<Check> {
    let mut out = Vec::new();
    let conv_needed: Vec<&str> = res
        .phases
        .iter()
        .filter(|p| {
            p.degraded
                .iter()
                .any(|d| d.contains("allowConversationAccess"))
        })
        .map(|p| p.key.as_str())
        .collect();
    out.push(if info.conversation_access == Some(true) {
        check(
            "degraded",
            Status::Ok,
            "conversation access: plugins.entries.agent-ops.hooks.allowConversationAccess is true",
        )
    } else if conv_needed.is_empty() {
        check(
            "degraded",
            Status::Ok,
            "conversation access: not granted, and no enabled phase needs it",
        )
    } else {
        check(
            "degraded",
            Status::Warn,
            format!(
                "conversation access: not granted, degrading {}: set plugins.entries.agent-ops.hooks.allowConversationAccess=true",
                conv_needed.join(", ")
            ),
        )
    });
    let compaction_on = res
        .phases
        .iter()
        .any(|p| p.key == "compaction" && p.enabled);
    if compaction_on {
        out.push(if res.engine.as_ref().is_some_and(|e| e.selected) {
            check(
                "degraded",
                Status::Ok,
                "context-engine slot: plugins.slots.contextEngine is \"agent-ops\"",
            )
        } else {
            check("degraded", Status::Warn, "context-engine slot: phase 1 runs hooks-only (no circuit breaker, no microcompaction): set plugins.slots.contextEngine=\"agent-ops\"")
        });
        let provider = info.compaction_provider.as_deref();
        out.push(match (&res.compaction_provider, provider) {
            (None, _) => check(
                "degraded",
                Status::Ok,
                "compaction provider: not used (phases.compaction.summaryTemplate is not nine-section)",
            ),
            (Some(_), Some(PLUGIN_ID)) => check(
                "degraded",
                Status::Ok,
                "compaction provider: agents.defaults.compaction.provider is \"agent-ops\"",
            ),
            (Some(_), _) => check("degraded", Status::Warn, "compaction provider: summaries use OpenClaw's built-in format: set agents.defaults.compaction.provider=\"agent-ops\""),
        });
    }
    out
}
