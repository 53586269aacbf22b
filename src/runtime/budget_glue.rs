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
pub(super) fn init(config: &Config, info: &HostInfo, result: &mut InitResult) {
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
    if let Some(old) = config
        .phases
        .memory_scoping
        .settings()
        .costs
        .daily_budget_usd
    {
        let new = config
            .phases
            .loop_budget
            .settings()
            .all_agents
            .max_daily_cost_usd;
        result.diagnostics.push(crate::contract::Diagnostic {
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
}

fn env<'a>(active: &'a Active, host: &'a dyn Host) -> Env<'a> {
    Env {
        cfg: active.config.phases.loop_budget.settings(),
        host,
        state_dir: &active.state_dir,
        now_ms: host.now_ms(),
        conversation: active.info.conversation_access != Some(false),
        models: &active.info.models,
        legacy_daily_usd: legacy_daily_usd(&active.config),
    }
}

/// Phase 5's `costs.dailyBudgetUsd` (deprecated, issue 20): the one daily dollar setting is
/// now `phases.loopBudget.allAgents.maxDailyCostUsd`; the old key still caps all agents when
/// the new one is not set, and names the new key at init.
pub(super) fn legacy_daily_usd(config: &Config) -> Option<f64> {
    let ms = &config.phases.memory_scoping;
    ms.settings().costs.daily_budget_usd.filter(|_| {
        config
            .phases
            .loop_budget
            .settings()
            .all_agents
            .max_daily_cost_usd
            .is_none()
    })
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
            "model_call_started" => Some(tr.model_call(&e, event, ctx, false)),
            "model_call_ended" => Some(tr.model_call(&e, event, ctx, true)),
            "before_tool_call" => Some(tr.before_tool_call(&e, event, ctx)),
            "after_tool_call" => {
                tr.after_tool_call(event, ctx);
                None
            }
            "before_agent_finalize" => Some(tr.before_agent_finalize(&e, event, ctx)),
            "before_message_write" => Some(tr.before_message_write(&e, event, ctx)),
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
                    Some(tr.resume(&e, &agent, (!all).then_some(sid)))
                } else {
                    Some(Out {
                        ret: json!({ "text": tr.status(&e, key) }),
                        ..Out::default()
                    })
                }
            }
            "command:agent-ops" => None,
            _ => None,
        }
    };
    active.tracker = tr;
    if name == "command:agent-ops" {
        let key = ctx
            .get("sessionKey")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let args = event.get("args").and_then(Value::as_str).unwrap_or("");
        let words: Vec<&str> = args.split_whitespace().collect();
        let text = match words.first().copied() {
            None | Some("status") => {
                let agent = crate::session_key::agent_id(&key, ctx);
                let st = status(active, host, &agent, &key);
                if words.contains(&"--json") {
                    serde_json::to_string_pretty(&st).unwrap_or_default()
                } else {
                    status_text(&st)
                }
            }
            Some(other) => {
                format!("agent-ops: unknown action `{other}`; try /agent-ops status [--json]")
            }
        };
        resp.ret = json!({ "text": text });
        return;
    }
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
    for a in out.aborts {
        let id = active.new_job_id(host);
        resp.jobs.push(Job {
            id,
            kind: JobKind::Abort,
            phase: "loopBudget".into(),
            payload: json!({ "sessionId": a.session_id, "sessionKey": a.session_key, "runId": a.run_id, "code": a.code }),
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

/// Issue 20: internal memory jobs (session notes, extraction) count against the dollar caps of
/// the session they served, attributed by purpose in the spend journal. Phase 3 reports the
/// usage; the runtime hands it to phase 2 (a phase never imports another).
pub(super) fn charge_jobs(
    active: &mut Active,
    host: &dyn Host,
    resp: &mut HookResponse,
    usage: &[crate::contract::JobUsage],
) {
    if usage.is_empty() || !active.config.phases.loop_budget.enabled() {
        return;
    }
    let mut tr = std::mem::take(&mut active.tracker);
    let mut outs = Vec::new();
    {
        let e = env(active, host);
        for job in usage {
            let tokens = crate::budget::cost::Tokens {
                input: job.input.unwrap_or(0),
                output: job.output.unwrap_or(0),
                cache_read: job.cache_read.unwrap_or(0),
                cache_write: job.cache_write.unwrap_or(0),
            };
            outs.push(tr.charge_job(
                &e,
                &job.purpose,
                &job.session_key,
                &job.agent_id,
                job.provider.as_deref(),
                job.model.as_deref(),
                tokens,
                job.cost_usd,
            ));
        }
    }
    active.tracker = tr;
    for out in outs {
        active.absorb(host, resp, Value::Null, out.diagnostics, out.decisions);
    }
}

/// `/agent-ops status` and `agent-ops status` (G-R14a, issue 20 item 3): for the agent and the
/// session, dollars against every cap with the ladder state and any hold (phase 2), the token
/// and call budget, open compaction breakers (phase 1), pending memory jobs (phase 3) and live
/// grants (phase 4). The runtime reads each phase's state through its public face.
pub(super) fn status(
    active: &mut Active,
    host: &dyn Host,
    agent: &str,
    session_key: &str,
) -> Value {
    let now = host.now_ms();
    let mut tr = std::mem::take(&mut active.tracker);
    let cost = {
        let e = env(active, host);
        let mut st = tr.cost_status(&e, agent, session_key);
        if let Some(o) = st.as_object_mut() {
            o.insert("budgetText".into(), json!(tr.status(&e, session_key)));
        }
        st
    };
    active.tracker = tr;
    let dir = crate::host::join_path(&active.state_dir, "compaction");
    let mut breakers = Vec::new();
    for e in host
        .fs_list(&dir, 10_000)
        .map(|l| l.entries)
        .unwrap_or_default()
    {
        if !e.name.ends_with(".json") {
            continue;
        }
        let Ok(bytes) = host.fs_read(&crate::host::join_path(&dir, &e.name), 1024 * 1024) else {
            continue;
        };
        if let Ok(st) = crate::json::read_slice::<crate::compaction::CompactionState>(&bytes) {
            if st.breaker_open {
                breakers.push(json!({"sessionId": st.session_id, "sessionKey": st.session_key, "consecutiveFailures": st.consecutive_failures, "openedAt": st.breaker_opened_at}));
            }
        }
    }
    let grants: Vec<Value> = crate::shell::grant_store::load(host, &active.state_dir, now)
        .file
        .grants
        .iter()
        .filter(|g| now < g.expires_ms)
        .map(|g| json!({"id": g.id, "scope": g.scope.as_str(), "owner": g.owner, "workspace": g.workspace, "expiresMs": g.expires_ms, "example": g.example}))
        .collect();
    json!({
        "v": 1, "at": now, "agent": agent, "sessionKey": session_key,
        "budget": cost,
        "compactionBreakers": breakers,
        "memoryJobsInFlight": active.keeper.in_flight(),
        "grants": grants,
    })
}

/// The text form of [`status`].
pub(super) fn status_text(st: &Value) -> String {
    let g = |k: &str| st.get(k).unwrap_or(&Value::Null);
    let mut t = format!(
        "agent-ops status for agent {} (session {})\n",
        g("agent").as_str().unwrap_or(""),
        g("sessionKey")
            .as_str()
            .filter(|k| !k.is_empty())
            .unwrap_or("none")
    );
    let budget = g("budget");
    t.push_str(&crate::budget::tracker::cost_lines(budget));
    if let Some(b) = budget.get("budgetText").and_then(Value::as_str) {
        for line in b
            .lines()
            .skip(1)
            .filter(|l| !l.starts_with("- dollars") && !l.starts_with("- HELD"))
        {
            t.push_str(line);
            t.push('\n');
        }
    }
    let breakers = g("compactionBreakers")
        .as_array()
        .cloned()
        .unwrap_or_default();
    t.push_str(&format!("- compaction breakers open: {}\n", breakers.len()));
    for b in breakers {
        t.push_str(&format!(
            "  - {} ({} failure(s) in a row)\n",
            b.get("sessionKey")
                .and_then(Value::as_str)
                .or_else(|| b.get("sessionId").and_then(Value::as_str))
                .unwrap_or("?"),
            b.get("consecutiveFailures")
                .and_then(Value::as_u64)
                .unwrap_or(0)
        ));
    }
    let jobs = g("memoryJobsInFlight").as_array().map_or(0, Vec::len);
    t.push_str(&format!("- memory jobs in flight: {jobs}\n"));
    let grants = g("grants").as_array().cloned().unwrap_or_default();
    t.push_str(&format!("- live grants: {}\n", grants.len()));
    for gr in grants {
        t.push_str(&format!(
            "  - {} {} {}: `{}`\n",
            gr.get("id").and_then(Value::as_str).unwrap_or(""),
            gr.get("scope").and_then(Value::as_str).unwrap_or(""),
            gr.get("owner").and_then(Value::as_str).unwrap_or(""),
            gr.get("example").and_then(Value::as_str).unwrap_or("")
        ));
    }
    t
}
