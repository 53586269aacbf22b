//! Phase 2 at OpenClaw's hooks: run ledgers and session budgets fed by `model_call_*`,
//! `before_tool_call`/`after_tool_call` and `llm_output`; stops enforced in
//! `before_tool_call`, `before_agent_run` and `before_agent_finalize` (P2 §8).

use super::ledger::{
    check_tool_call, finalize, result_hash, settle_target, signature, CallRecord, Finalize, Limits,
    RunLedger, SessionBudget, ToolVerdict, UsageSource, CALL_HISTORY,
};
use super::target::parse_target;
use super::LoopBudgetConfig;
use crate::audit::{self, Action, Decision};
use crate::contract::Diagnostic;
use crate::host::{join_path, Host, LogLevel};
use crate::session_key::{adopt_file, is_internal_key, legacy_budget_name, state_name};
use crate::sorted::SortedMap;
use serde_json::{json, Value};
use std::collections::VecDeque;

/// Ledgers kept after their run ended (for the late `llm_output`).
pub const ENDED_RUNS_KEPT: usize = 256;
/// Runs journal retention.
pub const RUNS_RETENTION_MS: i64 = 30 * 24 * 3_600_000;

/// Everything one call needs besides the tracker.
pub struct Env<'a> {
    /// Phase settings.
    pub cfg: &'a LoopBudgetConfig,
    /// The Host.
    pub host: &'a dyn Host,
    /// The plugin's state directory.
    pub state_dir: &'a str,
    /// Now (ms).
    pub now_ms: i64,
    /// Conversation hooks are available (else the session cap is checked at tool time).
    pub conversation: bool,
}

/// A one-shot note for the next turn (`enqueueNextTurnInjection`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Injection {
    /// Session key.
    pub session_key: String,
    /// Text.
    pub text: String,
    /// Idempotency key.
    pub idempotency_key: String,
}

/// The answer of one hook call.
#[derive(Debug, Default)]
pub struct Out {
    /// Value for OpenClaw (`null`: no opinion).
    pub ret: Value,
    /// Decisions to journal.
    pub decisions: Vec<Decision>,
    /// Diagnostics.
    pub diagnostics: Vec<Diagnostic>,
    /// Next-turn injections to enqueue.
    pub injections: Vec<Injection>,
}

/// Phase 2 state of the process.
#[derive(Debug, Default)]
pub struct Tracker {
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
    /// Runs journals checked for a torn last line by this process (G-R17).
    repaired: crate::sorted::SortedSet<String>,
}

/// A session budget file as it is on disk: `None` when missing or unreadable; a file that
/// does not parse is moved aside with a diagnostic (G-R16) and reads as `None`.
fn read_budget(env: &Env<'_>, out: &mut Out, sid: &str) -> Option<SessionBudget> {
    let path = budget_path(env.state_dir, sid);
    let bytes = env.host.fs_read(&path, 1024 * 1024).ok()?;
    match crate::json::from_slice_via_value(&bytes) {
        Ok(b) => Some(b),
        Err(e) => {
            let moved = crate::host::move_aside(env.host, &path, &bytes, env.host.now_ms());
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

impl Env<'_> {
    fn decision(
        &self,
        code: &str,
        action: Action,
        message: String,
        l: Option<&RunLedger>,
        tool_call_id: Option<&str>,
        details: Value,
    ) -> Decision {
        Decision {
            v: audit::RECORD_VERSION,
            at: self.now_ms,
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
}

/// The journal record of a token-target outcome (P2-R2 step 5).
fn target_decision(env: &Env<'_>, e: super::ledger::TargetEvent, l: &RunLedger) -> Decision {
    let what = e.code.rsplit('.').next().unwrap_or("").replace('_', " ");
    env.decision(
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

impl Tracker {
    fn run_id(event: &Value, ctx: &Value) -> Option<String> {
        s(event, "runId")
            .or_else(|| s(ctx, "runId"))
            .map(str::to_string)
    }

    fn is_child(&self, key: Option<&str>) -> bool {
        key.is_some_and(|k| k.contains(":subagent:") || self.parents.contains_key(k))
    }

    /// The run's ledger, created on first sight.
    fn ledger(&mut self, env: &Env<'_>, run_id: &str, ctx: &Value) -> &mut RunLedger {
        let key = s(ctx, "sessionKey").map(str::to_string);
        let sid = s(ctx, "sessionId").map(str::to_string);
        if let (Some(k), Some(id)) = (&key, &sid) {
            self.sids.insert(k.clone(), id.clone());
        }
        let child = self.is_child(key.as_deref());
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
                started_at: env.now_ms,
                ..RunLedger::default()
            });
        if l.session_key.is_none() {
            l.session_key = key;
        }
        if l.session_id.is_none() {
            l.session_id = sid;
        }
        l
    }

    fn budget(&mut self, env: &Env<'_>, out: &mut Out, sid: &str) -> &mut SessionBudget {
        if !self.budgets.contains_key(sid) {
            let path = budget_path(env.state_dir, sid);
            // State written under the old, colliding name is adopted once (issue 18).
            let legacy = legacy_budget_path(env.state_dir, sid);
            out.diagnostics
                .extend(adopt_file(env.host, &legacy, &path, env.now_ms, "budget"));
            let b = read_budget(env, out, sid).unwrap_or_default();
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
    fn save_budget(&mut self, env: &Env<'_>, out: &mut Out, sid: &str) {
        let Some(mine) = self.budgets.get(sid).cloned() else {
            return;
        };
        let path = budget_path(env.state_dir, sid);
        let lock = format!("{path}.lock");
        if let Err(e) = env.host.fs_lock(&lock, 30_000) {
            out.diagnostics.push(Diagnostic {
                level: LogLevel::Warn,
                code: "budget.state.locked".into(),
                message: format!(
                    "could not lock {lock} ({e}); the session's new totals stay in memory until the next update"
                ),
            });
            return;
        }
        let disk = read_budget(env, out, sid).unwrap_or_default();
        let base = self.saved.get(sid).cloned().unwrap_or_default();
        let merged = merge_budget(&disk, &base, &mine);
        match env.host.fs_write_atomic(
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
        let _ = env.host.fs_unlock(&lock);
    }

    /// Session tokens used and the cap in force (own cap, or the parent's remainder when smaller).
    fn session_cap(
        &mut self,
        env: &Env<'_>,
        out: &mut Out,
        key: Option<&str>,
        sid: &str,
    ) -> (u64, Option<u64>) {
        let used = self.budget(env, out, sid).used();
        let mut cap = env.cfg.max_session_tokens;
        if let Some(parent_sid) = key
            .and_then(|k| self.parents.get(k))
            .and_then(|p| self.sids.get(p))
            .cloned()
        {
            if let Some(pcap) = env.cfg.max_session_tokens {
                // The parent's total already includes what this child was charged.
                let total = self.budget(env, out, &parent_sid).used();
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

    /// `before_agent_run`: target parsing and the session budget gate (P2-R1, P2-R5).
    pub fn before_agent_run(&mut self, env: &Env<'_>, event: &Value, ctx: &Value) -> Out {
        let mut out = Out::default();
        let Some(run_id) = Self::run_id(event, ctx) else {
            return out;
        };
        let external = ctx
            .pointer("/inputProvenance/kind")
            .or_else(|| event.pointer("/inputProvenance/kind"))
            .and_then(Value::as_str)
            .is_none_or(|k| k == "external_user");
        let prompt = s(event, "prompt").unwrap_or("");
        let l = self.ledger(env, &run_id, ctx);
        // Only the run's first pass carries the user's own prompt; revision passes wrap it.
        let first = !l.run_started;
        l.run_started = true;
        if first && external && env.cfg.token_target.enabled && !l.is_subagent && !l.is_internal {
            l.target = parse_target(prompt);
        }
        let key = l.session_key.clone();
        let Some(sid) = l.session_id.clone().or_else(|| key.clone()) else {
            return out;
        };
        let (used, cap) = self.session_cap(env, &mut out, key.as_deref(), &sid);
        let b = self.budget(env, &mut out, &sid);
        if first {
            b.runs += 1;
        }
        b.last_run_at = env.now_ms;
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
            out.decisions.push(env.decision(
                code,
                Action::Deny,
                format!("New run refused: {msg}."),
                l,
                None,
                json!({"used": used, "cap": cap}),
            ));
        }
        self.save_budget(env, &mut out, &sid);
        out
    }

    /// `model_call_started` / `model_call_ended` (P2-R4, R6).
    pub fn model_call(&mut self, env: &Env<'_>, event: &Value, ctx: &Value, ended: bool) {
        let Some(run_id) = Self::run_id(event, ctx) else {
            return;
        };
        let l = self.ledger(env, &run_id, ctx);
        if ended {
            l.pending_estimate = l
                .pending_estimate
                .saturating_add(n(event, "responseStreamBytes") / 4);
        } else {
            l.model_calls = l.model_calls.saturating_add(1);
        }
    }

    fn limits(&mut self, env: &Env<'_>, out: &mut Out, run_id: &str) -> (Limits, Option<u64>) {
        let (child, key, sid) = match self.runs.get(run_id) {
            Some(l) => (
                l.is_subagent,
                l.session_key.clone(),
                l.session_id.clone().or_else(|| l.session_key.clone()),
            ),
            None => (false, None, None),
        };
        let mut lim = Limits::for_run(env.cfg, child);
        // P2-R5b: a child's run-token cap is at most what its parent's live run has left.
        if let (Some(cap), Some(pk)) = (
            env.cfg.max_run_output_tokens,
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
        if !env.conversation {
            if let Some(sid) = sid {
                let (used, cap) = self.session_cap(env, out, key.as_deref(), &sid);
                lim.session_tokens = cap;
                session_used = Some(used);
            }
        } else {
            lim.session_tokens = None;
        }
        (lim, session_used)
    }

    /// `before_tool_call` (P2-R5a order).
    pub fn before_tool_call(&mut self, env: &Env<'_>, event: &Value, ctx: &Value) -> Out {
        let mut out = Out::default();
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
        self.ledger(env, &run_id, ctx).tool_calls += 1;
        let (lim, session_used) = self.limits(env, &mut out, &run_id);
        let Some(l) = self.runs.get_mut(&run_id) else {
            return out;
        };
        let verdict = check_tool_call(l, &tool, &sig, &lim, env.now_ms, session_used);
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
                    out.injections.push(Injection {
                        session_key: k,
                        text: text.clone(),
                        idempotency_key: format!("{}:{}", l.run_id, w.code),
                    });
                }
                let snapshot = l.clone();
                out.decisions.push(env.decision(
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
                let snapshot = l.clone();
                out.decisions.push(env.decision(&b.code, Action::Deny, format!("Tool call blocked: {}.", b.message), Some(&snapshot), call_id.as_deref(), json!({"tool": tool, "toolCalls": snapshot.tool_calls, "modelCalls": snapshot.model_calls, "outputTokens": snapshot.output_tokens()})));
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

    /// `before_agent_finalize` (P2-R2, R3).
    pub fn before_agent_finalize(&mut self, env: &Env<'_>, event: &Value, ctx: &Value) -> Out {
        let mut out = Out::default();
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
        let l = self.ledger(env, &run_id, ctx);
        let (f, ev) = finalize(l, &env.cfg.token_target, api_error, stop_hook, env.now_ms);
        let snapshot = l.clone();
        match f {
            Finalize::Pass => {}
            Finalize::Revise {
                reason,
                instruction,
                idempotency_key,
            } => {
                out.ret = json!({ "action": "revise", "reason": reason, "retry": { "instruction": instruction, "idempotencyKey": idempotency_key, "maxAttempts": 1 } });
                out.decisions.push(env.decision("budget.continue.below_target", Action::Note, format!("Continuation {} granted: {instruction}", snapshot.continuation_count), Some(&snapshot), None, json!({"continuationCount": snapshot.continuation_count, "turnTokens": snapshot.output_tokens(), "target": snapshot.target})));
            }
            Finalize::Stop(st) => {
                // A cap was journaled when it was hit; the finalize only enforces it.
                out.ret = json!({ "action": "finalize", "reason": audit::block_text(&st.code, &st.message) });
            }
        }
        if let Some(e) = ev {
            out.decisions.push(target_decision(env, e, &snapshot));
        }
        out
    }

    /// `agent_end`: the termination record (P2-R10).
    pub fn agent_end(&mut self, env: &Env<'_>, event: &Value, ctx: &Value) -> Out {
        let mut out = Out::default();
        let Some(run_id) = Self::run_id(event, ctx) else {
            return out;
        };
        let Some(l) = self.runs.get_mut(&run_id) else {
            return out;
        };
        if let Some(e) = settle_target(l, &env.cfg.token_target, env.now_ms) {
            let snapshot = l.clone();
            out.decisions.push(target_decision(env, e, &snapshot));
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
            "v": 1, "at": env.now_ms, "runId": l.run_id, "sessionKey": l.session_key, "terminal": terminal,
            "modelCalls": l.model_calls, "toolCalls": l.tool_calls, "blockedToolCalls": l.blocked_tool_calls,
            "outputTokens": l.output_tokens(), "usageSource": l.usage_source, "target": l.target,
            "continuations": l.continuation_count, "durationMs": env.now_ms.saturating_sub(l.started_at),
            "isSubagent": l.is_subagent,
        });
        let path = join_path(
            &join_path(env.state_dir, "budget"),
            &format!("runs-{}.jsonl", audit::utc_date(env.now_ms)),
        );
        // G-R17: a line torn by a crash is cut before this process's first append, so the
        // new record does not glue onto it.
        if self.repaired.insert(path.clone()) {
            let _ = audit::repair_torn_tail(env.host, &path);
        }
        if let Err(e) = env.host.fs_append_line(&path, &line.to_string(), false) {
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
    pub fn llm_output(&mut self, env: &Env<'_>, event: &Value, ctx: &Value) -> Out {
        let mut out = Out::default();
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
        let l = self.ledger(env, &run_id, ctx);
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
        for id in charge {
            let b = self.budget(env, &mut out, &id);
            b.input_tokens = b.input_tokens.saturating_add(input);
            b.output_tokens = b.output_tokens.saturating_add(output);
            b.cache_read = b.cache_read.saturating_add(cr);
            b.cache_write = b.cache_write.saturating_add(cw);
            if env.cfg.max_session_tokens.is_some_and(|c| b.used() >= c) {
                b.exhausted = true;
                b.exhausted_code = Some("budget.cap.session_tokens".into());
            }
            self.save_budget(env, &mut out, &id);
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
    pub fn status(&mut self, env: &Env<'_>, session_key: &str) -> String {
        let mut out = Out::default();
        let sid = self
            .sids
            .get(session_key)
            .cloned()
            .unwrap_or_else(|| session_key.to_string());
        let b = self.budget(env, &mut out, &sid).clone();
        let run = self
            .live
            .get(session_key)
            .and_then(|r| self.runs.get(r))
            .cloned()
            .unwrap_or_default();
        let c = env.cfg;
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
        t
    }

    /// Service tick: runs journals older than 30 days are removed (P2 §11).
    pub fn sweep(&mut self, env: &Env<'_>) {
        let dir = join_path(env.state_dir, "budget");
        let Ok(listing) = env.host.fs_list(&dir, 10_000) else {
            return;
        };
        for e in listing.entries {
            if e.name.starts_with("runs-")
                && e.name.ends_with(".jsonl")
                && env.now_ms.saturating_sub(e.mtime_ms) > RUNS_RETENTION_MS
            {
                let _ = env.host.fs_remove(&join_path(&dir, &e.name));
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
