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

crate::json::read::json_struct!(default HostInfo {
    "openclawStateDir" => openclaw_state_dir, "homeDir" => home_dir,
    "workspaceDir" => workspace_dir, "os" => os, "conversationAccess" => conversation_access,
    "contextEngineSelected" => context_engine_selected, "openclawVersion" => openclaw_version,
    "models" => models, "compactionProvider" => compaction_provider,
    "hostCompactionEnabled" => host_compaction_enabled,
    "compactionTimeoutSeconds" => compaction_timeout_seconds, "tmpDir" => tmp_dir,
    "pid" => pid, "sandbox" => sandbox,
});

/// The OpenClaw settings that decide whether an exec call runs in its sandbox
/// (`runProject: "sandbox"`); the decision is phase 4's (`shell/hooks.rs`, `exec_sandboxed`).
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

crate::json::read::json_struct!(default ModelInfo {
    "provider" => provider, "id" => id, "contextWindow" => context_window,
    "maxTokens" => max_tokens, "cost" => cost,
});
crate::json::read::json_struct!(default ModelCost {
    "input" => input, "output" => output, "cacheRead" => cache_read, "cacheWrite" => cache_write,
});

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
        serde_json::to_string(&crate::json!({ "error": self })).unwrap_or_else(|_| {
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

/// Makes a [`CommandJudge`] for snippets run from a workspace: what the runtime hands phase 7
/// (phase 4 with the operator's settings), which builds judges only when it scans.
pub trait JudgeSource {
    /// A judge for commands run from `workspace` by a user whose home is `home`.
    fn in_workspace<'s>(&'s self, home: &str, workspace: &str) -> Box<dyn CommandJudge + 's>;
}

/// Phase 4's verdict on one shell snippet, in the form phase 7's skill scanner needs it.
///
/// Phase 7 scans skill files for commands phase 4 would deny; the runtime hands it a judge
/// built from phase 4 (`shell::SnippetJudge`), so the two phases never import each other.
pub trait CommandJudge {
    /// The reason code when phase 4 denies `snippet`; `None` when it does not deny it.
    fn deny_reason(&self, snippet: &str) -> Option<String>;
}

/// What every phase handler gets from the runtime for one call (issue 18 item 2): the Host,
/// the phase's own slice of the config, the facts about OpenClaw, the state directory and the
/// ids and context of the hook call. One shape for every phase, so a handler never reaches
/// into the runtime for them.
///
/// `now_ms`, `home` and `workspace` ask the Host when called, not when the context is made:
/// they cross the wasm boundary, and most handlers need few of them.
pub struct PhaseCtx<'a, C> {
    /// The Host of this call (the read-only one when the state directory is, G-R19).
    pub host: &'a dyn crate::host::Host,
    /// The phase's settings.
    pub cfg: &'a C,
    /// Facts about OpenClaw from `init`.
    pub info: &'a HostInfo,
    /// The plugin's state directory.
    pub state_dir: &'a str,
    /// The ids of the hook call (empty for ticks, job completions and engine methods).
    pub ids: &'a CallIds,
    /// OpenClaw's hook context (`null` outside a hook).
    pub ctx: &'a Value,
    /// The runtime's job counter: job ids are unique across phases.
    next_job: &'a std::cell::Cell<u64>,
}

impl<'a, C> PhaseCtx<'a, C> {
    /// A context over the runtime's state for one call.
    pub fn new(
        host: &'a dyn crate::host::Host,
        cfg: &'a C,
        info: &'a HostInfo,
        state_dir: &'a str,
        ids: &'a CallIds,
        ctx: &'a Value,
        next_job: &'a std::cell::Cell<u64>,
    ) -> Self {
        PhaseCtx {
            host,
            cfg,
            info,
            state_dir,
            ids,
            ctx,
            next_job,
        }
    }

    /// The same call seen with another settings slice (a hand-off that needs a second
    /// phase's settings, built by the runtime).
    pub fn with_cfg<'b, D>(&'b self, cfg: &'b D) -> PhaseCtx<'b, D> {
        PhaseCtx {
            host: self.host,
            cfg,
            info: self.info,
            state_dir: self.state_dir,
            ids: self.ids,
            ctx: self.ctx,
            next_job: self.next_job,
        }
    }

    /// Now (ms), from the Host.
    pub fn now_ms(&self) -> i64 {
        self.host.now_ms()
    }

    /// The user's home directory: from `init`'s host info, else the Host's.
    pub fn home(&self) -> String {
        self.info
            .home_dir
            .clone()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| self.host.resolve_dirs().home_dir)
    }

    /// The agent's workspace: the hook context's `workspaceDir`, else `init`'s, else the
    /// Host's.
    pub fn workspace(&self) -> String {
        self.ctx
            .get("workspaceDir")
            .and_then(Value::as_str)
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .or_else(|| self.info.workspace_dir.clone().filter(|w| !w.is_empty()))
            .unwrap_or_else(|| self.host.resolve_dirs().workspace_dir)
    }

    /// A string of the hook context (`sessionKey`, `agentId`, …).
    pub fn ctx_str(&self, key: &str) -> Option<&'a str> {
        self.ctx.get(key).and_then(Value::as_str)
    }

    /// A new job id, unique in this process (`job-<n>-<random>`).
    pub fn new_job_id(&self) -> String {
        let n = self.next_job.get().saturating_add(1);
        self.next_job.set(n);
        format!("job-{}-{}", n, crate::host::random_hex(self.host, 4))
    }
}

/// What one phase handler answers (issue 18 item 2): the runtime merges it into the hook's
/// [`HookResponse`], journals the decisions and hands the typed hand-offs (`usage`,
/// `compacted`) to the phases that take them. A handler never writes the response itself.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Value for OpenClaw (`null`: no opinion; an earlier phase's value stays).
    pub ret: Value,
    /// Diagnostics to log.
    pub diagnostics: Vec<Diagnostic>,
    /// Decisions to journal (README G-R12).
    pub decisions: Vec<Decision>,
    /// Journal plain allows too (phase 4 verdicts and approvals, skill saves): security
    /// decisions are kept whatever `audit.includeAllows` says.
    pub journal_allows: bool,
    /// Jobs for the binding layer.
    pub jobs: Vec<Job>,
    /// Model usage of the phase's own LLM jobs: the runtime charges it to the dollar caps
    /// (phase 2) and the cost ledger (phase 5).
    pub usage: Vec<JobUsage>,
    /// Session keys a compaction completed for (P1-R18a `compaction.completed`): the runtime
    /// tells every phase that keeps per-session state.
    pub compacted: Vec<String>,
}

impl Outcome {
    /// An outcome that only answers `ret`.
    pub fn ret(ret: Value) -> Self {
        Outcome {
            ret,
            ..Outcome::default()
        }
    }

    /// A command's or tool's text answer (`{"text": …}`).
    pub fn text(text: impl Into<String>) -> Self {
        Outcome::ret(crate::json!({ "text": text.into() }))
    }
}

/// The model usage of one internal LLM job (P5-R24, issue 20), read once from the job's
/// outcome (`{provider, model, usage: {inputTokens, outputTokens, cacheReadTokens,
/// cacheWriteTokens, costUsd}}`) so that the phases it is handed to take typed values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobUsage {
    /// `session_notes`, `memory_extract`, `compaction`, ….
    pub purpose: String,
    /// The memory scope the job worked on (`session` for notes and summaries).
    pub scope: String,
    /// Session key of the run the job served.
    pub session_key: String,
    /// Agent id.
    pub agent_id: String,
    /// The provider the job ran on, as reported.
    pub provider: Option<String>,
    /// The model, as reported.
    pub model: Option<String>,
    /// Input tokens (cache excluded); `None` when absent or not a count.
    pub input: Option<u64>,
    /// Output tokens.
    pub output: Option<u64>,
    /// Cached prompt tokens read.
    pub cache_read: Option<u64>,
    /// Prompt tokens written to the cache.
    pub cache_write: Option<u64>,
    /// Dollars as reported by the host (any number, unchecked).
    pub cost_usd: Option<f64>,
}

impl JobUsage {
    /// The usage of a job outcome; the four fields name the job.
    pub fn from_outcome(
        purpose: &str,
        scope: &str,
        session_key: &str,
        agent_id: &str,
        outcome: &Value,
    ) -> Self {
        let u = outcome.get("usage").unwrap_or(&Value::Null);
        let n = |k: &str| u.get(k).and_then(Value::as_u64);
        let text = |k: &str| outcome.get(k).and_then(Value::as_str).map(str::to_string);
        JobUsage {
            purpose: purpose.into(),
            scope: scope.into(),
            session_key: session_key.into(),
            agent_id: agent_id.into(),
            provider: text("provider"),
            model: text("model"),
            input: n("inputTokens"),
            output: n("outputTokens"),
            cache_read: n("cacheReadTokens"),
            cache_write: n("cacheWriteTokens"),
            cost_usd: u.get("costUsd").and_then(Value::as_f64),
        }
    }
}

/// The one shape of a phase core (issue 18 item 6), implemented by every phase's state in
/// its hook module (`src/<phase>/hooks.rs`):
///
/// * `init` (a plain function `<phase>::init`, as each phase reads different settings and
///   facts): what the phase registers, as a [`PhaseInit`];
/// * [`on_hook`](PhaseCore::on_hook): one OpenClaw hook, command or tool call;
/// * [`tick`](PhaseCore::tick): the service timer's periodic work;
/// * [`owns_job`](PhaseCore::owns_job) / [`job_done`](PhaseCore::job_done): the outcome of a
///   job the phase asked for.
///
/// Each takes the phase's own state, one [`PhaseCtx`] and, as [`PhaseCore::Input`], what the
/// runtime's `interplay` hands over from other phases (typed, never JSON), and returns one
/// [`Outcome`].
pub trait PhaseCore: Default {
    /// The phase's settings type.
    type Config;
    /// What other phases hand this one for a call (`()` for none).
    type Input<'a>;
    /// The phase's key (`phases.<key>`, the handler prefix).
    const KEY: &'static str;
    /// One hook, command or tool call (`name` without the `<key>:` prefix).
    fn on_hook(
        &mut self,
        cx: &PhaseCtx<'_, Self::Config>,
        name: &str,
        event: &Value,
        input: Self::Input<'_>,
    ) -> Outcome;
    /// Periodic work (nothing by default).
    fn tick(&mut self, _cx: &PhaseCtx<'_, Self::Config>, _input: Self::Input<'_>) -> Outcome {
        Outcome::default()
    }
    /// Whether a job id is one of this phase's (its outcome then goes to [`Self::job_done`]).
    fn owns_job(&self, _job_id: &str) -> bool {
        false
    }
    /// The outcome of one of the phase's jobs.
    fn job_done(
        &mut self,
        _cx: &PhaseCtx<'_, Self::Config>,
        _job_id: &str,
        _outcome: &Value,
        _input: Self::Input<'_>,
    ) -> Outcome {
        Outcome::default()
    }
    /// The outcome of a job this core has no record of (issue 19, OC-R7): the plugin's core
    /// was replaced (`plugins reload`, a re-install, recovery from a trap) while the job ran.
    /// `None` when the id is not of this phase's id scheme; otherwise what the phase did with
    /// it, including one [`orphan_job`] warning. Nothing is applied from a result the core
    /// cannot check.
    fn adopt_job(
        &mut self,
        _cx: &PhaseCtx<'_, Self::Config>,
        _job_id: &str,
        _outcome: &Value,
        _input: Self::Input<'_>,
    ) -> Option<Outcome> {
        None
    }
}

/// The `core.job.unknown` warning for the outcome of `job_id`, which reached a core that did
/// not start it (issue 19); `fate` says what became of the job.
pub fn orphan_job(job_id: &str, fate: &str) -> Diagnostic {
    Diagnostic {
        level: LogLevel::Warn,
        code: "core.job.unknown".into(),
        message: format!("job {job_id} finished in a core that did not start it (the plugin's core was replaced while it ran: plugins reload, re-install or trap recovery): {fate}"),
    }
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

/// What one phase registers at `init` (issue 18): its handlers, commands, tools and specs,
/// diagnostics, and the degraded-mode notes of its phase report. The runtime merges the
/// phases' answers into its init result, in phase order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PhaseInit {
    /// Hook handlers.
    pub registrations: Vec<Registration>,
    /// Slash commands.
    pub commands: Vec<CommandSpec>,
    /// Agent tools.
    pub tools: Vec<ToolSpec>,
    /// The background service (one per plugin: the first phase that asks for it gets it).
    pub service: Option<ServiceSpec>,
    /// The context engine (phase 1).
    pub engine: Option<EngineSpec>,
    /// The compaction provider (phase 1).
    pub compaction_provider: Option<ProviderSpec>,
    /// Diagnostics to log once.
    pub diagnostics: Vec<Diagnostic>,
    /// Degraded-mode notes for the phase's report.
    pub degraded: Vec<String>,
}

/// The fail-open handler every phase but phase 4 registers: `<key>:<hook>` at `priority`
/// (README G-R21: a failing handler answers nothing).
pub fn fail_open(
    key: &str,
    hook: &str,
    priority: i32,
    matcher: Option<Vec<String>>,
) -> Registration {
    Registration {
        handler: format!("{key}:{hook}"),
        hook: hook.into(),
        phase: key.into(),
        priority,
        matcher,
        failure: FailurePolicy {
            mode: FailureMode::Open,
            ret: Value::Null,
        },
    }
}
