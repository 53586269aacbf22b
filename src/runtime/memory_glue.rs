//! Phase 5 inside the runtime: registrations, hook dispatch.

use super::{
    Active, CommandSpec, FailureMode, FailurePolicy, HookResponse, HostInfo, InitResult,
    Registration,
};
use crate::host::Host;
use crate::memory_scope::engine::Env;
use serde_json::Value;

/// Below phase 4 and phase 2: the isolation guard only matters for calls that may run.
pub const PRIORITY: i32 = 400;

fn reg(hook: &str, matcher: Option<Vec<String>>) -> Registration {
    Registration {
        handler: format!("memoryScoping:{hook}"),
        hook: hook.into(),
        phase: "memoryScoping".into(),
        priority: if hook == "before_tool_call" {
            PRIORITY
        } else {
            0
        },
        matcher,
        // P5-R29: fail open.
        failure: FailurePolicy {
            mode: FailureMode::Open,
            ret: Value::Null,
        },
    }
}

/// Registrations: the prompt block needs conversation access (degraded without it).
pub(super) fn init(info: &HostInfo, result: &mut InitResult) {
    if info.conversation_access != Some(false) {
        result.registrations.push(reg("before_prompt_build", None));
        result.registrations.push(reg("llm_output", None));
    }
    result.commands.push(CommandSpec {
        name: "memory".into(),
        description: "agent-ops: this agent's memory directory and the token cost ledger (today, 7d or session)".into(),
        handler: "memoryScoping:command:memory".into(),
        accepts_args: true,
    });
    result.registrations.push(reg(
        "before_tool_call",
        Some(vec!["write".into(), "edit".into(), "apply_patch".into()]),
    ));
}

/// One phase-5 hook call.
pub(super) fn dispatch(
    active: &mut Active,
    host: &dyn Host,
    name: &str,
    event: &Value,
    ctx: &Value,
    resp: &mut HookResponse,
) {
    let fork = ctx
        .get("sessionKey")
        .and_then(Value::as_str)
        .and_then(|k| active.skiller.forks.fork_cache_safe(k));
    let mut sc = std::mem::take(&mut active.scoper);
    let home = active.home(host);
    let workspace = active.workspace(host, ctx);
    let out = {
        let e = Env {
            cfg: active.config.phases.memory_scoping.settings(),
            host,
            state_dir: &active.state_dir,
            home: &home,
            now_ms: host.now_ms(),
            workspace: &workspace,
            models: &active.info.models,
        };
        match name {
            "before_prompt_build" => Some(sc.before_prompt_build(&e, event, ctx)),
            "before_tool_call" => Some(sc.before_tool_call(&e, event, ctx)),
            "llm_output" => Some(sc.llm_output(&e, event, ctx, fork)),
            "command:memory" => Some(crate::memory_scope::engine::Out {
                ret: serde_json::json!({ "text": sc.memory_command(&e, event, ctx) }),
                ..Default::default()
            }),
            _ => None,
        }
    };
    active.scoper = sc;
    if let Some(out) = out {
        active.absorb(host, resp, out.ret, out.diagnostics, out.decisions);
    }
}
