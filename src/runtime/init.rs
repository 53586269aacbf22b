//! `init` (README G-R6): the config read leniently (each invalid key falls back to its
//! default and is reported), the state directory resolved and migrated, and every enabled
//! phase's `PhaseInit` merged in phase order into what the binding layer registers.

use super::{hooks, reload, steps, to_json, version, Active, Diagnostic, InitResult, PhaseReport};
use super::{HostInfo, Runtime};
use crate::config::{parse_config_lenient, Config, ConfigError};
use crate::contract::PhaseInit;
use crate::host::{join_path, Host, LogLevel};
use crate::phase::PHASES;
use crate::shell;
use crate::sorted::SortedSet;
use serde_json::Value;

fn expand_home(path: &str, home: &str) -> String {
    if path == "~" {
        home.to_string()
    } else if let Some(rest) = path.strip_prefix("~/") {
        join_path(home, rest)
    } else {
        path.to_string()
    }
}

/// The plugin's state directory (README §7): config `stateDir`, else
/// `<OpenClaw state dir>/agent-ops`, else `$OPENCLAW_STATE_DIR/agent-ops`, else
/// `~/.openclaw/agent-ops`.
pub fn resolve_state_dir(config: &Config, info: &HostInfo, host: &dyn Host) -> String {
    if let Some(dir) = &config.state_dir {
        let home = info
            .home_dir
            .clone()
            .filter(|h| !h.is_empty())
            .or_else(|| Some(host.resolve_dirs().home_dir).filter(|h| !h.is_empty()))
            .or_else(|| host.env("HOME"))
            .unwrap_or_else(|| "/".to_string());
        return expand_home(dir, &home);
    }
    join_path(&info.openclaw_dir(host), "agent-ops")
}

/// Phases that lose features without `hooks.allowConversationAccess` (OC-R9).
const CONVERSATION_PHASES: [&str; 5] = [
    "loopBudget",
    "sessionMemory",
    "memoryScoping",
    "coordinator",
    "forkSkills",
];

/// The config text as a JSON value (`null` for an empty text).
fn parse_config_text(text: &str) -> Result<Value, ConfigError> {
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    crate::json::from_str::<Value>(text).map_err(|e| ConfigError {
        path: String::new(),
        message: format!("config is not valid JSON: {e}"),
    })
}

/// A phase written as `true`/`false` still works, but OpenClaw's Control UI renders the object
/// form only: its switch would show the default and cannot change the shorthand value.
fn report_shorthand(value: &Value, result: &mut InitResult) {
    for key in crate::config::PHASE_KEYS {
        if let Some(Value::Bool(b)) = value.get("phases").and_then(|p| p.get(key)) {
            result.diagnostics.push(Diagnostic {
                level: LogLevel::Warn,
                code: "core.config.shorthand".into(),
                message: format!(
                    "phases.{key}: `{b}` is the shorthand form, which the Control UI cannot show or switch; write {{\"enabled\": {b}}} instead"
                ),
            });
        }
    }
}

/// One error diagnostic per config error (the key falls back to its default), then one line
/// that says what the gateway runs with. Logged at startup and shown by `agent-ops doctor`.
fn report_config_errors(errors: &[ConfigError], result: &mut InitResult) {
    for e in errors {
        let key = if e.path.is_empty() {
            "plugins.entries.agent-ops.config".to_string()
        } else {
            format!("plugins.entries.agent-ops.config.{}", e.path)
        };
        result.diagnostics.push(Diagnostic {
            level: LogLevel::Error,
            code: "core.config.invalid".into(),
            message: format!("{key}: {}; using the default for this key", e.message),
        });
    }
    if !errors.is_empty() {
        result.diagnostics.push(Diagnostic {
            level: LogLevel::Error,
            code: "core.config.defaults_used".into(),
            message: format!(
                "{} config error(s): agent-ops runs with the default of each invalid key (phase 4 stays on unless `phases.bashSecurity.enabled` is a valid false); fix them and save, the gateway reloads the config",
                errors.len()
            ),
        });
    }
}

/// Merges one phase's init answer into the init result, in phase order.
fn absorb_init(result: &mut InitResult, key: &str, init: PhaseInit) {
    result.registrations.extend(init.registrations);
    result.commands.extend(init.commands);
    result.tools.extend(init.tools);
    if result.service.is_none() {
        result.service = init.service;
    }
    if init.engine.is_some() {
        result.engine = init.engine;
    }
    if init.compaction_provider.is_some() {
        result.compaction_provider = init.compaction_provider;
    }
    result.diagnostics.extend(init.diagnostics);
    if let Some(p) = result.phases.iter_mut().find(|p| p.key == key) {
        p.degraded.extend(init.degraded);
    }
}

impl Runtime {
    /// Validates the config and reports phases, handlers to register and diagnostics.
    ///
    /// A refused config leaves the runtime uninitialised (every later call errors).
    pub fn init(&mut self, host: &dyn Host, config_json: &str, host_info_json: &str) -> InitResult {
        let mut result = InitResult {
            version: version(),
            ..InitResult::default()
        };
        let info: HostInfo = if host_info_json.trim().is_empty() {
            HostInfo::default()
        } else {
            match crate::json::from_str::<Value>(host_info_json).and_then(|v| {
                if v.is_object() || v.is_null() {
                    <HostInfo as crate::json::FromJson>::from_json(if v.is_null() {
                        crate::json!({})
                    } else {
                        v
                    })
                } else {
                    // The parser's own error for this text (a bad `null`), as before: read as a
                    // `Value`, not as `HostInfo`, so HostInfo has no byte-reader copy in wasm.
                    crate::json::from_str::<Value>("not an object").map(|_| HostInfo::default())
                }
            }) {
                Ok(i) => i,
                Err(e) => {
                    result.errors.push(crate::config::ConfigError {
                        path: String::new(),
                        message: format!("host info is not valid: {e}"),
                    });
                    self.active = None;
                    return result;
                }
            }
        };
        // A config with errors still runs: each invalid key uses its default and every error
        // is reported (issue 17 item 3), so a typo never leaves exec without phase 4.
        let (config, config_errors) = match parse_config_text(config_json) {
            Ok(mut value) => {
                report_shorthand(&value, &mut result);
                if let Some(d) = crate::session_memory::strip_removed_keys(&mut value) {
                    result.diagnostics.push(d);
                }
                parse_config_lenient(value)
            }
            Err(e) => (Config::default(), vec![e]),
        };
        result.ok = true;
        report_config_errors(&config_errors, &mut result);
        result.config_errors = config_errors;
        result.state_dir = resolve_state_dir(&config, &info, host);
        // G-R19: migrate (once, under a lock) before any phase reads its state. A plugin with
        // every phase off keeps no state and leaves the directory alone.
        let schema = if PHASES.iter().any(|p| config.phase_enabled(p.key)) {
            crate::schema::ensure(host, &result.state_dir)
        } else {
            crate::schema::SchemaCheck::default()
        };
        result.diagnostics.extend(schema.diagnostics);
        let conv_missing = info.conversation_access == Some(false);
        let mut degraded_phases = Vec::new();
        for p in PHASES.iter() {
            let enabled = config.phase_enabled(p.key);
            let mut degraded = Vec::new();
            if enabled && conv_missing && CONVERSATION_PHASES.contains(&p.key) {
                degraded.push(
                    "conversation hooks unavailable: set plugins.entries.agent-ops.hooks.allowConversationAccess=true"
                        .to_string(),
                );
                degraded_phases.push(p.key);
            }
            result.phases.push(PhaseReport {
                key: p.key.into(),
                number: p.number,
                title: p.title.into(),
                enabled,
                implemented: p.implemented,
                degraded,
            });
        }
        if let Some(why) = &schema.read_only {
            for p in result.phases.iter_mut().filter(|p| p.enabled) {
                p.degraded.push(format!("read-only: {why}"));
            }
        }
        if !degraded_phases.is_empty() {
            result.diagnostics.push(Diagnostic {
                level: LogLevel::Warn,
                code: "core.degraded.conversation_access".into(),
                message: format!(
                    "plugins.entries.agent-ops.hooks.allowConversationAccess is not true; conversation-hook features of {} are degraded",
                    degraded_phases.join(", ")
                ),
            });
        }
        if config.phases.bash_security.enabled()
            && config.phases.bash_security.settings().trusted_policy
        {
            result.diagnostics.push(Diagnostic {
                level: LogLevel::Warn,
                code: "exec.degraded.trusted_policy".into(),
                message: "phases.bashSecurity.trustedPolicy is set, but this version registers phase 4 only as a before_tool_call hook (highest priority, fail closed); the trusted tool policy is not registered".into(),
            });
        }
        if config.phases.bash_security.enabled() {
            let init = shell::init(config.phases.bash_security.settings());
            absorb_init(&mut result, "bashSecurity", init);
        }
        if config.phases.loop_budget.enabled() {
            let deprecated = config
                .phases
                .memory_scoping
                .settings()
                .costs
                .daily_budget_usd;
            let init = crate::budget::init(config.phases.loop_budget.settings(), &info, deprecated);
            absorb_init(&mut result, "loopBudget", init);
        }
        if config.phases.memory_scoping.enabled() {
            absorb_init(
                &mut result,
                "memoryScoping",
                crate::memory_scope::init(&info),
            );
        }
        let mut template = crate::session_memory::Template::builtin();
        if config.phases.session_memory.enabled() {
            let home = info
                .home_dir
                .clone()
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| host.resolve_dirs().home_dir);
            match crate::session_memory::load_template(
                config
                    .phases
                    .session_memory
                    .settings()
                    .notes
                    .template
                    .as_deref(),
                &home,
                host,
            ) {
                Ok(t) => template = t,
                Err(e) => {
                    // Like any invalid key: the built-in template, and the error reported.
                    report_config_errors(std::slice::from_ref(&e), &mut result);
                    result.config_errors.push(e);
                }
            }
            absorb_init(
                &mut result,
                "sessionMemory",
                crate::session_memory::init(&info),
            );
        }
        if config.phases.coordinator.enabled() {
            let init = crate::coordinator::init(config.phases.coordinator.settings(), &info);
            absorb_init(&mut result, "coordinator", init);
        }
        if config.phases.fork_skills.enabled() {
            let init = crate::fork_skills::init(&info, crate::session_memory::service());
            absorb_init(&mut result, "forkSkills", init);
        }
        if config.phases.compaction.enabled() {
            let protocol = crate::compaction::EngineProtocol {
                version: version(),
                fields: steps::fields(),
                failure: steps::failure(),
            };
            let init =
                crate::compaction::init(config.phases.compaction.settings(), &info, protocol);
            absorb_init(&mut result, "compaction", init);
        }
        for p in result.phases.iter().filter(|p| p.enabled && !p.implemented) {
            result.diagnostics.push(Diagnostic {
                level: LogLevel::Info,
                code: "core.phase.not_implemented".into(),
                message: format!(
                    "phase {} ({}) is enabled but not implemented in this version; it does nothing",
                    p.number, p.title
                ),
            });
        }
        let mut run_order = result.registrations.clone();
        hooks::sort_by_priority(&mut run_order);
        result.hooks = hooks::merge_registrations(&run_order);
        // Every process that may run a config check ticks: the service runs for any config.
        if result.service.is_none() {
            result.service = Some(crate::session_memory::service());
        }
        result.applied = reload::applied_line(&result.phases);
        let config_value = crate::json::from_str::<Value>(config_json)
            .ok()
            .filter(|v| !v.is_null())
            .unwrap_or_else(|| crate::json!({}));
        let file_baseline = reload::file_config(&info, host);
        // A re-init (OpenClaw loads the plugin more than once, a config hot reload replaces
        // the plugin instance) keeps the jobs in flight: their outcomes come back to this core
        // (issue 19). The job counter goes on, so a new job never reuses a pending id.
        let (keeper, coordinator, skiller, approvals, next_job) = self
            .active
            .take()
            .map(|a| (a.keeper, a.coordinator, a.skiller, a.approvals, a.next_job))
            .unwrap_or_default();
        self.active = Some(Active {
            config,
            info,
            state_dir: result.state_dir.clone(),
            next_job,
            approvals,
            governor: crate::compaction::CompactionGovernor::default(),
            tracker: crate::budget::SpendTracker::default(),
            scoper: crate::memory_scope::MemoryScoper::default(),
            keeper,
            template,
            coordinator,
            skiller,
            config_value,
            info_json: host_info_json.to_string(),
            phases: result.phases.clone(),
            registered: reload::handler_set(&result),
            missing: SortedSet::new(),
            drift: None,
            file_baseline,
            registrations: run_order,
            internal_keys: SortedSet::new(),
            read_only: schema.read_only,
        });
        result
    }

    /// `init` with JSON text in and out.
    pub fn init_json(
        &mut self,
        host: &dyn Host,
        config_json: &str,
        host_info_json: &str,
    ) -> String {
        to_json(&self.init(host, config_json, host_info_json))
    }
}
