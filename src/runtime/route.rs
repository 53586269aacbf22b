//! The route table (issue 18 item 3): which phase handles a hook, a job's outcome and the
//! tick. The table itself is the registrations `init` collected (hook name → phases in
//! priority order); this file runs them. Each phase's handler is its `PhaseCore` (its own
//! `hooks.rs`); what one phase needs from another comes from [`super::interplay`]. No
//! decision is taken here.

use super::interplay::{self, deliver};
use super::{Active, CallIds, HookResponse};
use crate::contract::{orphan_job, Outcome, PhaseCore};
use crate::fork_skills::SkillsInput;
use crate::host::Host;
use crate::session_memory::SessionInput;
use crate::sorted::SortedSet;
use serde_json::Value;

/// A bare hook name: every phase that registered `hook` and covers the event's tool, in
/// priority order, results merged as OpenClaw merges separate handlers (issue 17).
pub(super) fn dispatch_merged(
    active: &mut Active,
    host: &dyn Host,
    hook: &str,
    event: &Value,
    ctx: &Value,
    ids: &CallIds,
) -> HookResponse {
    let phases: Vec<String> = active
        .registrations
        .iter()
        .filter(|r| r.hook == hook && super::hooks::covers(r.matcher.as_deref(), event))
        .map(|r| r.phase.clone())
        .collect();
    let mut out = HookResponse::default();
    for phase in phases {
        let mut resp = HookResponse::default();
        self::phase(active, host, &phase, hook, event, ctx, ids, &mut resp);
        out.jobs.append(&mut resp.jobs);
        out.decisions.append(&mut resp.decisions);
        out.diagnostics.append(&mut resp.diagnostics);
        let acc = std::mem::take(&mut out.ret);
        match super::hooks::merge_ret(hook, acc, resp.ret) {
            super::hooks::Merged::Continue(v) => out.ret = v,
            super::hooks::Merged::Stop(v) => {
                out.ret = v;
                break;
            }
        }
    }
    out
}

/// The purposes of the internal jobs whose prompts carry `agent-ops:job=<purpose>` (G-R7a).
const JOB_PURPOSES: &[&str] = &["session_notes", "memory_extract", "compaction_summary"];

/// Whether this hook call belongs to one of the plugin's own internal jobs (G-R7a): a session
/// key the plugin created, a session whose system prompt starts with `agent-ops:job=<purpose>`,
/// or a subagent session whose prompt has a line that is exactly that marker. A session recognised by its marker is
/// remembered for its later hooks, which carry no prompt.
fn internal_job(active: &mut Active, event: &Value, ctx: &Value) -> bool {
    let key = ctx
        .get("sessionKey")
        .or_else(|| event.get("sessionKey"))
        .and_then(Value::as_str)
        .unwrap_or("");
    if !key.is_empty()
        && (crate::session_key::is_internal_key(key) || active.internal_keys.contains(key))
    {
        return true;
    }
    let is_marker = |l: &str| {
        l.trim()
            .strip_prefix("agent-ops:job=")
            .is_some_and(|p| JOB_PURPOSES.contains(&p.trim()))
    };
    let system = event
        .get("systemPrompt")
        .and_then(Value::as_str)
        .and_then(|t| t.lines().next())
        .is_some_and(is_marker);
    // The prompt's text can come from whoever messages the agent, so a marker line there
    // counts only in a subagent session (which only the plugin or the agent starts): a
    // stranger's message must not switch off the spend caps of phase 2.
    let prompt = crate::session_key::is_subagent_key(key)
        && event
            .get("prompt")
            .and_then(Value::as_str)
            .is_some_and(|t| t.lines().any(is_marker));
    if !(system || prompt) {
        return false;
    }
    if !key.is_empty() {
        if active.internal_keys.len() >= 1_000 {
            active.internal_keys = SortedSet::new();
        }
        active.internal_keys.insert(key.to_string());
    }
    true
}

/// One phase's handler of `name` (nothing when the phase is off or does not handle it).
#[allow(clippy::too_many_arguments)]
pub(super) fn phase(
    active: &mut Active,
    host: &dyn Host,
    phase: &str,
    name: &str,
    event: &Value,
    ctx: &Value,
    ids: &CallIds,
    resp: &mut HookResponse,
) {
    // G-R7a: an internal job that runs through OpenClaw (recognised by its key or by the
    // job marker of its prompt) reaches phase 4 only: no budgets, extraction, memory,
    // lineage or skill notices for it.
    let own_surface = name.starts_with("command:") || name.starts_with("tool:");
    if phase != "bashSecurity" && !own_surface && internal_job(active, event, ctx) {
        return;
    }
    let phases = &active.config.phases;
    let out = match phase {
        "bashSecurity"
            if phases.bash_security.enabled()
                && (name == "before_tool_call" || name == "command:grants") =>
        {
            active.call_in(host, ids, ctx, |c, cx| {
                c.approvals.on_hook(cx, name, event, ())
            })
        }
        "compaction" if phases.compaction.enabled() && crate::compaction::handles(name) => active
            .call_in(host, ids, ctx, |c, cx| {
                c.governor.on_hook(cx, name, event, ())
            }),
        "loopBudget" if phases.loop_budget.enabled() => {
            if name == "command:agent-ops" {
                super::status::command(active, host, event, ctx, resp);
                return;
            }
            let input = interplay::budget_input(&active.config);
            active.call_in(host, ids, ctx, |c, cx| {
                c.tracker.on_hook(cx, name, event, input)
            })
        }
        "memoryScoping" if phases.memory_scoping.enabled() => {
            let fork = interplay::fork_of(active, ctx);
            active.call_in(host, ids, ctx, |c, cx| {
                c.scoper.on_hook(cx, name, event, fork)
            })
        }
        "sessionMemory" if phases.session_memory.enabled() => {
            session(active, host, name, event, ctx, ids)
        }
        "coordinator" if phases.coordinator.enabled() => active.call_in(host, ids, ctx, |c, cx| {
            c.coordinator.on_hook(cx, name, event, ())
        }),
        "forkSkills" if phases.fork_skills.enabled() => {
            let notes = interplay::skillify_notes(active, host, name, ctx);
            active.call_in(host, ids, ctx, |c, cx| {
                c.skiller.on_hook(cx, name, event, skills(&c.judge, notes))
            })
        }
        _ => return,
    };
    deliver(active, host, resp, out);
}

/// Phase 3's handler of `name` (the runtime also calls it for `service_start`).
pub(super) fn session(
    active: &mut Active,
    host: &dyn Host,
    name: &str,
    event: &Value,
    ctx: &Value,
    ids: &CallIds,
) -> Outcome {
    let memory = if matches!(name, "agent_end" | "after_tool_call") {
        interplay::memory_target(active, host, ctx)
    } else {
        None
    };
    active.call_in(host, ids, ctx, |c, cx| {
        c.keeper.on_hook(cx, name, event, notes(c.template, memory))
    })
}

/// Phase 7's input: phase 4 as its judge and, for `/skillify`, phase 3's notes.
fn skills<'a>(judge: &'a interplay::ShellJudge<'_>, notes: Option<String>) -> SkillsInput<'a> {
    SkillsInput { judge, notes }
}

/// Phase 3's input: its template and, for the hooks that extract, phase 5's memory target.
fn notes(
    template: &crate::session_memory::Template,
    memory: Option<crate::memdir::MemoryTarget>,
) -> SessionInput<'_> {
    SessionInput { template, memory }
}

/// The outcome of a job: to the phase that asked for it.
pub(super) fn job_done(
    active: &mut Active,
    host: &dyn Host,
    job_id: &str,
    outcome: &Value,
    resp: &mut HookResponse,
) -> bool {
    let out = if active.skiller.owns_job(job_id) {
        active.call(host, |c, cx| {
            c.skiller
                .job_done(cx, job_id, outcome, skills(&c.judge, None))
        })
    } else if active.keeper.owns_job(job_id) {
        active.call(host, |c, cx| {
            c.keeper
                .job_done(cx, job_id, outcome, notes(c.template, None))
        })
    } else if active.approvals.owns_job(job_id) {
        active.call(host, |c, cx| c.approvals.job_done(cx, job_id, outcome, ()))
    } else {
        return false;
    };
    deliver(active, host, resp, out);
    true
}

/// The outcome of a job no phase of this core has pending (issue 19, OC-R7): the core was
/// replaced while the job ran. The phase whose id scheme it has takes it (phase 3 re-queues
/// its journaled job, phases 4 and 7 report what became of the answer), whether or not the
/// phase is on now; an id of no scheme is reported and ignored.
pub(super) fn job_orphan(
    active: &mut Active,
    host: &dyn Host,
    job_id: &str,
    outcome: &Value,
    resp: &mut HookResponse,
) {
    let out = active
        .call(host, |c, cx| {
            c.keeper
                .adopt_job(cx, job_id, outcome, notes(c.template, None))
        })
        .or_else(|| {
            active.call(host, |c, cx| {
                c.skiller
                    .adopt_job(cx, job_id, outcome, skills(&c.judge, None))
            })
        })
        .or_else(|| active.call(host, |c, cx| c.approvals.adopt_job(cx, job_id, outcome, ())))
        .unwrap_or_else(|| Outcome {
            diagnostics: vec![orphan_job(
                job_id,
                "of a kind this build does not issue; ignored",
            )],
            ..Outcome::default()
        });
    deliver(active, host, resp, out);
}

/// Periodic work: phase 1 forgets state of long-ended sessions, phase 2 sweeps, phase 3
/// replays, retries and gives up on lost jobs, phase 7 scans the skill roots.
pub(super) fn tick(active: &mut Active, host: &dyn Host, resp: &mut HookResponse) {
    if active.config.phases.compaction.enabled() {
        active.call_deliver(host, resp, |c, cx| PhaseCore::tick(c.governor, cx, ()));
    }
    if active.config.phases.loop_budget.enabled() {
        let input = interplay::budget_input(&active.config);
        active.call_deliver(host, resp, |c, cx| PhaseCore::tick(c.tracker, cx, input));
    }
    if active.config.phases.session_memory.enabled() {
        active.call_deliver(host, resp, |c, cx| {
            PhaseCore::tick(c.keeper, cx, notes(c.template, None))
        });
    }
    if active.config.phases.fork_skills.enabled() {
        active.call_deliver(host, resp, |c, cx| {
            PhaseCore::tick(c.skiller, cx, skills(&c.judge, None))
        });
    }
}
