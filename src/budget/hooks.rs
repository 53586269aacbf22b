//! Phase 2's hooks (issue 18 item 2): registrations (with and without conversation access),
//! hook dispatch, the `/budget` command, the tick, and the internal jobs' usage the runtime
//! hands over. `/agent-ops status` reads other phases' state too, so the runtime answers it
//! (`runtime/status.rs`) with [`Tracker::status_report`] for phase 2's part.

use super::cost::Tokens;
use super::tracker::{Env, Out, Tracker};
use super::LoopBudgetConfig;
use crate::contract::{
    CommandSpec, Diagnostic, FailureMode, FailurePolicy, HostInfo, Job, JobKind, JobUsage, Outcome,
    PhaseCore, PhaseCtx, PhaseInit, Registration,
};
use serde_json::{json, Value};

/// The phase key.
const KEY: &str = "loopBudget";

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

fn env<'a>(cx: &'a PhaseCtx<'_, LoopBudgetConfig>, input: BudgetInput) -> Env<'a> {
    Env {
        cfg: cx.cfg,
        host: cx.host,
        state_dir: cx.state_dir,
        now_ms: cx.now_ms(),
        conversation: cx.info.conversation_access != Some(false),
        models: &cx.info.models,
        legacy_daily_usd: input.legacy_daily_usd,
    }
}

/// The tracker's answer as an [`Outcome`]: injections and aborts become jobs.
fn outcome(cx: &PhaseCtx<'_, LoopBudgetConfig>, out: Out) -> Outcome {
    let mut jobs = Vec::new();
    for i in out.injections {
        jobs.push(Job {
            id: cx.new_job_id(),
            kind: JobKind::Inject,
            phase: KEY.into(),
            // Appended to the next turn's context, dropped after an hour unused.
            payload: json!({ "sessionKey": i.session_key, "text": i.text, "idempotencyKey": i.idempotency_key, "placement": "append_context", "ttlMs": 3_600_000 }),
            timeout_ms: 5_000,
        });
    }
    for a in out.aborts {
        jobs.push(Job {
            id: cx.new_job_id(),
            kind: JobKind::Abort,
            phase: KEY.into(),
            payload: json!({ "sessionId": a.session_id, "sessionKey": a.session_key, "runId": a.run_id, "code": a.code }),
            timeout_ms: 5_000,
        });
    }
    Outcome {
        ret: out.ret,
        diagnostics: out.diagnostics,
        decisions: out.decisions,
        jobs,
        ..Outcome::default()
    }
}

impl PhaseCore for Tracker {
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
        let e = env(cx, input);
        let out = match name {
            "before_agent_run" => self.before_agent_run(&e, event, ctx),
            "model_call_started" => self.model_call(&e, event, ctx, false),
            "model_call_ended" => self.model_call(&e, event, ctx, true),
            "before_tool_call" => self.before_tool_call(&e, event, ctx),
            "after_tool_call" => {
                self.after_tool_call(event, ctx);
                return Outcome::default();
            }
            "before_agent_finalize" => self.before_agent_finalize(&e, event, ctx),
            "before_message_write" => self.before_message_write(&e, event, ctx),
            "agent_end" => self.agent_end(&e, event, ctx),
            "llm_output" => self.llm_output(&e, event, ctx),
            "subagent_spawned" => {
                self.subagent_spawned(event, ctx);
                return Outcome::default();
            }
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
                    self.resume(&e, &agent, (!all).then_some(sid))
                } else {
                    Out {
                        ret: json!({ "text": self.status(&e, key) }),
                        ..Out::default()
                    }
                }
            }
            _ => return Outcome::default(),
        };
        outcome(cx, out)
    }

    /// Sweeps ended runs and old journals.
    fn tick(&mut self, cx: &PhaseCtx<'_, LoopBudgetConfig>, input: BudgetInput) -> Outcome {
        self.sweep(&env(cx, input));
        Outcome::default()
    }
}

impl Tracker {
    /// Issue 20: internal memory jobs (session notes, extraction) count against the dollar
    /// caps of the session they served, attributed by purpose in the spend journal. Phase 3
    /// reports the usage; the runtime hands it over (a phase never imports another).
    pub fn charge_jobs(
        &mut self,
        cx: &PhaseCtx<'_, LoopBudgetConfig>,
        input: BudgetInput,
        usage: &[JobUsage],
    ) -> Outcome {
        let e = env(cx, input);
        let mut all = Outcome::default();
        for job in usage {
            let tokens = Tokens {
                input: job.input.unwrap_or(0),
                output: job.output.unwrap_or(0),
                cache_read: job.cache_read.unwrap_or(0),
                cache_write: job.cache_write.unwrap_or(0),
            };
            let out = self.charge_job(
                &e,
                &job.purpose,
                &job.session_key,
                &job.agent_id,
                job.provider.as_deref(),
                job.model.as_deref(),
                tokens,
                job.cost_usd,
            );
            all.diagnostics.extend(out.diagnostics);
            all.decisions.extend(out.decisions);
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
        let e = env(cx, input);
        let mut st = self.cost_status(&e, agent, session_key);
        if let Some(o) = st.as_object_mut() {
            o.insert("budgetText".into(), json!(self.status(&e, session_key)));
        }
        st
    }
}
