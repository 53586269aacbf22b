//! The core's entry points (README G-R6), shared by both binding layers and the CLI.
//!
//! A [`Runtime`] holds the validated config and the in-memory state of every phase. Each
//! entry point takes the [`Host`] to use for that call and returns plain data; the
//! `*_json` functions wrap them for the bindings (JSON text in, JSON text out, never a panic).
//!
//! This file is the struct, its entry points and the crate-facing names. What they run is
//! in the submodules: `init` (config, state directory, the phases' registrations), `route`
//! (hooks, jobs and the tick to their phases), `engine` and `steps` (the context engine),
//! `interplay` (every hand-off between two phases), `call` (one call into one phase),
//! `reload` (config drift, `config_check`), `status` (`/agent-ops status`) and `evaluate`
//! (phase 4's direct API).

mod applied;
mod call;
mod engine;
mod evaluate;
mod hooks;
mod init;
mod interplay;
mod reload;
mod route;
mod status;
mod steps;
mod types;

pub use crate::contract::{CallIds, ErrorCode};
pub use applied::{AppliedRecord, APPLIED_FILE};
pub use evaluate::EvaluateContext;
pub use hooks::{HookFailure, HookRegistration};
pub use init::resolve_state_dir;
pub use reload::{applied_line, same_config, status_path, DRIFT_GRACE_MS};
pub use types::{
    AgentSandboxFacts, CommandSpec, CoreError, Diagnostic, EngineSpec, FailureMode, FailurePolicy,
    HookResponse, HostInfo, InitResult, Job, JobKind, ModelCost, ModelInfo, PhaseReport,
    ProviderSpec, Registration, SandboxFacts, ServiceSpec, ToolSpec,
};

use crate::audit::{self, Action, Decision};
use crate::config::Config;
use crate::contract::Outcome;
use crate::host::{Host, LogLevel};
use crate::shell;
use crate::sorted::SortedSet;
use serde::Serialize;
use serde_json::Value;

/// Version of the on-disk state layout (README G-R15, the `SCHEMA` file).
pub use crate::schema::SCHEMA_VERSION;

/// Largest event or context JSON accepted by `dispatch` (bigger inputs are refused).
pub const MAX_EVENT_BYTES: usize = 16 * 1024 * 1024;

/// `<crate version>+schema.<n>`.
pub fn version() -> String {
    format!("{}+schema.{}", env!("CARGO_PKG_VERSION"), SCHEMA_VERSION)
}

/// The core with its config and per-phase state.
#[derive(Debug, Default)]
pub struct Runtime {
    active: Option<Active>,
}

#[derive(Debug)]
struct Active {
    config: Config,
    info: HostInfo,
    state_dir: String,
    /// The job counter: ids are unique across phases (`PhaseCtx::new_job_id`).
    next_job: std::cell::Cell<u64>,
    /// Phase 4 state (approvals awaiting `complete_job`).
    approvals: shell::ExecApprovals,
    /// Phase 1 state.
    governor: crate::compaction::CompactionGovernor,
    /// Phase 2 state.
    tracker: crate::budget::SpendTracker,
    /// Phase 5 state.
    scoper: crate::memory_scope::MemoryScoper,
    /// Phase 3 state.
    keeper: crate::session_memory::NotesKeeper,
    /// Phase 3 notes template.
    template: crate::session_memory::Template,
    /// Phase 6 state.
    coordinator: crate::coordinator::ResumeGuard,
    /// Phase 7 (skills) state.
    skiller: crate::fork_skills::SkillGuard,
    /// The applied plugin config as JSON (compared with OpenClaw's current one, issue 17).
    config_value: Value,
    /// The host info of the last init, for an in-place re-init.
    info_json: String,
    /// Every phase with its state, as the last init reported it.
    phases: Vec<PhaseReport>,
    /// What the binding layer registered for this plugin instance (handler names).
    registered: SortedSet<String>,
    /// Handlers the applied config needs that the instance never registered.
    missing: SortedSet<String>,
    /// A config change OpenClaw has not applied by replacing the instance.
    drift: Option<reload::Drift>,
    /// The plugin config in OpenClaw's config file at this init.
    file_baseline: Option<Value>,
    /// Every phase's handlers in run order: a bare hook name dispatches to these.
    registrations: Vec<Registration>,
    /// Sessions recognised as internal jobs by the marker of their prompt (G-R7a).
    internal_keys: SortedSet<String>,
    /// Why the state directory is read-only (a newer schema, G-R19), when it is.
    read_only: Option<String>,
}

fn str_at(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

impl CallIds {
    fn from(event: &Value, ctx: &Value) -> Self {
        CallIds {
            session_key: str_at(ctx, "sessionKey").or_else(|| str_at(event, "sessionKey")),
            run_id: str_at(event, "runId").or_else(|| str_at(ctx, "runId")),
            tool_call_id: str_at(event, "toolCallId").or_else(|| str_at(ctx, "toolCallId")),
        }
    }
}

impl Runtime {
    /// A runtime that has not been initialised yet.
    pub fn new() -> Self {
        Runtime::default()
    }

    /// Whether `init` accepted a config.
    pub fn is_initialised(&self) -> bool {
        self.active.is_some()
    }

    /// The active config, if any.
    pub fn config(&self) -> Option<&Config> {
        self.active.as_ref().map(|a| &a.config)
    }

    /// `f` on the host every call of this runtime uses: `host` itself, or a
    /// [`crate::schema::ReadOnlyHost`] over it when the state directory is read-only (G-R19).
    fn with_host<R>(&mut self, host: &dyn Host, f: impl FnOnce(&mut Self, &dyn Host) -> R) -> R {
        let ro_dir = self
            .active
            .as_ref()
            .filter(|a| a.read_only.is_some())
            .map(|a| a.state_dir.clone());
        let ro = ro_dir
            .as_deref()
            .map(|d| crate::schema::ReadOnlyHost::new(host, d));
        let host: &dyn Host = match &ro {
            Some(r) => r,
            None => host,
        };
        f(self, host)
    }

    /// `f` on the active state and the host of [`Runtime::with_host`]; an error before `init`
    /// accepted a config.
    fn with_active<R>(
        &mut self,
        host: &dyn Host,
        f: impl FnOnce(&mut Active, &dyn Host) -> Result<R, CoreError>,
    ) -> Result<R, CoreError> {
        self.with_host(host, |rt, host| {
            f(rt.active.as_mut().ok_or_else(not_initialised)?, host)
        })
    }

    /// One OpenClaw hook call. `hook` is `<phaseKey>:<hookName>` (one phase's handler) or
    /// a bare hook name (every phase that registered it, merged as OpenClaw merges handlers).
    pub fn dispatch(
        &mut self,
        host: &dyn Host,
        hook: &str,
        event: &Value,
        ctx: &Value,
    ) -> Result<HookResponse, CoreError> {
        if self.active.is_none() {
            return Err(not_initialised());
        }
        self.with_host(host, |rt, host| {
            if !event.is_object() {
                return Err(CoreError::invalid_input(
                    "/event",
                    "the event must be a JSON object",
                ));
            }
            match hook {
                "config_check" => return rt.config_check(host, event),
                "service_start" => return Ok(rt.service_start(host, event)),
                _ => {}
            }
            let active = rt.active.as_mut().ok_or_else(not_initialised)?;
            let ctx = if ctx.is_null() { &Value::Null } else { ctx };
            if !ctx.is_null() && !ctx.is_object() {
                return Err(CoreError::invalid_input(
                    "/ctx",
                    "the context must be a JSON object or null",
                ));
            }
            let ids = CallIds::from(event, ctx);
            let Some((phase, name)) = hook.split_once(':') else {
                return Ok(route::dispatch_merged(active, host, hook, event, ctx, &ids));
            };
            if crate::phase::phase_by_key(phase).is_none() {
                return Err(CoreError::invalid_input(
                    "/hook",
                    format!("unknown phase `{phase}` in handler `{hook}`"),
                ));
            }
            let mut resp = HookResponse::default();
            route::phase(active, host, phase, name, event, ctx, &ids, &mut resp);
            Ok(resp)
        })
    }

    /// The plugin's service started: this process is the gateway, and this instance is the one
    /// that serves now (a replacement's service starts after its predecessor's stopped).
    /// Records the status file and resumes phase 3 (issue 17).
    fn service_start(&mut self, host: &dyn Host, event: &Value) -> HookResponse {
        let mut resp = HookResponse::default();
        if let Some(active) = self.active.as_mut() {
            if active.config.phases.session_memory.enabled() {
                let out = route::session(
                    active,
                    host,
                    "service_start",
                    event,
                    &Value::Null,
                    &CallIds::default(),
                );
                interplay::deliver(active, host, &mut resp, out);
            }
        }
        self.write_status(host, &mut resp);
        resp
    }

    /// Feeds back the outcome of a job the core requested.
    pub fn complete_job(
        &mut self,
        host: &dyn Host,
        job_id: &str,
        outcome: &Value,
    ) -> Result<HookResponse, CoreError> {
        self.with_active(host, |active, host| {
            let mut resp = HookResponse::default();
            if !route::job_done(active, host, job_id, outcome, &mut resp) {
                route::job_orphan(active, host, job_id, outcome, &mut resp);
            }
            Ok(resp)
        })
    }

    /// Periodic work from a service timer: phase 1 forgets state of long-ended sessions,
    /// phase 3 replays, retries and gives up on lost jobs.
    pub fn tick(&mut self, host: &dyn Host, _now_ms: i64) -> Result<HookResponse, CoreError> {
        self.with_active(host, |active, host| {
            let mut resp = HookResponse::default();
            route::tick(active, host, &mut resp);
            Ok(resp)
        })
    }

    /// Context-engine methods and the compaction provider (phase 1). Answers `{value,
    /// decisions, diagnostics}`; with the phase off every method answers the documented
    /// pass-through (OC-R11).
    pub fn engine(
        &mut self,
        host: &dyn Host,
        method: &str,
        params: &Value,
    ) -> Result<Value, CoreError> {
        self.with_active(host, |active, host| {
            engine::engine(active, host, method, params)
        })
    }
}

fn not_initialised() -> CoreError {
    CoreError {
        code: crate::contract::ErrorCode::NotInitialized,
        message: "init has not accepted a config yet".into(),
        path: String::new(),
    }
}

impl Active {
    fn home(&self, host: &dyn Host) -> String {
        self.info
            .home_dir
            .clone()
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| host.resolve_dirs().home_dir)
    }

    /// Hands one phase's [`Outcome`] to the response: jobs, its value (unless `null`),
    /// diagnostics, and decisions (journaled). The typed hand-offs (`usage`, `compacted`) go
    /// through [`interplay`] first.
    fn apply(&mut self, host: &dyn Host, resp: &mut HookResponse, out: Outcome) {
        resp.jobs.extend(out.jobs);
        if !out.ret.is_null() {
            resp.ret = out.ret;
        }
        resp.diagnostics.extend(out.diagnostics);
        for d in out.decisions {
            self.record(host, resp, d, out.journal_allows);
        }
    }

    /// Journals a decision (README G-R12) and adds it to the response. `always` journals
    /// even plain allows (phase 4 verdicts).
    fn record(&mut self, host: &dyn Host, resp: &mut HookResponse, d: Decision, always: bool) {
        // A read-only state directory (G-R19) keeps its journal as it is; the init
        // diagnostic said so once.
        let journal = self.config.audit.enabled
            && self.read_only.is_none()
            && (always || d.action != Action::Allow || self.config.audit.include_allows);
        if journal {
            let path = audit::journal_path(&self.state_dir, d.at);
            if let Err(e) = audit::append_decision(host, &self.state_dir, &d) {
                resp.diagnostics.push(Diagnostic {
                    level: LogLevel::Error,
                    code: "core.audit.write_failed".into(),
                    message: format!("could not append to the decision journal {path}: {e}"),
                });
            }
        }
        resp.decisions.push(d);
    }
}

fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|e| {
        CoreError {
            code: crate::contract::ErrorCode::Internal,
            message: format!("could not serialize the result: {e}"),
            path: String::new(),
        }
        .to_json()
    })
}

fn parse_json(text: &str, pointer: &str) -> Result<Value, CoreError> {
    if text.len() > MAX_EVENT_BYTES {
        return Err(CoreError::invalid_input(
            pointer,
            format!("input larger than {MAX_EVENT_BYTES} bytes"),
        ));
    }
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    crate::json::from_str(text)
        .map_err(|e| CoreError::invalid_input(pointer, format!("not valid JSON: {e}")))
}

/// JSON-text wrappers used by both binding layers: total functions, never a panic.
impl Runtime {
    /// `dispatch` with JSON text in and out; errors are `{"error": {...}}`.
    pub fn dispatch_json(
        &mut self,
        host: &dyn Host,
        hook: &str,
        event_json: &str,
        ctx_json: &str,
    ) -> String {
        let r = parse_json(event_json, "/event")
            .and_then(|e| Ok((e, parse_json(ctx_json, "/ctx")?)))
            .and_then(|(e, c)| self.dispatch(host, hook, &e, &c));
        match r {
            Ok(resp) => to_json(&resp),
            Err(e) => e.to_json(),
        }
    }

    /// `complete_job` with JSON text in and out.
    pub fn complete_job_json(
        &mut self,
        host: &dyn Host,
        job_id: &str,
        outcome_json: &str,
    ) -> String {
        match parse_json(outcome_json, "/outcome").and_then(|o| self.complete_job(host, job_id, &o))
        {
            Ok(resp) => to_json(&resp),
            Err(e) => e.to_json(),
        }
    }

    /// `engine` with JSON text in and out.
    pub fn engine_json(&mut self, host: &dyn Host, method: &str, params_json: &str) -> String {
        match parse_json(params_json, "/params").and_then(|p| self.engine(host, method, &p)) {
            Ok(v) => to_json(&v),
            Err(e) => e.to_json(),
        }
    }

    /// `tick` with JSON text out.
    pub fn tick_json(&mut self, host: &dyn Host, now_ms: f64) -> String {
        let now = if now_ms.is_finite() { now_ms as i64 } else { 0 };
        match self.tick(host, now) {
            Ok(resp) => to_json(&resp),
            Err(e) => e.to_json(),
        }
    }
}

/// `{"crate": …, "schema": …}` as JSON text.
pub fn version_json() -> String {
    to_json(
        &crate::json!({ "version": version(), "crate": env!("CARGO_PKG_VERSION"), "schema": SCHEMA_VERSION }),
    )
}
