//! The plugin config (`plugins.entries.agent-ops.config`, README §7) and its validation.
//!
//! One Rust type is the single source of truth: [`parse_config`] validates operator input
//! against it (unknown keys and wrong types name the full key path and, for an unknown key,
//! the closest valid key) through the hand-written reader of `crate::settings` (one
//! `read_struct!` line per key, checked against the type's `Serialize` keys by a test), and
//! [`config_json_schema`] generates the JSON Schema that ships in `pkg/openclaw.plugin.json`.

mod lenient;
mod schema;

pub use crate::settings::closest_key;
pub use crate::settings::{Check, CheckAt, ConfigError, PhaseSettings, Toggle};
pub use lenient::parse_config_lenient;
pub use schema::{config_json_schema, plugin_manifest, typed_config_schema, ui_hints};

use crate::{budget, compaction, coordinator, fork_skills, memory_scope, session_memory, shell};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The whole plugin config.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct Config {
    /// Per-phase toggles and settings.
    pub phases: Phases,
    /// Root of all plugin state; `~` is expanded; default `<OpenClaw state dir>/agent-ops`.
    pub state_dir: Option<String>,
    /// The decision journal (README G-R12).
    pub audit: AuditConfig,
    /// Lowest level of diagnostics sent to the OpenClaw logger.
    pub log_level: LogLevelSetting,
}

/// The seven phase entries (README §2).
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct Phases {
    /// Phase 1: compaction governance.
    pub compaction: Toggle<compaction::CompactionConfig>,
    /// Phase 2: loop termination and budgets.
    pub loop_budget: Toggle<budget::LoopBudgetConfig>,
    /// Phase 3: session memory and long-term extraction.
    pub session_memory: Toggle<session_memory::SessionMemoryConfig>,
    /// Phase 4: bash/exec command security.
    pub bash_security: Toggle<shell::BashSecurityConfig>,
    /// Phase 5: memory scoping, snapshots, cost attribution, model tiers.
    pub memory_scoping: Toggle<memory_scope::MemoryScopingConfig>,
    /// Phase 6: coordinator mode and subagent resume integrity.
    pub coordinator: Toggle<coordinator::CoordinatorConfig>,
    /// Phase 7: forked agents and skills.
    pub fork_skills: Toggle<fork_skills::ForkSkillsConfig>,
}

/// Audit journal settings (README G-R12).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct AuditConfig {
    /// Write decisions to `<stateDir>/audit/decisions-YYYY-MM-DD.jsonl`.
    pub enabled: bool,
    /// Also journal the plain allow/no-op decisions of phases other than 4.
    pub include_allows: bool,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            enabled: true,
            include_allows: false,
        }
    }
}

/// `logLevel`: one of `error`, `warn`, `info`, `debug`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LogLevelSetting {
    /// Only failures.
    Error,
    /// Failures and degraded modes (default).
    #[default]
    Warn,
    /// Normal operation too.
    Info,
    /// Everything.
    Debug,
}

/// The stable keys of the seven phases, in phase order.
pub const PHASE_KEYS: [&str; 7] = [
    "compaction",
    "loopBudget",
    "sessionMemory",
    "bashSecurity",
    "memoryScoping",
    "coordinator",
    "forkSkills",
];

impl Config {
    /// Whether the phase with this config key is enabled (unknown keys: false).
    pub fn phase_enabled(&self, key: &str) -> bool {
        let p = &self.phases;
        match key {
            "compaction" => p.compaction.enabled(),
            "loopBudget" => p.loop_budget.enabled(),
            "sessionMemory" => p.session_memory.enabled(),
            "bashSecurity" => p.bash_security.enabled(),
            "memoryScoping" => p.memory_scoping.enabled(),
            "coordinator" => p.coordinator.enabled(),
            "forkSkills" => p.fork_skills.enabled(),
            _ => false,
        }
    }
}

/// Parses and validates a config given as JSON text. `null` or an empty text means defaults.
pub fn parse_config(json: &str) -> Result<Config, Vec<ConfigError>> {
    if json.trim().is_empty() {
        return Ok(Config::default());
    }
    let value: serde_json::Value = crate::json::from_str(json).map_err(|e| {
        vec![ConfigError {
            path: String::new(),
            message: format!("config is not valid JSON: {e}"),
        }]
    })?;
    parse_config_value(value)
}

/// Parses and validates a config given as a JSON value.
pub fn parse_config_value(value: serde_json::Value) -> Result<Config, Vec<ConfigError>> {
    if value.is_null() {
        return Ok(Config::default());
    }
    if !value.is_object() {
        // A config is always an object (an array or a scalar gets this one message).
        return Err(vec![ConfigError {
            path: String::new(),
            message: "the config must be a JSON object".into(),
        }]);
    }
    let config =
        <Config as crate::settings::ReadJson>::read_json(&value, &crate::settings::At::Root)
            .map_err(|e| vec![e])?;
    let mut check = Check::default();
    config.validate(&mut check);
    check.into_result(config)
}

impl Config {
    fn validate(&self, c: &mut Check) {
        if let Some(dir) = &self.state_dir {
            if !(dir.starts_with('/') || dir == "~" || dir.starts_with("~/")) {
                c.fail(
                    "stateDir",
                    format!("must be an absolute path (or start with ~/), got {dir:?}"),
                );
            }
        }
        let p = &self.phases;
        p.compaction.0.validate(&mut c.at("phases.compaction"));
        p.loop_budget.0.validate(&mut c.at("phases.loopBudget"));
        p.session_memory
            .0
            .validate(&mut c.at("phases.sessionMemory"));
        p.bash_security.0.validate(&mut c.at("phases.bashSecurity"));
        p.memory_scoping
            .0
            .validate(&mut c.at("phases.memoryScoping"));
        p.coordinator.0.validate(&mut c.at("phases.coordinator"));
        p.fork_skills.0.validate(&mut c.at("phases.forkSkills"));
    }
}

/// `{"ok": true}` or `{"ok": false, "errors": [{path, message}]}` as JSON text.
pub fn validate_config_json(json: &str) -> String {
    let v = match parse_config(json) {
        Ok(_) => crate::json!({ "ok": true }),
        Err(errors) => crate::json!({ "ok": false, "errors": errors }),
    };
    serde_json::to_string(&v).unwrap_or_else(|_| "{\"ok\":false}".into())
}

// The config reader (README G-R3): one line per key, in declaration order.
crate::settings::read_struct!(Config {
    "phases" => phases,
    "stateDir" => state_dir,
    "audit" => audit,
    "logLevel" => log_level,
});
crate::settings::read_struct!(Phases {
    "compaction" => compaction,
    "loopBudget" => loop_budget,
    "sessionMemory" => session_memory,
    "bashSecurity" => bash_security,
    "memoryScoping" => memory_scoping,
    "coordinator" => coordinator,
    "forkSkills" => fork_skills,
});
crate::settings::read_struct!(AuditConfig {
    "enabled" => enabled,
    "includeAllows" => include_allows,
});
crate::settings::read_enum! {
    LogLevelSetting { Error = "error", Warn = "warn", Info = "info", Debug = "debug" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(json: &str) -> Vec<ConfigError> {
        parse_config(json).expect_err(json)
    }

    #[test]
    fn empty_and_null_mean_defaults() {
        assert_eq!(parse_config("").unwrap(), Config::default());
        assert_eq!(parse_config("null").unwrap(), Config::default());
        let c = parse_config("{}").unwrap();
        for k in PHASE_KEYS {
            assert!(c.phase_enabled(k), "{k}");
        }
    }

    #[test]
    fn booleans_toggle_phases() {
        let c = parse_config(r#"{"phases":{"bashSecurity":false,"compaction":true}}"#).unwrap();
        assert!(!c.phase_enabled("bashSecurity"));
        assert!(c.phase_enabled("compaction"));
        let c = parse_config(r#"{"phases":{"bashSecurity":{"enabled":false}}}"#).unwrap();
        assert!(!c.phase_enabled("bashSecurity"));
    }

    #[test]
    fn unknown_key_names_full_path_and_closest_key() {
        let e = err(r#"{"phases":{"loopBudget":{"maxToolCalls":5}}}"#);
        assert_eq!(e[0].path, "phases.loopBudget.maxToolCalls");
        assert!(
            e[0].message.contains("maxToolCallsPerRun"),
            "{}",
            e[0].message
        );
        let e = err(r#"{"phasez":{}}"#);
        assert_eq!(e[0].path, "phasez");
        assert!(
            e[0].message.contains("did you mean `phases`"),
            "{}",
            e[0].message
        );
    }

    #[test]
    fn wrong_type_names_the_key() {
        let e = err(r#"{"phases":{"loopBudget":{"maxToolCallsPerRun":"many"}}}"#);
        assert_eq!(e[0].path, "phases.loopBudget.maxToolCallsPerRun");
        assert!(e[0].message.contains("invalid type"), "{}", e[0].message);
        let e = err(r#"{"phases":{"bashSecurity":"yes"}}"#);
        assert_eq!(e[0].path, "phases.bashSecurity");
    }

    #[test]
    fn range_errors_name_the_key() {
        let e = err(r#"{"phases":{"loopBudget":{"repeat":{"warnAt":6,"blockAt":5}}}}"#);
        assert!(
            e.iter()
                .any(|e| e.path == "phases.loopBudget.repeat.warnAt"),
            "{e:?}"
        );
        let e = err(r#"{"stateDir":"relative/dir"}"#);
        assert_eq!(e[0].path, "stateDir");
    }

    #[test]
    fn not_json_is_refused() {
        let e = err("{");
        assert!(e[0].message.contains("not valid JSON"));
    }

    /// Every key `Serialize` writes is read back into the same field: a key missing from a
    /// `read_struct!` list fails as an unknown key, a key wired to the wrong field fails the
    /// comparison (each scalar gets a value unlike any other).
    #[test]
    fn the_reader_knows_every_serialized_key_and_its_field() {
        use crate::settings::{At, ReadJson};
        fn perturb(v: &mut serde_json::Value, n: &mut u64) {
            match v {
                serde_json::Value::Bool(b) => *b = !*b,
                serde_json::Value::Number(x) => {
                    *n += 1;
                    *v = if x.is_f64() {
                        crate::json!(*n as f64 + 0.5)
                    } else {
                        crate::json!(*n)
                    };
                }
                serde_json::Value::String(s) => s.push('x'),
                serde_json::Value::Array(a) => a.iter_mut().for_each(|x| perturb(x, n)),
                serde_json::Value::Object(m) => m.values_mut().for_each(|x| perturb(x, n)),
                serde_json::Value::Null => {}
            }
        }
        let mut v = serde_json::to_value(Config::default()).unwrap();
        let back = Config::read_json(&v, &At::Root).unwrap();
        assert_eq!(back, Config::default());
        let mut n = 0;
        perturb(&mut v, &mut n);
        // Enum names would no longer parse with an `x` appended: put them back.
        let enums = serde_json::to_value(Config::default()).unwrap();
        fn restore(v: &mut serde_json::Value, orig: &serde_json::Value) {
            match (v, orig) {
                (serde_json::Value::Object(m), serde_json::Value::Object(o)) => {
                    for (k, x) in m.iter_mut() {
                        if let Some(y) = o.get(k) {
                            restore(x, y);
                        }
                    }
                }
                (serde_json::Value::Array(a), serde_json::Value::Array(o)) => {
                    for (x, y) in a.iter_mut().zip(o) {
                        restore(x, y);
                    }
                }
                (x @ serde_json::Value::String(_), y @ serde_json::Value::String(s))
                    if !s.contains('/')
                        && s.chars()
                            .all(|c| c.is_ascii_lowercase() || c == '-' || c == '+') =>
                {
                    *x = y.clone();
                }
                _ => {}
            }
        }
        restore(&mut v, &enums);
        let back = Config::read_json(&v, &At::Root).unwrap();
        assert_eq!(serde_json::to_value(&back).unwrap(), v);
        assert!(n > 40, "{n}");
    }
}
