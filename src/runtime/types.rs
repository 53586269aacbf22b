//! Plain data crossing the core boundary (README G-R6): what `init`, `dispatch`,
//! `complete_job` and `tick` return, and what the JS entry tells the core about its host.

use crate::config::ConfigError;
use serde::{Deserialize, Serialize};

// The plain data every phase speaks lives on the ground floor now (issue 18); these names stay
// here while other code moves over.
pub use crate::contract::{
    AgentSandboxFacts, CoreError, Diagnostic, FailureMode, FailurePolicy, HookResponse, HostInfo,
    Job, JobKind, ModelCost, ModelInfo, Registration, SandboxFacts,
};
pub use crate::contract::{CommandSpec, EngineSpec, ProviderSpec, ServiceSpec, ToolSpec};

/// One phase as `init` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhaseReport {
    /// Config key.
    pub key: String,
    /// Phase number.
    pub number: u8,
    /// Title.
    pub title: String,
    /// Enabled in config.
    pub enabled: bool,
    /// Does its work yet.
    pub implemented: bool,
    /// Degraded-mode notes (settings that would lift them).
    pub degraded: Vec<String>,
}

/// The answer to `init`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitResult {
    /// The config was accepted.
    pub ok: bool,
    /// Crate and schema version.
    pub version: String,
    /// The resolved state directory.
    pub state_dir: String,
    /// Every phase with its state.
    pub phases: Vec<PhaseReport>,
    /// Every phase's handlers, phase by phase. The binding layer registers `hooks`; these
    /// name the phases behind them (a bare hook runs them by priority, highest first).
    pub registrations: Vec<Registration>,
    /// What the binding layer registers: one entry per hook name (issue 17), dispatched by
    /// its bare name, which runs every phase of `registrations` for that hook.
    #[serde(default)]
    pub hooks: Vec<super::hooks::HookRegistration>,
    /// Diagnostics to log once.
    pub diagnostics: Vec<Diagnostic>,
    /// Why the config was refused (empty when `ok`).
    pub errors: Vec<ConfigError>,
    /// Config errors the core recovered from: each key named here runs with its default
    /// (issue 17 item 3). Also logged as `core.config.invalid` diagnostics.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config_errors: Vec<ConfigError>,
    /// Context engine to register (phase 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<EngineSpec>,
    /// Compaction provider to register (phase 1, nine-section summaries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compaction_provider: Option<ProviderSpec>,
    /// Slash commands to register; their handler is dispatched like a hook.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<CommandSpec>,
    /// Agent tools to register (`api.registerTool`); their handler is dispatched like a hook.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<ToolSpec>,
    /// Background service to register (`api.registerService`): ticks and the stop drain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceSpec>,
    /// `agent-ops config applied: on [...] off [...]`: the line the binding layer logs at every
    /// (re)init (issue 17), empty when the config is refused.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub applied: String,
}
