//! Phase 3 inside the runtime: registrations, hook dispatch, job completion, ticks, and the
//! cost records of internal jobs (P5-R24).

use super::{
    Active, Diagnostic, FailureMode, FailurePolicy, HookResponse, HostInfo, InitResult,
    Registration, ServiceSpec,
};
use crate::host::{Host, LogLevel};
use crate::memory_scope::costs;
use crate::memory_scope::engine::scope_note;
use crate::session_memory::keeper::{Env, MemoryTarget, Out};
use crate::session_memory::notes::Template;
use serde_json::{json, Value};

/// Hooks phase 3 listens to.
const HOOKS: [&str; 6] = [
    "agent_end",
    "after_tool_call",
    "after_compaction",
    "session_end",
    "gateway_stop",
    "gateway_start",
];

/// How often the service ticks (retries, replay, stale jobs).
pub const TICK_MS: u64 = 2_000;

fn reg(hook: &str) -> Registration {
    Registration {
        handler: format!("sessionMemory:{hook}"),
        hook: hook.into(),
        phase: "sessionMemory".into(),
        priority: 0,
        matcher: None,
        // P3-R23: fail open.
        failure: FailurePolicy {
            mode: FailureMode::Open,
            ret: Value::Null,
        },
    }
}

/// Registrations and the service. Without conversation access `agent_end` carries no
/// messages (only the deterministic worklog runs, P3-R18) and no prompt hook is registered.
pub(super) fn init(info: &HostInfo, result: &mut InitResult) {
    for h in HOOKS {
        result.registrations.push(reg(h));
    }
    if info.conversation_access != Some(false) {
        // P3-R21: notes offered on resume and after compaction.
        result.registrations.push(reg("before_prompt_build"));
    }
    result.service = Some(ServiceSpec {
        id: "agent-ops".into(),
        tick_ms: TICK_MS,
        start_handler: "service_start".into(),
        stop_handler: "sessionMemory:service_stop".into(),
    });
}

/// Loads the notes template (config `notes.template`, a path); errors name the key.
pub(super) fn load_template(
    path: Option<&str>,
    home: &str,
    host: &dyn Host,
) -> Result<Template, crate::config::ConfigError> {
    let Some(p) = path else {
        return Ok(Template::builtin());
    };
    let full = super::expand_home(p, home);
    let err = |m: String| crate::config::ConfigError {
        path: "phases.sessionMemory.notes.template".into(),
        message: m,
    };
    let bytes = host.fs_read(&full, 64 * 1024).map_err(|e| {
        err(format!(
            "memory.config.bad_template: cannot read {full}: {e}"
        ))
    })?;
    Template::parse(&String::from_utf8_lossy(&bytes)).map_err(err)
}

fn memory_target(active: &mut Active, host: &dyn Host, ctx: &Value) -> Option<MemoryTarget> {
    if !active.config.phases.memory_scoping.enabled() {
        return None;
    }
    let key = ctx.get("sessionKey").and_then(Value::as_str).unwrap_or("");
    let agent = ctx
        .get("agentId")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            key.strip_prefix("agent:")
                .and_then(|r| r.split(':').next())
                .map(str::to_string)
        })
        .unwrap_or_else(|| "main".into());
    let home = active.home(host);
    let workspace = active.workspace(host, ctx);
    let mut sc = std::mem::take(&mut active.scoper);
    let mut out = crate::memory_scope::engine::Out::default();
    let r = {
        let e = crate::memory_scope::engine::Env {
            cfg: active.config.phases.memory_scoping.settings(),
            host,
            state_dir: &active.state_dir,
            home: &home,
            now_ms: host.now_ms(),
            workspace: &workspace,
            models: &active.info.models,
        };
        sc.resolve(&e, &mut out, &agent, &workspace)
    };
    active.scoper = sc;
    r.map(|r| MemoryTarget {
        dir: r.dir.trim_end_matches('/').to_string(),
        trusted_base: r.roots.trusted_base(r.scope).unwrap_or_default(),
        scope: format!("{:?}", r.scope).to_ascii_lowercase(),
        note: scope_note(r.scope).to_string(),
    })
}

fn run<F>(active: &mut Active, host: &dyn Host, resp: &mut HookResponse, f: F)
where
    F: FnOnce(&mut crate::session_memory::keeper::Keeper, &Env<'_>) -> Out,
{
    let mut keeper = std::mem::take(&mut active.keeper);
    let out = {
        let env = Env {
            cfg: active.config.phases.session_memory.settings(),
            host,
            state_dir: &active.state_dir,
            now_ms: host.now_ms(),
            template: &active.template,
        };
        f(&mut keeper, &env)
    };
    active.keeper = keeper;
    super::budget_glue::charge_jobs(active, host, resp, &out.usage);
    record_usage(active, host, resp, &out.usage);
    resp.jobs.extend(out.jobs);
    active.absorb(host, resp, out.ret, out.diagnostics, out.decisions);
}

/// One phase-3 hook call.
pub(super) fn dispatch(
    active: &mut Active,
    host: &dyn Host,
    name: &str,
    event: &Value,
    ctx: &Value,
    resp: &mut HookResponse,
) {
    match name {
        "agent_end" => {
            let mem = memory_target(active, host, ctx);
            run(active, host, resp, |k, e| k.agent_end(e, event, ctx, mem));
        }
        "after_tool_call" => {
            let mem = memory_target(active, host, ctx);
            let workspace = active.workspace(host, ctx);
            active
                .keeper
                .after_tool_call(event, ctx, &workspace, mem.as_ref());
        }
        "after_compaction" => run(active, host, resp, |k, e| k.after_compaction(e, ctx)),
        "before_prompt_build" => run(active, host, resp, |k, e| k.before_prompt_build(e, ctx)),
        "session_end" => run(active, host, resp, |k, e| k.session_end(e, event, ctx)),
        "gateway_stop" | "service_stop" => {
            let generation = event.get("service").and_then(Value::as_u64);
            run(active, host, resp, |k, e| k.drain_from(e, name, generation));
        }
        "service_start" => {
            let generation = event.get("service").and_then(Value::as_u64);
            run(active, host, resp, |k, e| k.service_start(e, generation));
        }
        "gateway_start" => run(active, host, resp, |k, e| k.tick(e)),
        _ => {}
    }
}

/// The result of one of phase 3's LLM jobs.
pub(super) fn complete(
    active: &mut Active,
    host: &dyn Host,
    job_id: &str,
    outcome: &Value,
    resp: &mut HookResponse,
) {
    run(active, host, resp, |k, e| k.complete(e, job_id, outcome));
}

/// P3-R4 after our own engine's compaction of `key`.
pub(super) fn compacted(active: &mut Active, host: &dyn Host, key: &str) {
    if !active.config.phases.session_memory.enabled() {
        return;
    }
    let mut resp = HookResponse::default();
    run(active, host, &mut resp, |k, e| k.on_compacted(e, key));
}

/// P3-R17: `{jobs, waitMs}` for a compaction of this session, or null.
pub(super) fn compact_wait(active: &Active, host: &dyn Host, params: &Value) -> Value {
    if !active.config.phases.session_memory.enabled() {
        return Value::Null;
    }
    let key = params
        .get("sessionKey")
        .and_then(Value::as_str)
        .unwrap_or("");
    match active.keeper.notes_wait(key, host.now_ms()) {
        Some((jobs, wait)) => json!({ "jobs": jobs, "waitMs": wait }),
        None => Value::Null,
    }
}

/// P3-R19: appends the session notes to a delegated compaction's instructions.
pub(super) fn feed_notes(active: &Active, host: &dyn Host, params: &Value, value: &mut Value) {
    if !active.config.phases.session_memory.enabled()
        || value.get("action").and_then(Value::as_str) != Some("delegate")
    {
        return;
    }
    let key = params
        .get("sessionKey")
        .and_then(Value::as_str)
        .unwrap_or("");
    let sid = params.get("sessionId").and_then(Value::as_str);
    let env = Env {
        cfg: active.config.phases.session_memory.settings(),
        host,
        state_dir: &active.state_dir,
        now_ms: host.now_ms(),
        template: &active.template,
    };
    let Some(notes) = active.keeper.compaction_notes(&env, sid, key) else {
        return;
    };
    let text = match value.get("customInstructions").and_then(Value::as_str) {
        Some(c) if !c.trim().is_empty() => format!("{c}\n\n{notes}"),
        _ => notes,
    };
    if let Some(o) = value.as_object_mut() {
        o.insert("customInstructions".into(), Value::String(text));
    }
}

/// The session's notes excerpted (P3-R19), for skillify (phase 7).
pub(super) fn notes_for(
    active: &Active,
    host: &dyn Host,
    key: &str,
    sid: Option<&str>,
) -> Option<String> {
    if !active.config.phases.session_memory.enabled() {
        return None;
    }
    let env = Env {
        cfg: active.config.phases.session_memory.settings(),
        host,
        state_dir: &active.state_dir,
        now_ms: host.now_ms(),
        template: &active.template,
    };
    active.keeper.notes_excerpt(&env, sid, key, 4_000)
}

/// Service tick.
pub(super) fn tick(active: &mut Active, host: &dyn Host, resp: &mut HookResponse) {
    run(active, host, resp, |k, e| k.tick(e));
}

/// P5-R24: every memory job's usage goes to the cost ledger under its purpose.
fn record_usage(
    active: &mut Active,
    host: &dyn Host,
    resp: &mut HookResponse,
    usage: &[crate::session_memory::keeper::Usage],
) {
    if !active.config.phases.memory_scoping.enabled() {
        return;
    }
    for job in usage {
        let (purpose, key, agent, outcome) =
            (&job.purpose, &job.session_key, &job.agent_id, &job.outcome);
        let u = outcome.get("usage").cloned().unwrap_or(Value::Null);
        let n = |k: &str| u.get(k).cloned().unwrap_or(Value::Null);
        let event = json!({
            "usage": { "input": n("inputTokens"), "output": n("outputTokens"), "cacheRead": n("cacheReadTokens"), "cacheWrite": n("cacheWriteTokens") },
            "provider": outcome.get("provider"),
            "model": outcome.get("model"),
        });
        let ctx = json!({ "sessionKey": key, "agentId": agent });
        let mut r = costs::from_llm_output(&event, &ctx, &active.info.models, host.now_ms());
        r.purpose = purpose.clone();
        if r.cost_usd.is_none() {
            r.cost_usd = u
                .get("costUsd")
                .and_then(Value::as_f64)
                .filter(|c| *c >= 0.0);
        }
        r.cache_safe = Some(false);
        r.scope = Some(job.scope.clone());
        let state_dir = active.state_dir.clone();
        if let Err(e) = active.scoper.append_cost(host, &state_dir, &r) {
            resp.diagnostics.push(Diagnostic {
                level: LogLevel::Warn,
                code: "scope.cost.write_failed".into(),
                message: format!("could not record the cost of a {purpose} job: {e}"),
            });
        }
    }
}

/// P3-R20: `phases.sessionMemory.compaction.useNotesAsSummary` was accepted and ignored; it is
/// removed from the schema. A config that still sets it gets a warning naming the key (not the
/// generic unknown-key error, which would read as a typo) and runs as before: the notes reach
/// the summariser through `feedNotes`. Using the notes as the summary would need the context
/// engine to return its own compaction result with a kept-message boundary it computes itself
/// (phase 1's compaction path), which this version does not do.
pub(super) fn strip_removed_keys(config: &mut Value, result: &mut InitResult) {
    let Some(c) = config
        .get_mut("phases")
        .and_then(|p| p.get_mut("sessionMemory"))
        .and_then(|m| m.get_mut("compaction"))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    if let Some(v) = c.remove("useNotesAsSummary") {
        result.diagnostics.push(Diagnostic {
            level: LogLevel::Warn,
            code: "memory.config.removed".into(),
            message: format!(
                "phases.sessionMemory.compaction.useNotesAsSummary ({v}) is no longer supported and is ignored: notes are not used as the compaction summary; they reach the summariser through compaction.feedNotes. Remove the key."
            ),
        });
    }
}
