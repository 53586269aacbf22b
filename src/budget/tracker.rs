//! Phase 2 at OpenClaw's hooks: run ledgers and session budgets fed by `model_call_*`,
//! `before_tool_call`/`after_tool_call` and `llm_output`; stops enforced in
//! `before_tool_call`, `before_agent_run` and `before_agent_finalize` (P2 §8).

use super::cost::{self, Cap, Rung, Scope, Spend, SpendLine, Tokens};
use super::hooks::{BudgetInput, KEY};
use super::ledger::{
    check_tool_call, finalize, result_hash, settle_target, signature, CallRecord, Finalize, Limits,
    RunLedger, SessionBudget, ToolVerdict, UsageSource, CALL_HISTORY,
};
use super::target::parse_target;
use super::LoopBudgetConfig;
use crate::audit::{self, Action, Decision};
use crate::contract::{Diagnostic, Job, JobKind, JobUsage, Outcome, PhaseCtx};
use crate::host::{join_path, LogLevel};
use crate::json;
use crate::session_key::{
    adopt_file, agent_of_key, is_internal_key, legacy_budget_name, state_name,
};
use crate::sorted::SortedMap;
use serde_json::Value;
use std::collections::VecDeque;

/// Ledgers kept after their run ended (for the late `llm_output`).
pub const ENDED_RUNS_KEPT: usize = 256;
/// Runs journal retention.
pub const RUNS_RETENTION_MS: i64 = 30 * 24 * 3_600_000;

/// The context of a phase-2 call.
type Cx<'a> = PhaseCtx<'a, LoopBudgetConfig>;

/// Phase 2 state of the process.
#[derive(Debug, Default)]
pub struct SpendTracker {
    runs: SortedMap<String, RunLedger>,
    ended: VecDeque<String>,
    budgets: SortedMap<String, SessionBudget>,
    /// Each session budget as last read from or written to its file: what this process added
    /// since is the difference to `budgets`, merged into the file under its lock (G-R18).
    saved: SortedMap<String, SessionBudget>,
    /// Child session key → requester session key (`subagent_spawned`).
    parents: SortedMap<String, String>,
    /// Session key → session id, as seen.
    sids: SortedMap<String, String>,
    /// Session key → its live run.
    live: SortedMap<String, String>,
    /// Diagnostics already given once (unknown time zone, unknown prices).
    noted: crate::sorted::SortedSet<String>,
}

/// The dollar lines of a status ([`SpendTracker::cost_status`]).
pub fn cost_lines(st: &Value) -> String {
    let mut t = format!(
        "- dollars this session: {} ({} call(s) without a price)\n",
        cost::usd(
            st.get("sessionCostUsd")
                .unwrap_or(&Value::Null)
                .as_f64()
                .unwrap_or(0.0)
        ),
        st.get("sessionUnknownCalls")
            .unwrap_or(&Value::Null)
            .as_u64()
            .unwrap_or(0)
    );
    let caps = st
        .get("caps")
        .unwrap_or(&Value::Null)
        .as_array()
        .cloned()
        .unwrap_or_default();
    if caps.is_empty() {
        t.push_str("- dollar caps: none (phases.loopBudget.maxRunCostUsd, maxSessionCostUsd, maxDailyCostUsd)\n");
    }
    for c in caps {
        t.push_str(&format!(
            "- dollars {}: {} / {} [{}] ({})\n",
            c.get("scope")
                .unwrap_or(&Value::Null)
                .as_str()
                .unwrap_or(""),
            cost::usd(
                c.get("spentUsd")
                    .unwrap_or(&Value::Null)
                    .as_f64()
                    .unwrap_or(0.0)
            ),
            cost::usd(
                c.get("limitUsd")
                    .unwrap_or(&Value::Null)
                    .as_f64()
                    .unwrap_or(0.0)
            ),
            c.get("ladder")
                .unwrap_or(&Value::Null)
                .as_str()
                .unwrap_or(""),
            c.get("key").unwrap_or(&Value::Null).as_str().unwrap_or("")
        ));
    }
    if let Some(h) = st.get("hold").filter(|h| !h.is_null()) {
        t.push_str(&format!(
            "- HELD: new runs of agent {} are refused ({}); /budget resume lifts it\n",
            st.get("agent")
                .unwrap_or(&Value::Null)
                .as_str()
                .unwrap_or(""),
            h.get("code").unwrap_or(&Value::Null).as_str().unwrap_or("")
        ));
    }
    t
}

/// A stop whose rule ends the run (issue 20): dollar caps, identical-call and cycle blocks.
fn ends_run(code: &str) -> bool {
    code.starts_with("budget.cap.cost_usd")
        || code == "budget.repeat.blocked"
        || code == "budget.cycle.blocked"
}

/// The agent of a run: the hook's `agentId`, else the session key's, else `main`.
fn agent_of(l: &RunLedger) -> String {
    l.agent_id
        .clone()
        .or_else(|| {
            l.session_key
                .as_deref()
                .and_then(agent_of_key)
                .map(str::to_string)
        })
        .unwrap_or_else(|| "main".into())
}

/// A session budget file as it is on disk: `None` when missing or unreadable; a file that
/// does not parse is moved aside with a diagnostic (G-R16) and reads as `None`.
fn read_budget(cx: &Cx<'_>, out: &mut Outcome, sid: &str) -> Option<SessionBudget> {
    let path = budget_path(cx.state_dir, sid);
    let bytes = cx.host.fs_read(&path, 1024 * 1024).ok()?;
    match crate::json::read_slice(&bytes) {
        Ok(b) => Some(b),
        Err(e) => {
            let moved = crate::host::move_aside(cx.host, &path, &bytes, cx.host.now_ms());
            out.diagnostics.push(Diagnostic {
                level: LogLevel::Warn,
                code: "budget.state.corrupt".into(),
                message: format!(
                    "{path} is not a valid budget file ({e}); {}; the session's totals start from zero",
                    match &moved {
                        Ok(a) => format!("moved aside to {a}"),
                        Err(m) => format!("it could not be moved aside ({m})"),
                    }
                ),
            });
            None
        }
    }
}

/// The file's budget plus what this process added since it last read or wrote it (`mine`
/// minus `base`): counters add up, a spent budget stays spent, the latest run start wins.
pub(crate) fn merge_budget(
    disk: &SessionBudget,
    base: &SessionBudget,
    mine: &SessionBudget,
) -> SessionBudget {
    let add = |d: u64, b: u64, m: u64| d.saturating_add(m.saturating_sub(b));
    let cost = match (disk.cost_usd, base.cost_usd, mine.cost_usd) {
        (d, b, Some(m)) => Some(d.unwrap_or(0.0) + (m - b.unwrap_or(0.0)).max(0.0)),
        (d, _, None) => d,
    };
    SessionBudget {
        v: mine.v,
        session_key: mine
            .session_key
            .clone()
            .or_else(|| disk.session_key.clone()),
        runs: add(disk.runs, base.runs, mine.runs),
        input_tokens: add(disk.input_tokens, base.input_tokens, mine.input_tokens),
        output_tokens: add(disk.output_tokens, base.output_tokens, mine.output_tokens),
        cache_read: add(disk.cache_read, base.cache_read, mine.cache_read),
        cache_write: add(disk.cache_write, base.cache_write, mine.cache_write),
        cost_usd: cost,
        last_run_at: disk.last_run_at.max(mine.last_run_at),
        exhausted: disk.exhausted || mine.exhausted,
        exhausted_code: if mine.exhausted {
            mine.exhausted_code.clone()
        } else {
            disk.exhausted_code.clone()
        }
        .or_else(|| disk.exhausted_code.clone()),
        cost_unknown_calls: add(
            disk.cost_unknown_calls,
            base.cost_unknown_calls,
            mine.cost_unknown_calls,
        ),
    }
}

fn s<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str).filter(|x| !x.is_empty())
}

fn n(v: &Value, key: &str) -> u64 {
    v.get(key).and_then(Value::as_u64).unwrap_or(0)
}

/// `<stateDir>/budget/<sid>.json`, named by the one sanitiser ([`state_name`]).
pub fn budget_path(state_dir: &str, sid: &str) -> String {
    join_path(
        &join_path(state_dir, "budget"),
        &format!("{}.json", state_name(sid)),
    )
}

/// Where a session's budget lived before issue 18 (`a/b` and `a:b` shared it).
fn legacy_budget_path(state_dir: &str, sid: &str) -> String {
    join_path(
        &join_path(state_dir, "budget"),
        &format!("{}.json", legacy_budget_name(sid)),
    )
}

/// A phase-2 journal record at `now`, of the run `l` when there is one.
fn decision(
    now: i64,
    code: &str,
    action: Action,
    message: String,
    l: Option<&RunLedger>,
    tool_call_id: Option<&str>,
    details: Value,
) -> Decision {
    Decision {
        v: audit::RECORD_VERSION,
        at: now,
        phase: "budget".into(),
        code: code.into(),
        action,
        message,
        session_key: l.and_then(|l| l.session_key.clone()),
        run_id: l.map(|l| l.run_id.clone()),
        tool_call_id: tool_call_id.map(str::to_string),
        details,
    }
}

/// A one-shot note for the session's next turn (`enqueueNextTurnInjection`): appended to the
/// next turn's context, dropped after an hour unused.
fn inject_job(cx: &Cx<'_>, session_key: &str, text: &str, idempotency_key: &str) -> Job {
    Job {
        id: cx.new_job_id(),
        kind: JobKind::Inject,
        phase: KEY.into(),
        payload: json!({ "sessionKey": session_key, "text": text, "idempotencyKey": idempotency_key, "placement": "append_context", "ttlMs": 3_600_000 }),
        timeout_ms: 5_000,
    }
}

/// Ends the run of `l` now (issue 20: a stopped run must not go on calling the model): the
/// host aborts the session's embedded run, keyed by session id.
fn abort_job(cx: &Cx<'_>, l: &RunLedger, code: &str) -> Job {
    Job {
        id: cx.new_job_id(),
        kind: JobKind::Abort,
        phase: KEY.into(),
        payload: json!({ "sessionId": l.session_id, "sessionKey": l.session_key, "runId": l.run_id, "code": code }),
        timeout_ms: 5_000,
    }
}

/// The journal record of a token-target outcome (P2-R2 step 5).
fn target_decision(now: i64, e: super::ledger::TargetEvent, l: &RunLedger) -> Decision {
    let what = e.code.rsplit('.').next().unwrap_or("").replace('_', " ");
    decision(
        now,
        &e.code,
        Action::Note,
        format!("Token target outcome: {what}."),
        Some(l),
        None,
        e.details,
    )
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(o) => match o.get("content") {
            Some(c) => text_of(c),
            None => v.to_string(),
        },
        Value::Array(a) => a
            .iter()
            .map(|b| {
                b.get("text")
                    .and_then(Value::as_str)
                    .map_or_else(|| b.to_string(), str::to_string)
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

impl SpendTracker {
    fn run_id(event: &Value, ctx: &Value) -> Option<String> {
        s(event, "runId")
            .or_else(|| s(ctx, "runId"))
            .map(str::to_string)
    }

    fn is_child(&self, key: Option<&str>) -> bool {
        key.is_some_and(|k| k.contains(":subagent:") || self.parents.contains_key(k))
    }

    /// The run's ledger, created on first sight.
    fn ledger(&mut self, now: i64, run_id: &str, ctx: &Value) -> &mut RunLedger {
        let key = s(ctx, "sessionKey").map(str::to_string);
        let sid = s(ctx, "sessionId").map(str::to_string);
        if let (Some(k), Some(id)) = (&key, &sid) {
            self.sids.insert(k.clone(), id.clone());
        }
        let child = self.is_child(key.as_deref());
        let agent = s(ctx, "agentId").map(str::to_string);
        if !self.runs.contains_key(run_id) {
            if let Some(k) = &key {
                self.live.insert(k.clone(), run_id.to_string());
            }
        }
        let l = self
            .runs
            .entry(run_id.to_string())
            .or_insert_with(|| RunLedger {
                run_id: run_id.to_string(),
                session_key: key.clone(),
                session_id: sid.clone(),
                is_subagent: child,
                is_internal: key.as_deref().is_some_and(is_internal_key),
                started_at: now,
                ..RunLedger::default()
            });
        if l.session_key.is_none() {
            l.session_key = key;
        }
        if l.session_id.is_none() {
            l.session_id = sid;
        }
        if l.agent_id.is_none() {
            l.agent_id = agent;
        }
        l
    }

    fn budget(
        &mut self,
        cx: &Cx<'_>,
        now: i64,
        out: &mut Outcome,
        sid: &str,
    ) -> &mut SessionBudget {
        if !self.budgets.contains_key(sid) {
            let path = budget_path(cx.state_dir, sid);
            // State written under the old, colliding name is adopted once (issue 18).
            let legacy = legacy_budget_path(cx.state_dir, sid);
            out.diagnostics
                .extend(adopt_file(cx.host, &legacy, &path, now, "budget"));
            let b = read_budget(cx, out, sid).unwrap_or_default();
            self.saved.insert(sid.to_string(), b.clone());
            self.budgets.insert(sid.to_string(), b);
        }
        self.budgets.entry(sid.to_string()).or_default()
    }

    /// G-R18: a read-modify-write under the file's lock. The gateway and `--local` CLI runs
    /// may charge the same session, so what this process added since its last read is merged
    /// into the file as it is now, never written over it. When the lock cannot be taken the
    /// additions stay pending in memory (and go into the next save) and the call proceeds:
    /// phase 2 fails open (P2-R11); a cap already hit keeps blocking from memory.
    fn save_budget(&mut self, cx: &Cx<'_>, out: &mut Outcome, sid: &str) {
        let Some(mine) = self.budgets.get(sid).cloned() else {
            return;
        };
        let path = budget_path(cx.state_dir, sid);
        let lock = format!("{path}.lock");
        if let Err(e) = cx.host.fs_lock(&lock, 30_000) {
            out.diagnostics.push(Diagnostic {
                level: LogLevel::Warn,
                code: "budget.state.locked".into(),
                message: format!(
                    "could not lock {lock} ({e}); the session's new totals stay in memory until the next update"
                ),
            });
            return;
        }
        let disk = read_budget(cx, out, sid).unwrap_or_default();
        let base = self.saved.get(sid).cloned().unwrap_or_default();
        let merged = merge_budget(&disk, &base, &mine);
        match cx.host.fs_write_atomic(
            &path,
            &serde_json::to_vec_pretty(&merged).unwrap_or_default(),
            0o600,
        ) {
            Ok(()) => {
                self.saved.insert(sid.to_string(), merged.clone());
                self.budgets.insert(sid.to_string(), merged);
            }
            Err(e) => out.diagnostics.push(Diagnostic {
                level: LogLevel::Warn,
                code: "budget.state.write_failed".into(),
                message: format!("could not write {path}: {e}; the totals stay in memory"),
            }),
        }
        let _ = cx.host.fs_unlock(&lock);
    }

    /// Session tokens used and the cap in force (own cap, or the parent's remainder when smaller).
    fn session_cap(
        &mut self,
        cx: &Cx<'_>,
        now: i64,
        out: &mut Outcome,
        key: Option<&str>,
        sid: &str,
    ) -> (u64, Option<u64>) {
        let used = self.budget(cx, now, out, sid).used();
        let mut cap = cx.cfg.max_session_tokens;
        if let Some(parent_sid) = key
            .and_then(|k| self.parents.get(k))
            .and_then(|p| self.sids.get(p))
            .cloned()
        {
            if let Some(pcap) = cx.cfg.max_session_tokens {
                // The parent's total already includes what this child was charged.
                let total = self.budget(cx, now, out, &parent_sid).used();
                let effective = if total >= pcap {
                    used.saturating_sub(total - pcap)
                } else {
                    used.saturating_add(pcap - total)
                };
                cap = Some(cap.map_or(effective, |c| c.min(effective)));
            }
        }
        (used, cap)
    }

    /// UTC instant at which the operator's day containing now began (`timeZone`; an unknown
    /// zone is reported once and UTC is used).
    fn day_start(&mut self, cx: &Cx<'_>, now: i64, out: &mut Outcome) -> i64 {
        match cost::zone_offset(cx.host, &cx.cfg.time_zone, now) {
            Ok(m) => crate::calendar::local_day_start(now, m),
            Err(e) => {
                if self.noted.insert(format!("zone:{}", cx.cfg.time_zone)) {
                    out.diagnostics.push(Diagnostic {
                        level: LogLevel::Warn,
                        code: "budget.cost.time_zone".into(),
                        message: e,
                    });
                }
                crate::calendar::local_day_start(now, 0)
            }
        }
    }

    /// Spend against every dollar cap of the run's agent. The run's own estimate since its last
    /// `llm_output` is added to every scope (it is in no file yet).
    fn cost_readings(
        &mut self,
        cx: &Cx<'_>,
        now: i64,
        input: BudgetInput,
        out: &mut Outcome,
        run_id: &str,
    ) -> Vec<(Cap, Spend)> {
        let Some(l) = self.runs.get(run_id) else {
            return Vec::new();
        };
        let agent = agent_of(l);
        let caps = cost::caps_for(cx.cfg, &agent, input.legacy_daily_usd);
        if caps.is_empty() {
            return Vec::new();
        }
        let live = l.pending_cost;
        let run = l.cost.plus(live);
        let sid = l.session_id.clone().or_else(|| l.session_key.clone());
        let lifts = cost::read_lifts(cx.host, cx.state_dir);
        let daily = caps
            .iter()
            .any(|c| matches!(c.scope, Scope::Daily | Scope::DailyAll));
        let start = self.day_start(cx, now, out);
        let lines = if daily {
            cost::lines_between(cx.host, cx.state_dir, start, now)
        } else {
            Vec::new()
        };
        let mut readings = Vec::new();
        for cap in caps {
            let spent = match cap.scope {
                Scope::Run => run,
                Scope::Session => {
                    let Some(sid) = sid.as_deref() else { continue };
                    let base = lifts.session_base.get(sid).copied().unwrap_or(0.0);
                    let b = self.budget(cx, now, out, sid);
                    Spend {
                        usd: (b.cost_usd.unwrap_or(0.0) - base).max(0.0),
                        unknown: b.cost_unknown_calls,
                    }
                    .plus(live)
                }
                Scope::Daily => {
                    let since = start.max(lifts.resumed_at.get(&agent).copied().unwrap_or(0));
                    cost::sum(&lines, Some(&agent), since).plus(live)
                }
                Scope::DailyAll => {
                    cost::sum(&lines, None, start.max(lifts.all_resumed_at)).plus(live)
                }
            };
            readings.push((cap, spent));
        }
        readings
    }

    /// The ladder for the run (issue 20 item 2): warnings at `costWarnAt` go to the agent (next
    /// turn) and the journal once per cap and run; unknown prices are reported once per cap
    /// and run (the token caps stay in force); the first cap reached is returned.
    fn cost_ladder(
        &mut self,
        cx: &Cx<'_>,
        now: i64,
        input: BudgetInput,
        out: &mut Outcome,
        run_id: &str,
    ) -> Option<(Cap, Spend)> {
        let readings = self.cost_readings(cx, now, input, out, run_id);
        let l = self.runs.get_mut(run_id)?;
        let mut hit = None;
        for (cap, spent) in readings {
            match cost::rung(cap.limit, spent, cx.cfg.cost_warn_at) {
                Rung::Hit => {
                    hit = hit.or(Some((cap, spent)));
                }
                Rung::Warn => {
                    let code = cap.scope.warn_code();
                    let key = format!("{code}:{}", cap.key);
                    if l.warned.contains(&key) {
                        continue;
                    }
                    l.warned.push(key);
                    let msg = cost::warn_message(&cap, spent);
                    if let Some(k) = l.session_key.clone() {
                        let idem = format!("{}:{code}", l.run_id);
                        out.jobs
                            .push(inject_job(cx, &k, &audit::block_text(code, &msg), &idem));
                    }
                    let snapshot = l.clone();
                    out.decisions.push(decision(now, code, Action::Note, msg, Some(&snapshot), None, json!({"cap": cap.key, "limitUsd": cap.limit, "spentUsd": spent.usd, "warnAt": cx.cfg.cost_warn_at})));
                }
                Rung::Unknown => {
                    let key = format!("budget.cost.unknown_price:{}", cap.key);
                    if l.warned.contains(&key) {
                        continue;
                    }
                    l.warned.push(key);
                    let msg = format!("{} model call(s) in the scope of {} have no price in the model table; the dollar cap cannot be judged below {} and the token caps stay in force", spent.unknown, cap.key, cost::usd(cap.limit));
                    out.diagnostics.push(Diagnostic {
                        level: LogLevel::Warn,
                        code: "budget.cost.unknown_price".into(),
                        message: msg.clone(),
                    });
                    let snapshot = l.clone();
                    out.decisions.push(decision(now, "budget.cost.unknown_price", Action::Note, msg, Some(&snapshot), None, json!({"cap": cap.key, "knownUsd": spent.usd, "unknownCalls": spent.unknown})));
                }
                Rung::Below => {}
            }
        }
        hit
    }

    /// A hit dollar cap holds the agent: new runs are refused until the next local midnight or
    /// an operator's resume.
    fn hold(
        &mut self,
        cx: &Cx<'_>,
        now: i64,
        out: &mut Outcome,
        agent: &str,
        code: &str,
        message: &str,
    ) {
        let until = self.day_start(cx, now, out) + cost::DAY_MS;
        let hold = cost::Hold {
            code: code.into(),
            message: message.into(),
            at: now,
            until,
        };
        if let Err(e) = cost::update_lifts(cx.host, cx.state_dir, |l| {
            l.holds.insert(agent.to_string(), hold);
        }) {
            out.diagnostics.push(Diagnostic {
                level: LogLevel::Warn,
                code: "budget.state.write_failed".into(),
                message: format!(
                    "{e}; the hold on agent {agent} is not recorded (the run still ends)"
                ),
            });
        }
    }

    /// Appends one priced event to the spend journal.
    fn journal_spend(&mut self, cx: &Cx<'_>, out: &mut Outcome, line: &SpendLine) {
        let path = cost::spend_path(cx.state_dir, line.at);
        let text = serde_json::to_string(line).unwrap_or_default();
        if let Err(e) = cx.host.fs_append_line(&path, &text, false) {
            out.diagnostics.push(Diagnostic {
                level: LogLevel::Warn,
                code: "budget.spend.write_failed".into(),
                message: format!("could not append to {path}: {e}; this call's dollars count only in the session total"),
            });
        }
    }

    /// An internal job's usage (session notes, extraction, …), handed over by the runtime:
    /// counted against the same dollar caps as the session it served, attributed by purpose.
    pub(super) fn charge_job(&mut self, cx: &Cx<'_>, now: i64, out: &mut Outcome, job: &JobUsage) {
        let tokens = Tokens {
            input: job.input.unwrap_or(0),
            output: job.output.unwrap_or(0),
            cache_read: job.cache_read.unwrap_or(0),
            cache_write: job.cache_write.unwrap_or(0),
        };
        let (provider, model) = (job.provider.as_deref(), job.model.as_deref());
        let session_key = job.session_key.as_str();
        let (c, source) = cost::price(&cx.info.models, provider, model, tokens, job.cost_usd);
        let line = SpendLine {
            v: cost::SPEND_VERSION,
            at: now,
            agent_id: job.agent_id.clone(),
            session_key: Some(session_key.to_string()),
            run_id: None,
            purpose: job.purpose.clone(),
            provider: provider.map(str::to_string),
            model: model.map(str::to_string),
            input: tokens.input,
            output: tokens.output,
            cache_read: tokens.cache_read,
            cache_write: tokens.cache_write,
            cost_usd: c,
            source,
        };
        self.journal_spend(cx, out, &line);
        if !session_key.is_empty() {
            let sid = self
                .sids
                .get(session_key)
                .cloned()
                .unwrap_or_else(|| session_key.to_string());
            let b = self.budget(cx, now, out, &sid);
            match c {
                Some(c) => b.cost_usd = Some(b.cost_usd.unwrap_or(0.0) + c),
                None => b.cost_unknown_calls = b.cost_unknown_calls.saturating_add(1),
            }
            self.save_budget(cx, out, &sid);
        }
    }

    /// `/budget resume` and `agent-ops budget resume`: lifts the hold on `agent`, and its
    /// dollar caps count from now (the daily window of the agent and of all agents, and the
    /// session `session_id`, or every session of the agent when none is given).
    pub fn resume(
        &mut self,
        cx: &Cx<'_>,
        now: i64,
        agent: &str,
        session_id: Option<&str>,
    ) -> Outcome {
        let mut out = Outcome::default();
        let mut bases: Vec<(String, f64)> = Vec::new();
        match session_id {
            Some(sid) => {
                let c = self.budget(cx, now, &mut out, sid).cost_usd.unwrap_or(0.0);
                bases.push((sid.to_string(), c));
            }
            None => {
                let dir = join_path(cx.state_dir, "budget");
                for e in cx
                    .host
                    .fs_list(&dir, 100_000)
                    .map(|l| l.entries)
                    .unwrap_or_default()
                {
                    if !e.name.ends_with(".json") || e.name == "lifts.json" {
                        continue;
                    }
                    let Ok(bytes) = cx.host.fs_read(&join_path(&dir, &e.name), 1024 * 1024) else {
                        continue;
                    };
                    let Ok(b) = crate::json::read_slice::<SessionBudget>(&bytes) else {
                        continue;
                    };
                    let Some(key) = b.session_key.clone() else {
                        continue;
                    };
                    if agent_of_key(&key) == Some(agent) {
                        let sid = self.sids.get(&key).cloned().unwrap_or(key);
                        bases.push((sid, b.cost_usd.unwrap_or(0.0)));
                    }
                }
            }
        }
        let r = cost::update_lifts(cx.host, cx.state_dir, |l| {
            l.holds.remove(agent);
            l.resumed_at.insert(agent.to_string(), now);
            l.all_resumed_at = now;
            for (sid, c) in &bases {
                l.session_base.insert(sid.clone(), *c);
            }
        });
        let text = match r {
            Ok(_) => format!("agent-ops: agent {agent} resumed: its dollar caps count from now ({} session(s) reset); new runs are allowed", bases.len()),
            Err(e) => format!("agent-ops: could not resume agent {agent}: {e}"),
        };
        out.decisions.push(decision(
            now,
            "budget.cost.resumed",
            Action::Note,
            text.clone(),
            None,
            None,
            json!({"agent": agent, "sessions": bases.len()}),
        ));
        out.ret = json!({ "text": text });
        out
    }

    /// The refusal of a new run by a dollar cap: a hold on the agent, or a session or daily
    /// spend at its cap. `(code, sentence)`.
    fn cost_refusal(
        &mut self,
        cx: &Cx<'_>,
        now: i64,
        input: BudgetInput,
        out: &mut Outcome,
        run_id: &str,
    ) -> Option<(String, String)> {
        let agent = agent_of(self.runs.get(run_id)?);
        let lifts = cost::read_lifts(cx.host, cx.state_dir);
        if let Some(h) = lifts.holds.get(&agent).filter(|h| h.until > now) {
            return Some((h.code.clone(), h.message.clone()));
        }
        self.cost_readings(cx, now, input, out, run_id)
            .into_iter()
            .find(|(c, s)| {
                c.scope != Scope::Run && cost::rung(c.limit, *s, cx.cfg.cost_warn_at) == Rung::Hit
            })
            .map(|(c, s)| (c.scope.code().to_string(), cost::hit_message(&c, s, &agent)))
    }

    /// `before_agent_run`: target parsing and the session budget gate (P2-R1, P2-R5).
    pub fn before_agent_run(
        &mut self,
        cx: &Cx<'_>,
        now: i64,
        input: BudgetInput,
        event: &Value,
    ) -> Outcome {
        let ctx = cx.ctx;
        let mut out = Outcome::default();
        let Some(run_id) = Self::run_id(event, ctx) else {
            return out;
        };
        let external = ctx
            .pointer("/inputProvenance/kind")
            .or_else(|| event.pointer("/inputProvenance/kind"))
            .and_then(Value::as_str)
            .is_none_or(|k| k == "external_user");
        let prompt = s(event, "prompt").unwrap_or("");
        let l = self.ledger(now, &run_id, ctx);
        // Only the run's first pass carries the user's own prompt; revision passes wrap it.
        let first = !l.run_started;
        l.run_started = true;
        if first && external && cx.cfg.token_target.enabled && !l.is_subagent && !l.is_internal {
            l.target = parse_target(prompt);
        }
        let key = l.session_key.clone();
        let Some(sid) = l.session_id.clone().or_else(|| key.clone()) else {
            return out;
        };
        let (used, cap) = self.session_cap(cx, now, &mut out, key.as_deref(), &sid);
        let b = self.budget(cx, now, &mut out, &sid);
        if first {
            b.runs += 1;
        }
        b.last_run_at = now;
        if b.session_key.is_none() {
            b.session_key = key.clone();
        }
        if let Some(cap) = cap.filter(|c| used >= *c) {
            let code = "budget.cap.session_tokens";
            let msg = format!("this session has used {used} tokens of its budget of {cap} (phases.loopBudget.maxSessionTokens); start a new session or raise the cap");
            b.exhausted = true;
            b.exhausted_code = Some(code.into());
            let text = audit::block_text(code, &msg);
            out.ret = json!({ "outcome": "block", "reason": text, "message": text, "category": "budget" });
            if let Some(l) = self.runs.get_mut(&run_id) {
                l.cap_hit = Some(code.into());
            }
            let l = self.runs.get(&run_id);
            out.decisions.push(decision(
                now,
                code,
                Action::Deny,
                format!("New run refused: {msg}."),
                l,
                None,
                json!({"used": used, "cap": cap}),
            ));
        } else if let Some((code, msg)) = self.cost_refusal(cx, now, input, &mut out, &run_id) {
            // Issue 20: a dollar cap refuses the agent's new runs until the window rolls over
            // or an operator resumes it.
            let text = audit::block_text(&code, &msg);
            out.ret = json!({ "outcome": "block", "reason": text, "message": text, "category": "budget" });
            if let Some(l) = self.runs.get_mut(&run_id) {
                l.cap_hit = Some(code.clone());
            }
            let l = self.runs.get(&run_id);
            out.decisions.push(decision(
                now,
                &code,
                Action::Deny,
                format!("New run refused: {msg}."),
                l,
                None,
                json!({}),
            ));
        }
        self.save_budget(cx, &mut out, &sid);
        out
    }

    /// `model_call_started` / `model_call_ended` (P2-R4, R6). An ended call's dollars are
    /// estimated from its sizes (request bytes / 4 priced as uncached input, response bytes / 4
    /// as output: an upper bound, reconciled to exact usage at `llm_output`). A run past the
    /// one model call its stop allowed is ended.
    pub fn model_call(&mut self, cx: &Cx<'_>, now: i64, event: &Value, ended: bool) -> Outcome {
        let ctx = cx.ctx;
        let mut out = Outcome::default();
        let Some(run_id) = Self::run_id(event, ctx) else {
            return out;
        };
        let l = self.ledger(now, &run_id, ctx);
        if ended {
            let output = n(event, "responseStreamBytes") / 4;
            l.pending_estimate = l.pending_estimate.saturating_add(output);
            let t = Tokens {
                input: n(event, "requestPayloadBytes") / 4,
                output,
                ..Tokens::default()
            };
            let provider = s(event, "provider").or_else(|| s(ctx, "modelProviderId"));
            let model = s(event, "model").or_else(|| s(ctx, "modelId"));
            let (c, _) = cost::price(&cx.info.models, provider, model, t, None);
            l.pending_cost.add(c);
        } else {
            l.model_calls = l.model_calls.saturating_add(1);
            // A closed answer ended the agent loop: a later call of the run can only be
            // OpenClaw's text-only finalization of that answer, which is not aborted.
            if let (Some((code, _)), Some(after), false) = (&l.end, l.end_after_calls, l.closed) {
                if l.model_calls > after && l.aborts < 3 {
                    l.aborts += 1;
                    out.jobs.push(abort_job(cx, l, code));
                }
            }
        }
        out
    }

    fn limits(
        &mut self,
        cx: &Cx<'_>,
        now: i64,
        out: &mut Outcome,
        run_id: &str,
    ) -> (Limits, Option<u64>) {
        let (child, key, sid) = match self.runs.get(run_id) {
            Some(l) => (
                l.is_subagent,
                l.session_key.clone(),
                l.session_id.clone().or_else(|| l.session_key.clone()),
            ),
            None => (false, None, None),
        };
        let mut lim = Limits::for_run(cx.cfg, child);
        // P2-R5b: a child's run-token cap is at most what its parent's live run has left.
        if let (Some(cap), Some(pk)) = (
            cx.cfg.max_run_output_tokens,
            key.as_deref().and_then(|k| self.parents.get(k)),
        ) {
            if let Some(parent) = self.live.get(pk).and_then(|r| self.runs.get(r)) {
                // The parent's total already includes this child's charged output.
                let own = self.runs.get(run_id).map_or(0, RunLedger::output_tokens);
                let total = parent.output_tokens();
                let effective = if total >= cap {
                    own.saturating_sub(total - cap)
                } else {
                    own.saturating_add(cap - total)
                };
                lim.run_tokens = Some(cap.min(effective));
            }
        }
        let mut session_used = None;
        if cx.info.conversation_access == Some(false) {
            if let Some(sid) = sid {
                let (used, cap) = self.session_cap(cx, now, out, key.as_deref(), &sid);
                lim.session_tokens = cap;
                session_used = Some(used);
            }
        } else {
            lim.session_tokens = None;
        }
        (lim, session_used)
    }

    /// `before_tool_call` (P2-R5a order).
    pub fn before_tool_call(
        &mut self,
        cx: &Cx<'_>,
        now: i64,
        input: BudgetInput,
        event: &Value,
    ) -> Outcome {
        let ctx = cx.ctx;
        let mut out = Outcome::default();
        let Some(run_id) = Self::run_id(event, ctx).or_else(|| {
            s(ctx, "sessionKey").map(|k| format!("{k}#{}", s(event, "toolCallId").unwrap_or("")))
        }) else {
            return out;
        };
        let tool = s(event, "toolName").unwrap_or("").to_string();
        let sig = if tool.is_empty() {
            super::ledger::UNCOMPARABLE.to_string()
        } else {
            signature(&tool, event.get("params").unwrap_or(&Value::Null))
        };
        let call_id = s(event, "toolCallId").map(str::to_string);
        let fresh = {
            let l = self.ledger(now, &run_id, ctx);
            l.tool_calls += 1;
            l.cap_hit.is_none() && l.end.is_none()
        };
        let (lim, session_used) = self.limits(cx, now, &mut out, &run_id);
        let cost_hit = if fresh {
            self.cost_ladder(cx, now, input, &mut out, &run_id)
        } else {
            None
        };
        let Some(l) = self.runs.get_mut(&run_id) else {
            return out;
        };
        let agent = agent_of(l);
        // Issue 20: after a stop that ends the run, the model had one more call to answer;
        // a tool call after it means the run goes on, so it is ended now. Normally that tool
        // call never gets here (`before_message_write` closed the answer without it); this is
        // the fallback for a host that persisted a copy: block it and abort the run.
        let end_now = l.end.is_some() && l.end_after_calls.is_some_and(|a| l.model_calls >= a);
        let verdict = if let Some((code, msg)) = l.end.clone().filter(|_| end_now) {
            ToolVerdict::Block(super::ledger::Stop {
                code,
                message: format!("{msg}; the run is ended now"),
            })
        } else if let Some((cap, spent)) = &cost_hit {
            let code = cap.scope.code().to_string();
            l.cap_hit = Some(code.clone());
            ToolVerdict::Block(super::ledger::Stop {
                code,
                message: cost::hit_message(cap, *spent, &agent),
            })
        } else {
            check_tool_call(l, &tool, &sig, &lim, now, session_used)
        };
        l.call_history.push_back(CallRecord {
            tool_call_id: call_id.clone(),
            tool: tool.clone(),
            signature: sig,
            result_hash: None,
            is_error: false,
        });
        while l.call_history.len() > CALL_HISTORY {
            l.call_history.pop_front();
        }
        match verdict {
            ToolVerdict::Allow => {}
            ToolVerdict::Warn(w) => {
                let text = audit::block_text(&w.code, &w.message);
                if let Some(k) = l.session_key.clone() {
                    let idem = format!("{}:{}", l.run_id, w.code);
                    out.jobs.push(inject_job(cx, &k, &text, &idem));
                }
                let snapshot = l.clone();
                out.decisions.push(decision(
                    now,
                    &w.code,
                    Action::Note,
                    w.message,
                    Some(&snapshot),
                    call_id.as_deref(),
                    json!({"tool": tool}),
                ));
            }
            ToolVerdict::Block(b) => {
                l.blocked_tool_calls += 1;
                let text = audit::block_text(&b.code, &b.message);
                out.ret = json!({ "block": true, "blockReason": text });
                if ends_run(&b.code) && l.end.is_none() {
                    l.end = Some((b.code.clone(), b.message.clone()));
                    l.end_after_calls = Some(l.model_calls.saturating_add(1));
                }
                if end_now && l.aborts < 3 {
                    l.aborts += 1;
                    out.jobs.push(abort_job(cx, l, &b.code));
                }
                let snapshot = l.clone();
                let mut details = json!({"tool": tool, "toolCalls": snapshot.tool_calls, "modelCalls": snapshot.model_calls, "outputTokens": snapshot.output_tokens(), "runCostUsd": snapshot.cost.plus(snapshot.pending_cost).usd, "endsRun": snapshot.end.is_some(), "runEnded": end_now});
                if let (Some((cap, spent)), Some(o)) = (&cost_hit, details.as_object_mut()) {
                    o.insert("cap".into(), json!(cap.key));
                    o.insert("limitUsd".into(), json!(cap.limit));
                    o.insert("spentUsd".into(), json!(spent.usd));
                }
                let first_hit = cost_hit.is_some();
                out.decisions.push(decision(
                    now,
                    &b.code,
                    Action::Deny,
                    format!("Tool call blocked: {}.", b.message),
                    Some(&snapshot),
                    call_id.as_deref(),
                    details,
                ));
                if first_hit {
                    self.hold(cx, now, &mut out, &agent, &b.code, &b.message);
                }
            }
        }
        out
    }

    /// `after_tool_call`: the result of a recorded call (P2-R4).
    pub fn after_tool_call(&mut self, event: &Value, ctx: &Value) {
        let Some(run_id) = Self::run_id(event, ctx) else {
            return;
        };
        let Some(l) = self.runs.get_mut(&run_id) else {
            return;
        };
        let id = s(event, "toolCallId");
        let error = event.get("error").filter(|e| !e.is_null());
        let text = match error {
            Some(e) => text_of(e),
            None => text_of(event.get("result").unwrap_or(&Value::Null)),
        };
        if let Some(rec) =
            l.call_history.iter_mut().rev().find(|r| {
                r.result_hash.is_none() && (id.is_none() || r.tool_call_id.as_deref() == id)
            })
        {
            rec.result_hash = Some(result_hash(&text));
            rec.is_error = error.is_some();
        }
    }

    /// `before_message_write` (issue 20): the model's answer to the one call a run-ending stop
    /// allowed. An answer with tool calls means the run would go on; it is persisted as a
    /// plain closing answer instead: the model's own text, then the stop's sentence, without
    /// the tool calls (none of them ran). OpenClaw's loop reads the same message after the
    /// write, so the run ends there with that answer as its reply, no abort, and the session's
    /// transcript closes the turn (an aborted run left the task open, and the next message on
    /// the session picked it up again). `live: true` asks the host to rewrite the message
    /// object it was handed, not only the persisted copy.
    pub fn before_message_write(&mut self, cx: &Cx<'_>, now: i64, event: &Value) -> Outcome {
        let ctx = cx.ctx;
        let mut out = Outcome::default();
        let msg = event.get("message").unwrap_or(&Value::Null);
        if s(msg, "role") != Some("assistant") {
            return out;
        }
        let Some(parts) = msg.get("content").and_then(Value::as_array) else {
            return out;
        };
        let tools: Vec<String> = parts
            .iter()
            .filter(|p| s(p, "type") == Some("toolCall"))
            .map(|p| s(p, "name").unwrap_or("tool").to_string())
            .collect();
        if tools.is_empty() {
            return out;
        }
        let run_id = s(ctx, "runId")
            .map(str::to_string)
            .or_else(|| s(ctx, "sessionKey").and_then(|k| self.live.get(k).cloned()));
        let Some(l) = run_id.and_then(|r| self.runs.get_mut(&r)) else {
            return out;
        };
        let Some((code, message)) = l.end.clone() else {
            return out;
        };
        if l.end_after_calls.is_none_or(|a| l.model_calls < a) {
            return out;
        }
        let mut content: Vec<Value> = parts
            .iter()
            .filter(|p| s(p, "type") == Some("text"))
            .cloned()
            .collect();
        content.push(json!({"type": "text", "text": format!("{}. agent-ops ended this run here; the requested {} call(s) ({}) were not run. Send a new message to go on.", audit::block_text(&code, &message), tools.len(), tools.join(", "))}));
        let mut closed = msg.clone();
        if let Some(o) = closed.as_object_mut() {
            o.insert("content".into(), Value::Array(content));
            o.insert("stopReason".into(), json!("stop"));
        }
        l.closed = true;
        let snapshot = l.clone();
        out.ret = json!({ "message": closed, "live": true });
        out.decisions.push(decision(now,
            &code,
            Action::Deny,
            format!("Run ended: the model answered its last allowed call with {} tool call(s) ({}); the answer was closed without them.", tools.len(), tools.join(", ")),
            Some(&snapshot),
            None,
            json!({"tools": tools, "modelCalls": snapshot.model_calls, "toolCalls": snapshot.tool_calls, "runCostUsd": snapshot.cost.plus(snapshot.pending_cost).usd, "endsRun": true, "runEnded": true, "how": "closed"}),
        ));
        out
    }

    /// `before_agent_finalize` (P2-R2, R3).
    pub fn before_agent_finalize(&mut self, cx: &Cx<'_>, now: i64, event: &Value) -> Outcome {
        let ctx = cx.ctx;
        let mut out = Outcome::default();
        let Some(run_id) = Self::run_id(event, ctx) else {
            return out;
        };
        let last = event.get("lastAssistantMessage").unwrap_or(&Value::Null);
        let api_error = s(last, "stopReason") == Some("error")
            || last.get("errorMessage").is_some_and(|e| !e.is_null());
        let stop_hook = event
            .get("stopHookActive")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let l = self.ledger(now, &run_id, ctx);
        if let Some((code, msg)) = l.end.clone() {
            // A stop that ends the run also ends it when the model answers instead.
            out.ret = json!({ "action": "finalize", "reason": audit::block_text(&code, &msg) });
            return out;
        }
        let (f, ev) = finalize(l, &cx.cfg.token_target, api_error, stop_hook, now);
        let snapshot = l.clone();
        match f {
            Finalize::Pass => {}
            Finalize::Revise {
                reason,
                instruction,
                idempotency_key,
            } => {
                out.ret = json!({ "action": "revise", "reason": reason, "retry": { "instruction": instruction, "idempotencyKey": idempotency_key, "maxAttempts": 1 } });
                out.decisions.push(decision(now, "budget.continue.below_target", Action::Note, format!("Continuation {} granted: {instruction}", snapshot.continuation_count), Some(&snapshot), None, json!({"continuationCount": snapshot.continuation_count, "turnTokens": snapshot.output_tokens(), "target": snapshot.target})));
            }
            Finalize::Stop(st) => {
                // A cap was journaled when it was hit; the finalize only enforces it.
                out.ret = json!({ "action": "finalize", "reason": audit::block_text(&st.code, &st.message) });
            }
        }
        if let Some(e) = ev {
            out.decisions.push(target_decision(now, e, &snapshot));
        }
        out
    }

    /// `agent_end`: the termination record (P2-R10).
    pub fn agent_end(&mut self, cx: &Cx<'_>, now: i64, event: &Value) -> Outcome {
        let ctx = cx.ctx;
        let mut out = Outcome::default();
        let Some(run_id) = Self::run_id(event, ctx) else {
            return out;
        };
        let Some(l) = self.runs.get_mut(&run_id) else {
            return out;
        };
        if let Some(e) = settle_target(l, &cx.cfg.token_target, now) {
            let snapshot = l.clone();
            out.decisions.push(target_decision(now, e, &snapshot));
        }
        let success = event
            .get("success")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let terminal = if let Some(c) = &l.cap_hit {
            c.strip_prefix("budget.").unwrap_or(c).replace('.', "_")
        } else if let Some(h) = &l.loop_hit {
            h.clone()
        } else if let Some(t) = &l.target_event {
            match t.as_str() {
                "budget.target.diminishing" => "diminishing_returns".into(),
                "budget.target.reached" => "target_reached".into(),
                _ => "completed".into(),
            }
        } else if success {
            "completed".into()
        } else if s(event, "error").is_some_and(|e| e.to_ascii_lowercase().contains("abort")) {
            "aborted".into()
        } else {
            "error".into()
        };
        l.terminal = Some(terminal.clone());
        let line = json!({
            "v": 1, "at": now, "runId": l.run_id, "sessionKey": l.session_key, "terminal": terminal,
            "modelCalls": l.model_calls, "toolCalls": l.tool_calls, "blockedToolCalls": l.blocked_tool_calls,
            "outputTokens": l.output_tokens(), "usageSource": l.usage_source, "target": l.target,
            "continuations": l.continuation_count, "durationMs": now.saturating_sub(l.started_at),
            "isSubagent": l.is_subagent, "agentId": agent_of(l),
            "costUsd": l.cost.plus(l.pending_cost).usd, "costUnknownCalls": l.cost.plus(l.pending_cost).unknown,
            "endedByPlugin": l.aborts > 0 || l.closed,
        });
        let path = join_path(
            &join_path(cx.state_dir, "budget"),
            &format!("runs-{}.jsonl", audit::utc_date(now)),
        );
        // G-R17: a line torn by a crash is terminated by this append itself
        // (`Host::fs_append_line`), so the new record does not glue onto it.
        if let Err(e) = cx.host.fs_append_line(&path, &line.to_string(), false) {
            out.diagnostics.push(Diagnostic {
                level: LogLevel::Warn,
                code: "budget.runs.write_failed".into(),
                message: format!("could not append to {path}: {e}"),
            });
        }
        if let Some(k) = &l.session_key {
            if self.live.get(k) == Some(&run_id) {
                self.live.remove(k);
            }
        }
        self.ended.push_back(run_id);
        while self.ended.len() > ENDED_RUNS_KEPT {
            if let Some(old) = self.ended.pop_front() {
                self.runs.remove(&old);
            }
        }
        out
    }

    /// `llm_output`: exact usage of one pass, charged to the run, the session and, for a
    /// subagent, its requester (P2-R5b, R6).
    pub fn llm_output(&mut self, cx: &Cx<'_>, now: i64, event: &Value) -> Outcome {
        let ctx = cx.ctx;
        let mut out = Outcome::default();
        let Some(run_id) = Self::run_id(event, ctx) else {
            return out;
        };
        let usage = event.get("usage").unwrap_or(&Value::Null);
        let (input, output, cr, cw) = (
            n(usage, "input"),
            n(usage, "output"),
            n(usage, "cacheRead"),
            n(usage, "cacheWrite"),
        );
        let provider = s(event, "provider").or_else(|| s(ctx, "modelProviderId"));
        let model = s(event, "model").or_else(|| s(ctx, "modelId"));
        let tokens = Tokens {
            input,
            output,
            cache_read: cr,
            cache_write: cw,
        };
        let (c, source) = cost::price(&cx.info.models, provider, model, tokens, None);
        let l = self.ledger(now, &run_id, ctx);
        l.cost.add(c);
        l.pending_cost = Spend::default();
        let line = SpendLine {
            v: cost::SPEND_VERSION,
            at: now,
            agent_id: agent_of(l),
            session_key: l.session_key.clone(),
            run_id: Some(l.run_id.clone()),
            purpose: if l.is_subagent { "subagent" } else { "main" }.into(),
            provider: provider.map(str::to_string),
            model: model.map(str::to_string),
            input,
            output,
            cache_read: cr,
            cache_write: cw,
            cost_usd: c,
            source,
        };
        let l = self.ledger(now, &run_id, ctx);
        l.exact_output = l.exact_output.saturating_add(output);
        l.exact_input = l
            .exact_input
            .saturating_add(input.saturating_add(cr).saturating_add(cw));
        l.pending_estimate = 0;
        l.usage_source = UsageSource::Exact;
        let key = l.session_key.clone();
        let Some(sid) = l.session_id.clone().or_else(|| key.clone()) else {
            return out;
        };
        let mut charge = vec![sid];
        if let Some(pk) = key.as_deref().and_then(|k| self.parents.get(k)).cloned() {
            if let Some(psid) = self.sids.get(&pk).cloned() {
                charge.push(psid);
            }
            if let Some(pr) = self.live.get(&pk).cloned() {
                if let Some(p) = self.runs.get_mut(&pr) {
                    p.child_output = p.child_output.saturating_add(output);
                }
            }
        }
        self.journal_spend(cx, &mut out, &line);
        for id in charge {
            let b = self.budget(cx, now, &mut out, &id);
            match c {
                Some(c) => b.cost_usd = Some(b.cost_usd.unwrap_or(0.0) + c),
                None => b.cost_unknown_calls = b.cost_unknown_calls.saturating_add(1),
            }
            b.input_tokens = b.input_tokens.saturating_add(input);
            b.output_tokens = b.output_tokens.saturating_add(output);
            b.cache_read = b.cache_read.saturating_add(cr);
            b.cache_write = b.cache_write.saturating_add(cw);
            if cx.cfg.max_session_tokens.is_some_and(|c| b.used() >= c) {
                b.exhausted = true;
                b.exhausted_code = Some("budget.cap.session_tokens".into());
            }
            self.save_budget(cx, &mut out, &id);
        }
        out
    }

    /// `subagent_spawned`: the child's requester, for inherited caps (P2-R5b).
    pub fn subagent_spawned(&mut self, event: &Value, ctx: &Value) {
        let child = s(event, "childSessionKey").or_else(|| s(ctx, "childSessionKey"));
        let parent = s(ctx, "requesterSessionKey")
            .or_else(|| s(event, "requesterSessionKey"))
            .or_else(|| {
                event
                    .pointer("/requester/sessionKey")
                    .and_then(Value::as_str)
            });
        if let (Some(c), Some(p)) = (child, parent) {
            self.parents.insert(c.to_string(), p.to_string());
        }
    }

    /// `/budget`: the session's usage against every limit (P2-R13).
    pub fn status(
        &mut self,
        cx: &Cx<'_>,
        now: i64,
        input: BudgetInput,
        session_key: &str,
    ) -> String {
        let mut out = Outcome::default();
        let sid = self
            .sids
            .get(session_key)
            .cloned()
            .unwrap_or_else(|| session_key.to_string());
        let b = self.budget(cx, now, &mut out, &sid).clone();
        let run = self
            .live
            .get(session_key)
            .and_then(|r| self.runs.get(r))
            .cloned()
            .unwrap_or_default();
        let c = cx.cfg;
        let opt = |v: Option<u64>| v.map_or_else(|| "off".to_string(), |x| x.to_string());
        let mut t = String::from("agent-ops budget for this session\n");
        t.push_str(&format!(
            "- session tokens: {} used / {} (phases.loopBudget.maxSessionTokens)\n",
            b.used(),
            opt(c.max_session_tokens)
        ));
        t.push_str(&format!(
            "- runs: {}; input {}, output {}, cache read {}, cache write {}\n",
            b.runs, b.input_tokens, b.output_tokens, b.cache_read, b.cache_write
        ));
        t.push_str(&format!(
            "- model calls this run: {} / {} (maxModelCallsPerRun)\n",
            run.model_calls,
            opt(c.max_model_calls_per_run)
        ));
        t.push_str(&format!(
            "- tool calls this run: {} / {} (maxToolCallsPerRun)\n",
            run.tool_calls,
            opt(c.max_tool_calls_per_run)
        ));
        t.push_str(&format!(
            "- output tokens this run: {} / {} (maxRunOutputTokens)\n",
            run.output_tokens(),
            opt(c.max_run_output_tokens)
        ));
        t.push_str(&format!(
            "- run time cap: {} s (maxRunSeconds)\n",
            opt(c.max_run_seconds)
        ));
        t.push_str(&format!(
            "- repeats: warn at {}, block at {}; cycles up to period {} (repeat.*)\n",
            c.repeat.warn_at, c.repeat.block_at, c.repeat.cycle_max_period
        ));
        t.push_str(&format!(
            "- token target: {} (tokenTarget.enabled {}, max {} continuations)\n",
            run.target
                .map_or_else(|| "none".to_string(), |x| x.to_string()),
            c.token_target.enabled,
            c.token_target.max_continuations
        ));
        if b.exhausted {
            t.push_str("- the session budget is spent: new runs are refused\n");
        }
        let agent = crate::session_key::agent_id(session_key, &Value::Null);
        let st = self.cost_status(cx, now, input, &agent, session_key);
        t.push_str(&cost_lines(&st));
        t
    }

    /// Dollars against every dollar cap of `agent` in the session `session_key` (its live run,
    /// if any), the ladder state of each, and the agent's hold: `/budget`, `/agent-ops status`
    /// and `agent-ops status` (issue 20 item 3).
    pub fn cost_status(
        &mut self,
        cx: &Cx<'_>,
        now: i64,
        input: BudgetInput,
        agent: &str,
        session_key: &str,
    ) -> Value {
        let mut out = Outcome::default();
        let sid = self
            .sids
            .get(session_key)
            .cloned()
            .unwrap_or_else(|| session_key.to_string());
        // A probe ledger stands for the session when no run is live: zero run spend.
        let probe = format!("status:{session_key}");
        let run_id = self.live.get(session_key).cloned().unwrap_or_else(|| {
            self.runs.insert(
                probe.clone(),
                RunLedger {
                    run_id: probe.clone(),
                    session_key: (!session_key.is_empty()).then(|| session_key.to_string()),
                    session_id: (!sid.is_empty()).then(|| sid.clone()),
                    agent_id: Some(agent.to_string()),
                    ..RunLedger::default()
                },
            );
            probe.clone()
        });
        let readings = self.cost_readings(cx, now, input, &mut out, &run_id);
        self.runs.remove(&probe);
        let caps: Vec<Value> = readings
            .iter()
            .map(|(c, sp)| {
                let rung = match cost::rung(c.limit, *sp, cx.cfg.cost_warn_at) {
                    Rung::Below => "ok",
                    Rung::Warn => "warning",
                    Rung::Hit => "stopped",
                    Rung::Unknown => "unknown_price",
                };
                json!({"scope": c.scope.label(), "key": c.key, "limitUsd": c.limit, "spentUsd": sp.usd, "unknownCalls": sp.unknown, "ladder": rung})
            })
            .collect();
        let lifts = cost::read_lifts(cx.host, cx.state_dir);
        let hold =
            lifts.holds.get(agent).filter(|h| h.until > now).map(
                |h| json!({"code": h.code, "message": h.message, "at": h.at, "until": h.until}),
            );
        let b = self.budget(cx, now, &mut out, &sid).clone();
        json!({
            "agent": agent, "sessionKey": session_key, "liveRun": self.live.get(session_key),
            "sessionCostUsd": b.cost_usd.unwrap_or(0.0), "sessionUnknownCalls": b.cost_unknown_calls,
            "sessionTokens": b.used(), "warnAt": cx.cfg.cost_warn_at, "timeZone": cx.cfg.time_zone,
            "caps": caps, "hold": hold,
        })
    }

    /// Service tick: runs journals older than 30 days are removed (P2 §11).
    pub fn sweep(&mut self, cx: &Cx<'_>, now: i64) {
        let dir = join_path(cx.state_dir, "budget");
        let Ok(listing) = cx.host.fs_list(&dir, 10_000) else {
            return;
        };
        for e in listing.entries {
            if e.name.starts_with("runs-")
                && e.name.ends_with(".jsonl")
                && now.saturating_sub(e.mtime_ms) > RUNS_RETENTION_MS
            {
                let _ = cx.host.fs_remove(&join_path(&dir, &e.name));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_adds_this_process_s_share_to_the_file_as_it_is_now() {
        let base = SessionBudget {
            runs: 1,
            input_tokens: 100,
            ..SessionBudget::default()
        };
        // This process added one run and 50 tokens since it read `base`; another process
        // meanwhile brought the file to 2 runs and 300 tokens and spent the budget.
        let mine = SessionBudget {
            runs: 2,
            input_tokens: 150,
            last_run_at: 5,
            ..SessionBudget::default()
        };
        let disk = SessionBudget {
            runs: 2,
            input_tokens: 300,
            last_run_at: 9,
            exhausted: true,
            exhausted_code: Some("budget.cap.session_tokens".into()),
            ..SessionBudget::default()
        };
        let m = merge_budget(&disk, &base, &mine);
        assert_eq!((m.runs, m.input_tokens, m.last_run_at), (3, 350, 9));
        assert!(m.exhausted, "a spent budget stays spent");
        assert_eq!(
            m.exhausted_code.as_deref(),
            Some("budget.cap.session_tokens")
        );
        // Nothing added: the file as it is.
        assert_eq!(merge_budget(&disk, &mine, &mine), disk);
    }
}
