//! Per-run ledger, per-session budget, the hard caps in their evaluation order (P2-R5, R5a),
//! repeat and cycle detection (P2-R7, R8) and the token-target decision (P2-R2). Pure.

use super::{LoopBudgetConfig, TokenTargetConfig};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::VecDeque;

/// Calls remembered per run for repeat and cycle detection.
pub const CALL_HISTORY: usize = 32;
/// Revisions the embedded runner allows per run (host limit).
pub const RUNTIME_REVISION_CAP: u64 = 3;
/// Signature of params that cannot be compared (never forms streaks).
pub const UNCOMPARABLE: &str = "uncomparable";
/// Canonical params larger than this are not compared.
pub const MAX_SIGNATURE_INPUT: usize = 1024 * 1024;
/// Version of the session budget file.
pub const BUDGET_VERSION: u32 = 1;

/// `toolName + NUL + canonical JSON of params`, SHA-256, first 16 hex chars (P2 §3).
pub fn signature(tool: &str, params: &Value) -> String {
    // serde_json's map is ordered by key: `to_string` is the canonical form.
    let Ok(json) = serde_json::to_string(params) else {
        return UNCOMPARABLE.into();
    };
    if json.len() > MAX_SIGNATURE_INPUT {
        return UNCOMPARABLE.into();
    }
    let mut data = Vec::with_capacity(tool.len() + 1 + json.len());
    data.extend_from_slice(tool.as_bytes());
    data.push(0);
    data.extend_from_slice(json.as_bytes());
    crate::hash::sha256_hex_prefix(&data, 8)
}

/// Hash of a tool result or error text.
pub fn result_hash(text: &str) -> String {
    crate::hash::sha256_hex_prefix(text.as_bytes(), 8)
}

/// One tool call of the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallRecord {
    /// Call id (to attach the result).
    pub tool_call_id: Option<String>,
    /// Tool name.
    pub tool: String,
    /// [`signature`].
    pub signature: String,
    /// [`result_hash`] once the result is known.
    pub result_hash: Option<String>,
    /// The result was an error.
    pub is_error: bool,
}

/// Where the run's token counts come from (P2-R6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum UsageSource {
    /// `llm_output` usage.
    Exact,
    /// `responseStreamBytes / 4` upper bound.
    #[default]
    Estimate,
}

/// One agent run (P2 §3).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunLedger {
    /// Run id.
    pub run_id: String,
    /// Session key.
    pub session_key: Option<String>,
    /// Session id (budget file).
    pub session_id: Option<String>,
    /// A subagent child run.
    pub is_subagent: bool,
    /// An internal run (memory flush, our own jobs).
    pub is_internal: bool,
    /// Start (ms).
    pub started_at: i64,
    /// `model_call_started` count.
    pub model_calls: u64,
    /// Attempted tool calls.
    pub tool_calls: u64,
    /// Tool calls this phase blocked.
    pub blocked_tool_calls: u64,
    /// Exact output tokens (sum of `llm_output`).
    pub exact_output: u64,
    /// Exact input tokens (sum of `llm_output`, cache included).
    pub exact_input: u64,
    /// Estimated output tokens of model calls not yet covered by an `llm_output`.
    pub pending_estimate: u64,
    /// Best source so far.
    pub usage_source: UsageSource,
    /// Output tokens charged by subagent children of this run.
    pub child_output: u64,
    /// Token target of the run.
    pub target: Option<u64>,
    /// Continuations granted.
    pub continuation_count: u64,
    /// Output tokens of the last continuation.
    pub last_delta_tokens: u64,
    /// `turnTokens` at the last continuation.
    pub last_turn_tokens: u64,
    /// The target outcome was recorded.
    pub target_event: Option<String>,
    /// Newest last, at most [`CALL_HISTORY`].
    pub call_history: VecDeque<CallRecord>,
    /// A cap that stopped the run (keeps blocking, P2-R11).
    pub cap_hit: Option<String>,
    /// Repeat/cycle block, for the termination record.
    pub loop_hit: Option<String>,
    /// Warnings already given (code + signature), one per pattern and run.
    pub warned: Vec<String>,
    /// How the run ended.
    pub terminal: Option<String>,
    /// `before_agent_run` was seen (a revision pass fires it again with a rewritten prompt).
    pub run_started: bool,
    /// Agent id (dollar caps are per agent).
    pub agent_id: Option<String>,
    /// Dollars of the run's passes reported by `llm_output` (exact usage, priced).
    pub cost: super::cost::Spend,
    /// Dollars estimated from `model_call_ended` sizes since the last `llm_output` (the exact
    /// usage of a pass arrives only after it ended, openclaw.md §14.4).
    pub pending_cost: super::cost::Spend,
    /// A stop that ends the run (a dollar cap, an identical-call or cycle block): its code and
    /// sentence, and the model call after which the run is aborted if it goes on.
    pub end: Option<(String, String)>,
    /// The model may make calls up to this count after the stop (one more, to answer).
    pub end_after_calls: Option<u64>,
    /// Aborts asked of the host for this run.
    pub aborts: u64,
    /// The model's answer to its last allowed call was cut to text (its tool calls dropped),
    /// which ended the run without an abort (issue 20).
    pub closed: bool,
}

impl RunLedger {
    /// Output tokens of the run so far: exact where known, estimated since, plus children.
    pub fn output_tokens(&self) -> u64 {
        self.exact_output
            .saturating_add(self.pending_estimate)
            .saturating_add(self.child_output)
    }
}

/// `budget/<sid>.json` (P2 §3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SessionBudget {
    /// Layout version.
    pub v: u32,
    /// Session key.
    pub session_key: Option<String>,
    /// Runs seen.
    pub runs: u64,
    /// Input tokens (cache excluded).
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Cached prompt tokens read.
    pub cache_read: u64,
    /// Prompt tokens written to the cache.
    pub cache_write: u64,
    /// Cost, when the model entry has a cost table.
    pub cost_usd: Option<f64>,
    /// Last run start (ms).
    pub last_run_at: i64,
    /// The session budget is spent.
    pub exhausted: bool,
    /// Why.
    pub exhausted_code: Option<String>,
    /// Model calls of the session whose price is unknown (their dollars are not in `costUsd`).
    pub cost_unknown_calls: u64,
}

crate::json::read::json_struct!(default SessionBudget {
    "v" => v, "sessionKey" => session_key, "runs" => runs, "inputTokens" => input_tokens,
    "outputTokens" => output_tokens, "cacheRead" => cache_read, "cacheWrite" => cache_write,
    "costUsd" => cost_usd, "lastRunAt" => last_run_at, "exhausted" => exhausted,
    "exhaustedCode" => exhausted_code, "costUnknownCalls" => cost_unknown_calls,
});

impl Default for SessionBudget {
    fn default() -> Self {
        SessionBudget {
            v: BUDGET_VERSION,
            session_key: None,
            runs: 0,
            input_tokens: 0,
            output_tokens: 0,
            cache_read: 0,
            cache_write: 0,
            cost_usd: None,
            last_run_at: 0,
            exhausted: false,
            exhausted_code: None,
            cost_unknown_calls: 0,
        }
    }
}

impl SessionBudget {
    /// Tokens counted against `maxSessionTokens` (input + output).
    pub fn used(&self) -> u64 {
        self.input_tokens.saturating_add(self.output_tokens)
    }
}

/// A stop or warning: reason code and the sentence for the model and the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stop {
    /// Reason code.
    pub code: String,
    /// Message.
    pub message: String,
}

/// The answer for one pending tool call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolVerdict {
    /// No opinion.
    Allow,
    /// Allowed, with a one-shot warning for the next turn.
    Warn(Stop),
    /// Blocked.
    Block(Stop),
}

/// Caps in force for one run (subagent values and parent remainders already applied).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// `maxModelCallsPerRun`.
    pub model_calls: Option<u64>,
    /// `maxToolCallsPerRun`.
    pub tool_calls: Option<u64>,
    /// `maxRunOutputTokens`.
    pub run_tokens: Option<u64>,
    /// `maxSessionTokens` remaining check, only in degraded mode at tool time.
    pub session_tokens: Option<u64>,
    /// `maxRunSeconds`.
    pub run_seconds: Option<u64>,
    /// Repeat warn threshold.
    pub warn_at: u64,
    /// Repeat block threshold.
    pub block_at: u64,
    /// Longest cycle period.
    pub cycle_max_period: u64,
}

impl Limits {
    /// The configured caps for a run (`subagent` values for children).
    pub fn for_run(cfg: &LoopBudgetConfig, subagent: bool) -> Limits {
        Limits {
            model_calls: if subagent {
                cfg.subagent.max_model_calls_per_run
            } else {
                cfg.max_model_calls_per_run
            },
            tool_calls: if subagent {
                cfg.subagent.max_tool_calls_per_run
            } else {
                cfg.max_tool_calls_per_run
            },
            run_tokens: cfg.max_run_output_tokens,
            session_tokens: cfg.max_session_tokens,
            run_seconds: cfg.max_run_seconds,
            warn_at: cfg.repeat.warn_at,
            block_at: cfg.repeat.block_at,
            cycle_max_period: cfg.repeat.cycle_max_period,
        }
    }
}

fn stop(code: &str, message: String) -> Stop {
    Stop {
        code: code.into(),
        message,
    }
}

/// Length of the repeat streak ending with the pending call (P2-R7).
pub fn repeat_streak(history: &VecDeque<CallRecord>, pending: &str) -> u64 {
    if pending == UNCOMPARABLE {
        return 1;
    }
    let mut k = 1;
    let mut result: Option<&str> = None;
    for rec in history.iter().rev() {
        if rec.signature != pending {
            break;
        }
        if let Some(h) = rec.result_hash.as_deref() {
            match result {
                None => result = Some(h),
                Some(r) if r != h => break,
                Some(_) => {}
            }
        }
        k += 1;
    }
    k
}

/// `(period, repetitions)` of the longest-repeating cycle of period 2…max ending with the
/// pending call (P2-R8).
pub fn cycle(
    history: &VecDeque<CallRecord>,
    pending: &str,
    max_period: u64,
) -> Option<(usize, u64)> {
    if pending == UNCOMPARABLE {
        return None;
    }
    let seq: Vec<(&str, Option<&str>)> = history
        .iter()
        .map(|r| (r.signature.as_str(), r.result_hash.as_deref()))
        .chain(std::iter::once((pending, None)))
        .collect();
    let n = seq.len();
    let mut best: Option<(usize, u64)> = None;
    let max_p = usize::try_from(max_period).unwrap_or(usize::MAX).min(n / 2);
    for p in 2..=max_p {
        let pattern = seq.get(n - p..)?;
        if pattern
            .iter()
            .all(|(s, _)| *s == pattern.first().map_or("", |x| x.0))
            || pattern.iter().any(|(s, _)| *s == UNCOMPARABLE)
        {
            continue;
        }
        let mut r = 1u64;
        // Results per position must agree across repetitions (the pending one has none yet).
        let mut results: Vec<Option<&str>> = pattern.iter().map(|x| x.1).collect();
        let mut end = n - p;
        while end >= p {
            let Some(block) = seq.get(end - p..end) else {
                break;
            };
            let same = block.iter().zip(pattern).zip(results.iter_mut()).all(
                |(((s, h), (ps, _)), want)| {
                    if s != ps {
                        return false;
                    }
                    match (h, *want) {
                        (Some(h), Some(w)) => *h == w,
                        (Some(h), None) => {
                            *want = Some(h);
                            true
                        }
                        _ => true,
                    }
                },
            );
            if !same {
                break;
            }
            r += 1;
            end -= p;
        }
        if r >= 2 && best.is_none_or(|(_, br)| r > br) {
            best = Some((p, r));
        }
    }
    best
}

/// The pending tool call against the rules, in the order of P2-R5a. `tool_calls` of the
/// ledger already counts this call.
pub fn check_tool_call(
    ledger: &mut RunLedger,
    tool: &str,
    pending: &str,
    limits: &Limits,
    now_ms: i64,
    session_used: Option<u64>,
) -> ToolVerdict {
    if let Some(code) = &ledger.cap_hit {
        return ToolVerdict::Block(stop(
            code,
            format!("this run already hit its budget ({code}); no more tool calls run in it"),
        ));
    }
    fn hit(ledger: &mut RunLedger, code: &str, message: String) -> ToolVerdict {
        ledger.cap_hit = Some(code.to_string());
        ToolVerdict::Block(stop(code, message))
    }
    if let Some(cap) = limits.model_calls {
        if ledger.model_calls > cap {
            return hit(ledger, "budget.cap.model_calls", format!("this run made {} model calls, over the cap of {cap} (phases.loopBudget.maxModelCallsPerRun); no more tool calls run in it", ledger.model_calls));
        }
    }
    if let Some(cap) = limits.tool_calls {
        if ledger.tool_calls > cap {
            return hit(ledger, "budget.cap.tool_calls", format!("this would be tool call {} of the run, over the cap of {cap} (phases.loopBudget.maxToolCallsPerRun); stop and report what you have", ledger.tool_calls));
        }
    }
    if let Some(cap) = limits.run_tokens {
        let used = ledger.output_tokens();
        if used > cap {
            return hit(ledger, "budget.cap.run_tokens", format!("this run produced about {used} output tokens, over the cap of {cap} (phases.loopBudget.maxRunOutputTokens)"));
        }
    }
    if let (Some(cap), Some(used)) = (limits.session_tokens, session_used) {
        if used > cap {
            return hit(ledger, "budget.cap.session_tokens", format!("this session used {used} tokens, over the cap of {cap} (phases.loopBudget.maxSessionTokens)"));
        }
    }
    if let Some(cap) = limits.run_seconds {
        let secs = now_ms.saturating_sub(ledger.started_at).max(0) / 1000;
        if u64::try_from(secs).unwrap_or(0) > cap {
            return hit(ledger, "budget.cap.run_duration", format!("this run has been going for {secs} s, over the cap of {cap} s (phases.loopBudget.maxRunSeconds)"));
        }
    }
    let k = repeat_streak(&ledger.call_history, pending);
    if k >= limits.block_at {
        ledger.loop_hit = Some("repeat_loop".into());
        return ToolVerdict::Block(stop("budget.repeat.blocked", format!("{tool} was called with identical arguments {k} times in a row and returned the same result each time; this call was not run. Change approach or stop")));
    }
    if k == limits.warn_at {
        let key = format!("budget.repeat.warning:{pending}");
        if !ledger.warned.contains(&key) {
            ledger.warned.push(key);
            return ToolVerdict::Warn(stop("budget.repeat.warning", format!("You called {tool} with identical arguments {k} times and got the same result. Change approach or stop.")));
        }
    }
    if let Some((p, r)) = cycle(&ledger.call_history, pending, limits.cycle_max_period) {
        if r >= limits.block_at {
            ledger.loop_hit = Some("cycle_loop".into());
            return ToolVerdict::Block(stop("budget.cycle.blocked", format!("the same {p} tool calls repeated {r} times with the same results; this call was not run. Change approach or stop")));
        }
        if r == limits.warn_at {
            let key = format!("budget.cycle.warning:{p}:{pending}");
            if !ledger.warned.contains(&key) {
                ledger.warned.push(key);
                return ToolVerdict::Warn(stop("budget.cycle.warning", format!("You repeated the same {p} tool calls {r} times with the same results. Change approach or stop.")));
            }
        }
    }
    ToolVerdict::Allow
}

/// What `before_agent_finalize` answers (P2-R2).
#[derive(Debug, Clone, PartialEq)]
pub enum Finalize {
    /// No opinion.
    Pass,
    /// One more pass with the nudge.
    Revise {
        /// `agent-ops[budget.continue.below_target]: …` text.
        reason: String,
        /// The nudge.
        instruction: String,
        /// `<runId>:<n>`.
        idempotency_key: String,
    },
    /// Accept and stop, overriding other handlers' revisions.
    Stop(Stop),
}

/// A token-target completion event (P2-R2 step 5).
#[derive(Debug, Clone, PartialEq)]
pub struct TargetEvent {
    /// `budget.target.*`.
    pub code: String,
    /// Details.
    pub details: Value,
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The token-target decision (P2-R2, R3). `api_error`: the last assistant message is an
/// error. Returns the answer and the event to record, if any.
pub fn finalize(
    ledger: &mut RunLedger,
    cfg: &TokenTargetConfig,
    api_error: bool,
    stop_hook_active: bool,
    now_ms: i64,
) -> (Finalize, Option<TargetEvent>) {
    if let Some(code) = &ledger.cap_hit {
        return (
            Finalize::Stop(stop(code, format!("this run hit its budget ({code})"))),
            None,
        );
    }
    if ledger.is_subagent || ledger.is_internal || !cfg.enabled {
        return (Finalize::Pass, None);
    }
    let Some(target) = ledger.target.filter(|t| *t > 0) else {
        return (Finalize::Pass, None);
    };
    let turn = ledger.output_tokens();
    let pct = ((turn as f64 / target as f64) * 100.0).round() as u64;
    let delta = turn.saturating_sub(ledger.last_turn_tokens);
    let dim = cfg.diminishing_tokens;
    let diminishing =
        ledger.continuation_count >= 3 && delta < dim && ledger.last_delta_tokens < dim;
    let limit = cfg.max_continuations.min(RUNTIME_REVISION_CAP);
    let below = (turn as f64) < cfg.completion_threshold * target as f64;
    let hook_loop = stop_hook_active && ledger.continuation_count >= 1;
    if !diminishing && below && ledger.continuation_count < limit && !api_error && !hook_loop {
        ledger.continuation_count += 1;
        ledger.last_delta_tokens = delta;
        ledger.last_turn_tokens = turn;
        let instruction = format!(
            "You have used {pct}% of this task's token target ({} of {} tokens). Continue the work; do not stop to summarize.",
            thousands(turn),
            thousands(target)
        );
        let reason = crate::audit::block_text(
            "budget.continue.below_target",
            &format!(
                "the run used {pct}% of its token target; continuing ({} of {limit})",
                ledger.continuation_count
            ),
        );
        return (
            Finalize::Revise {
                reason,
                instruction,
                idempotency_key: format!("{}:{}", ledger.run_id, ledger.continuation_count),
            },
            None,
        );
    }
    target_outcome(ledger, target, turn, pct, diminishing, below, now_ms)
}

fn target_outcome(
    ledger: &mut RunLedger,
    target: u64,
    turn: u64,
    pct: u64,
    diminishing: bool,
    below: bool,
    now_ms: i64,
) -> (Finalize, Option<TargetEvent>) {
    if diminishing || ledger.continuation_count > 0 {
        let code = if diminishing {
            "budget.target.diminishing"
        } else if !below {
            "budget.target.reached"
        } else {
            "budget.target.max_continuations"
        };
        ledger.target_event = Some(code.into());
        let event = TargetEvent {
            code: code.into(),
            details: crate::json!({
                "continuationCount": ledger.continuation_count, "pct": pct, "turnTokens": turn, "target": target,
                "diminishingReturns": diminishing, "durationMs": now_ms.saturating_sub(ledger.started_at),
            }),
        };
        let msg = format!(
            "token target: {pct}% used ({} of {} tokens) after {} continuation(s)",
            thousands(turn),
            thousands(target),
            ledger.continuation_count
        );
        return (Finalize::Stop(stop(code, msg)), Some(event));
    }
    if !below {
        return (
            Finalize::Stop(stop(
                "budget.target.reached",
                format!(
                    "token target reached: {pct}% ({} of {} tokens)",
                    thousands(turn),
                    thousands(target)
                ),
            )),
            None,
        );
    }
    (Finalize::Pass, None)
}

/// At the end of a run whose continuations were used up without a final decision (the
/// runner stops calling `before_agent_finalize` after 3 revisions): the event to record.
pub fn settle_target(
    ledger: &mut RunLedger,
    cfg: &TokenTargetConfig,
    now_ms: i64,
) -> Option<TargetEvent> {
    if ledger.target_event.is_some()
        || ledger.continuation_count == 0
        || ledger.is_subagent
        || ledger.is_internal
    {
        return None;
    }
    let target = ledger.target.filter(|t| *t > 0)?;
    let turn = ledger.output_tokens();
    let pct = ((turn as f64 / target as f64) * 100.0).round() as u64;
    let delta = turn.saturating_sub(ledger.last_turn_tokens);
    let dim = cfg.diminishing_tokens;
    let diminishing =
        ledger.continuation_count >= 3 && delta < dim && ledger.last_delta_tokens < dim;
    let below = (turn as f64) < cfg.completion_threshold * target as f64;
    target_outcome(ledger, target, turn, pct, diminishing, below, now_ms).1
}

#[cfg(test)]
#[path = "ledger_tests.rs"]
mod tests;
