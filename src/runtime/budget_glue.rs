//! Phase 2 inside the runtime: registrations (with and without conversation access), hook
//! dispatch, the `/budget` command and the tick.

use super::{
    Active, CommandSpec, FailureMode, FailurePolicy, HookResponse, HostInfo, InitResult, Job,
    JobKind, Registration,
};
use crate::budget::tracker::{Env, Out};
use crate::config::Config;
use crate::host::Host;
use serde_json::{json, Value};

/// Below phase 4 (1,000): a command phase 4 denies is still counted (P2-R4) but phase 4 speaks first.
pub const PRIORITY: i32 = 500;

/// Hooks that need `hooks.allowConversationAccess` (openclaw.md §5).
const CONVERSATION_HOOKS: [&str; 4] = [
    "before_agent_run",
    "before_agent_finalize",
    "agent_end",
    "llm_output",
];

fn reg(hook: &str) -> Registration {
    Registration {
        handler: format!("loopBudget:{hook}"),
        hook: hook.into(),
        phase: "loopBudget".into(),
        priority: if hook == "before_tool_call" {
            PRIORITY
        } else {
            0
        },
        matcher: None,
        // P2-R11: fail open.
        failure: FailurePolicy {
            mode: FailureMode::Open,
            ret: Value::Null,
        },
    }
}

/// Registrations and the `/budget` command.
pub(super) fn init(_config: &Config, info: &HostInfo, result: &mut InitResult) {
    let conversation = info.conversation_access != Some(false);
    for h in [
        "before_tool_call",
        "after_tool_call",
        "model_call_started",
        "model_call_ended",
        "subagent_spawned",
    ] {
        result.registrations.push(reg(h));
    }
    if conversation {
        for h in CONVERSATION_HOOKS {
            result.registrations.push(reg(h));
        }
    }
    result.commands.push(CommandSpec {
        name: "budget".into(),
        description: "agent-ops: this session's token and call usage against every budget limit"
            .into(),
        handler: "loopBudget:command:budget".into(),
        accepts_args: false,
    });
}

fn env<'a>(active: &'a Active, host: &'a dyn Host) -> Env<'a> {
    Env {
        cfg: active.config.phases.loop_budget.settings(),
        host,
        state_dir: &active.state_dir,
        now_ms: host.now_ms(),
        conversation: active.info.conversation_access != Some(false),
    }
}

/// One phase-2 hook (or command) call.
pub(super) fn dispatch(
    active: &mut Active,
    host: &dyn Host,
    name: &str,
    event: &Value,
    ctx: &Value,
    resp: &mut HookResponse,
) {
    let mut tr = std::mem::take(&mut active.tracker);
    let out = {
        let e = env(active, host);
        match name {
            "before_agent_run" => Some(tr.before_agent_run(&e, event, ctx)),
            "model_call_started" => {
                tr.model_call(&e, event, ctx, false);
                None
            }
            "model_call_ended" => {
                tr.model_call(&e, event, ctx, true);
                None
            }
            "before_tool_call" => Some(tr.before_tool_call(&e, event, ctx)),
            "after_tool_call" => {
                tr.after_tool_call(event, ctx);
                None
            }
            "before_agent_finalize" => Some(tr.before_agent_finalize(&e, event, ctx)),
            "agent_end" => Some(tr.agent_end(&e, event, ctx)),
            "llm_output" => Some(tr.llm_output(&e, event, ctx)),
            "subagent_spawned" => {
                tr.subagent_spawned(event, ctx);
                None
            }
            "command:budget" => {
                let key = ctx
                    .get("sessionKey")
                    .and_then(Value::as_str)
                    .or_else(|| event.get("sessionKey").and_then(Value::as_str))
                    .unwrap_or("");
                Some(Out {
                    ret: json!({ "text": tr.status(&e, key) }),
                    ..Out::default()
                })
            }
            _ => None,
        }
    };
    active.tracker = tr;
    let Some(out) = out else { return };
    for i in out.injections {
        let id = active.new_job_id(host);
        resp.jobs.push(Job {
            id,
            kind: JobKind::Inject,
            phase: "loopBudget".into(),
            // Appended to the next turn's context, dropped after an hour unused.
            payload: json!({ "sessionKey": i.session_key, "text": i.text, "idempotencyKey": i.idempotency_key, "placement": "append_context", "ttlMs": 3_600_000 }),
            timeout_ms: 5_000,
        });
    }
    active.absorb(host, resp, out.ret, out.diagnostics, out.decisions);
}

/// Service tick for phase 2.
pub(super) fn tick(active: &mut Active, host: &dyn Host) {
    let mut tr = std::mem::take(&mut active.tracker);
    {
        let e = env(active, host);
        tr.sweep(&e);
    }
    active.tracker = tr;
}
