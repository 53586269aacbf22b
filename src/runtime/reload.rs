//! Live reload (issue 17): the line every (re)init logs, the gateway status file that
//! `agent-ops doctor` reads, and the config check of the running service.
//!
//! OpenClaw 2026.9.6 replaces the plugin instance when `plugins.entries.agent-ops.config`
//! changes (hybrid reload). That replacement is the normal path: it re-registers exactly the
//! hooks, service, engine, provider, commands and tools of the phases now enabled (G-R13). It is
//! refused, and never retried, while the instance has active retained work (e.g. an agent
//! turn between two plugin callbacks, such as a running tool call): the whole config reload
//! fails ("replacement not applied"), OpenClaw's runtime snapshot keeps the old config and
//! the old instance keeps serving it. The service of the running instance therefore compares
//! the plugin config in OpenClaw's config file (else OpenClaw's runtime snapshot) with the
//! applied one on every tick; when they still differ after [`DRIFT_GRACE_MS`], the replacement did not
//! come, and the core applies the new config in place. What the registered handlers cannot
//! cover (a phase switched on whose hooks this instance never registered) is reported loudly
//! and recorded in the status file, so doctor shows what the gateway really enforces.

use super::{Diagnostic, HookResponse, InitResult, PhaseReport, Runtime};
use crate::host::{join_path, Host, LogLevel};
use crate::json;
use crate::sorted::SortedSet;
use serde_json::Value;

/// How long a config change may wait for OpenClaw's own replacement before the running
/// instance applies it in place (a replacement normally lands within a second; one admitted
/// after in-flight calls may take longer, and applying the same config twice is harmless).
pub const DRIFT_GRACE_MS: i64 = 10_000;

/// Layout version of the status file.
pub const STATUS_VERSION: u32 = 1;

/// `<stateDir>/gateway-status.json`: what the running gateway enforces.
pub fn status_path(state_dir: &str) -> String {
    join_path(state_dir, "gateway-status.json")
}

/// A config change the running instance has not applied yet.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Drift {
    /// OpenClaw's current `plugins.entries.agent-ops.config`.
    pub desired: Value,
    /// When this desired config was first seen (ms).
    pub since: i64,
    /// Whether its refusal or its missing handlers were already reported (once per change).
    pub reported: bool,
}

fn names(phases: &[PhaseReport], enabled: bool) -> String {
    phases
        .iter()
        .filter(|p| p.enabled == enabled)
        .map(|p| p.key.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `agent-ops config applied: on [compaction, bashSecurity] off [...]`, phases in order 1–7.
pub fn applied_line(phases: &[PhaseReport]) -> String {
    format!(
        "agent-ops config applied: on [{}] off [{}]",
        names(phases, true),
        names(phases, false)
    )
}

/// Largest OpenClaw config file read by the config check.
const CONFIG_FILE_MAX_BYTES: u64 = 4 * 1024 * 1024;

/// OpenClaw's config file as OpenClaw finds it: `$OPENCLAW_CONFIG_PATH`, else
/// `<OpenClaw state dir>/openclaw.json`, else `~/.openclaw/openclaw.json`.
pub fn openclaw_config_path(info: &super::HostInfo, host: &dyn Host) -> String {
    if let Some(p) = host.env("OPENCLAW_CONFIG_PATH").filter(|p| !p.is_empty()) {
        return p;
    }
    let dir = info.openclaw_dir(host);
    join_path(&dir, "openclaw.json")
}

/// `plugins.entries.agent-ops.config` of OpenClaw's config file (`{}` when the entry has no
/// config); `None` when the file is unreadable, not plain JSON (JSON5, `$include`) or has no
/// agent-ops entry.
pub(super) fn file_config(info: &super::HostInfo, host: &dyn Host) -> Option<Value> {
    let path = openclaw_config_path(info, host);
    let bytes = host.fs_read(&path, CONFIG_FILE_MAX_BYTES).ok()?;
    let file: Value = crate::json::read_slice(&bytes).ok()?;
    let entry = file.pointer("/plugins/entries/agent-ops")?;
    Some(entry.get("config").cloned().unwrap_or_else(|| json!({})))
}

/// Whether two plugin configs mean the same (defaults filled in or not); configs that do not
/// parse compare as JSON.
pub fn same_config(a: &Value, b: &Value) -> bool {
    match (
        crate::config::parse_config_value(a.clone()),
        crate::config::parse_config_value(b.clone()),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Everything an init asks the binding layer to register, by name.
pub(super) fn handler_set(result: &InitResult) -> SortedSet<String> {
    let mut set: SortedSet<String> = result
        .registrations
        .iter()
        .map(|r| r.handler.clone())
        .collect();
    // What the binding registers with OpenClaw: one handler per hook name, with its tools.
    for h in &result.hooks {
        match &h.matcher {
            None => {
                set.insert(format!("hook:{}@*", h.hook));
            }
            Some(tools) => {
                for t in tools {
                    set.insert(format!("hook:{}@{t}", h.hook));
                }
            }
        }
    }
    if let Some(e) = &result.engine {
        set.insert(format!("engine:{}", e.id));
    }
    if let Some(p) = &result.compaction_provider {
        set.insert(format!("compactionProvider:{}", p.id));
    }
    if let Some(s) = &result.service {
        set.insert(format!("service:{}", s.id));
    }
    for c in &result.commands {
        set.insert(c.handler.clone());
    }
    for t in &result.tools {
        set.insert(t.handler.clone());
    }
    set
}

/// Whether a handler of the new config is served by what the instance registered: the
/// handler itself, or (for a phase's hook) the merged hook name with every tool it needs.
/// A bare hook dispatches to the phases of the current config, so a phase added behind an
/// already registered hook runs.
fn covered(registered: &SortedSet<String>, handler: &str, result: &InitResult) -> bool {
    if registered.contains(handler) {
        return true;
    }
    let Some(r) = result.registrations.iter().find(|r| r.handler == handler) else {
        return false;
    };
    let any = format!("hook:{}@*", r.hook);
    if registered.contains(&any) {
        return true;
    }
    match &r.matcher {
        None => false,
        Some(tools) => tools
            .iter()
            .all(|t| registered.contains(&format!("hook:{}@{t}", r.hook))),
    }
}

/// The phases a handler name belongs to (`<phaseKey>:…`), for the report.
fn phase_of(handler: &str) -> &str {
    handler.split(':').next().unwrap_or(handler)
}

impl Runtime {
    /// Writes the gateway status file (only the process whose service runs writes it: a
    /// one-shot `agent --local` process is not the gateway). Failures are a diagnostic.
    pub(super) fn write_status(&self, host: &dyn Host, resp: &mut HookResponse) {
        let Some(a) = self.active.as_ref() else {
            return;
        };
        let pending = a.drift.as_ref().map(|d| {
            json!({
                "since": d.since,
                "config": d.desired,
                "missing": a.missing.iter().collect::<Vec<_>>(),
            })
        });
        let body = json!({
            "v": STATUS_VERSION,
            "pid": a.info.pid,
            "writtenAt": host.now_ms(),
            "config": a.config_value,
            "on": a.phases.iter().filter(|p| p.enabled).map(|p| p.key.clone()).collect::<Vec<_>>(),
            "off": a.phases.iter().filter(|p| !p.enabled).map(|p| p.key.clone()).collect::<Vec<_>>(),
            "missing": a.missing.iter().collect::<Vec<_>>(),
            "pending": pending,
        });
        let path = status_path(&a.state_dir);
        let bytes = serde_json::to_vec_pretty(&body).unwrap_or_default();
        if let Err(e) = host.fs_write_atomic(&path, &bytes, 0o600) {
            resp.diagnostics.push(Diagnostic {
                level: LogLevel::Warn,
                code: "core.status.write_failed".into(),
                message: format!("could not write {path}: {e}"),
            });
        }
    }

    /// The running service's config check: `event.config` is OpenClaw's current
    /// `plugins.entries.agent-ops.config` (absent when the binding layer could not read it).
    /// Answers `ret.applied` (the applied line and the config JSON) when it applied a config.
    pub(super) fn config_check(
        &mut self,
        host: &dyn Host,
        event: &Value,
    ) -> Result<HookResponse, super::CoreError> {
        let mut resp = HookResponse::default();
        let now = host.now_ms();
        let active = self.active.as_mut().ok_or_else(super::not_initialised)?;
        // The file first: a config reload whose plugin replacement OpenClaw refused fails as a
        // whole, and OpenClaw's runtime snapshot (`event.config`) keeps the old config. Only an
        // edit since the last init counts (a file that never matched the applied config, e.g.
        // through `${VAR}` substitution, is not a change), and never a value OpenClaw would
        // substitute.
        let file = file_config(&active.info, host).filter(|f| {
            Some(f) != active.file_baseline.as_ref()
                && !serde_json::to_string(f).unwrap_or_default().contains("${")
        });
        let Some(desired) = file.or_else(|| event.get("config").cloned()) else {
            return Ok(resp);
        };
        let desired = if desired.is_null() {
            json!({})
        } else {
            desired
        };
        // OpenClaw hands the plugin its config with defaults filled in; compare meanings.
        let same = match crate::config::parse_config_value(desired.clone()) {
            Ok(c) => c == active.config,
            Err(_) => desired == active.config_value,
        };
        if same {
            if active.drift.take().is_some() {
                self.write_status(host, &mut resp);
            }
            return Ok(resp);
        }
        match &active.drift {
            Some(d) if d.desired == desired => {}
            _ => {
                active.drift = Some(Drift {
                    desired: desired.clone(),
                    since: now,
                    reported: false,
                })
            }
        }
        let (since, reported) = active
            .drift
            .as_ref()
            .map_or((now, false), |d| (d.since, d.reported));
        if now.saturating_sub(since) < DRIFT_GRACE_MS || reported {
            return Ok(resp);
        }
        // OpenClaw did not replace the instance: validate, then apply in place.
        let desired_text = serde_json::to_string(&desired).unwrap_or_default();
        let info_json = active.info_json.clone();
        let registered = active.registered.clone();
        let mut scratch = Runtime::new();
        let trial = scratch.init(host, &desired_text, &info_json);
        if !trial.ok {
            if let Some(d) = active.drift.as_mut() {
                d.reported = true;
            }
            let errors = trial
                .errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; ");
            resp.diagnostics.push(Diagnostic {
                level: LogLevel::Error,
                code: "core.config.change_refused".into(),
                message: format!("plugins.entries.agent-ops.config changed but OpenClaw did not replace the plugin, and the new config is refused ({errors}); the gateway keeps enforcing: {}", applied_line(&active.phases)),
            });
            self.write_status(host, &mut resp);
            return Ok(resp);
        }
        let was = applied_line(&active.phases);
        let result = self.init(host, &desired_text, &info_json);
        let Some(a) = self.active.as_mut() else {
            return Ok(resp);
        };
        // Nothing was registered by this in-place init: the handlers are the old instance's.
        let missing: SortedSet<String> = handler_set(&result)
            .iter()
            .filter(|h| !h.starts_with("hook:") && !covered(&registered, h, &result))
            .cloned()
            .collect();
        a.registered = registered;
        a.missing = missing.clone();
        a.drift = None;
        resp.diagnostics.push(Diagnostic {
            level: LogLevel::Warn,
            code: "core.config.applied_in_place".into(),
            message: format!(
                "plugins.entries.agent-ops.config changed {} s ago but OpenClaw did not replace the plugin (a replacement is refused while the plugin has active retained work, such as a model call in flight, and is not retried); the running instance applied it in place (was: {was})",
                now.saturating_sub(since) / 1000
            ),
        });
        if !missing.is_empty() {
            let phases: SortedSet<&str> = missing.iter().map(|h| phase_of(h)).collect();
            resp.diagnostics.push(Diagnostic {
                level: LogLevel::Error,
                code: "core.config.reload_needed".into(),
                message: format!(
                    "phase(s) {} need handlers this plugin instance never registered ({}); they stay inactive until `openclaw plugins reload agent-ops` or a gateway restart",
                    phases.iter().copied().collect::<Vec<_>>().join(", "),
                    missing.iter().cloned().collect::<Vec<_>>().join(", ")
                ),
            });
        }
        for d in result.diagnostics {
            resp.diagnostics.push(d);
        }
        // A phase 3 that a stop left draining resumes with the service that runs this check.
        if a.config.phases.session_memory.enabled() {
            let out = super::route::session(
                a,
                host,
                "service_start",
                &json!({}),
                &Value::Null,
                &super::CallIds::default(),
            );
            super::interplay::deliver(a, host, &mut resp, out);
        }
        resp.ret = json!({ "applied": { "line": result.applied, "config": desired_text } });
        self.write_status(host, &mut resp);
        Ok(resp)
    }
}
