//! Phase 6 inside the runtime: registrations, the `/workers` command, the
//! `agent_ops_workers` tool and hook dispatch.

use super::{
    Active, CommandSpec, FailureMode, FailurePolicy, HookResponse, HostInfo, InitResult,
    Registration, ToolSpec,
};
use crate::coordinator::engine::{Env, Out};
use crate::host::Host;
use serde_json::{json, Value};

/// Below phases 4, 2 and 5: the spawn and target guards only matter for calls that may run.
pub const PRIORITY: i32 = 300;

fn reg(hook: &str, matcher: Option<Vec<String>>) -> Registration {
    Registration {
        handler: format!("coordinator:{hook}"),
        hook: hook.into(),
        phase: "coordinator".into(),
        priority: if hook == "before_tool_call" {
            PRIORITY
        } else {
            0
        },
        matcher,
        // P6-R15: fail open, the foreign-target guard included.
        failure: FailurePolicy {
            mode: FailureMode::Open,
            ret: Value::Null,
        },
    }
}

/// Registrations, the `/workers` command and the worker tool.
pub(super) fn init(
    cfg: &crate::coordinator::CoordinatorConfig,
    info: &HostInfo,
    result: &mut InitResult,
) {
    for h in [
        "gateway_start",
        "session_start",
        "subagent_spawned",
        "subagent_progress",
        "subagent_ended",
        "agent_end",
    ] {
        result.registrations.push(reg(h, None));
    }
    let mut tools: Vec<String> = vec!["sessions_spawn".into()];
    for t in &cfg.target_tools {
        if !tools.contains(t) {
            tools.push(t.clone());
        }
    }
    result
        .registrations
        .push(reg("before_tool_call", Some(tools)));
    if info.conversation_access != Some(false) {
        result.registrations.push(reg("before_prompt_build", None));
    }
    if info.context_engine_selected == Some(false) {
        // P6-R14: only the context engine's assemble can hand the model a repaired
        // transcript; every other phase 6 check works without it.
        result.diagnostics.push(crate::runtime::Diagnostic {
            level: crate::runtime::LogLevel::Warn,
            code: "coord.degraded.sanitation".into(),
            message: "the agent-ops context engine is not selected (plugins.slots.contextEngine): resumed sessions reach the model without transcript repair (dangling tool calls, empty turns)".into(),
        });
    }
    result.commands.push(CommandSpec {
        name: "workers".into(),
        description: "agent-ops: the workers (subagents) of this session and their states".into(),
        handler: "coordinator:command:workers".into(),
        accepts_args: true,
    });
    result.tools.push(ToolSpec {
        name: "agent_ops_workers".into(),
        label: "agent-ops workers".into(),
        description: "List your workers (subagents) with their task, model, status and times. Optional `status`: running, ended, interrupted, stale or all.".into(),
        parameters: json!({
            "type": "object",
            "properties": { "status": { "type": "string", "enum": ["running", "ended", "interrupted", "stale", "all"] } },
            "additionalProperties": false
        }),
        handler: "coordinator:tool:agent_ops_workers".into(),
        catalog_mode: "direct-only".into(),
    });
}

fn run<F>(active: &mut Active, host: &dyn Host, resp: &mut HookResponse, f: F)
where
    F: FnOnce(&mut crate::coordinator::engine::Coordinator, &Env<'_>) -> Out,
{
    let mut c = std::mem::take(&mut active.coordinator);
    let out = {
        let env = Env {
            cfg: active.config.phases.coordinator.settings(),
            host,
            state_dir: &active.state_dir,
            now_ms: host.now_ms(),
        };
        f(&mut c, &env)
    };
    active.coordinator = c;
    active.absorb(host, resp, out.ret, out.diagnostics, out.decisions);
}

/// P6-R13 in engine mode: when the session was resumed, the projection `assemble` returns is
/// the sanitised transcript (with phase 1's clears already applied) under `messages`, and
/// the clears are emptied so the binding uses it as is.
pub(super) fn sanitize_assembled(
    active: &mut Active,
    host: &dyn Host,
    params: &Value,
    value: &mut Value,
    resp: &mut HookResponse,
) {
    if !active.config.phases.coordinator.enabled() {
        return;
    }
    let Some(key) = params.get("sessionKey").and_then(Value::as_str) else {
        return;
    };
    let Some(messages) = params.get("messages").and_then(Value::as_array) else {
        return;
    };
    let mut projected = messages.clone();
    if let Some(clear) = value.get("clear").and_then(Value::as_array) {
        let replacement = value.get("replacement").cloned().unwrap_or(Value::Null);
        for i in clear.iter().filter_map(Value::as_u64) {
            if let Some(m) = usize::try_from(i).ok().and_then(|i| projected.get_mut(i)) {
                if let Some(obj) = m.as_object_mut() {
                    obj.insert("content".into(), replacement.clone());
                }
            }
        }
    }
    let key = key.to_string();
    let mut c = std::mem::take(&mut active.coordinator);
    let (fixed, out) = {
        let env = Env {
            cfg: active.config.phases.coordinator.settings(),
            host,
            state_dir: &active.state_dir,
            now_ms: host.now_ms(),
        };
        c.sanitize_projection(&env, &key, &projected)
    };
    active.coordinator = c;
    if let (Some(fixed), Some(obj)) = (fixed, value.as_object_mut()) {
        obj.insert("messages".into(), Value::Array(fixed));
        obj.insert("clear".into(), json!([]));
    }
    active.absorb(host, resp, Value::Null, out.diagnostics, out.decisions);
}

/// The context engine's subagent methods (P6-R1, engine mode): `prepareSubagentSpawn`
/// answers `{rollback: true}` when it recorded a `prepared` event (the binding then hands
/// OpenClaw a rollback handle that calls `rollbackSubagentSpawn`); `onSubagentEnded` records
/// `ended`. With phase 6 off every method passes through (`null`).
pub(super) fn engine(active: &mut Active, host: &dyn Host, method: &str, params: &Value) -> Value {
    if !active.config.phases.coordinator.enabled() || !params.is_object() {
        return json!({ "value": Value::Null });
    }
    let mut resp = HookResponse::default();
    let mut rollback = false;
    match method {
        "prepareSubagentSpawn" => run(active, host, &mut resp, |c, e| {
            let (recorded, out) = c.subagent_prepared(e, params);
            rollback = recorded;
            out
        }),
        "rollbackSubagentSpawn" => run(active, host, &mut resp, |c, e| {
            c.subagent_rolled_back(e, params)
        }),
        _ => run(active, host, &mut resp, |c, e| {
            c.engine_subagent_ended(e, params)
        }),
    }
    let value = if rollback {
        json!({ "rollback": true })
    } else {
        Value::Null
    };
    json!({ "value": value, "diagnostics": resp.diagnostics })
}

/// One phase-6 hook, command or tool call.
pub(super) fn dispatch(
    active: &mut Active,
    host: &dyn Host,
    name: &str,
    event: &Value,
    ctx: &Value,
    resp: &mut HookResponse,
) {
    match name {
        "gateway_start" => run(active, host, resp, |c, e| c.start(e)),
        "session_start" => run(active, host, resp, |c, e| c.session_start(e, event, ctx)),
        "subagent_spawned" => run(active, host, resp, |c, e| c.subagent_spawned(e, event, ctx)),
        "subagent_progress" => run(active, host, resp, |c, e| {
            c.subagent_progress(e, event, ctx)
        }),
        "subagent_ended" => run(active, host, resp, |c, e| c.subagent_ended(e, event, ctx)),
        "before_tool_call" => run(active, host, resp, |c, e| c.before_tool_call(e, event, ctx)),
        "before_prompt_build" => run(active, host, resp, |c, e| {
            c.before_prompt_build(e, event, ctx)
        }),
        "agent_end" => run(active, host, resp, |c, e| c.agent_end(e, ctx)),
        "command:workers" | "tool:agent_ops_workers" => {
            let caller = ctx
                .get("sessionKey")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let status = if name == "tool:agent_ops_workers" {
                event
                    .get("params")
                    .and_then(|p| p.get("status"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            } else {
                event
                    .get("args")
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(str::to_string)
            };
            let mut text = String::new();
            let mut details = Value::Null;
            run(active, host, resp, |c, e| {
                let (t, d) = c.workers(e, &caller, status.as_deref());
                text = t;
                details = d;
                Out::default()
            });
            resp.ret = json!({ "text": text, "details": details });
        }
        _ => {}
    }
}
