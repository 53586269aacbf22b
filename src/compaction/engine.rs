//! Phase 1 at OpenClaw's seams: the context-engine methods (P1-R11), the compaction
//! provider's request and check (openclaw.md §13.4), and the hooks of both modes (P1-R12,
//! P1-R19). Everything here decides; the binding layer runs the delegate and the LLM call.

use super::state::Outcome as Attempted;
use super::state::{classify, CompactionState, GateInput, GateMode, Skip, Trigger};
use super::thresholds::{Thresholds, DEFAULT_CONTEXT_WINDOW, DEFAULT_MAX_OUTPUT};
use super::{cap, microcompact, restore, summary, CompactionConfig, SummaryTemplate};
use crate::audit::{self, Action, Decision};
use crate::contract::{CoreError, Diagnostic, Outcome, PhaseCtx};
use crate::host::{join_path, HostError, LogLevel};
use crate::json;
use crate::session_key::state_name;
pub use crate::session_key::{is_internal_key, is_subagent_key};
use crate::sorted::{SortedMap, SortedSet};
use crate::tokens::{session_tokens, TokenCount};
use serde_json::Value;
use std::collections::VecDeque;

/// Engine id registered with OpenClaw (`plugins.slots.contextEngine`).
pub const ENGINE_ID: &str = "agent-ops";
/// Keys remembered by `commitTurn` (P1-R11).
pub const COMMIT_LRU: usize = 10_000;
/// Default `agents.defaults.compaction.timeoutSeconds`.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 180;
/// Output limit of our summarizer request.
pub const SUMMARY_MAX_TOKENS: u64 = 4_096;
/// Sessions of ended conversations are forgotten after this long (P1 §15).
pub const STATE_RETENTION_MS: i64 = 30 * 24 * 3_600_000;

#[derive(Debug, Clone)]
struct Attempt {
    session_id: String,
    session_key: Option<String>,
    trigger: Trigger,
    /// Started by a host `compact()` call for automatic maintenance (its failure must be
    /// answered with the benign shape, openclaw.md §13.2).
    host_automatic: bool,
    tokens_before: Option<u64>,
    threshold: u64,
}

/// Phase 1 state of the process.
#[derive(Debug, Default)]
pub struct CompactionGovernor {
    sessions: SortedMap<String, CompactionState>,
    /// Sessions whose last state write failed (P1-R21: retried on the next change).
    unsaved: SortedSet<String>,
    commits: VecDeque<String>,
    committed: SortedSet<String>,
    attempts: SortedMap<String, Attempt>,
    next_attempt: u64,
    /// Latest token count per session id.
    tokens: SortedMap<String, u64>,
    /// Sessions whose next `maintain` follows a committed turn.
    post_turn: SortedSet<String>,
    /// Read-file records per session id.
    reads: SortedMap<String, Vec<restore::ReadFileRecord>>,
    /// Sessions owed a restoration block on their next `assemble`.
    restore_pending: SortedSet<String>,
    /// Microcompaction passes per session key since its last compaction.
    mc_passes: SortedMap<String, u64>,
    /// Tool-call ids each session key's projection has cleared since its last compaction: they
    /// stay cleared (issue 20 item 5), so the prompt prefix a provider cached never flips back.
    mc_sticky: SortedMap<String, SortedSet<String>>,
    /// Session keys of internal runs registered by other phases.
    internal: SortedSet<String>,
    /// Highest warning level recorded per session (hooks-only mode).
    warned: SortedMap<String, u8>,
    /// Internal runs whose refusal was journaled already.
    recursion_noted: SortedSet<String>,
    /// Sessions whose stored entries may be microcompacted now: (tokens, warning).
    persist_pending: SortedMap<String, (u64, u64)>,
    /// Hash of each session file as this process last read or wrote it: a different file
    /// under the lock means another process wrote it, and its state is merged (G-R18).
    synced: SortedMap<String, String>,
}

/// TTL of a session file's lock (G-R18).
const STATE_LOCK_TTL_MS: u64 = 30_000;
/// How long a save waits for the other process's write of the same session file.
const STATE_LOCK_WAIT_MS: u64 = 2_000;
/// Largest session state file read.
const STATE_MAX_BYTES: u64 = 1024 * 1024;

fn state_lock(state_dir: &str, sid: &str) -> String {
    join_path(state_dir, &format!("locks/compaction-{}", state_name(sid)))
}

fn bytes_hash(b: &[u8]) -> String {
    crate::hash::sha256_hex_prefix(b, 32)
}

fn s<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str).filter(|x| !x.is_empty())
}

fn count(v: &Value, key: &str) -> Result<Option<u64>, CoreError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(x) => match x.as_u64() {
            Some(n) => Ok(Some(n)),
            None => x
                .as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0 && f.fract() == 0.0)
                .map(|f| Some(f as u64))
                .ok_or_else(|| {
                    CoreError::invalid_input(
                        &format!("/params/{key}"),
                        "token counts must be non-negative integers",
                    )
                }),
        },
    }
}

/// `<stateDir>/compaction/<sid>.json`.
pub fn state_path(state_dir: &str, session_id: &str) -> String {
    join_path(
        &join_path(state_dir, "compaction"),
        &format!("{}.json", state_name(session_id)),
    )
}

/// A phase-1 decision taken at `now` (the call's one reading of the clock).
fn decision(
    now: i64,
    code: &str,
    action: Action,
    message: String,
    key: Option<&str>,
    details: Value,
) -> Decision {
    Decision {
        v: audit::RECORD_VERSION,
        at: now,
        phase: "compaction".into(),
        code: code.into(),
        action,
        message,
        session_key: key.map(str::to_string),
        run_id: None,
        tool_call_id: None,
        details,
    }
}

fn provider_active(cx: &PhaseCtx<'_, CompactionConfig>) -> bool {
    cx.info.compaction_provider.as_deref() == Some(ENGINE_ID)
}

fn automatic_allowed(cx: &PhaseCtx<'_, CompactionConfig>) -> bool {
    cx.cfg.enabled && cx.cfg.auto && cx.info.host_compaction_enabled != Some(false)
}

fn timeout_ms(cx: &PhaseCtx<'_, CompactionConfig>) -> u64 {
    cx.info
        .compaction_timeout_seconds
        .unwrap_or(DEFAULT_TIMEOUT_SECONDS)
        .saturating_mul(1000)
}

/// Window and output limit (P1 §3 resolution order).
fn thresholds(
    cx: &PhaseCtx<'_, CompactionConfig>,
    params: &Value,
    rc: &Value,
    budget: Option<u64>,
) -> Thresholds {
    let provider = s(rc, "provider").or_else(|| {
        params
            .pointer("/runtimeSettings/model/provider")
            .and_then(Value::as_str)
    });
    let model = s(rc, "modelId")
        .or_else(|| s(rc, "model"))
        .or_else(|| s(params, "model"))
        .or_else(|| {
            params
                .pointer("/runtimeSettings/model/resolved")
                .and_then(Value::as_str)
        });
    let entry =
        cx.info.models.iter().find(|m| {
            model.is_some_and(|id| m.id == id) && provider.is_none_or(|p| m.provider == p)
        });
    let window = cx
        .cfg
        .window
        .or_else(|| {
            rc.get("contextWindowReferenceTokens")
                .and_then(Value::as_u64)
        })
        .or_else(|| rc.get("modelContextWindow").and_then(Value::as_u64))
        .or_else(|| entry.and_then(|e| e.context_window))
        .or(budget)
        .filter(|w| *w > 0)
        .unwrap_or(DEFAULT_CONTEXT_WINDOW);
    let max_out = entry
        .and_then(|e| e.max_tokens)
        .filter(|m| *m > 0)
        .unwrap_or(DEFAULT_MAX_OUTPUT);
    Thresholds::compute(window, max_out, cx.cfg)
}

fn custom_instructions(
    cx: &PhaseCtx<'_, CompactionConfig>,
    user: Option<&str>,
    automatic: bool,
) -> Option<String> {
    if cx.cfg.summary_template == SummaryTemplate::RuntimeDefault {
        return user.map(str::to_string);
    }
    let ours = summary::instructions(automatic);
    Some(match user.filter(|u| !u.trim().is_empty()) {
        Some(u) => format!("{u}\n\n{ours}"),
        None => ours,
    })
}

fn benign(code: &str, message: &str) -> Value {
    json!({
        "ok": true,
        "compacted": false,
        "reason": format!("{} (already compacted)", audit::block_text(code, message)),
    })
}

impl CompactionGovernor {
    /// Registers a session key as an internal run (never triggers compaction).
    pub fn register_internal(&mut self, key: &str) {
        self.internal.insert(key.to_string());
    }

    fn recursion(&self, key: Option<&str>) -> bool {
        key.is_some_and(|k| is_internal_key(k) || self.internal.contains(k))
    }

    /// The state of a session, loaded from disk on first use.
    fn state(
        &mut self,
        cx: &PhaseCtx<'_, CompactionConfig>,
        now: i64,
        out: &mut Outcome,
        sid: &str,
        key: Option<&str>,
    ) -> &mut CompactionState {
        if !self.sessions.contains_key(sid) {
            let path = state_path(cx.state_dir, sid);
            let loaded = match cx.host.fs_read(&path, STATE_MAX_BYTES) {
                Ok(bytes) => match crate::json::read_slice::<CompactionState>(&bytes) {
                    Ok(st) => {
                        self.synced.insert(sid.to_string(), bytes_hash(&bytes));
                        Some(st)
                    }
                    Err(e) => {
                        let moved =
                            crate::host::move_aside(cx.host, &path, &bytes, cx.host.now_ms());
                        out.diagnostics.push(Diagnostic {
                            level: LogLevel::Warn,
                            code: "compaction.state.corrupt".into(),
                            message: format!(
                                "{path} is not a valid state file ({e}); {}; the session starts fresh (its circuit breaker is reset)",
                                match &moved {
                                    Ok(a) => format!("moved aside to {a}"),
                                    Err(m) => format!("it could not be moved aside ({m})"),
                                }
                            ),
                        });
                        None
                    }
                },
                Err(_) => None,
            };
            let st = loaded.unwrap_or_else(|| CompactionState::new(sid, key));
            self.sessions.insert(sid.to_string(), st);
        }
        let st = self
            .sessions
            .entry(sid.to_string())
            .or_insert_with(|| CompactionState::new(sid, key));
        if st.session_key.is_none() {
            st.session_key = key.map(str::to_string);
        }
        st.last_seen_at = now;
        st
    }

    fn save(&mut self, cx: &PhaseCtx<'_, CompactionConfig>, out: &mut Outcome, sid: &str) {
        let path = state_path(cx.state_dir, sid);
        match self.write_locked(cx, sid) {
            Ok(()) => {
                self.unsaved.remove(sid);
            }
            Err(e) => {
                self.unsaved.insert(sid.to_string());
                out.diagnostics.push(Diagnostic {
                    level: LogLevel::Warn,
                    code: "compaction.state.write_failed".into(),
                    message: format!("could not write {path} ({e}); the state is kept in memory and written again on the next change"),
                });
            }
        }
        // P1-R21: earlier failed writes are retried with every change.
        let retry: Vec<String> = self
            .unsaved
            .iter()
            .filter(|x| x.as_str() != sid)
            .cloned()
            .collect();
        for other in retry {
            if self.write_locked(cx, &other).is_ok() {
                self.unsaved.remove(&other);
            }
        }
    }

    /// Writes a session's state under its lock (G-R18): a file another process wrote since
    /// this one last read or wrote it is merged in first, so neither process's breaker
    /// state or history is lost to the other's rewrite.
    fn write_locked(
        &mut self,
        cx: &PhaseCtx<'_, CompactionConfig>,
        sid: &str,
    ) -> Result<(), HostError> {
        if !self.sessions.contains_key(sid) {
            return Ok(());
        }
        let lock = state_lock(cx.state_dir, sid);
        crate::host::lock_within(cx.host, &lock, STATE_LOCK_TTL_MS, STATE_LOCK_WAIT_MS)?;
        let path = state_path(cx.state_dir, sid);
        let result = (|| {
            if let Ok(bytes) = cx.host.fs_read(&path, STATE_MAX_BYTES) {
                let h = bytes_hash(&bytes);
                if self.synced.get(sid) != Some(&h) {
                    if let Ok(disk) = crate::json::read_slice::<CompactionState>(&bytes) {
                        if let Some(st) = self.sessions.get_mut(sid) {
                            st.merge_other(&disk);
                        }
                    }
                }
            }
            let bytes = self
                .sessions
                .get(sid)
                .map(|st| serde_json::to_vec_pretty(st).unwrap_or_default())
                .unwrap_or_default();
            cx.host.fs_write_atomic(&path, &bytes, 0o600)?;
            self.synced.insert(sid.to_string(), bytes_hash(&bytes));
            Ok(())
        })();
        let _ = cx.host.fs_unlock(&lock);
        result
    }

    fn new_attempt(&mut self, a: Attempt) -> String {
        self.next_attempt = self.next_attempt.saturating_add(1);
        let id = format!("compaction-{}", self.next_attempt);
        self.attempts.insert(id.clone(), a);
        id
    }

    /// The breaker state of a session for status reports (`None`: never seen).
    pub fn session_state(
        &mut self,
        cx: &PhaseCtx<'_, CompactionConfig>,
        sid: &str,
    ) -> Option<CompactionState> {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        let path = state_path(cx.state_dir, sid);
        if !self.sessions.contains_key(sid) && cx.host.fs_stat(&path).is_err() {
            return None;
        }
        Some(self.state(cx, now, &mut out, sid, None).clone())
    }

    /// `compaction.completed` (P1-R18a) for `key`: this phase resets the session's
    /// microcompaction state (read records and skills are kept, they feed the restoration);
    /// the runtime hands the key on to the other phases ([`Outcome::compacted`]).
    fn completed(&mut self, out: &mut Outcome, key: Option<&str>) {
        if let Some(k) = key {
            self.mc_passes.remove(k);
            self.mc_sticky.remove(k);
            out.compacted.push(k.to_string());
        }
    }

    // ----------------------------------------------------------------- engine methods

    /// `assemble`: microcompaction of the projection (P1 §9) and the one-shot restoration.
    pub fn assemble(
        &mut self,
        cx: &PhaseCtx<'_, CompactionConfig>,
        params: &Value,
    ) -> Result<Outcome, CoreError> {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        let messages = match params.get("messages") {
            Some(Value::Array(m)) => m,
            _ => {
                return Err(CoreError::invalid_input(
                    "/params/messages",
                    "messages must be an array",
                ))
            }
        };
        let sid = s(params, "sessionId");
        let key = s(params, "sessionKey");
        let rc = params.get("runtimeContext").unwrap_or(&Value::Null);
        let t = thresholds(cx, params, rc, None);
        let tokens = session_tokens(messages, None);
        if let Some(sid) = sid {
            self.tokens.insert(sid.to_string(), tokens.tokens);
        }
        // Gate condition 2 made visible: an internal run (memory flush, our own jobs) over the
        // threshold is journaled once; it never triggers a compaction.
        if let Some(k) = key.filter(|k| self.recursion(Some(k))) {
            if tokens.tokens >= t.threshold && self.recursion_noted.insert(k.to_string()) {
                out.decisions.push(decision(
                    now,
                    Skip::Recursion.code(),
                    Action::Deny,
                    format!(
                        "Compaction skipped: {}.",
                        Skip::Recursion.message(tokens.tokens, &t)
                    ),
                    Some(k),
                    json!({"tokens": tokens.tokens, "threshold": t.threshold, "source": "engine"}),
                ));
            }
        }
        let mut plan = microcompact::Plan::default();
        let mut trigger_name = "";
        let mc = &cx.cfg.microcompact;
        let main = key.is_some_and(|k| !is_subagent_key(k) && !self.recursion(Some(k)));
        if cx.cfg.enabled {
            let idle = last_assistant_at(messages).is_some_and(|at| {
                now.saturating_sub(at)
                    >= i64::try_from(mc.gap_minutes.saturating_mul(60_000)).unwrap_or(i64::MAX)
            });
            let keep = usize::try_from(mc.keep_recent).unwrap_or(usize::MAX);
            let empty = SortedSet::new();
            let cleared_before = key.and_then(|k| self.mc_sticky.get(k)).unwrap_or(&empty);
            let sticky = |m: &Value| {
                microcompact::tool_call_id(m).is_some_and(|id| cleared_before.contains(id))
            };
            let trigger = if mc.time_based && main && idle {
                trigger_name = "time";
                Some(microcompact::Trigger::Time)
            } else if mc.pressure && tokens.tokens >= t.warning {
                trigger_name = "pressure";
                Some(if mc.pressure_batch {
                    microcompact::Trigger::PressureBatch
                } else {
                    microcompact::Trigger::Pressure {
                        tokens: tokens.tokens,
                        warning: t.warning,
                    }
                })
            } else {
                None
            };
            plan = match trigger {
                Some(tr) => microcompact::plan_sticky(
                    messages,
                    messages.len(),
                    &mc.tools,
                    keep,
                    tr,
                    &sticky,
                ),
                // No trigger now: what earlier passes cleared stays cleared (no new clearing).
                None => microcompact::plan_sticky(
                    messages,
                    messages.len(),
                    &mc.tools,
                    keep,
                    microcompact::Trigger::Carry,
                    &sticky,
                ),
            };
        }
        let fresh = plan.clear.len().saturating_sub(plan.carried);
        if fresh > 0 {
            if let Some(k) = key {
                *self.mc_passes.entry(k.to_string()).or_insert(0) += 1;
                let ids = self.mc_sticky.entry(k.to_string()).or_default();
                for &i in &plan.clear {
                    if let Some(id) = messages.get(i).and_then(microcompact::tool_call_id) {
                        ids.insert(id.to_string());
                    }
                }
            }
            out.decisions.push(decision(
 now,
                "compaction.microcompact.applied",
                Action::Note,
                format!(
                    "Cleared {} old tool result(s) from the model's view ({} trigger, about {} tokens saved); the newest {} are kept.",
                    fresh,
                    trigger_name,
                    plan.saved_tokens,
                    mc.keep_recent
                ),
                key,
                json!({
                    "trigger": trigger_name, "cleared": fresh, "alreadyCleared": plan.already_cleared,
                    "carried": plan.carried, "batch": mc.pressure_batch,
                    "compactable": plan.compactable, "savedTokens": plan.saved_tokens,
                    "tokens": tokens.tokens, "warning": t.warning, "persist": false,
                }),
            ));
        }
        let mut value = json!({
            "clear": plan.clear,
            "replacement": microcompact::marker_content(),
            "estimatedTokens": tokens.tokens.saturating_sub(plan.saved_tokens),
        });
        if let Some(sid) = sid {
            if self.restore_pending.remove(sid) && cx.cfg.restore.enabled {
                let records = self.reads.get(sid).cloned().unwrap_or_default();
                let max = usize::try_from(cx.cfg.restore.max_files).unwrap_or(usize::MAX);
                let oc = cx.info.openclaw_state_dir.clone().unwrap_or_default();
                if let Some(block) = restore::build(cx.host, &records, max, &[cx.state_dir, &oc]) {
                    if let Some(o) = value.as_object_mut() {
                        o.insert("systemPromptAddition".into(), Value::String(block));
                    }
                }
            }
        }
        out.ret = value;
        Ok(out)
    }

    /// `compact` as OpenClaw calls it: classify the call, gate it, and either answer
    /// directly or ask the binding layer to run the delegate (then [`Self::compact_result`]).
    pub fn compact(
        &mut self,
        cx: &PhaseCtx<'_, CompactionConfig>,
        params: &Value,
    ) -> Result<Outcome, CoreError> {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        let sid = s(params, "sessionId")
            .ok_or_else(|| CoreError::invalid_input("/params/sessionId", "sessionId is required"))?
            .to_string();
        let key = s(params, "sessionKey").map(str::to_string);
        let rc = params.get("runtimeContext").cloned().unwrap_or(Value::Null);
        let manual = s(&rc, "forceReason") == Some("manual")
            || s(params, "compactionTarget") == Some("threshold")
            || params.get("force") == Some(&Value::Bool(true))
                && s(&rc, "trigger").is_none()
                && rc.get("forceReason").is_none();
        let overflow = s(&rc, "trigger") == Some("overflow");
        let trigger = if manual {
            Trigger::Manual
        } else if overflow {
            Trigger::Overflow
        } else {
            Trigger::Auto
        };
        let host_count = match count(params, "currentTokenCount")? {
            Some(c) => Some(c),
            None => count(&rc, "currentTokenCount")?,
        };
        let budget = count(params, "tokenBudget")?;
        let t = thresholds(cx, params, &rc, budget);
        let tokens = host_count
            .or_else(|| self.tokens.get(&sid).copied())
            .unwrap_or(0);
        let user_instr = s(params, "customInstructions");
        // Conditions 1 and 2 mean "do not govern": the host's call is delegated as is.
        if trigger == Trigger::Auto && (!automatic_allowed(cx) || self.recursion(key.as_deref())) {
            out.ret = json!({ "action": "delegate", "customInstructions": user_instr });
            return Ok(out);
        }
        let g = GateInput {
            automatic_allowed: true,
            recursion_source: false,
            tokens,
            thresholds: t,
            now_ms: now,
            timeout_ms: timeout_ms(cx),
            cooldown_minutes: cx.cfg.breaker_cooldown_minutes,
        };
        let mode = match trigger {
            Trigger::Manual => GateMode::Manual,
            Trigger::Overflow => GateMode::Overflow,
            Trigger::Auto => GateMode::Automatic,
        };
        let st = self.state(cx, now, &mut out, &sid, key.as_deref());
        let (res, stale) = st.gate(&g, mode);
        if let Some(stale) = stale {
            push_stale(now, &mut out, key.as_deref(), &stale);
        }
        match res {
            Err(skip) => {
                let msg = skip.message(tokens, &t);
                st.record(
                    trigger,
                    Attempted::Refused,
                    Some(tokens),
                    None,
                    skip.code(),
                    now,
                );
                self.save(cx, &mut out, &sid);
                if trigger == Trigger::Overflow && skip == Skip::BreakerOpen {
                    let code = "compaction.refused.breaker_open";
                    let text = "the context overflowed, but automatic compaction failed 3 times in a row in this session; run /compact or start a new session";
                    out.decisions.push(decision(
                        now,
                        code,
                        Action::Deny,
                        format!("Overflow compaction refused: {text}."),
                        key.as_deref(),
                        json!({"tokens": tokens, "trigger": "overflow"}),
                    ));
                    out.ret = json!({ "action": "return", "value": { "ok": false, "compacted": false, "reason": audit::block_text(code, text) } });
                } else {
                    out.decisions.push(decision(now, skip.code(), Action::Deny, format!("Compaction skipped: {msg}."), key.as_deref(), json!({"tokens": tokens, "threshold": t.threshold, "trigger": trigger_str(trigger)})));
                    out.ret = json!({ "action": "return", "value": benign(skip.code(), &msg) });
                }
                Ok(out)
            }
            Ok(()) => {
                st.start(trigger, now);
                self.save(cx, &mut out, &sid);
                let attempt = self.new_attempt(Attempt {
                    session_id: sid.clone(),
                    session_key: key.clone(),
                    trigger,
                    host_automatic: trigger == Trigger::Auto,
                    tokens_before: Some(tokens),
                    threshold: t.threshold,
                });
                out.decisions.push(decision(
 now,
                    "compaction.started",
                    Action::Note,
                    format!("{} compaction started at {tokens} tokens (threshold {}).", capital(trigger_str(trigger)), t.threshold),
                    key.as_deref(),
                    json!({"trigger": trigger_str(trigger), "tokens": tokens, "threshold": t.threshold, "source": "host"}),
                ));
                out.ret = json!({
                    "action": "delegate",
                    "attempt": attempt,
                    "customInstructions": custom_instructions(cx, user_instr, trigger != Trigger::Manual),
                });
                Ok(out)
            }
        }
    }

    /// The delegate's outcome for an attempt: breaker bookkeeping (P1-R4 … R9) and the
    /// value to give OpenClaw (`null`: the delegate's own result).
    pub fn compact_result(
        &mut self,
        cx: &PhaseCtx<'_, CompactionConfig>,
        params: &Value,
    ) -> Result<Outcome, CoreError> {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        let id = s(params, "attempt")
            .ok_or_else(|| CoreError::invalid_input("/params/attempt", "attempt id is required"))?;
        let Some(a) = self.attempts.remove(id) else {
            out.diagnostics.push(Diagnostic {
                level: LogLevel::Warn,
                code: "compaction.attempt.unknown".into(),
                message: format!("no compaction attempt {id}"),
            });
            out.ret = Value::Null;
            return Ok(out);
        };
        let key = a.session_key.clone();
        let result = params.get("result").unwrap_or(&Value::Null);
        let aborted = params
            .get("aborted")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let error = s(params, "error");
        let st = self.state(cx, now, &mut out, &a.session_id, key.as_deref());
        if aborted {
            // P1-R6: an abort is not a failure.
            st.in_flight = None;
            self.save(cx, &mut out, &a.session_id);
            out.decisions.push(decision(
                now,
                "compaction.aborted",
                Action::Note,
                "The compaction was aborted before it finished; not counted for the breaker."
                    .into(),
                key.as_deref(),
                json!({"trigger": trigger_str(a.trigger), "error": error}),
            ));
            out.ret = Value::Null;
            return Ok(out);
        }
        let ok = error.is_none() && result.get("ok").and_then(Value::as_bool).unwrap_or(false);
        let compacted = result
            .get("compacted")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let inner = result.get("result").unwrap_or(&Value::Null);
        let tokens_before = inner
            .get("tokensBefore")
            .and_then(Value::as_u64)
            .or(a.tokens_before);
        let tokens_after = inner.get("tokensAfter").and_then(Value::as_u64);
        let summary_text = s(inner, "summary").unwrap_or("");
        let missing = if compacted
            && cx.cfg.summary_template == SummaryTemplate::NineSection
            && provider_active(cx)
        {
            summary::missing_sections(summary_text)
        } else {
            Vec::new()
        };
        let reason = error
            .or_else(|| s(result, "reason"))
            .unwrap_or("")
            .to_string();
        let Some((outcome, code)) = classify(ok, compacted, tokens_after, a.threshold, &missing)
        else {
            // The host found nothing to compact: not an attempt for the breaker.
            st.in_flight = None;
            self.save(cx, &mut out, &a.session_id);
            out.decisions.push(decision(
                now,
                "compaction.noop",
                Action::Note,
                format!(
                    "OpenClaw found nothing to compact ({}); not counted for the breaker.",
                    if reason.is_empty() {
                        "no reason given"
                    } else {
                        &reason
                    }
                ),
                key.as_deref(),
                json!({"trigger": trigger_str(a.trigger), "reason": reason}),
            ));
            out.ret = Value::Null;
            return Ok(out);
        };
        let tripped = st.record(a.trigger, outcome, tokens_before, tokens_after, code, now);
        let failures = st.consecutive_failures;
        self.save(cx, &mut out, &a.session_id);
        let (action, message) = match outcome {
            Attempted::Ok => (Action::Note, format!("{} compaction succeeded ({} → {} tokens).", capital(trigger_str(a.trigger)), fmt_opt(tokens_before), fmt_opt(tokens_after))),
            Attempted::Ineffective => (Action::Note, format!("Compaction left the session at {} tokens, still at or above the threshold {}; it counts as a failure ({failures} in a row).", fmt_opt(tokens_after), a.threshold)),
            Attempted::Failed if !missing.is_empty() => (Action::Note, format!("The summary lacked required sections ({}); it counts as a failed compaction ({failures} in a row).", missing.join(", "))),
            _ => (Action::Note, format!("Compaction failed: {}; {failures} failure(s) in a row.", if reason.is_empty() { "no reason given" } else { &reason })),
        };
        out.decisions.push(decision(now, code, action, message, key.as_deref(), json!({
            "trigger": trigger_str(a.trigger), "tokensBefore": tokens_before, "tokensAfter": tokens_after,
            "consecutiveFailures": failures, "missingSections": missing, "reason": reason,
        })));
        if tripped {
            out.decisions.push(decision(
                now,
                "compaction.breaker.tripped",
                Action::Deny,
                super::state::BREAKER_TRIPPED_MESSAGE.into(),
                key.as_deref(),
                json!({"consecutiveFailures": failures}),
            ));
        }
        if outcome == Attempted::Ok || outcome == Attempted::Ineffective {
            self.restore_pending.insert(a.session_id.clone());
            self.completed(&mut out, key.as_deref());
        }
        out.ret = if outcome == Attempted::Failed && a.host_automatic && !compacted {
            json!({ "ok": true, "compacted": false, "reason": format!("{} (already compacted)", audit::block_text(code, "automatic compaction failed; the turn continues uncompacted")) })
        } else {
            Value::Null
        };
        Ok(out)
    }

    /// `commitTurn`: idempotent per `advancementKey` (P1-R11); remembers the turn's token
    /// count for the post-turn `maintain`.
    pub fn commit_turn(
        &mut self,
        cx: &PhaseCtx<'_, CompactionConfig>,
        params: &Value,
    ) -> Result<Outcome, CoreError> {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        let key = s(params, "advancementKey").ok_or_else(|| {
            CoreError::invalid_input("/params/advancementKey", "advancementKey is required")
        })?;
        if self.committed.contains(key) {
            out.ret = json!({ "status": "duplicate" });
            return Ok(out);
        }
        self.committed.insert(key.to_string());
        self.commits.push_back(key.to_string());
        while self.commits.len() > COMMIT_LRU {
            if let Some(old) = self.commits.pop_front() {
                self.committed.remove(&old);
            }
        }
        let sid = params
            .pointer("/admission/sessionId")
            .and_then(Value::as_str)
            .or_else(|| s(params, "sessionId"));
        if let Some(sid) = sid {
            if let Some(Value::Array(msgs)) = params.get("messages") {
                let TokenCount { tokens, .. } = session_tokens(msgs, None);
                let prior = self.tokens.get(sid).copied().unwrap_or(0);
                // The turn's usage covers the whole prompt; without usage, add to what we had.
                let total = if msgs.iter().any(|m| {
                    m.get("usage")
                        .and_then(crate::tokens::usage_total)
                        .is_some()
                }) {
                    tokens
                } else {
                    prior.saturating_add(tokens)
                };
                self.tokens.insert(sid.to_string(), total);
            }
            self.post_turn.insert(sid.to_string());
            let skey = params
                .pointer("/admission/sessionKey")
                .and_then(Value::as_str)
                .map(str::to_string);
            let st = self.state(cx, now, &mut out, sid, skey.as_deref());
            if st.compacted {
                // P1-R10.
                st.runs_since_compaction = st.runs_since_compaction.saturating_add(1);
            }
            let sid = sid.to_string();
            self.save(cx, &mut out, &sid);
        }
        out.ret = json!({ "status": "committed" });
        Ok(out)
    }

    /// `maintain`: after a committed turn, compaction at our own threshold (openclaw.md §13.3).
    pub fn maintain(
        &mut self,
        cx: &PhaseCtx<'_, CompactionConfig>,
        params: &Value,
    ) -> Result<Outcome, CoreError> {
        let now = cx.now_ms();
        let mut out = Outcome {
            ret: json!({ "action": "none" }),
            ..Outcome::default()
        };
        let Some(sid) = s(params, "sessionId").map(str::to_string) else {
            return Ok(out);
        };
        if !self.post_turn.remove(&sid) {
            return Ok(out);
        }
        let key = s(params, "sessionKey").map(str::to_string);
        let rc = params.get("runtimeContext").cloned().unwrap_or(Value::Null);
        let t = thresholds(cx, params, &rc, count(&rc, "tokenBudget")?);
        let tokens = self.tokens.get(&sid).copied().unwrap_or(0);
        let g = GateInput {
            automatic_allowed: automatic_allowed(cx),
            recursion_source: self.recursion(key.as_deref()),
            tokens,
            thresholds: t,
            now_ms: now,
            timeout_ms: timeout_ms(cx),
            cooldown_minutes: cx.cfg.breaker_cooldown_minutes,
        };
        let st = self.state(cx, now, &mut out, &sid, key.as_deref());
        let (res, stale) = st.gate(&g, GateMode::Automatic);
        if let Some(stale) = stale {
            push_stale(now, &mut out, key.as_deref(), &stale);
            self.save(cx, &mut out, &sid);
        }
        // Persistent microcompaction (P1 §9, `microcompact.persist`) when no compaction starts:
        // the binding layer sends the stored entries to `microcompactEntries`.
        let persist = cx.cfg.microcompact.persist
            && cx.cfg.microcompact.pressure
            && tokens >= t.warning
            && res.is_err();
        if persist {
            self.persist_pending
                .insert(sid.clone(), (tokens, t.warning));
            out.ret = json!({ "action": "microcompact" });
        }
        match res {
            Err(Skip::BelowThreshold) | Err(Skip::Disabled) => Ok(out),
            Err(skip) => {
                // Over the threshold but refused: say why (recursion, breaker, thrash, single flight).
                if tokens >= t.threshold || skip != Skip::Recursion {
                    out.decisions.push(decision(
                        now,
                        skip.code(),
                        Action::Deny,
                        format!("Compaction skipped: {}.", skip.message(tokens, &t)),
                        key.as_deref(),
                        json!({"tokens": tokens, "threshold": t.threshold, "source": "engine"}),
                    ));
                }
                Ok(out)
            }
            Ok(()) => {
                if let Some(st) = self.sessions.get_mut(&sid) {
                    st.start(Trigger::Auto, now);
                }
                self.save(cx, &mut out, &sid);
                let attempt = self.new_attempt(Attempt {
                    session_id: sid.clone(),
                    session_key: key.clone(),
                    trigger: Trigger::Auto,
                    host_automatic: false,
                    tokens_before: Some(tokens),
                    threshold: t.threshold,
                });
                out.decisions.push(decision(now, "compaction.started", Action::Note, format!("Automatic compaction started at {tokens} tokens (threshold {}).", t.threshold), key.as_deref(), json!({"trigger": "auto", "tokens": tokens, "threshold": t.threshold, "source": "engine"})));
                out.ret = json!({
                    "action": "delegate",
                    "attempt": attempt,
                    "tokenBudget": t.window,
                    "customInstructions": custom_instructions(cx, None, true),
                });
                Ok(out)
            }
        }
    }

    /// Persistent microcompaction over the stored transcript entries (`{entryId, message}`):
    /// the replacements for `rewriteTranscriptEntries`. The newest turn (from the last user
    /// message on) is never touched.
    pub fn microcompact_entries(
        &mut self,
        cx: &PhaseCtx<'_, CompactionConfig>,
        params: &Value,
    ) -> Result<Outcome, CoreError> {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        let sid = s(params, "sessionId").ok_or_else(|| {
            CoreError::invalid_input("/params/sessionId", "sessionId is required")
        })?;
        let key = s(params, "sessionKey");
        let entries = match params.get("entries") {
            Some(Value::Array(e)) => e,
            _ => {
                return Err(CoreError::invalid_input(
                    "/params/entries",
                    "entries must be an array",
                ))
            }
        };
        out.ret = json!({ "replacements": [] });
        let Some((tokens, warning)) = self.persist_pending.remove(sid) else {
            return Ok(out);
        };
        let messages: Vec<Value> = entries
            .iter()
            .map(|e| e.get("message").cloned().unwrap_or(Value::Null))
            .collect();
        let fence = messages
            .iter()
            .rposition(|m| m.get("role").and_then(Value::as_str) == Some("user"))
            .unwrap_or(0);
        let mc = &cx.cfg.microcompact;
        let keep = usize::try_from(mc.keep_recent).unwrap_or(usize::MAX);
        let trigger = if mc.pressure_batch {
            microcompact::Trigger::PressureBatch
        } else {
            microcompact::Trigger::Pressure { tokens, warning }
        };
        let plan = microcompact::plan(&messages, fence, &mc.tools, keep, trigger);
        let mut replacements = Vec::new();
        for &i in &plan.clear {
            let (Some(entry), Some(Value::Object(m))) = (entries.get(i), messages.get(i)) else {
                continue;
            };
            let Some(id) = entry.get("entryId").and_then(Value::as_str) else {
                continue;
            };
            let mut m = m.clone();
            m.insert("content".into(), microcompact::marker_content());
            replacements.push(json!({ "entryId": id, "message": m }));
        }
        if !replacements.is_empty() {
            out.decisions.push(decision(
 now,
                "compaction.microcompact.applied",
                Action::Note,
                format!("Cleared {} old tool result(s) in the stored transcript (pressure trigger, about {} tokens saved); the newest {} are kept.", replacements.len(), plan.saved_tokens, mc.keep_recent),
                key,
                json!({"trigger": "pressure", "cleared": replacements.len(), "alreadyCleared": plan.already_cleared, "compactable": plan.compactable, "savedTokens": plan.saved_tokens, "tokens": tokens, "warning": warning, "persist": true}),
            ));
        }
        out.ret = json!({ "replacements": replacements });
        Ok(out)
    }

    /// OpenClaw's answer to a transcript rewrite, journaled.
    pub fn microcompact_persisted(
        &mut self,
        cx: &PhaseCtx<'_, CompactionConfig>,
        params: &Value,
    ) -> Result<Outcome, CoreError> {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        let r = params.get("result").unwrap_or(&Value::Null);
        let rewritten = r
            .get("rewrittenEntries")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let (code, msg) = match s(params, "error") {
            Some(e) => ("compaction.microcompact.persist_failed", format!("OpenClaw could not rewrite the transcript: {e}; the model still gets the cleared view.")),
            None => ("compaction.microcompact.persisted", format!("OpenClaw rewrote {rewritten} transcript entr{} ({} bytes freed).", if rewritten == 1 { "y" } else { "ies" }, r.get("bytesFreed").and_then(Value::as_u64).unwrap_or(0))),
        };
        out.decisions.push(decision(now, code, Action::Note, msg, s(params, "sessionKey"), json!({"changed": r.get("changed"), "rewrittenEntries": rewritten, "bytesFreed": r.get("bytesFreed"), "reason": r.get("reason")})));
        out.ret = Value::Null;
        Ok(out)
    }

    /// The compaction provider's request (openclaw.md §13.4).
    pub fn summary_request(&mut self, params: &Value) -> Result<Outcome, CoreError> {
        let mut out = Outcome::default();
        let messages = match params.get("messages") {
            Some(Value::Array(m)) => m.as_slice(),
            None | Some(Value::Null) => &[],
            _ => {
                return Err(CoreError::invalid_input(
                    "/params/messages",
                    "messages must be an array",
                ))
            }
        };
        let prev = s(params, "previousSummary");
        let automatic = true;
        out.ret = json!({
            "systemPrompt": summary::system_prompt(),
            "prompt": summary::request(messages, prev, automatic),
            "maxTokens": SUMMARY_MAX_TOKENS,
            "purpose": "agent-ops.compaction.summary",
        });
        Ok(out)
    }

    /// Checks the summarizer's text: `{ok, missing}`; an incomplete summary is refused so
    /// OpenClaw falls back to its own, and the attempt is then counted as failed.
    pub fn summary_check(
        &mut self,
        cx: &PhaseCtx<'_, CompactionConfig>,
        params: &Value,
    ) -> Result<Outcome, CoreError> {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        let text = s(params, "text").unwrap_or("");
        let missing = if cx.cfg.summary_template == SummaryTemplate::NineSection {
            summary::missing_sections(text)
        } else {
            Vec::new()
        };
        if text.trim().is_empty() {
            out.decisions.push(decision(now, "compaction.failed.summary_empty", Action::Note, "The summarizer returned no text (the model call failed or was empty); OpenClaw's built-in summary is tried instead.".into(), s(params, "sessionKey"), json!({})));
        } else if !missing.is_empty() {
            out.decisions.push(decision(now, "compaction.failed.summary_incomplete", Action::Note, format!("The summarizer's answer lacked required sections ({}); OpenClaw's built-in summary is used instead and the attempt counts as failed.", missing.join(", ")), s(params, "sessionKey"), json!({"missingSections": missing, "chars": text.chars().count()})));
        }
        out.ret =
            json!({ "ok": missing.is_empty() && !text.trim().is_empty(), "missing": missing });
        Ok(out)
    }

    // ----------------------------------------------------------------- hooks

    /// `tool_result_persist` (P1-R19): caps oversize text results.
    pub fn tool_result_persist(
        &mut self,
        cx: &PhaseCtx<'_, CompactionConfig>,
        event: &Value,
        key: Option<&str>,
    ) -> Outcome {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        let tool = s(event, "toolName").unwrap_or("");
        let Some(message) = event.get("message").filter(|m| m.is_object()) else {
            return out;
        };
        if tool.starts_with("agent_ops_") {
            return out;
        }
        let max = usize::try_from(cx.cfg.max_tool_result_chars).unwrap_or(usize::MAX);
        let Some(Value::Array(blocks)) = message.get("content") else {
            return out;
        };
        let total: usize = blocks
            .iter()
            .filter_map(|b| b.get("text").and_then(Value::as_str))
            .map(|t| t.chars().count())
            .sum();
        if total <= max {
            return out;
        }
        let joined: Vec<&str> = blocks
            .iter()
            .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
            .filter_map(|b| b.get("text").and_then(Value::as_str))
            .collect();
        let text = joined.join("\n");
        let Some(capped) = cap::cap_text(&text, max) else {
            return out;
        };
        let mut new_blocks: Vec<Value> = blocks
            .iter()
            .filter(|b| b.get("type").and_then(Value::as_str) != Some("text"))
            .cloned()
            .collect();
        new_blocks.insert(0, json!({ "type": "text", "text": capped }));
        let mut m = message.clone();
        if let Some(o) = m.as_object_mut() {
            o.insert("content".into(), Value::Array(new_blocks));
        }
        out.decisions.push(decision(
            now,
            "compaction.capped.tool_result",
            Action::Note,
            format!(
                "A {tool} result of {total} characters was capped at {max} before it was stored."
            ),
            key,
            json!({"tool": tool, "chars": total, "max": max, "toolCallId": s(event, "toolCallId")}),
        ));
        out.ret = json!({ "message": m });
        out
    }

    /// `after_tool_call` of `read`: remembers the file for the restoration (P1-R18).
    pub fn after_tool_call(
        &mut self,
        cx: &PhaseCtx<'_, CompactionConfig>,
        event: &Value,
        ctx: &Value,
    ) {
        let now = cx.now_ms();
        if s(event, "toolName") != Some("read") || event.get("error").is_some_and(|e| !e.is_null())
        {
            return;
        }
        let Some(sid) = s(ctx, "sessionId") else {
            return;
        };
        let params = event.get("params").unwrap_or(&Value::Null);
        let Some(path) = s(params, "path")
            .or_else(|| s(params, "file_path"))
            .or_else(|| s(params, "filePath"))
        else {
            return;
        };
        let abs = if path.starts_with('/') {
            path.to_string()
        } else {
            let ws = s(ctx, "workspaceDir")
                .map(str::to_string)
                .or_else(|| cx.info.workspace_dir.clone())
                .unwrap_or_default();
            join_path(&ws, path)
        };
        let recs = self.reads.entry(sid.to_string()).or_default();
        restore::note_read(recs, &abs, now);
    }

    /// `before_compaction` in hooks-only mode: an attempt of the built-in compaction starts.
    pub fn before_compaction(
        &mut self,
        cx: &PhaseCtx<'_, CompactionConfig>,
        ctx: &Value,
    ) -> Outcome {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        let Some(sid) = s(ctx, "sessionId").map(str::to_string) else {
            return out;
        };
        let key = s(ctx, "sessionKey").map(str::to_string);
        let timeout = timeout_ms(cx);
        let st = self.state(cx, now, &mut out, &sid, key.as_deref());
        if let Some(f) = st.in_flight.clone() {
            // A `before` without an `after` within 2 × timeout failed (P1-R12).
            if now.saturating_sub(f.started_at)
                >= i64::try_from(timeout.saturating_mul(2)).unwrap_or(i64::MAX)
            {
                let tripped = st.record(
                    f.trigger,
                    Attempted::Failed,
                    None,
                    None,
                    "compaction.failed.stale_in_flight",
                    now,
                );
                push_stale(
                    now,
                    &mut out,
                    key.as_deref(),
                    &super::state::StaleAttempt {
                        started_at: f.started_at,
                        tripped,
                    },
                );
            }
        }
        st.start(Trigger::Auto, now);
        self.save(cx, &mut out, &sid);
        out
    }

    /// `after_compaction` in hooks-only mode.
    pub fn after_compaction(
        &mut self,
        cx: &PhaseCtx<'_, CompactionConfig>,
        event: &Value,
        ctx: &Value,
    ) -> Outcome {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        let Some(sid) = s(ctx, "sessionId").map(str::to_string) else {
            return out;
        };
        let key = s(ctx, "sessionKey").map(str::to_string);
        let compacted = event
            .get("compactedCount")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let tokens_after = event.get("tokenCount").and_then(Value::as_u64);
        let st = self.state(cx, now, &mut out, &sid, key.as_deref());
        if compacted > 0 {
            st.record(
                Trigger::Auto,
                Attempted::Ok,
                None,
                tokens_after,
                "compaction.ok",
                now,
            );
            out.decisions.push(decision(
                now,
                "compaction.ok",
                Action::Note,
                format!("OpenClaw compacted {compacted} message(s) (hooks-only mode)."),
                key.as_deref(),
                json!({"compactedCount": compacted, "mode": "hooks-only"}),
            ));
            self.restore_pending.insert(sid.clone());
            self.completed(&mut out, key.as_deref());
        } else {
            st.in_flight = None;
        }
        self.save(cx, &mut out, &sid);
        out
    }

    /// `agent_end` in hooks-only mode: warning and blocking crossings (P1-R12 b), P1-R10.
    pub fn agent_end(
        &mut self,
        cx: &PhaseCtx<'_, CompactionConfig>,
        event: &Value,
        ctx: &Value,
    ) -> Outcome {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        let Some(sid) = s(ctx, "sessionId").map(str::to_string) else {
            return out;
        };
        let key = s(ctx, "sessionKey").map(str::to_string);
        let Some(Value::Array(msgs)) = event.get("messages") else {
            return out;
        };
        let tokens = session_tokens(msgs, None).tokens;
        self.tokens.insert(sid.clone(), tokens);
        let t = thresholds(cx, ctx, ctx, None);
        let level = if tokens >= t.blocking {
            2
        } else if tokens >= t.warning {
            1
        } else {
            0
        };
        let prev = self.warned.get(&sid).copied().unwrap_or(0);
        if level > prev {
            let (code, what, limit) = if level == 2 {
                ("compaction.warn.blocking", "blocking limit", t.blocking)
            } else {
                ("compaction.warn.warning", "warning threshold", t.warning)
            };
            out.decisions.push(decision(now, code, Action::Note, format!("The session reached {tokens} tokens, past the {what} of {limit}; OpenClaw's built-in compaction decides (hooks-only mode)."), key.as_deref(), json!({"tokens": tokens, "limit": limit})));
        }
        self.warned.insert(sid.clone(), level);
        let st = self.state(cx, now, &mut out, &sid, key.as_deref());
        if st.compacted {
            st.runs_since_compaction = st.runs_since_compaction.saturating_add(1);
        }
        self.save(cx, &mut out, &sid);
        out
    }

    /// Service tick: forget state files of sessions not seen for 30 days (P1 §15).
    pub fn sweep(&mut self, cx: &PhaseCtx<'_, CompactionConfig>) -> Outcome {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        let dir = join_path(cx.state_dir, "compaction");
        let Ok(listing) = cx.host.fs_list(&dir, 10_000) else {
            return out;
        };
        for e in listing.entries {
            if !e.name.ends_with(".json") || now.saturating_sub(e.mtime_ms) < STATE_RETENTION_MS {
                continue;
            }
            let path = join_path(&dir, &e.name);
            if let Err(err) = cx.host.fs_remove(&path) {
                out.diagnostics.push(Diagnostic {
                    level: LogLevel::Debug,
                    code: "compaction.state.sweep_failed".into(),
                    message: format!("could not remove {path}: {err}"),
                });
            }
        }
        self.sessions
            .retain(|_, st| now.saturating_sub(st.last_seen_at) < STATE_RETENTION_MS);
        out
    }
}

fn push_stale(now: i64, out: &mut Outcome, key: Option<&str>, stale: &super::state::StaleAttempt) {
    out.decisions.push(decision(
        now,
        "compaction.failed.stale_in_flight",
        Action::Note,
        format!(
            "A compaction started at {} never reported back; it counts as failed.",
            stale.started_at
        ),
        key,
        json!({"startedAt": stale.started_at}),
    ));
    if stale.tripped {
        out.decisions.push(decision(
            now,
            "compaction.breaker.tripped",
            Action::Deny,
            super::state::BREAKER_TRIPPED_MESSAGE.into(),
            key,
            json!({}),
        ));
    }
}

fn last_assistant_at(messages: &[Value]) -> Option<i64> {
    messages
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Value::as_str) == Some("assistant"))
        .and_then(|m| m.get("timestamp"))
        .and_then(Value::as_i64)
}

fn trigger_str(t: Trigger) -> &'static str {
    match t {
        Trigger::Auto => "automatic",
        Trigger::Manual => "manual",
        Trigger::Overflow => "overflow",
    }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

fn fmt_opt(v: Option<u64>) -> String {
    v.map_or_else(|| "?".to_string(), |n| n.to_string())
}
