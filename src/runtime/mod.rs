//! The core's entry points (README G-R6), shared by both binding layers and the CLI.
//!
//! A [`Runtime`] holds the validated config and the in-memory state of every phase. Each
//! entry point takes the [`Host`] to use for that call and returns plain data; the
//! `*_json` functions wrap them for the bindings (JSON text in, JSON text out, never a panic).

mod applied;
mod hooks;
mod types;

pub use crate::contract::{CallIds, ErrorCode};
pub use applied::{AppliedRecord, APPLIED_FILE};
pub use hooks::{HookFailure, HookRegistration};
pub use reload::{applied_line, same_config, status_path, DRIFT_GRACE_MS};
pub use types::{
    AgentSandboxFacts, CommandSpec, CoreError, Diagnostic, EngineSpec, FailureMode, FailurePolicy,
    HookResponse, HostInfo, InitResult, Job, JobKind, ModelCost, ModelInfo, PhaseReport,
    ProviderSpec, Registration, SandboxFacts, ServiceSpec, ToolSpec,
};

mod call;
mod engine;
mod interplay;
mod reload;
mod route;
mod status;
mod steps;

use crate::audit::{self, Action, Decision};
use crate::config::{parse_config_lenient, Config, ConfigError};
use crate::contract::{Outcome, PhaseInit};
use crate::host::{join_path, Host, LogLevel};
use crate::phase::PHASES;
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
    approvals: shell::Approvals,
    /// Phase 1 state.
    governor: crate::compaction::Governor,
    /// Phase 2 state.
    tracker: crate::budget::Tracker,
    /// Phase 5 state.
    scoper: crate::memory_scope::Scoper,
    /// Phase 3 state.
    keeper: crate::session_memory::Keeper,
    /// Phase 3 notes template.
    template: crate::session_memory::Template,
    /// Phase 6 state.
    coordinator: crate::coordinator::Coordinator,
    /// Phase 7 (skills) state.
    skiller: crate::fork_skills::Skiller,
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

/// The context of `evaluateCommand`: `home`, `cwd` and `os`, each used only when it is a
/// string; other keys and other value types are ignored.
// `deny_unknown_fields` only sends other keys to the general reader (see `parse`), which
// validates them as it always did (lone surrogates, nesting depth).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluateContext {
    /// Home directory (asked from the host when missing).
    #[serde(default, deserialize_with = "string_or_none")]
    pub home: Option<String>,
    /// Working directory, also the workspace (asked from the host when missing).
    #[serde(default, deserialize_with = "string_or_none")]
    pub cwd: Option<String>,
    /// `linux`, `macos` or `windows` (default: linux).
    #[serde(default, deserialize_with = "string_or_none")]
    pub os: Option<String>,
}

fn string_or_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    use serde::Deserialize;
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        _ => None,
    })
}

impl EvaluateContext {
    /// Reads the context from JSON text: an object, `null` or blank. An object with only the
    /// three keys is read straight into the struct rather than through a `Value` tree: the
    /// CLI and the benchmark call this once per command (P4-R49).
    pub fn parse(text: &str) -> Result<EvaluateContext, CoreError> {
        if text.trim_start().starts_with('{') && text.len() <= MAX_EVENT_BYTES {
            if let Ok(ctx) = crate::json::from_str(text) {
                return Ok(ctx);
            }
        }
        // Everything else, errors included, as the general reader answers it.
        match parse_json(text, "/ctx")? {
            Value::Null => Ok(EvaluateContext::default()),
            v if v.is_object() => Ok(EvaluateContext {
                home: str_at(&v, "home"),
                cwd: str_at(&v, "cwd"),
                os: str_at(&v, "os"),
            }),
            _ => Err(CoreError::invalid_input(
                "/ctx",
                "the context must be a JSON object",
            )),
        }
    }
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

    /// The state directory when it is read-only (G-R19): every call then runs on a
    /// [`crate::schema::ReadOnlyHost`].
    fn read_only_dir(&self) -> Option<String> {
        self.active
            .as_ref()
            .filter(|a| a.read_only.is_some())
            .map(|a| a.state_dir.clone())
    }

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
                        serde_json::json!({})
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
            .unwrap_or_else(|| serde_json::json!({}));
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
            governor: crate::compaction::Governor::default(),
            tracker: crate::budget::Tracker::default(),
            scoper: crate::memory_scope::Scoper::default(),
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
        let ro_dir = self.read_only_dir();
        let ro = ro_dir
            .as_deref()
            .map(|d| crate::schema::ReadOnlyHost::new(host, d));
        let host: &dyn Host = match &ro {
            Some(r) => r,
            None => host,
        };
        if !event.is_object() {
            return Err(CoreError::invalid_input(
                "/event",
                "the event must be a JSON object",
            ));
        }
        match hook {
            "config_check" => return self.config_check(host, event),
            "service_start" => return Ok(self.service_start(host, event)),
            _ => {}
        }
        let active = self.active.as_mut().ok_or_else(not_initialised)?;
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
        let ro_dir = self.read_only_dir();
        let ro = ro_dir
            .as_deref()
            .map(|d| crate::schema::ReadOnlyHost::new(host, d));
        let host: &dyn Host = match &ro {
            Some(r) => r,
            None => host,
        };
        let active = self.active.as_mut().ok_or_else(not_initialised)?;
        let mut resp = HookResponse::default();
        if !route::job_done(active, host, job_id, outcome, &mut resp) {
            route::job_orphan(active, host, job_id, outcome, &mut resp);
        }
        Ok(resp)
    }

    /// Periodic work from a service timer: phase 1 forgets state of long-ended sessions,
    /// phase 3 replays, retries and gives up on lost jobs.
    pub fn tick(&mut self, host: &dyn Host, _now_ms: i64) -> Result<HookResponse, CoreError> {
        let ro_dir = self.read_only_dir();
        let ro = ro_dir
            .as_deref()
            .map(|d| crate::schema::ReadOnlyHost::new(host, d));
        let host: &dyn Host = match &ro {
            Some(r) => r,
            None => host,
        };
        let active = self.active.as_mut().ok_or_else(not_initialised)?;
        let mut resp = HookResponse::default();
        route::tick(active, host, &mut resp);
        Ok(resp)
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
        let ro_dir = self.read_only_dir();
        let ro = ro_dir
            .as_deref()
            .map(|d| crate::schema::ReadOnlyHost::new(host, d));
        let host: &dyn Host = match &ro {
            Some(r) => r,
            None => host,
        };
        let active = self.active.as_mut().ok_or_else(not_initialised)?;
        engine::engine(active, host, method, params)
    }

    /// Phase 4 direct API: evaluates one command with the active (or default) config.
    pub fn evaluate_command(
        &self,
        host: &dyn Host,
        command: &str,
        ctx: &EvaluateContext,
    ) -> shell::Evaluation {
        let ectx = self.eval_context(host, ctx);
        self.evaluate_in(command, &ectx)
    }

    /// `command` evaluated in `ectx` with the active (or default) config.
    fn evaluate_in(&self, command: &str, ectx: &shell::EvalContext) -> shell::Evaluation {
        match self.active.as_ref() {
            Some(a) => shell::evaluate(command, ectx, a.config.phases.bash_security.settings()),
            None => shell::evaluate(command, ectx, &shell::BashSecurityConfig::default()),
        }
    }

    /// The evaluation context of `evaluateCommand`'s context.
    fn eval_context(&self, host: &dyn Host, ctx: &EvaluateContext) -> shell::EvalContext {
        // The host is asked only for what the context leaves out: each call crosses the
        // wasm boundary, and the CLI and benchmarks evaluate many commands (P4-R49).
        let home = ctx
            .home
            .clone()
            .or_else(|| self.active.as_ref().map(|a| a.home(host)));
        let cwd = ctx.cwd.clone();
        let dirs = (home.is_none() || cwd.is_none()).then(|| host.resolve_dirs());
        let home = home
            .or_else(|| dirs.as_ref().map(|d| d.home_dir.clone()))
            .unwrap_or_default();
        let cwd = cwd
            .or_else(|| dirs.as_ref().map(|d| d.workspace_dir.clone()))
            .unwrap_or_default();
        let os = ctx.os.as_deref().map(shell::Os::parse).unwrap_or_default();
        shell::EvalContext {
            home,
            workspace: cwd.clone(),
            cwd,
            os,
            env_keys: Vec::new(),
            ..Default::default()
        }
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

/// JSON-text wrappers used by both binding layers: total functions, never a panic.
impl Runtime {
    /// `init` with JSON text in and out.
    pub fn init_json(
        &mut self,
        host: &dyn Host,
        config_json: &str,
        host_info_json: &str,
    ) -> String {
        to_json(&self.init(host, config_json, host_info_json))
    }

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

    /// `evaluate_command` with JSON text in and out (P4-R46 field order).
    pub fn evaluate_command_json(&self, host: &dyn Host, command: &str, ctx_json: &str) -> String {
        thread_local! {
            /// The last context text that gave both `home` and `cwd`, with the evaluation
            /// context it makes: then that context is a function of the text alone (no host
            /// answer, no config), and callers that evaluate many commands pass the same text
            /// every time, so it is read once instead of per call (P4-R49).
            static LAST_CTX: std::cell::RefCell<Option<(String, shell::EvalContext)>> =
                const { std::cell::RefCell::new(None) };
        }
        let hit = LAST_CTX.with(|last| {
            let last = last.try_borrow().ok()?;
            let (_, ectx) = last.as_ref().filter(|(t, _)| t == ctx_json)?;
            Some(shell::cli_record(command, &self.evaluate_in(command, ectx)).to_json())
        });
        if let Some(out) = hit {
            return out;
        }
        match EvaluateContext::parse(ctx_json) {
            Ok(ctx) => {
                let ectx = self.eval_context(host, &ctx);
                let out = shell::cli_record(command, &self.evaluate_in(command, &ectx)).to_json();
                if ctx.home.is_some() && ctx.cwd.is_some() {
                    LAST_CTX.with(|last| {
                        if let Ok(mut last) = last.try_borrow_mut() {
                            *last = Some((ctx_json.to_string(), ectx));
                        }
                    });
                }
                out
            }
            Err(e) => e.to_json(),
        }
    }
}

/// `{"crate": …, "schema": …}` as JSON text.
pub fn version_json() -> String {
    to_json(
        &serde_json::json!({ "version": version(), "crate": env!("CARGO_PKG_VERSION"), "schema": SCHEMA_VERSION }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the context reader answered when it read every context through a `Value`.
    fn through_value(text: &str) -> Result<EvaluateContext, String> {
        match parse_json(text, "/ctx") {
            Ok(v) if v.is_null() || v.is_object() => Ok(EvaluateContext {
                home: str_at(&v, "home"),
                cwd: str_at(&v, "cwd"),
                os: str_at(&v, "os"),
            }),
            Ok(_) => Err("the context must be a JSON object".into()),
            Err(e) => Err(e.message),
        }
    }

    #[test]
    fn the_direct_context_reader_answers_like_the_value_reader() {
        for text in [
            "",
            "  ",
            "null",
            "{}",
            r#"{"home":"/h","cwd":"/w","os":"macos"}"#,
            r#" {"home":5,"cwd":null,"os":["x"],"other":{"a":[1,2]}}"#,
            r#"{"home":"/a","home":"/b"}"#,
            r#"{"cwd":"/w\u00e9\n"}"#,
            r#"{"home":"/h""#,
            "{",
            "[1,2]",
            r#"["/h","/w"]"#,
            "5",
            r#""text""#,
            "nul",
            "{} x",
            r#"{"a":"\udc00"}"#,
            r#"{"home":"\udc00"}"#,
            r#"{"cwd":"/w","a":1}"#,
        ] {
            let direct = EvaluateContext::parse(text).map_err(|e| e.message);
            assert_eq!(direct, through_value(text), "{text:?}");
        }
        let deep = format!("{}1{}", r#"{"home":{"a":"#.repeat(300), "}}".repeat(300));
        assert!(EvaluateContext::parse(&deep).is_err());
        assert_eq!(
            EvaluateContext::parse(&deep).map_err(|e| e.message),
            through_value(&deep)
        );
    }
}
