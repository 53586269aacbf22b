//! Phase 2's hooks (issue 18 item 2): registrations (with and without conversation access),
//! hook dispatch, the `/budget` command, the tick, and the internal jobs' usage the runtime
//! hands over. `/agent-ops status` reads other phases' state too, so the runtime answers it
//! (`runtime/status.rs`) with [`SpendTracker::status_report`] for phase 2's part.

use super::tracker::SpendTracker;
use super::LoopBudgetConfig;
use crate::contract::{
    CommandSpec, Diagnostic, FailureMode, FailurePolicy, HostInfo, JobUsage, Outcome, PhaseCore,
    PhaseCtx, PhaseInit, Registration,
};
use crate::json;
use serde_json::Value;

/// The phase key (also the `phase` of its jobs).
pub(super) const KEY: &str = "loopBudget";

/// Below phase 4 (1,000): a command phase 4 denies is still counted (P2-R4) but phase 4 speaks first.
const PRIORITY: i32 = 500;

/// Hooks that need `hooks.allowConversationAccess` (openclaw.md §5).
const CONVERSATION_HOOKS: [&str; 4] = [
    "before_agent_run",
    "before_agent_finalize",
    "agent_end",
    "llm_output",
];

/// What the runtime hands phase 2 for a call: phase 5's deprecated `costs.dailyBudgetUsd`
/// (issue 20), the all-agents daily cap when `allAgents.maxDailyCostUsd` is not set.
#[derive(Debug, Clone, Copy, Default)]
pub struct BudgetInput {
    /// The deprecated daily dollar cap still in force, if any.
    pub legacy_daily_usd: Option<f64>,
}

fn reg(hook: &str) -> Registration {
    Registration {
        handler: format!("{KEY}:{hook}"),
        hook: hook.into(),
        phase: KEY.into(),
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

/// Registrations and the `/budget` and `/agent-ops` commands. `deprecated_daily_usd` is phase
/// 5's `costs.dailyBudgetUsd` as configured (set or not), named at init as deprecated.
pub fn init(
    cfg: &LoopBudgetConfig,
    info: &HostInfo,
    deprecated_daily_usd: Option<f64>,
) -> PhaseInit {
    let mut result = PhaseInit::default();
    let conversation = info.conversation_access != Some(false);
    for h in [
        "before_tool_call",
        "after_tool_call",
        "model_call_started",
        "model_call_ended",
        "subagent_spawned",
        // Issue 20: closes the answer of a run a stop ends (not a conversation hook).
        "before_message_write",
    ] {
        result.registrations.push(reg(h));
    }
    if conversation {
        for h in CONVERSATION_HOOKS {
            result.registrations.push(reg(h));
        }
    }
    if let Some(old) = deprecated_daily_usd {
        let new = cfg.all_agents.max_daily_cost_usd;
        result.diagnostics.push(Diagnostic {
            level: crate::host::LogLevel::Warn,
            code: "budget.config.deprecated".into(),
            message: match new {
                None => format!("phases.memoryScoping.costs.dailyBudgetUsd is deprecated: it now caps all agents at ${old} a day; set phases.loopBudget.allAgents.maxDailyCostUsd instead"),
                Some(n) => format!("phases.memoryScoping.costs.dailyBudgetUsd (${old}) is deprecated and ignored: phases.loopBudget.allAgents.maxDailyCostUsd (${n}) is set"),
            },
        });
    }
    result.commands.push(CommandSpec {
        name: "budget".into(),
        description: "agent-ops: this session's tokens, calls and dollars against every budget limit; `/budget resume` lifts a dollar-cap hold on this agent"
            .into(),
        handler: "loopBudget:command:budget".into(),
        accepts_args: true,
    });
    result.commands.push(CommandSpec {
        name: "agent-ops".into(),
        description: "agent-ops status [--json]: dollars against every cap, the ladder, compaction breakers, pending memory jobs and grants".into(),
        handler: "loopBudget:command:agent-ops".into(),
        accepts_args: true,
    });
    result
}

impl PhaseCore for SpendTracker {
    type Config = LoopBudgetConfig;
    type Input<'a> = BudgetInput;
    const KEY: &'static str = KEY;

    /// One phase-2 hook (or the `/budget` command) call.
    fn on_hook(
        &mut self,
        cx: &PhaseCtx<'_, LoopBudgetConfig>,
        name: &str,
        event: &Value,
        input: BudgetInput,
    ) -> Outcome {
        let ctx = cx.ctx;
        // Hooks that need neither the clock nor the state files.
        match name {
            "after_tool_call" => {
                self.after_tool_call(event, ctx);
                return Outcome::default();
            }
            "subagent_spawned" => {
                self.subagent_spawned(event, ctx);
                return Outcome::default();
            }
            _ => {}
        }
        // One clock reading for the whole call: every record of it carries the same instant.
        let now = cx.now_ms();
        match name {
            "before_agent_run" => self.before_agent_run(cx, now, input, event),
            "model_call_started" => self.model_call(cx, now, event, false),
            "model_call_ended" => self.model_call(cx, now, event, true),
            "before_tool_call" => self.before_tool_call(cx, now, input, event),
            "before_agent_finalize" => self.before_agent_finalize(cx, now, event),
            "before_message_write" => self.before_message_write(cx, now, event),
            "agent_end" => self.agent_end(cx, now, event),
            "llm_output" => self.llm_output(cx, now, event),
            "command:budget" => {
                let key = ctx
                    .get("sessionKey")
                    .and_then(Value::as_str)
                    .or_else(|| event.get("sessionKey").and_then(Value::as_str))
                    .unwrap_or("");
                let args = event.get("args").and_then(Value::as_str).unwrap_or("");
                if args.split_whitespace().next() == Some("resume") {
                    let agent = crate::session_key::agent_id(key, ctx);
                    let sid = ctx
                        .get("sessionId")
                        .and_then(Value::as_str)
                        .filter(|s| !s.is_empty())
                        .unwrap_or(key);
                    // The CLI resumes every session of the agent (`--all-sessions`).
                    let all = args.contains("--all-sessions") || sid.is_empty();
                    self.resume(cx, now, &agent, (!all).then_some(sid))
                } else {
                    Outcome::text(self.status(cx, now, input, key))
                }
            }
            _ => Outcome::default(),
        }
    }

    /// Sweeps ended runs and old journals.
    fn tick(&mut self, cx: &PhaseCtx<'_, LoopBudgetConfig>, _: BudgetInput) -> Outcome {
        self.sweep(cx, cx.now_ms());
        Outcome::default()
    }
}

impl SpendTracker {
    /// Issue 20: internal memory jobs (session notes, extraction) count against the dollar
    /// caps of the session they served, attributed by purpose in the spend journal. Phase 3
    /// reports the usage; the runtime hands it over (a phase never imports another). A job
    /// is charged, never stopped, so no cap is judged here.
    pub fn charge_jobs(
        &mut self,
        cx: &PhaseCtx<'_, LoopBudgetConfig>,
        usage: &[JobUsage],
    ) -> Outcome {
        let now = cx.now_ms();
        let mut all = Outcome::default();
        for job in usage {
            self.charge_job(cx, now, &mut all, job);
        }
        all
    }

    /// Phase 2's part of `/agent-ops status` (G-R14a, issue 20 item 3): dollars against every
    /// cap of `agent` with the ladder state and any hold, and the `/budget` text of the
    /// session (`budgetText`).
    pub fn status_report(
        &mut self,
        cx: &PhaseCtx<'_, LoopBudgetConfig>,
        input: BudgetInput,
        agent: &str,
        session_key: &str,
    ) -> Value {
        let now = cx.now_ms();
        let mut st = self.cost_status(cx, now, input, agent, session_key);
        if let Some(o) = st.as_object_mut() {
            o.insert(
                "budgetText".into(),
                json!(self.status(cx, now, input, session_key)),
            );
        }
        st
    }
}
