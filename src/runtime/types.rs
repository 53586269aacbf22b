//! Plain data crossing the core boundary (README G-R6): what `init`, `dispatch`,
//! `complete_job` and `tick` return, and what the JS entry tells the core about its host.

use crate::audit::Decision;
use crate::config::ConfigError;
use crate::host::LogLevel;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Facts about the OpenClaw process, sent by the binding layer with `init`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct HostInfo {
    /// `api.runtime.state.resolveStateDir()`.
    pub openclaw_state_dir: Option<String>,
    /// The user's home directory.
    pub home_dir: Option<String>,
    /// The default agent workspace.
    pub workspace_dir: Option<String>,
    /// `linux` or `macos` (case-insensitive path matching on macOS).
    pub os: Option<String>,
    /// `plugins.entries.agent-ops.hooks.allowConversationAccess` is true.
    pub conversation_access: Option<bool>,
    /// `plugins.slots.contextEngine` selects `agent-ops`.
    pub context_engine_selected: Option<bool>,
    /// OpenClaw version, when known.
    pub openclaw_version: Option<String>,
    /// Model entries of `models.providers` (window and output limit, phase 1).
    pub models: Vec<ModelInfo>,
    /// `agents.defaults.compaction.provider`.
    pub compaction_provider: Option<String>,
    /// `agents.defaults.compaction.enabled` (false: OpenClaw compaction is off).
    pub host_compaction_enabled: Option<bool>,
    /// `agents.defaults.compaction.timeoutSeconds`.
    pub compaction_timeout_seconds: Option<u64>,
    /// The system temp directory (`os.tmpdir()`): writes there count as workspace writes.
    pub tmp_dir: Option<String>,
    /// Process id of the gateway (or CLI) process, recorded in the gateway status file so
    /// `agent-ops doctor` can tell a running gateway from a stale file.
    pub pid: Option<u32>,
    /// OpenClaw's `agents` and `tools` config sections as the binding layer found them
    /// (`{agents, tools}`); [`SandboxFacts::from_value`] reads what decides the sandbox.
    pub sandbox: Value,
}

/// The OpenClaw settings that decide whether an exec call runs in its sandbox
/// (`runProject: "sandbox"`); the decision is `shell_glue::exec_sandboxed`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SandboxFacts {
    /// `agents.defaults.sandbox.mode` (`off`, `non-main`, `all`).
    pub mode: Option<String>,
    /// `tools.exec.host` (`auto`, `sandbox`, `gateway`, `node`).
    pub exec_host: Option<String>,
    /// `tools.elevated.enabled`: the elevated escape hatch out of the sandbox.
    pub elevated_enabled: Option<bool>,
    /// Per-agent overrides (`agents.entries.<id>`).
    pub agents: Vec<AgentSandboxFacts>,
}

/// One agent's overrides of [`SandboxFacts`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentSandboxFacts {
    /// Agent id.
    pub id: String,
    /// `agents.entries.<id>.sandbox.mode`.
    pub mode: Option<String>,
    /// `agents.entries.<id>.tools.exec.host`.
    pub exec_host: Option<String>,
    /// `agents.entries.<id>.tools.elevated.enabled`.
    pub elevated_enabled: Option<bool>,
}

impl SandboxFacts {
    /// Reads `agents.defaults.sandbox.mode`, `tools.exec.host`, `tools.elevated.enabled` and
    /// their per-agent overrides (`agents.entries.<id>`) from the binding layer's
    /// `{agents, tools}`; a value of the wrong type counts as not set. Read by hand: a
    /// derived impl costs wasm size (README G-R3).
    pub fn from_value(v: &Value) -> SandboxFacts {
        let s = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
        let b = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_bool);
        let agents = v
            .pointer("/agents/entries")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(id, e)| AgentSandboxFacts {
                        id: id.clone(),
                        mode: s(e, "/sandbox/mode"),
                        exec_host: s(e, "/tools/exec/host"),
                        elevated_enabled: b(e, "/tools/elevated/enabled"),
                    })
                    .collect()
            })
            .unwrap_or_default();
        SandboxFacts {
            mode: s(v, "/agents/defaults/sandbox/mode"),
            exec_host: s(v, "/tools/exec/host"),
            elevated_enabled: b(v, "/tools/elevated/enabled"),
            agents,
        }
    }
}

/// One model entry of `models.providers.<provider>.models`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ModelInfo {
    /// Provider id.
    pub provider: String,
    /// Model id.
    pub id: String,
    /// `contextWindow`.
    pub context_window: Option<u64>,
    /// `maxTokens`.
    pub max_tokens: Option<u64>,
    /// `cost`: USD per million tokens.
    pub cost: Option<ModelCost>,
}

/// A model entry's `cost` table (USD per million tokens).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ModelCost {
    /// Input tokens.
    pub input: f64,
    /// Output tokens.
    pub output: f64,
    /// Cached prompt tokens read.
    pub cache_read: f64,
    /// Prompt tokens written to the cache.
    pub cache_write: f64,
}

/// The context engine the binding layer registers (openclaw.md §6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EngineSpec {
    /// Engine id (`plugins.slots.contextEngine`).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Crate version.
    pub version: String,
    /// `info.ownsCompaction`.
    pub owns_compaction: bool,
    /// Whether the slot selects this engine (false: hooks-only mode, P1-R12).
    pub selected: bool,
    /// `info.transcriptSemantics` (openclaw.md §6).
    pub transcript_semantics: Value,
    /// Per engine method, the paths of OpenClaw's arguments to send (the rest stays in JS).
    pub fields: Value,
    /// Per multi-step call (`compact`, `maintain`, `summarize`), the step to follow when the
    /// core fails on its first call (the engine's failure policy, README G-R21).
    pub failure: Value,
}

/// The compaction provider the binding layer registers (openclaw.md §13.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderSpec {
    /// Provider id (`agents.defaults.compaction.provider`).
    pub id: String,
    /// Label.
    pub label: String,
}

/// A diagnostic for the OpenClaw plugin logger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Level.
    pub level: LogLevel,
    /// Stable code, e.g. `core.degraded.conversation_access`.
    pub code: String,
    /// Text for the operator.
    pub message: String,
}

/// Asynchronous work the core asks the binding layer to run (README G-R6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    /// Id to pass back to `complete_job`.
    pub id: String,
    /// `llm`, `approval` or `timer`.
    pub kind: JobKind,
    /// Config key of the phase that asked.
    pub phase: String,
    /// Kind-specific input.
    pub payload: Value,
    /// How long the job may take.
    pub timeout_ms: u64,
}

/// Kinds of [`Job`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    /// An LLM call.
    Llm,
    /// An approval whose resolution is reported back (`onResolution`).
    Approval,
    /// A one-shot note for the session's next turn: the payload is the argument of
    /// `enqueueNextTurnInjection` (`{sessionKey, text, idempotencyKey, placement, ttlMs}`).
    Inject,
    /// A timer.
    Timer,
    /// Wait for the listed in-flight jobs, at most `payload.waitMs`, before the hook returns
    /// (phase 3 drain, P3-R16); payload `{waitMs, jobs}`.
    Drain,
    /// Set values in OpenClaw's config file (`api.runtime.config.mutateConfigFile`); payload
    /// `{set: [{path: [..keys], value}], reason}`; the outcome `{ok, error?}` is reported back.
    Config,
}

/// The answer to one hook call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HookResponse {
    /// Value to return to OpenClaw (`null`: no opinion).
    pub ret: Value,
    /// Jobs to run.
    pub jobs: Vec<Job>,
    /// Decisions taken (already journaled by the core).
    pub decisions: Vec<Decision>,
    /// Diagnostics to log.
    pub diagnostics: Vec<Diagnostic>,
}

/// How the binding layer must treat a failure of one handler (README G-R21).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FailurePolicy {
    /// `closed`: the returned value blocks; `open`: return nothing.
    pub mode: FailureMode,
    /// What to return to OpenClaw when the core errors or traps.
    pub ret: Value,
}

/// Fail open or closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureMode {
    /// Errors let the call proceed.
    Open,
    /// Errors block the call.
    Closed,
}

/// One hook handler the binding layer must register (one per phase and hook, OC-R10).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    /// Name to pass to `dispatch`: `<phaseKey>:<hook>`.
    pub handler: String,
    /// OpenClaw hook name.
    pub hook: String,
    /// Config key of the phase.
    pub phase: String,
    /// Hook priority (higher runs first).
    pub priority: i32,
    /// Tool ids for `before_tool_call` / `after_tool_call`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matcher: Option<Vec<String>>,
    /// Failure policy of this handler.
    pub failure: FailurePolicy,
}

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

/// An agent tool the binding layer registers. `execute` dispatches `handler` with event
/// `{params}` and the tool context (`sessionKey`, `agentId`); `ret.text` and `ret.details` are
/// the result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolSpec {
    /// Tool name.
    pub name: String,
    /// Display label.
    pub label: String,
    /// What the model reads.
    pub description: String,
    /// JSON Schema of the parameters.
    pub parameters: Value,
    /// Name to pass to `dispatch` (`<phaseKey>:tool:<name>`).
    pub handler: String,
    /// OpenClaw's `catalogMode` for the tool (`direct-only`: not in the tool catalog).
    pub catalog_mode: String,
}

/// The service the binding layer registers: `start` dispatches `startHandler` and begins
/// calling `tick` every `tickMs`, `stop` dispatches `stopHandler` (its answer may carry a drain
/// job to await).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceSpec {
    /// Service id.
    pub id: String,
    /// Tick period in ms.
    pub tick_ms: u64,
    /// Handler dispatched at `start` with `{service: n}`, `n` numbering the service instances
    /// of the process (before the first tick).
    #[serde(default)]
    pub start_handler: String,
    /// Handler dispatched at `stop` with the same `{service: n}`.
    pub stop_handler: String,
}

/// A slash command the binding layer registers (`api.registerCommand`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommandSpec {
    /// Command name without the slash.
    pub name: String,
    /// One line for the command list.
    pub description: String,
    /// Name to pass to `dispatch` (`<phaseKey>:command:<name>`); the answer's `ret.text` is the reply.
    pub handler: String,
    /// Whether the command takes arguments.
    pub accepts_args: bool,
}

/// A typed error returned instead of a result (README G-R20).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoreError {
    /// `core.invalid_input`, `core.not_initialized`, …
    pub code: String,
    /// What was wrong.
    pub message: String,
    /// JSON pointer of the offending input, when known.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
}

impl CoreError {
    /// `core.invalid_input` at a JSON pointer.
    pub fn invalid_input(path: &str, message: impl Into<String>) -> Self {
        CoreError {
            code: "core.invalid_input".into(),
            message: message.into(),
            path: path.into(),
        }
    }

    /// The `{"error": {...}}` JSON text of this error.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&serde_json::json!({ "error": self })).unwrap_or_else(|_| {
            "{\"error\":{\"code\":\"core.internal\",\"message\":\"serialization failed\"}}"
                .to_string()
        })
    }
}
