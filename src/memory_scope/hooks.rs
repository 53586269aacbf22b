//! Phase 5's hooks (issue 18 item 2): registrations, the hook and `/memory` dispatch, and
//! what phase 5 answers other phases through the runtime's `interplay` (an agent's memory
//! target, the cost ledger of internal jobs).

use super::costs;
use super::engine::{scope_note, MemoryScoper};
use super::MemoryScopingConfig;
use crate::contract::{
    fail_open, CommandSpec, Diagnostic, HostInfo, JobUsage, Outcome, PhaseCore, PhaseCtx, PhaseInit,
};
use crate::host::LogLevel;
use crate::memdir::MemoryTarget;
use serde_json::Value;

/// The phase key.
const KEY: &str = "memoryScoping";

/// Below phase 4 and phase 2: the isolation guard only matters for calls that may run.
pub const PRIORITY: i32 = 400;

fn reg(hook: &str, matcher: Option<Vec<String>>) -> crate::contract::Registration {
    let priority = if hook == "before_tool_call" {
        PRIORITY
    } else {
        0
    };
    // P5-R29: fail open.
    fail_open(KEY, hook, priority, matcher)
}

/// Registrations: the prompt block needs conversation access (degraded without it).
pub fn init(info: &HostInfo) -> PhaseInit {
    let mut init = PhaseInit::default();
    if info.conversation_access != Some(false) {
        init.registrations.push(reg("before_prompt_build", None));
        init.registrations.push(reg("llm_output", None));
    }
    init.commands.push(CommandSpec {
        name: "memory".into(),
        description: "agent-ops: this agent's memory directory and the token cost ledger (today, 7d or session)".into(),
        handler: "memoryScoping:command:memory".into(),
        accepts_args: true,
    });
    init.registrations.push(reg(
        "before_tool_call",
        Some(vec!["write".into(), "edit".into(), "apply_patch".into()]),
    ));
    init
}

impl PhaseCore for MemoryScoper {
    type Config = MemoryScopingConfig;
    /// Phase 7's word on the session as a fork child (`Some(cache_safe)` for a fork child),
    /// for the cost records of `llm_output` (P7-R4a).
    type Input<'a> = Option<Option<bool>>;
    const KEY: &'static str = KEY;

    fn on_hook(
        &mut self,
        cx: &PhaseCtx<'_, MemoryScopingConfig>,
        name: &str,
        event: &Value,
        fork: Option<Option<bool>>,
    ) -> Outcome {
        match name {
            "before_prompt_build" => self.before_prompt_build(cx, event, cx.ctx),
            "before_tool_call" => self.before_tool_call(cx, event, cx.ctx),
            "llm_output" => self.llm_output(cx, event, cx.ctx, fork),
            "command:memory" => Outcome::text(self.memory_command(cx, event, cx.ctx)),
            _ => Outcome::default(),
        }
    }
}

impl MemoryScoper {
    /// Where `agent`'s memory lives for a run in the call's workspace (phase 3 writes long-term
    /// memories there); `None` when memory is off for it. What resolving reports is not
    /// journaled here: the agent's own prompt build reports it.
    pub fn memory_target(
        &mut self,
        cx: &PhaseCtx<'_, MemoryScopingConfig>,
        agent: &str,
    ) -> Option<MemoryTarget> {
        let r = self.resolve(cx, &mut Outcome::default(), agent, &cx.workspace())?;
        Some(MemoryTarget {
            dir: r.dir.trim_end_matches('/').to_string(),
            trusted_base: r.roots.trusted_base(r.scope).unwrap_or_default(),
            scope: format!("{:?}", r.scope).to_ascii_lowercase(),
            note: scope_note(r.scope).to_string(),
        })
    }

    /// P5-R24: every internal job's usage goes to the cost ledger under its purpose.
    pub fn record_job_usage(
        &mut self,
        cx: &PhaseCtx<'_, MemoryScopingConfig>,
        usage: &[JobUsage],
    ) -> Outcome {
        let mut out = Outcome::default();
        for job in usage {
            let r = costs::from_job_usage(job, &cx.info.models, cx.now_ms());
            if let Err(e) = self.append_cost(cx.host, cx.state_dir, &r) {
                out.diagnostics.push(Diagnostic {
                    level: LogLevel::Warn,
                    code: "scope.cost.write_failed".into(),
                    message: format!("could not record the cost of a {} job: {e}", job.purpose),
                });
            }
        }
        out
    }
}
