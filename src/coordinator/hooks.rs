//! Phase 6's hooks (issue 18 item 2): registrations, the `/workers` command, the
//! `agent_ops_workers` tool, the hook dispatch, the context engine's subagent methods and
//! the repair of an assembled transcript (handed over by the runtime's `interplay`).

use super::engine::ResumeGuard;
use super::CoordinatorConfig;
use crate::contract::{
    fail_open, CommandSpec, Diagnostic, HostInfo, Outcome, PhaseCore, PhaseCtx, PhaseInit,
    Registration, ToolSpec,
};
use crate::host::LogLevel;
use crate::json;
use serde_json::Value;

/// The phase key.
const KEY: &str = "coordinator";

/// Below phases 4, 2 and 5: the spawn and target guards only matter for calls that may run.
pub const PRIORITY: i32 = 300;

fn reg(hook: &str, matcher: Option<Vec<String>>) -> Registration {
    let priority = if hook == "before_tool_call" {
        PRIORITY
    } else {
        0
    };
    // P6-R15: fail open, the foreign-target guard included.
    fail_open(KEY, hook, priority, matcher)
}

/// Registrations, the `/workers` command and the worker tool.
pub fn init(cfg: &CoordinatorConfig, info: &HostInfo) -> PhaseInit {
    let mut init = PhaseInit::default();
    for h in [
        "gateway_start",
        "session_start",
        "subagent_spawned",
        "subagent_progress",
        "subagent_ended",
        "agent_end",
    ] {
        init.registrations.push(reg(h, None));
    }
    let mut tools: Vec<String> = vec!["sessions_spawn".into()];
    for t in &cfg.target_tools {
        if !tools.contains(t) {
            tools.push(t.clone());
        }
    }
    init.registrations
        .push(reg("before_tool_call", Some(tools)));
    if info.conversation_access != Some(false) {
        init.registrations.push(reg("before_prompt_build", None));
    }
    if info.context_engine_selected == Some(false) {
        // P6-R14: only the context engine's assemble can hand the model a repaired
        // transcript; every other phase 6 check works without it.
        init.diagnostics.push(Diagnostic {
            level: LogLevel::Warn,
            code: "coord.degraded.sanitation".into(),
            message: "the agent-ops context engine is not selected (plugins.slots.contextEngine): resumed sessions reach the model without transcript repair (dangling tool calls, empty turns)".into(),
        });
    }
    init.commands.push(CommandSpec {
        name: "workers".into(),
        description: "agent-ops: the workers (subagents) of this session and their states".into(),
        handler: "coordinator:command:workers".into(),
        accepts_args: true,
    });
    init.tools.push(ToolSpec {
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
    init
}

impl PhaseCore for ResumeGuard {
    type Config = CoordinatorConfig;
    type Input<'a> = ();
    const KEY: &'static str = KEY;

    /// One phase-6 hook, command or tool call.
    fn on_hook(
        &mut self,
        cx: &PhaseCtx<'_, CoordinatorConfig>,
        name: &str,
        event: &Value,
        _: (),
    ) -> Outcome {
        let ctx = cx.ctx;
        match name {
            "gateway_start" => self.start(cx),
            "session_start" => self.session_start(cx, event, ctx),
            "subagent_spawned" => self.subagent_spawned(cx, event, ctx),
            "subagent_progress" => self.subagent_progress(cx, event, ctx),
            "subagent_ended" => self.subagent_ended(cx, event, ctx),
            "before_tool_call" => self.before_tool_call(cx, event, ctx),
            "before_prompt_build" => self.before_prompt_build(cx, event, ctx),
            "agent_end" => self.agent_end(cx, ctx),
            "command:workers" | "tool:agent_ops_workers" => {
                let caller = cx.ctx_str("sessionKey").unwrap_or("").to_string();
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
                let (text, details) = self.workers(cx, &caller, status.as_deref());
                Outcome::ret(json!({ "text": text, "details": details }))
            }
            _ => Outcome::default(),
        }
    }
}

impl ResumeGuard {
    /// The context engine's subagent methods (P6-R1, engine mode): `prepareSubagentSpawn`
    /// answers `{rollback: true}` when it recorded a `prepared` event (the binding then hands
    /// OpenClaw a rollback handle that calls `rollbackSubagentSpawn`); `onSubagentEnded`
    /// records `ended`. The answer is the outcome's `ret` (`null` otherwise).
    pub fn engine_method(
        &mut self,
        cx: &PhaseCtx<'_, CoordinatorConfig>,
        method: &str,
        params: &Value,
    ) -> Outcome {
        match method {
            "prepareSubagentSpawn" => self.subagent_prepared(cx, params),
            "rollbackSubagentSpawn" => self.subagent_rolled_back(cx, params),
            _ => self.engine_subagent_ended(cx, params),
        }
    }

    /// P6-R13 in engine mode: when the session was resumed, the projection `assemble` returns
    /// (`value`, phase 1's answer) becomes the sanitised transcript (with phase 1's clears
    /// already applied) under `messages`, and the clears are emptied so the binding uses it as
    /// is.
    pub fn sanitize_assembled(
        &mut self,
        cx: &PhaseCtx<'_, CoordinatorConfig>,
        params: &Value,
        value: &mut Value,
    ) -> Outcome {
        let Some(key) = params.get("sessionKey").and_then(Value::as_str) else {
            return Outcome::default();
        };
        let Some(messages) = params.get("messages").and_then(Value::as_array) else {
            return Outcome::default();
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
        let (fixed, out) = self.sanitize_projection(cx, key, &projected);
        if let (Some(fixed), Some(obj)) = (fixed, value.as_object_mut()) {
            obj.insert("messages".into(), Value::Array(fixed));
            obj.insert("clear".into(), json!([]));
        }
        out
    }
}
