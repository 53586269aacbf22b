//! The ground floor's plain data (issue 18): what every phase and both binding layers speak.
//!
//! Facts about the host ([`HostInfo`], [`ModelInfo`]), what a hook call answers
//! ([`HookResponse`], [`Job`], [`Diagnostic`]), how a handler is registered and fails
//! ([`Registration`], [`FailurePolicy`]) and the typed error of every entry point
//! ([`CoreError`], README G-R20). This module imports no phase and nothing above the ground
//! floor, so a phase can use it without depending on the runtime (ARCHITECTURE.md).

use crate::audit::Decision;
use crate::host::LogLevel;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

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

impl ModelCost {
    /// Dollars for one call's tokens, each kind at its own price (`input` excludes cached
    /// prompt tokens, as OpenClaw reports it): Σ tokens × USD per million / 1e6. Shared by
    /// phase 2's caps and phase 5's cost ledger so both count the same money.
    pub fn usd(&self, input: u64, output: u64, cache_read: u64, cache_write: u64) -> f64 {
        (input as f64 * self.input
            + output as f64 * self.output
            + cache_read as f64 * self.cache_read
            + cache_write as f64 * self.cache_write)
            / 1_000_000.0
    }

    /// The price of `model` in OpenClaw's model table: the entry with that id (and that
    /// provider, when known) that has a `cost` table. `None` is an unknown price, never $0.
    pub fn of(models: &[ModelInfo], provider: Option<&str>, model: Option<&str>) -> Option<Self> {
        models
            .iter()
            .find(|m| Some(m.id.as_str()) == model && provider.is_none_or(|p| m.provider == p))?
            .cost
    }
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
    /// End a run now (issue 20: a run stopped by a dollar cap or a loop block must not go on
    /// calling the model): the host aborts the session's embedded run (`abortAgentHarnessRun`
    /// of `openclaw/plugin-sdk/agent-harness-runtime`); payload `{sessionId, sessionKey, runId,
    /// code}`.
    Abort,
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

/// A typed error returned instead of a result (README G-R20).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoreError {
    /// What kind of failure (serialised as its stable string, e.g. `core.invalid_input`).
    pub code: ErrorCode,
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
            code: ErrorCode::InvalidInput,
            message: message.into(),
            path: path.into(),
        }
    }

    /// An error without a JSON pointer.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        CoreError {
            code,
            message: message.into(),
            path: String::new(),
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

impl fmt::Display for CoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if !self.path.is_empty() {
            write!(f, " (at {})", self.path)?;
        }
        Ok(())
    }
}

impl std::error::Error for CoreError {}

/// The stable codes of [`CoreError`]: the binding layers and operators match on these strings,
/// so a variant's serialised name never changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorCode {
    /// The input was not what the entry point accepts (the error's `path` says where).
    #[serde(rename = "core.invalid_input")]
    InvalidInput,
    /// A call other than `init` came before a successful `init`.
    #[serde(rename = "core.not_initialized")]
    NotInitialized,
    /// A bug: something the core should not fail at failed.
    #[serde(rename = "core.internal")]
    Internal,
    /// The component was entered again while a call was running.
    #[serde(rename = "core.reentrant")]
    Reentrant,
}

impl ErrorCode {
    /// The stable string (`core.invalid_input`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "core.invalid_input",
            ErrorCode::NotInitialized => "core.not_initialized",
            ErrorCode::Internal => "core.internal",
            ErrorCode::Reentrant => "core.reentrant",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Common ids of an OpenClaw hook call.
#[derive(Debug, Clone, Default)]
pub struct CallIds {
    /// `ctx.sessionKey`.
    pub session_key: Option<String>,
    /// `event.runId` or `ctx.runId`.
    pub run_id: Option<String>,
    /// `event.toolCallId`.
    pub tool_call_id: Option<String>,
}

/// block / warn / off for a guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum GuardMode {
    /// Block and explain.
    Block,
    /// Record and allow.
    Warn,
    /// Ignore.
    Off,
}

crate::settings::read_enum! {
    GuardMode { Block = "block", Warn = "warn", Off = "off" }
}

/// Phase 4's verdict on one shell snippet, in the form phase 7's skill scanner needs it.
///
/// Phase 7 scans skill files for commands phase 4 would deny; the runtime hands it a judge
/// built from phase 4 (`shell::SnippetJudge`), so the two phases never import each other.
pub trait CommandJudge {
    /// The reason code when phase 4 denies `snippet`; `None` when it does not deny it.
    fn deny_reason(&self, snippet: &str) -> Option<String>;
}
