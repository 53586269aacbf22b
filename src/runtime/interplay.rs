//! Every hand-off between two phases, as a typed call (issue 18 item 3). A phase never
//! imports another: what one phase needs from another is computed here, from the second
//! phase's public face, and passed to the first as plain typed input; what a phase reports
//! for others (`Outcome::usage`, `Outcome::compacted`) is delivered from here.
//!
//! | from → to | what |
//! |---|---|
//! | 5 → 3 | the memory target phase 3 writes long-term memories into ([`memory_target`]) |
//! | 3, 1 → 2, 5 | internal jobs' model usage → dollar caps and cost ledger ([`job_usage`], [`summary_usage`]) |
//! | 1 → 3 | a compaction completed: the notes cursor is void ([`compacted`]) |
//! | 3 → 1 | the wait for notes jobs before a compaction ([`compact_wait`]) and the notes for the summariser ([`feed_notes`]) |
//! | 3 → 7 | the session's notes for `/skillify` ([`skillify_notes`]) |
//! | 1 → 6 | the assembled transcript to repair after a resume ([`sanitize_assembled`]) |
//! | 7 → 5 | whether a session is a fork child and its cache verdict ([`fork_of`]) |
//! | 4 → 7 | phase 4 as the judge of skill snippets ([`ShellJudge`], over `shell::SnippetJudge`) |
//! | 5 → 2 | phase 5's deprecated daily dollar cap ([`budget_input`]) |

use super::{Active, HookResponse};
use crate::contract::{CommandJudge, HostInfo, JobUsage, JudgeSource, Outcome};
use crate::host::Host;
use crate::memdir::MemoryTarget;
use crate::session_key;
use crate::shell;
use serde_json::Value;

/// Delivers one phase's outcome: its typed hand-offs first (the phases they go to journal
/// before it, as when they were called from inside it), then the outcome itself.
pub(super) fn deliver(active: &mut Active, host: &dyn Host, resp: &mut HookResponse, out: Outcome) {
    if !out.compacted.is_empty() {
        compacted(active, host, &out.compacted);
    }
    if !out.usage.is_empty() {
        job_usage(active, host, resp, &out.usage);
    }
    active.apply(host, resp, out);
}

/// Phase 5 → 3: where the calling agent's scoped memory lives (`None` with phase 5 off).
pub(super) fn memory_target(
    active: &mut Active,
    host: &dyn Host,
    ctx: &Value,
) -> Option<MemoryTarget> {
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
    let ids = crate::contract::CallIds::default();
    active.call_in(host, &ids, ctx, |c, cx| c.scoper.memory_target(cx, &agent))
}

/// Phases 3 (and 1, via [`summary_usage`]) → 2 and 5: internal jobs' model usage counts
/// against the dollar caps of the session it served (issue 20) and goes to the cost ledger
/// under its purpose (P5-R24).
pub(super) fn job_usage(
    active: &mut Active,
    host: &dyn Host,
    resp: &mut HookResponse,
    usage: &[JobUsage],
) {
    charge_jobs(active, host, resp, usage);
    if !active.config.phases.memory_scoping.enabled() {
        return;
    }
    let out = active.call(host, |c, cx| c.scoper.record_job_usage(cx, usage));
    active.apply(host, resp, out);
}

/// Phase 1 → 2: the usage of a summary our compaction provider wrote (the outcome of
/// `api.runtime.llm.complete`: `{provider, model, agentId, audit: {sessionKey}, usage}`),
/// attributed as `compaction` to the agent and session it summarised. Returns the
/// diagnostics to report.
pub(super) fn summary_usage(
    active: &mut Active,
    host: &dyn Host,
    result: &Value,
) -> Vec<crate::contract::Diagnostic> {
    if !active.config.phases.loop_budget.enabled() || !result.is_object() {
        return Vec::new();
    }
    let key = result
        .pointer("/audit/sessionKey")
        .and_then(Value::as_str)
        .unwrap_or("");
    let agent = result
        .get("agentId")
        .and_then(Value::as_str)
        .map_or_else(|| session_key::agent_id(key, &Value::Null), str::to_string);
    let job = JobUsage::from_outcome("compaction", "session", key, &agent, result);
    let mut resp = HookResponse::default();
    charge_jobs(active, host, &mut resp, std::slice::from_ref(&job));
    resp.diagnostics
}

/// Phase 1 → 3 (P1-R18a, P3-R4): after our own engine's compaction of each session, phase 3's
/// covered-notes cursor is void. What phase 3 answers is journaled, not returned (the
/// compaction's caller does not await it).
pub(super) fn compacted(active: &mut Active, host: &dyn Host, keys: &[String]) {
    if !active.config.phases.session_memory.enabled() {
        return;
    }
    for key in keys {
        let mut scratch = HookResponse::default();
        active.call_deliver(host, &mut scratch, |c, cx| c.keeper.compacted(cx, key));
    }
}

/// Phase 3 → 1 (P3-R17): `{jobs, waitMs}` for a compaction of this session, or null.
pub(super) fn compact_wait(active: &mut Active, host: &dyn Host, params: &Value) -> Value {
    if !active.config.phases.session_memory.enabled() {
        return Value::Null;
    }
    let key = params
        .get("sessionKey")
        .and_then(Value::as_str)
        .unwrap_or("");
    active.call(host, |c, cx| c.keeper.compact_wait(cx, key))
}

/// Phase 3 → 1 (P3-R19): the session notes join a delegated compaction's instructions
/// (`value` is phase 1's answer to `compact` or `maintain`).
pub(super) fn feed_notes(active: &mut Active, host: &dyn Host, params: &Value, value: &mut Value) {
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
    let notes = active.call(host, |c, cx| {
        c.keeper.notes_for_compaction(cx, c.template, sid, key)
    });
    let Some(notes) = notes else {
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

/// Phase 3 → 7: the session's notes excerpted for `/skillify` (only that command with
/// skillify on reads them).
pub(super) fn skillify_notes(
    active: &mut Active,
    host: &dyn Host,
    name: &str,
    ctx: &Value,
) -> Option<String> {
    if name != "command:skillify"
        || !active.config.phases.fork_skills.settings().skillify.enabled
        || !active.config.phases.session_memory.enabled()
    {
        return None;
    }
    let key = ctx.get("sessionKey").and_then(Value::as_str).unwrap_or("");
    let sid = ctx.get("sessionId").and_then(Value::as_str);
    active.call(host, |c, cx| {
        c.keeper.notes_for_skillify(cx, c.template, key, sid)
    })
}

/// Phase 1 → 6 (P6-R13): the transcript `assemble` projects (phase 1's `value`) is repaired
/// when the session was resumed.
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
    let out = active.call(host, |c, cx| {
        c.coordinator.sanitize_assembled(cx, params, value)
    });
    active.apply(host, resp, out);
}

/// Phase 7 → 5 (P7-R4a): `Some(cache_safe)` when the calling session is a fork child.
pub(super) fn fork_of(active: &Active, ctx: &Value) -> Option<Option<bool>> {
    ctx.get("sessionKey")
        .and_then(Value::as_str)
        .and_then(|k| active.skiller.forks.fork_cache_safe(k))
}

/// Phases 3 and 1 → 2 (issue 20): internal jobs (session notes, extraction, summaries) count
/// against the dollar caps of the session they served, attributed by purpose in the spend
/// journal.
fn charge_jobs(active: &mut Active, host: &dyn Host, resp: &mut HookResponse, usage: &[JobUsage]) {
    if usage.is_empty() || !active.config.phases.loop_budget.enabled() {
        return;
    }
    let out = active.call(host, |c, cx| c.tracker.charge_jobs(cx, usage));
    active.apply(host, resp, out);
}

/// Phase 4 → 7: phase 4 with the operator's settings as the judge of skill snippets.
pub(super) struct ShellJudge<'a> {
    info: &'a HostInfo,
    cfg: &'a shell::BashSecurityConfig,
}

impl<'a> ShellJudge<'a> {
    /// The judge for OpenClaw's OS (`info.os`) and phase 4's settings.
    pub(super) fn new(info: &'a HostInfo, cfg: &'a shell::BashSecurityConfig) -> Self {
        ShellJudge { info, cfg }
    }
}

impl JudgeSource for ShellJudge<'_> {
    fn in_workspace<'s>(&'s self, home: &str, workspace: &str) -> Box<dyn CommandJudge + 's> {
        // The OS is read here rather than in `new`: a judge is built for every phase call
        // and used by few of them.
        let os = self
            .info
            .os
            .as_deref()
            .map(shell::Os::parse)
            .unwrap_or_default();
        Box::new(shell::SnippetJudge::in_workspace(
            home, workspace, os, self.cfg,
        ))
    }
}

/// Phase 5 → 2: phase 5's `costs.dailyBudgetUsd` (deprecated, issue 20): the one daily dollar
/// setting is now `phases.loopBudget.allAgents.maxDailyCostUsd`; the old key still caps all
/// agents when the new one is not set (phase 2 names the new key at init).
pub(super) fn budget_input(config: &crate::config::Config) -> crate::budget::BudgetInput {
    let ms = &config.phases.memory_scoping;
    crate::budget::BudgetInput {
        legacy_daily_usd: ms.settings().costs.daily_budget_usd.filter(|_| {
            config
                .phases
                .loop_budget
                .settings()
                .all_agents
                .max_daily_cost_usd
                .is_none()
        }),
    }
}
