//! Phase 1 inside the runtime: init (engine and provider specs, registrations,
//! diagnostics), hook dispatch, engine methods, and the post-compaction event (P1-R18a).

use super::{
    Active, CallIds, CoreError, Diagnostic, EngineSpec, FailureMode, FailurePolicy, HookResponse,
    HostInfo, InitResult, ProviderSpec, Registration,
};
use crate::audit::{self, Action, Decision};
use crate::compaction::engine::{Completed, Env, Out, ENGINE_ID};
use crate::compaction::SummaryTemplate;
use crate::config::Config;
use crate::host::{Host, LogLevel};
use serde_json::{json, Value};

mod steps;

/// Hooks phase 1 handles.
const HOOKS: [&str; 5] = [
    "tool_result_persist",
    "after_tool_call",
    "before_compaction",
    "after_compaction",
    "agent_end",
];

/// Whether phase 1 handles this hook.
pub(super) fn handles(hook: &str) -> bool {
    HOOKS.contains(&hook)
}

fn reg(hook: &str, matcher: Option<Vec<String>>) -> Registration {
    Registration {
        handler: format!("compaction:{hook}"),
        hook: hook.into(),
        phase: "compaction".into(),
        priority: 0,
        matcher,
        failure: FailurePolicy {
            mode: FailureMode::Open,
            ret: Value::Null,
        },
    }
}

/// Registrations, engine and provider specs, diagnostics (P1-R11, R12).
pub(super) fn init(config: &Config, info: &HostInfo, result: &mut InitResult) {
    let cfg = config.phases.compaction.settings();
    let selected = info.context_engine_selected == Some(true);
    result.engine = Some(EngineSpec {
        id: ENGINE_ID.into(),
        name: "agent-ops compaction governance".into(),
        version: super::version(),
        owns_compaction: false,
        selected,
        transcript_semantics: json!({ "currentTurnFence": "before-current-turn-entry-v1", "turnAdvancementIdempotency": "atomic-idempotent-v1" }),
        fields: steps::fields(),
        failure: steps::failure(),
    });
    if cfg.summary_template == SummaryTemplate::NineSection {
        result.compaction_provider = Some(ProviderSpec {
            id: ENGINE_ID.into(),
            label: "agent-ops nine-section summary".into(),
        });
        if info.compaction_provider.as_deref() != Some(ENGINE_ID) {
            result.diagnostics.push(Diagnostic {
                level: LogLevel::Info,
                code: "compaction.degraded.no_provider".into(),
                message: "summaries use OpenClaw's built-in format: set agents.defaults.compaction.provider to \"agent-ops\" for the nine-section summary (P1-R17)".into(),
            });
        }
    }
    if let Some(p) = result.phases.iter_mut().find(|p| p.key == "compaction") {
        if !selected {
            p.degraded.push("hooks-only mode (no circuit breaker, no microcompaction): set plugins.slots.contextEngine=\"agent-ops\"".into());
        }
        if cfg.summary_template == SummaryTemplate::NineSection
            && info.compaction_provider.as_deref() != Some(ENGINE_ID)
        {
            p.degraded.push("built-in summary format: set agents.defaults.compaction.provider=\"agent-ops\" for the nine-section summary".into());
        }
    }
    result.registrations.push(reg("tool_result_persist", None));
    result
        .registrations
        .push(reg("after_tool_call", Some(vec!["read".into()])));
    if !selected {
        result.diagnostics.push(Diagnostic {
            level: LogLevel::Warn,
            code: "core.degraded.no_engine_slot".into(),
            message: "phase 1 runs in hooks-only mode: set plugins.slots.contextEngine to \"agent-ops\" so the circuit breaker and microcompaction can act".into(),
        });
        for h in ["before_compaction", "after_compaction", "agent_end"] {
            result.registrations.push(reg(h, None));
        }
    }
}

fn env<'a>(active: &'a Active, host: &'a dyn Host) -> Env<'a> {
    Env {
        cfg: active.config.phases.compaction.settings(),
        info: &active.info,
        host,
        state_dir: &active.state_dir,
        now_ms: host.now_ms(),
    }
}

/// Hands `compaction.completed` to every phase that keeps per-session state (P1-R18a).
fn completed(active: &mut Active, host: &dyn Host, events: &[Completed]) {
    for e in events {
        active.governor.on_completed(e);
        // Phase 3: the covered-notes cursor is void after a compaction (P3-R4).
        if let Some(key) = &e.session_key {
            super::session_glue::compacted(active, host, key);
        }
    }
}

fn absorb(active: &mut Active, host: &dyn Host, resp: &mut HookResponse, out: Out) {
    completed(active, host, &out.completed);
    active.absorb(host, resp, out.value, out.diagnostics, out.decisions);
}

/// One phase-1 hook call.
pub(super) fn dispatch(
    active: &mut Active,
    host: &dyn Host,
    hook: &str,
    event: &Value,
    ctx: &Value,
    ids: &CallIds,
    resp: &mut HookResponse,
) {
    let engine_mode = active.info.context_engine_selected == Some(true);
    let mut gov = std::mem::take(&mut active.governor);
    let out = {
        let e = env(active, host);
        match hook {
            "tool_result_persist" => {
                Some(gov.tool_result_persist(&e, event, ids.session_key.as_deref()))
            }
            "after_tool_call" => {
                gov.after_tool_call(&e, event, ctx);
                None
            }
            "before_compaction" if !engine_mode => Some(gov.before_compaction(&e, ctx)),
            "after_compaction" if !engine_mode => Some(gov.after_compaction(&e, event, ctx)),
            "agent_end" if !engine_mode => Some(gov.agent_end(&e, event, ctx)),
            _ => None,
        }
    };
    active.governor = gov;
    if let Some(out) = out {
        absorb(active, host, resp, out);
    }
}

fn passthrough(method: &str, params: &Value) -> Value {
    match method {
        "assemble" => json!({ "clear": [], "estimatedTokens": 0 }),
        "compact" => {
            json!({ "action": "delegate", "customInstructions": params.get("customInstructions").cloned().unwrap_or(Value::Null) })
        }
        "compactResult" => Value::Null,
        "commitTurn" => json!({ "status": "committed" }),
        "maintain" => json!({ "action": "none" }),
        "summaryRequest" => json!({ "skip": true }),
        "microcompactEntries" => json!({ "replacements": [] }),
        "summaryCheck" => json!({ "ok": true, "missing": [] }),
        _ => json!({}),
    }
}

/// One engine or provider method. Invalid input is recorded and answered with the
/// method's pass-through (P1-R20, P1-T15).
pub(super) fn engine(
    active: &mut Active,
    host: &dyn Host,
    method: &str,
    params: &Value,
) -> Result<Value, CoreError> {
    const METHODS: [&str; 16] = [
        "step",
        "prepareSubagentSpawn",
        "rollbackSubagentSpawn",
        "onSubagentEnded",
        "assemble",
        "compactWait",
        "compact",
        "compactResult",
        "commitTurn",
        "maintain",
        "ingest",
        "bootstrap",
        "summaryRequest",
        "summaryCheck",
        "microcompactEntries",
        "microcompactPersisted",
    ];
    if !METHODS.contains(&method) {
        return Err(CoreError::invalid_input(
            "/method",
            format!("unknown engine method `{method}`"),
        ));
    }
    if method == "ingest" {
        return Ok(json!({ "value": { "ingested": false } }));
    }
    if method == "bootstrap" {
        return Ok(json!({ "value": {} }));
    }
    if method == "step" {
        return steps::step(active, host, params);
    }
    if matches!(
        method,
        "prepareSubagentSpawn" | "rollbackSubagentSpawn" | "onSubagentEnded"
    ) {
        return Ok(super::coord_glue::engine(active, host, method, params));
    }
    if method == "compactWait" {
        return Ok(json!({ "value": super::session_glue::compact_wait(active, host, params) }));
    }
    if !active.config.phases.compaction.enabled() {
        return Ok(json!({ "value": passthrough(method, params) }));
    }
    if !params.is_object() {
        return Ok(invalid(
            active,
            host,
            method,
            params,
            CoreError::invalid_input("/params", "engine params must be an object"),
        ));
    }
    let mut gov = std::mem::take(&mut active.governor);
    let r = {
        let e = env(active, host);
        match method {
            "assemble" => gov.assemble(&e, params),
            "compact" => gov.compact(&e, params),
            "compactResult" => gov.compact_result(&e, params),
            "commitTurn" => gov.commit_turn(&e, params),
            "maintain" => gov.maintain(&e, params),
            "summaryRequest" => gov.summary_request(&e, params),
            "microcompactEntries" => gov.microcompact_entries(&e, params),
            "microcompactPersisted" => gov.microcompact_persisted(&e, params),
            _ => gov.summary_check(&e, params),
        }
    };
    active.governor = gov;
    match r {
        Ok(mut out) => {
            let mut value = std::mem::take(&mut out.value);
            if matches!(method, "compact" | "maintain") {
                super::session_glue::feed_notes(active, host, params, &mut value);
            }
            let mut resp = HookResponse::default();
            if method == "assemble" {
                super::coord_glue::sanitize_assembled(active, host, params, &mut value, &mut resp);
            }
            absorb(active, host, &mut resp, out);
            Ok(json!({ "value": value, "diagnostics": resp.diagnostics }))
        }
        Err(e) => Ok(invalid(active, host, method, params, e)),
    }
}

fn invalid(
    active: &mut Active,
    host: &dyn Host,
    method: &str,
    params: &Value,
    e: CoreError,
) -> Value {
    let mut resp = HookResponse::default();
    let d = Decision {
        v: audit::RECORD_VERSION,
        at: host.now_ms(),
        phase: "compaction".into(),
        code: "core.invalid_input".into(),
        action: Action::Note,
        message: format!("The context engine's {method} got invalid input ({}: {}); it passed the call through unchanged.", e.path, e.message),
        session_key: params.get("sessionKey").and_then(Value::as_str).map(str::to_string),
        run_id: None,
        tool_call_id: None,
        details: json!({ "method": method, "path": e.path }),
    };
    active.record(host, &mut resp, d, false);
    resp.diagnostics.push(Diagnostic {
        level: LogLevel::Warn,
        code: e.code.as_str().to_string(),
        message: format!("{} {}", e.path, e.message),
    });
    json!({ "value": passthrough(method, params), "invalidInput": e, "diagnostics": resp.diagnostics })
}

/// Service tick for phase 1.
pub(super) fn tick(active: &mut Active, host: &dyn Host, resp: &mut HookResponse) {
    let mut gov = std::mem::take(&mut active.governor);
    let diags = {
        let e = env(active, host);
        gov.sweep(&e)
    };
    active.governor = gov;
    resp.diagnostics.extend(diags);
}
