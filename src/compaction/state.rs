//! Per-session compaction state, the auto-compaction gate (P1-R3) and the circuit breaker
//! (P1-R4 … R10). Pure: the caller loads and stores the state through the Host.

use super::thresholds::Thresholds;
use serde::{Deserialize, Serialize};

/// Circuit-breaker trip count.
pub const MAX_CONSECUTIVE_FAILURES: u32 = 3;
/// Entries kept in [`CompactionState::history`].
pub const HISTORY_LIMIT: usize = 20;
/// Version of the state file layout.
pub const STATE_VERSION: u32 = 1;
/// Message of the `compaction.breaker.tripped` decision (P1-R5).
pub const BREAKER_TRIPPED_MESSAGE: &str = "Automatic compaction failed 3 times in a row in this session; further automatic attempts are skipped. Run a manual compaction or start a new session.";

/// What started a compaction.
#[derive(Debug, Clone, Default, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    /// Automatic (host pre-turn/post-reply maintenance, or our own threshold).
    #[default]
    Auto,
    /// `/compact` or `openclaw sessions compact`.
    Manual,
    /// Context-overflow recovery.
    Overflow,
}

/// Outcome of one attempt (P1-R4).
#[derive(Debug, Clone, Default, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Compacted and below the threshold afterwards.
    #[default]
    Ok,
    /// Compacted but still at or above the threshold.
    Ineffective,
    /// Error, timeout, empty or incomplete summary.
    Failed,
    /// We declined.
    Refused,
}

/// An attempt in progress (single flight, gate condition 4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InFlight {
    /// Wall-clock start (ms).
    pub started_at: i64,
    /// Trigger.
    pub trigger: Trigger,
}

/// One entry of the attempt history.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    /// When it ended (ms).
    pub at: i64,
    /// Trigger.
    pub trigger: Trigger,
    /// Outcome.
    pub outcome: Outcome,
    /// Tokens before.
    pub tokens_before: Option<u64>,
    /// Tokens after, when known.
    pub tokens_after: Option<u64>,
    /// Reason code.
    pub code: String,
}

/// `compaction/<sid>.json` (P1 §5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CompactionState {
    /// Layout version.
    pub v: u32,
    /// OpenClaw session id.
    pub session_id: String,
    /// Session key, when known.
    pub session_key: Option<String>,
    /// Failed or ineffective attempts since the last success.
    pub consecutive_failures: u32,
    /// Automatic attempts are refused.
    pub breaker_open: bool,
    /// When the breaker (re)opened.
    pub breaker_opened_at: Option<i64>,
    /// At least one successful compaction.
    pub compacted: bool,
    /// Last successful compaction.
    pub last_compaction_at: Option<i64>,
    /// Tokens before the last compaction.
    pub last_tokens_before: Option<u64>,
    /// Tokens after the last compaction.
    pub last_tokens_after: Option<u64>,
    /// Runs since the last compaction (−1: never compacted).
    pub runs_since_compaction: i64,
    /// Successful compactions.
    pub compactions_total: u64,
    /// Failed attempts.
    pub failures_total: u64,
    /// Attempt in progress.
    pub in_flight: Option<InFlight>,
    /// Newest last, at most [`HISTORY_LIMIT`].
    pub history: Vec<HistoryEntry>,
    /// Last time this session was seen (for the 30-day cleanup).
    pub last_seen_at: i64,
}

crate::json::read::json_enum! {
    Trigger { Auto = "auto", Manual = "manual", Overflow = "overflow" }
    Outcome { Ok = "ok", Ineffective = "ineffective", Failed = "failed", Refused = "refused" }
}
crate::json::read::json_struct!(InFlight { "startedAt" => started_at: req, "trigger" => trigger: req });
crate::json::read::json_struct!(HistoryEntry {
    "at" => at: req,
    "trigger" => trigger: req,
    "outcome" => outcome: req,
    "tokensBefore" => tokens_before: opt,
    "tokensAfter" => tokens_after: opt,
    "code" => code: req,
});
crate::json::read::json_struct!(default CompactionState {
    "v" => v, "sessionId" => session_id, "sessionKey" => session_key,
    "consecutiveFailures" => consecutive_failures, "breakerOpen" => breaker_open,
    "breakerOpenedAt" => breaker_opened_at, "compacted" => compacted,
    "lastCompactionAt" => last_compaction_at, "lastTokensBefore" => last_tokens_before,
    "lastTokensAfter" => last_tokens_after, "runsSinceCompaction" => runs_since_compaction,
    "compactionsTotal" => compactions_total, "failuresTotal" => failures_total,
    "inFlight" => in_flight, "history" => history, "lastSeenAt" => last_seen_at,
});

impl Default for CompactionState {
    fn default() -> Self {
        CompactionState {
            v: STATE_VERSION,
            session_id: String::new(),
            session_key: None,
            consecutive_failures: 0,
            breaker_open: false,
            breaker_opened_at: None,
            compacted: false,
            last_compaction_at: None,
            last_tokens_before: None,
            last_tokens_after: None,
            runs_since_compaction: -1,
            compactions_total: 0,
            failures_total: 0,
            in_flight: None,
            history: Vec::new(),
            last_seen_at: 0,
        }
    }
}

/// Facts the gate needs besides the state.
#[derive(Debug, Clone, Copy)]
pub struct GateInput {
    /// Phase enabled, `auto` on, and OpenClaw compaction not disabled.
    pub automatic_allowed: bool,
    /// The session is one of our internal jobs, a compaction/extraction fork or an
    /// OpenClaw internal-effects run (memory flush).
    pub recursion_source: bool,
    /// Session tokens (P1-R2).
    pub tokens: u64,
    /// Thresholds of the session.
    pub thresholds: Thresholds,
    /// Now (ms).
    pub now_ms: i64,
    /// `agents.defaults.compaction.timeoutSeconds` in ms.
    pub timeout_ms: u64,
    /// `breakerCooldownMinutes` (0: stays open).
    pub cooldown_minutes: u64,
}

/// Reason codes of a gate refusal, in gate order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// Condition 1.
    Disabled,
    /// Condition 2.
    Recursion,
    /// Condition 3.
    BreakerOpen,
    /// Condition 4.
    InFlight,
    /// Condition 5.
    ThrashGuard,
    /// Condition 6.
    BelowThreshold,
}

impl Skip {
    /// `compaction.skip.*` code.
    pub fn code(self) -> &'static str {
        match self {
            Skip::Disabled => "compaction.skip.disabled",
            Skip::Recursion => "compaction.skip.recursion",
            Skip::BreakerOpen => "compaction.skip.breaker_open",
            Skip::InFlight => "compaction.skip.in_flight",
            Skip::ThrashGuard => "compaction.skip.thrash_guard",
            Skip::BelowThreshold => "compaction.skip.below_threshold",
        }
    }

    /// A sentence for the operator.
    pub fn message(self, tokens: u64, t: &Thresholds) -> String {
        match self {
            Skip::Disabled => "automatic compaction is disabled (phase off, auto false, or OpenClaw compaction disabled)".into(),
            Skip::Recursion => "this session is an internal summarizer, memory or fork run; it never triggers compaction".into(),
            Skip::BreakerOpen => format!("the circuit breaker is open after {MAX_CONSECUTIVE_FAILURES} consecutive failed compactions; automatic compaction skipped"),
            Skip::InFlight => "a compaction of this session is already running".into(),
            Skip::ThrashGuard => format!("the previous compaction left the session above its threshold; {tokens} tokens have not grown enough since to try again"),
            Skip::BelowThreshold => format!("{tokens} tokens are below the auto-compact threshold of {}", t.threshold),
        }
    }
}

/// A stale in-flight marker that the gate converted into a failure (P1-T9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleAttempt {
    /// When the abandoned attempt started.
    pub started_at: i64,
    /// Whether that failure tripped the breaker.
    pub tripped: bool,
}

/// Which gate conditions apply to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateMode {
    /// All six (automatic compaction).
    Automatic,
    /// Manual: conditions 3, 5 and 6 are bypassed (P1-R7).
    Manual,
    /// Overflow recovery: the threshold conditions 5 and 6 do not apply (the provider already
    /// refused the prompt); the breaker does.
    Overflow,
}

impl CompactionState {
    /// A fresh state for a session.
    pub fn new(session_id: &str, session_key: Option<&str>) -> Self {
        CompactionState {
            session_id: session_id.to_string(),
            session_key: session_key.map(str::to_string),
            ..CompactionState::default()
        }
    }

    fn half_open_due(&self, now_ms: i64, cooldown_minutes: u64) -> bool {
        if cooldown_minutes == 0 {
            return false;
        }
        let since = now_ms.saturating_sub(self.breaker_opened_at.unwrap_or(now_ms));
        since >= 0 && (since as u64) >= cooldown_minutes.saturating_mul(60_000)
    }

    /// Whether the breaker blocks automatic attempts right now.
    pub fn breaker_blocks(&self, now_ms: i64, cooldown_minutes: u64) -> bool {
        self.breaker_open && !self.half_open_due(now_ms, cooldown_minutes)
    }

    /// The gate (P1-R3). Conditions 1 and 2 are the caller's (they mean "do not govern"),
    /// this checks them first so the reason code follows the spec's order. A stale
    /// in-flight marker is turned into a failure on the way (condition 4).
    pub fn gate(
        &mut self,
        g: &GateInput,
        mode: GateMode,
    ) -> (Result<(), Skip>, Option<StaleAttempt>) {
        if mode == GateMode::Automatic && !g.automatic_allowed {
            return (Err(Skip::Disabled), None);
        }
        if g.recursion_source {
            return (Err(Skip::Recursion), None);
        }
        if mode != GateMode::Manual && self.breaker_blocks(g.now_ms, g.cooldown_minutes) {
            return (Err(Skip::BreakerOpen), None);
        }
        let mut stale = None;
        if let Some(f) = &self.in_flight {
            let age = g.now_ms.saturating_sub(f.started_at);
            if age >= 0 && (age as u64) >= g.timeout_ms.saturating_mul(2) {
                let started_at = f.started_at;
                let trigger = f.trigger;
                self.in_flight = None;
                let tripped = self.record(
                    trigger,
                    Outcome::Failed,
                    None,
                    None,
                    "compaction.failed.stale_in_flight",
                    g.now_ms,
                );
                stale = Some(StaleAttempt {
                    started_at,
                    tripped,
                });
            } else {
                return (Err(Skip::InFlight), stale);
            }
        }
        if mode == GateMode::Automatic {
            if let Some(last) = self
                .history
                .iter()
                .rev()
                .find(|h| h.outcome != Outcome::Refused)
            {
                if last.outcome == Outcome::Ineffective && g.tokens < g.thresholds.blocking {
                    let after = last.tokens_after.unwrap_or(0);
                    let needed = after.saturating_add(g.thresholds.threshold / 10);
                    if g.tokens < needed {
                        return (Err(Skip::ThrashGuard), stale);
                    }
                }
            }
            if g.tokens < g.thresholds.threshold {
                return (Err(Skip::BelowThreshold), stale);
            }
        }
        (Ok(()), stale)
    }

    /// Marks an attempt as started (single flight).
    pub fn start(&mut self, trigger: Trigger, now_ms: i64) {
        self.in_flight = Some(InFlight {
            started_at: now_ms,
            trigger,
        });
    }

    /// Records the end of an attempt (P1-R5, R8, R9). Returns true when this outcome
    /// tripped the breaker (it was closed or half-open and is open now).
    pub fn record(
        &mut self,
        trigger: Trigger,
        outcome: Outcome,
        tokens_before: Option<u64>,
        tokens_after: Option<u64>,
        code: &str,
        now_ms: i64,
    ) -> bool {
        self.in_flight = None;
        let mut tripped = false;
        match outcome {
            Outcome::Ok => {
                self.consecutive_failures = 0;
                self.breaker_open = false;
                self.breaker_opened_at = None;
                self.compacted = true;
                self.runs_since_compaction = 0;
                self.compactions_total = self.compactions_total.saturating_add(1);
                self.last_compaction_at = Some(now_ms);
                self.last_tokens_before = tokens_before;
                self.last_tokens_after = tokens_after;
            }
            Outcome::Failed | Outcome::Ineffective => {
                self.consecutive_failures = self.consecutive_failures.saturating_add(1);
                if outcome == Outcome::Failed {
                    self.failures_total = self.failures_total.saturating_add(1);
                } else {
                    self.compacted = true;
                    self.runs_since_compaction = 0;
                    self.compactions_total = self.compactions_total.saturating_add(1);
                    self.last_compaction_at = Some(now_ms);
                    self.last_tokens_before = tokens_before;
                    self.last_tokens_after = tokens_after;
                }
                if self.consecutive_failures >= MAX_CONSECUTIVE_FAILURES {
                    // A failure in the half-open window re-opens with a fresh cooldown.
                    tripped = !self.breaker_open;
                    self.breaker_open = true;
                    self.breaker_opened_at = Some(now_ms);
                }
            }
            Outcome::Refused => {}
        }
        self.history.push(HistoryEntry {
            at: now_ms,
            trigger,
            outcome,
            tokens_before,
            tokens_after,
            code: code.to_string(),
        });
        if self.history.len() > HISTORY_LIMIT {
            let drop = self.history.len() - HISTORY_LIMIT;
            self.history.drain(..drop);
        }
        tripped
    }

    /// Folds in the state another process wrote for the same session since this one last
    /// read or wrote it (G-R18: the gateway and a `--local` run may both run a session).
    /// Totals and the history are joined; a breaker the other process opened stays open
    /// unless this one compacted successfully after it opened (a lost open breaker is a lost
    /// safety state).
    pub fn merge_other(&mut self, other: &CompactionState) {
        self.compactions_total = self.compactions_total.max(other.compactions_total);
        self.failures_total = self.failures_total.max(other.failures_total);
        self.last_seen_at = self.last_seen_at.max(other.last_seen_at);
        if self.session_key.is_none() {
            self.session_key = other.session_key.clone();
        }
        if other.last_compaction_at > self.last_compaction_at {
            self.last_compaction_at = other.last_compaction_at;
            self.last_tokens_before = other.last_tokens_before;
            self.last_tokens_after = other.last_tokens_after;
            self.compacted = other.compacted;
            self.runs_since_compaction = other.runs_since_compaction;
        }
        if other.breaker_open && !self.breaker_open {
            let success_after = self.history.iter().any(|h| {
                h.outcome == Outcome::Ok && other.breaker_opened_at.is_some_and(|at| h.at > at)
            });
            if !success_after {
                self.breaker_open = true;
                self.breaker_opened_at = other.breaker_opened_at;
            }
        } else if other.breaker_open && self.breaker_open {
            self.breaker_opened_at = self.breaker_opened_at.max(other.breaker_opened_at);
        }
        if self.breaker_open {
            self.consecutive_failures = self.consecutive_failures.max(other.consecutive_failures);
        }
        if self.in_flight.is_none() {
            self.in_flight = other.in_flight.clone();
        }
        for h in &other.history {
            if !self.history.contains(h) {
                self.history.push(h.clone());
            }
        }
        crate::sorted::sort_by_key(&mut self.history, |h| h.at);
        if self.history.len() > HISTORY_LIMIT {
            let drop = self.history.len() - HISTORY_LIMIT;
            self.history.drain(..drop);
        }
    }

    /// Operator reset (`/agent-ops` command or doctor): closes the breaker.
    pub fn reset_breaker(&mut self) {
        self.consecutive_failures = 0;
        self.breaker_open = false;
        self.breaker_opened_at = None;
    }
}

/// Classifies a finished delegate call (P1-R4). `compacted` false with `ok` true is the
/// host's "nothing to compact": not an attempt, so `None`.
pub fn classify(
    ok: bool,
    compacted: bool,
    tokens_after: Option<u64>,
    threshold: u64,
    summary_missing: &[&str],
) -> Option<(Outcome, &'static str)> {
    if !ok {
        return Some((Outcome::Failed, "compaction.failed.delegate"));
    }
    if !compacted {
        return None;
    }
    if !summary_missing.is_empty() {
        return Some((Outcome::Failed, "compaction.failed.summary_incomplete"));
    }
    match tokens_after {
        Some(after) if after >= threshold => Some((Outcome::Ineffective, "compaction.ineffective")),
        _ => Some((Outcome::Ok, "compaction.ok")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compaction::CompactionConfig;

    fn input(tokens: u64, now_ms: i64) -> GateInput {
        GateInput {
            automatic_allowed: true,
            recursion_source: false,
            tokens,
            thresholds: Thresholds::compute(200_000, 20_000, &CompactionConfig::default()),
            now_ms,
            timeout_ms: 180_000,
            cooldown_minutes: 0,
        }
    }

    #[test]
    fn merge_keeps_the_other_processes_open_breaker_unless_a_later_success_closed_it() {
        let mut other = CompactionState::new("s", None);
        fail(&mut other, 3);
        assert!(other.breaker_open);
        let mut mine = CompactionState::new("s", None);
        fail(&mut mine, 1);
        mine.merge_other(&other);
        assert!(mine.breaker_open);
        assert_eq!(mine.consecutive_failures, 3);
        assert_eq!(mine.failures_total, 3);
        // Merging is idempotent: the history holds each entry once.
        let len = mine.history.len();
        mine.merge_other(&other);
        assert_eq!(mine.history.len(), len);
        // A success recorded here after the other process opened the breaker wins.
        let mut closed = CompactionState::new("s", None);
        closed.record(
            Trigger::Manual,
            Outcome::Ok,
            Some(190_000),
            Some(10_000),
            "ok",
            100,
        );
        closed.merge_other(&other);
        assert!(!closed.breaker_open);
    }

    fn fail(s: &mut CompactionState, n: u32) -> Vec<bool> {
        (0..n)
            .map(|i| {
                s.record(
                    Trigger::Auto,
                    Outcome::Failed,
                    Some(190_000),
                    None,
                    "compaction.failed.delegate",
                    i64::from(i),
                )
            })
            .collect()
    }

    #[test]
    fn p1_t3_threshold_boundary() {
        let mut s = CompactionState::new("s", None);
        assert_eq!(
            s.gate(&input(166_999, 0), GateMode::Automatic).0,
            Err(Skip::BelowThreshold)
        );
        assert_eq!(s.gate(&input(167_000, 0), GateMode::Automatic).0, Ok(()));
    }

    #[test]
    fn gate_order_first_failing_condition_wins() {
        let mut s = CompactionState::new("s", None);
        fail(&mut s, 3);
        s.start(Trigger::Auto, 10);
        let mut g = input(10, 20);
        g.automatic_allowed = false;
        g.recursion_source = true;
        assert_eq!(s.gate(&g, GateMode::Automatic).0, Err(Skip::Disabled));
        g.automatic_allowed = true;
        assert_eq!(s.gate(&g, GateMode::Automatic).0, Err(Skip::Recursion));
        g.recursion_source = false;
        assert_eq!(s.gate(&g, GateMode::Automatic).0, Err(Skip::BreakerOpen));
        s.reset_breaker();
        assert_eq!(s.gate(&g, GateMode::Automatic).0, Err(Skip::InFlight));
        s.in_flight = None;
        assert_eq!(s.gate(&g, GateMode::Automatic).0, Err(Skip::BelowThreshold));
    }

    #[test]
    fn p1_t4_three_failures_open_the_breaker() {
        let mut s = CompactionState::new("s", None);
        assert_eq!(fail(&mut s, 3), vec![false, false, true]);
        assert!(s.breaker_open);
        assert_eq!(
            s.gate(&input(190_000, 100), GateMode::Automatic).0,
            Err(Skip::BreakerOpen)
        );
        assert_eq!(
            s.gate(&input(190_000, 100), GateMode::Overflow).0,
            Err(Skip::BreakerOpen)
        );
    }

    #[test]
    fn p1_t5_manual_bypasses_and_success_closes() {
        let mut s = CompactionState::new("s", None);
        fail(&mut s, 3);
        assert_eq!(s.gate(&input(10, 100), GateMode::Manual).0, Ok(()));
        s.record(
            Trigger::Manual,
            Outcome::Ok,
            Some(190_000),
            Some(20_000),
            "compaction.ok",
            200,
        );
        assert!(!s.breaker_open);
        assert_eq!(s.consecutive_failures, 0);
        assert_eq!(s.runs_since_compaction, 0);
    }

    #[test]
    fn p1_t7_ineffective_arms_the_thrash_guard() {
        let mut s = CompactionState::new("s", None);
        let t = input(0, 0).thresholds;
        let (o, code) = classify(true, true, Some(170_000), t.threshold, &[]).unwrap();
        assert_eq!((o, code), (Outcome::Ineffective, "compaction.ineffective"));
        s.record(Trigger::Auto, o, Some(180_000), Some(170_000), code, 0);
        assert_eq!(s.consecutive_failures, 1);
        assert_eq!(
            s.gate(&input(171_000, 1), GateMode::Automatic).0,
            Err(Skip::ThrashGuard)
        );
        assert_eq!(s.gate(&input(184_000, 1), GateMode::Automatic).0, Ok(()));
        // Just under the blocking limit the 10 % rule applies: 170,000 + 16,700.
        assert_eq!(
            s.gate(&input(176_999, 1), GateMode::Automatic).0,
            Err(Skip::ThrashGuard)
        );
    }

    #[test]
    fn p1_t9_stale_in_flight_counts_as_failed() {
        let mut s = CompactionState::new("s", None);
        s.start(Trigger::Auto, 0);
        let (r, stale) = s.gate(&input(190_000, 7 * 60_000), GateMode::Automatic);
        assert_eq!(r, Ok(()));
        assert_eq!(
            stale,
            Some(StaleAttempt {
                started_at: 0,
                tripped: false
            })
        );
        assert_eq!(s.consecutive_failures, 1);
        assert_eq!(
            s.history.last().map(|h| h.code.as_str()),
            Some("compaction.failed.stale_in_flight")
        );
        // A fresh marker still blocks.
        s.start(Trigger::Auto, 7 * 60_000);
        assert_eq!(
            s.gate(&input(190_000, 7 * 60_000 + 1), GateMode::Automatic)
                .0,
            Err(Skip::InFlight)
        );
    }

    #[test]
    fn p1_r8_half_open_allows_one_attempt_after_cooldown() {
        let mut s = CompactionState::new("s", None);
        fail(&mut s, 3);
        let mut g = input(190_000, 2 + 5 * 60_000);
        g.cooldown_minutes = 5;
        assert_eq!(s.gate(&g, GateMode::Automatic).0, Ok(()));
        assert!(!s.record(
            Trigger::Auto,
            Outcome::Failed,
            None,
            None,
            "compaction.failed.delegate",
            g.now_ms
        ));
        assert!(s.breaker_open);
        assert_eq!(s.breaker_opened_at, Some(g.now_ms));
        assert_eq!(s.gate(&g, GateMode::Automatic).0, Err(Skip::BreakerOpen));
    }

    #[test]
    fn p1_t20_incomplete_summary_is_a_failure() {
        assert_eq!(
            classify(true, true, Some(1), 100, &["Pending tasks"]),
            Some((Outcome::Failed, "compaction.failed.summary_incomplete"))
        );
        assert_eq!(classify(true, false, None, 100, &[]), None);
        assert_eq!(
            classify(false, false, None, 100, &[]).map(|x| x.0),
            Some(Outcome::Failed)
        );
    }

    #[test]
    fn history_is_bounded_and_state_round_trips() {
        let mut s = CompactionState::new("s", Some("agent:main:x"));
        fail(&mut s, 30);
        assert_eq!(s.history.len(), HISTORY_LIMIT);
        let text = serde_json::to_string(&s).unwrap();
        let back: CompactionState = crate::json::from_str(&text).unwrap();
        assert_eq!(back, s);
        let partial: CompactionState = crate::json::from_str(r#"{"sessionId":"x"}"#).unwrap();
        assert_eq!(partial.runs_since_compaction, -1);
    }
}
