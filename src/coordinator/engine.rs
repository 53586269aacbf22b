//! Phase 6 at OpenClaw's hooks: the worker registry from `subagent_*` events (P6-R1),
//! reconciliation after a restart (P6-R3), coordinator mode and its resume matching
//! (P6-R4 … R6), spawn guards (P6-R8, R9), foreign targets (P6-R11), parent notices
//! (P6-R10) and the worker list (P6-R14a). Fails open (P6-R15).

use super::lineage::{
    check_target, normalise_task, task_hash, EventKind, LineageEvent, LineageRecord, Status,
    TargetCheck, LINEAGE_VERSION, TASK_MAX_CHARS,
};
use super::mode::{match_session_mode, SessionMode};
use super::store::{self, Loaded};
use super::{CoordinatorConfig, ModeSetting};
use crate::audit::{self, Action, Decision, RECORD_VERSION};
use crate::calendar::iso_utc;
use crate::contract::{Diagnostic, GuardMode, Outcome, PhaseCtx};
use crate::host::{join_path, HostError, LogLevel};
use crate::json;
use crate::session_key::{
    adopt_file, agent_id, is_internal_key, is_subagent_key, legacy_session_dir_name, state_name,
};
use crate::sorted::{SortedMap, SortedSet};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Pending notices expire after a day.
pub const NOTICE_TTL_MS: i64 = 86_400_000;
/// How long an epoch lock lives without its owner being proven dead (the owner check
/// decides first; this only bounds a lock from another machine).
pub const EPOCH_LOCK_TTL_MS: u64 = 7 * 24 * 3_600_000;

/// The coordinator rules (P6-R7), added to a coordinator session's system context.
pub const RULES: &str = "# Coordinator mode (agent-ops)
You orchestrate workers (subagents) and synthesise their results; everything you write goes to the user.
- Worker results arrive as internal notifications: do not thank or address workers in your reply, and never invent or predict a worker's result.
- After starting workers, tell the user what you started and end your turn.
- Before delegating, synthesise: give file paths, line numbers, the exact change, its purpose and what \"done\" means. Never write \"based on your findings\".
- Run read-only research in parallel; only one writer per set of files at a time.
- Phases of work: research (workers, in parallel) → synthesis (you) → implementation (workers) → verification (fresh workers).
- Verification means proving the change works (run the tests with the feature enabled, investigate type errors, try edge cases), done by a fresh worker when another worker wrote the code.
- Failure: continue the failed worker with its error (it has the context); if the correction fails too, try a different approach or report to the user; stop a worker heading in the wrong direction.
- Continue or spawn:
  - the research explored exactly the files to edit → continue that worker with a synthesised spec;
  - broad research, narrow implementation → spawn a fresh worker with a synthesised spec;
  - correcting a failure or extending recent work → continue the same worker;
  - verifying code another worker wrote → spawn a fresh worker;
  - the first attempt used the wrong approach → spawn a fresh worker;
  - an unrelated task → spawn a fresh worker.
- `agent_ops_workers` lists your workers and their states.";

/// The reminder after a worker ends `ok`.
pub const VERIFY_REMINDER: &str = "Before you report this work as done, verify it with a fresh worker (unless this worker was itself the verification).";
/// The guidance after a worker fails.
pub const FAILURE_GUIDANCE: &str = "Continue the failed worker with its error (it has the context); if the correction fails too, try a different approach or report to the user.";
/// The advice that follows an interrupted worker.
pub const INTERRUPTED_ADVICE: &str = "Decide whether to continue it or start a new one: continue it when its context covers the files to change; start a fresh one when the approach was wrong or the work is unrelated (continue-vs-spawn rules).";

/// Shorthands for what a phase-6 call answers.
trait Answer {
    /// A diagnostic for the plugin logger.
    fn diag(&mut self, level: LogLevel, code: &str, message: String);
    /// A phase-6 decision taken at `now` (the call's one reading of the clock); an empty
    /// `key` is no session.
    fn decide(
        &mut self,
        now: i64,
        code: &str,
        action: Action,
        key: &str,
        message: String,
        details: Value,
    );
}

impl Answer for Outcome {
    fn diag(&mut self, level: LogLevel, code: &str, message: String) {
        self.diagnostics.push(Diagnostic {
            level,
            code: code.into(),
            message,
        });
    }

    fn decide(
        &mut self,
        now: i64,
        code: &str,
        action: Action,
        key: &str,
        message: String,
        details: Value,
    ) {
        self.decisions.push(Decision {
            v: RECORD_VERSION,
            at: now,
            phase: "coord".into(),
            code: code.into(),
            action,
            message,
            session_key: Some(key.to_string()).filter(|k| !k.is_empty()),
            run_id: None,
            tool_call_id: None,
            details,
        });
    }
}

/// One pending notice for a parent's next turn (P6-R10).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notice {
    /// Dedupe key `(child, transition)`.
    pub id: String,
    /// The text.
    pub text: String,
    /// Created (ms).
    pub at: i64,
}

/// `coord/notices.json`: pending notices by parent session key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notices {
    /// Layout version.
    #[serde(default)]
    pub v: u32,
    /// Notices per parent.
    #[serde(default)]
    pub pending: SortedMap<String, Vec<Notice>>,
    /// Ids already delivered or queued (dedupe), with their time.
    #[serde(default)]
    pub seen: SortedMap<String, i64>,
}

crate::json::read::json_struct!(Notice { "id" => id: req, "text" => text: req, "at" => at: req });
crate::json::read::json_struct!(Notices {
    "v" => v: def,
    "pending" => pending: def,
    "seen" => seen: def,
});

#[derive(Debug, Clone)]
struct PendingSpawn {
    task_hash: String,
    task: String,
    cwd: Option<String>,
}

/// Phase 6 state of the process.
#[derive(Debug, Default)]
pub struct ResumeGuard {
    epoch: String,
    loaded: Option<Loaded>,
    /// Notice ids this process queued or delivered (a cache: `coord/notices.json` is the truth).
    noticed: SortedSet<String>,
    /// Notices not yet written because another process held the file's lock (retried with
    /// the next update).
    unsaved_notices: Vec<(String, Notice)>,
    reconciled: bool,
    /// Effective mode per session key, once matched in this process.
    modes: SortedMap<String, ModeSetting>,
    pending_spawns: SortedMap<String, Vec<PendingSpawn>>,
    /// Session keys assembled at least once by this process (the first assemble of a key in a
    /// new process is a resume, P6-R13).
    assembled: SortedSet<String>,
    /// Session keys whose projection is sanitised on every assemble: resumed, and repaired
    /// last time (until the repaired region is gone).
    resumed: SortedSet<String>,
    /// The repair counts last recorded per session key (each distinct repair is recorded once).
    reported: SortedMap<String, [usize; 4]>,
    /// Sessions whose pre-issue-18 mode file name was checked in this process.
    adopted: SortedSet<String>,
}

fn s<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str).filter(|x| !x.is_empty())
}

fn label_of(r: &LineageRecord) -> String {
    r.label.clone().unwrap_or_else(|| {
        r.child_session_key
            .rsplit(':')
            .next()
            .unwrap_or("worker")
            .chars()
            .take(8)
            .collect()
    })
}

/// `coord/<sid>.json`.
pub fn mode_path(state_dir: &str, sid: &str) -> String {
    join_path(state_dir, &format!("coord/{sid}.json"))
}

fn notices_path(state_dir: &str) -> String {
    join_path(state_dir, "coord/notices.json")
}

/// Held while `coord/notices.json` is read, changed and written (G-R18: the gateway and a
/// `--local` run both queue and deliver notices).
fn notices_lock(state_dir: &str) -> String {
    join_path(state_dir, "locks/coord-notices")
}

/// TTL of the notices lock (G-R18).
const NOTICES_LOCK_TTL_MS: u64 = 30_000;
/// How long a hook waits for the other process's update of the notices file.
const NOTICES_LOCK_WAIT_MS: u64 = 2_000;
/// Largest notices file read.
const NOTICES_MAX_BYTES: u64 = 4 * 1024 * 1024;

/// Reads the notices file; one that does not parse is moved aside (G-R16) and read as empty.
fn read_notices(cx: &PhaseCtx<'_, CoordinatorConfig>, now: i64, out: &mut Outcome) -> Notices {
    let path = notices_path(cx.state_dir);
    match cx.host.fs_read(&path, NOTICES_MAX_BYTES) {
        Ok(b) => match crate::json::read_slice::<Notices>(&b) {
            Ok(n) => n,
            Err(e) => {
                let moved = crate::host::move_aside(cx.host, &path, &b, now);
                out.diag(
                    LogLevel::Warn,
                    "coord.state.corrupt",
                    format!(
                        "{path} is not a valid notices file ({e}); {}; pending notices start empty",
                        match moved {
                            Ok(a) => format!("moved aside to {a}"),
                            Err(m) => format!("it could not be moved aside ({m})"),
                        }
                    ),
                );
                Notices::default()
            }
        },
        Err(_) => Notices::default(),
    }
}

fn epoch_lock(state_dir: &str, epoch: &str) -> String {
    join_path(state_dir, &format!("locks/epoch-{epoch}"))
}

impl ResumeGuard {
    /// The configured mode of an agent.
    pub fn configured_mode(cfg: &CoordinatorConfig, agent: &str) -> ModeSetting {
        cfg.agents
            .get(agent)
            .map_or(ModeSetting::Normal, |a| a.mode)
    }

    /// Loads the registry, takes this process's epoch lock and reconciles once.
    fn ensure(&mut self, cx: &PhaseCtx<'_, CoordinatorConfig>, now: i64, out: &mut Outcome) {
        if self.epoch.is_empty() {
            self.epoch = crate::host::random_hex(cx.host, 8);
            if let Err(e) = cx
                .host
                .fs_lock(&epoch_lock(cx.state_dir, &self.epoch), EPOCH_LOCK_TTL_MS)
            {
                out.diag(
                    LogLevel::Warn,
                    "coord.degraded.registry",
                    format!("could not take the epoch lock: {e}"),
                );
            }
        }
        if self.loaded.is_none() {
            let l = store::load(cx.host, cx.state_dir, now);
            for p in &l.problems {
                out.diag(LogLevel::Warn, "coord.degraded.registry", p.clone());
            }
            self.loaded = Some(l);
        }
        if !self.reconciled {
            self.reconciled = true;
            self.reconcile(cx, now, out);
        }
    }

    fn record(
        &mut self,
        cx: &PhaseCtx<'_, CoordinatorConfig>,
        now: i64,
        out: &mut Outcome,
        e: LineageEvent,
    ) -> bool {
        let Some(l) = self.loaded.as_mut() else {
            return false;
        };
        if !l.registry.apply(&e) {
            return false;
        }
        if let Err(x) = store::append(cx.host, cx.state_dir, l, &e) {
            out.diag(
                LogLevel::Warn,
                "coord.degraded.registry",
                format!("could not journal a lineage event: {x}"),
            );
        }
        if let Err(x) =
            store::rotate_above(cx.host, cx.state_dir, l, now, store::JOURNAL_ROTATE_BYTES)
        {
            out.diag(
                LogLevel::Warn,
                "coord.degraded.registry",
                format!("could not rotate the lineage journal: {x}"),
            );
        }
        true
    }

    fn event(&self, now: i64, kind: EventKind, child: &str) -> LineageEvent {
        LineageEvent {
            v: LINEAGE_VERSION,
            at: now,
            epoch: self.epoch.clone(),
            event: Some(kind),
            child_session_key: child.to_string(),
            ..LineageEvent::default()
        }
    }

    fn notify(
        &mut self,
        cx: &PhaseCtx<'_, CoordinatorConfig>,
        now: i64,
        out: &mut Outcome,
        parent: &str,
        id: String,
        text: String,
    ) {
        if parent.is_empty() || !self.noticed.insert(id.clone()) {
            return;
        }
        let notice = Notice { id, text, at: now };
        self.unsaved_notices.push((parent.to_string(), notice));
        // On a held lock the notice stays queued and goes with the next update.
        let _ = self.update_notices(cx, now, out, |_| ());
    }

    /// Reads `coord/notices.json` under its lock, adds the queued notices (each id once),
    /// applies `f`, drops expired entries and writes the file back (G-R18: a notice queued
    /// by one process is never lost to another's rewrite). `None` when the lock stayed held.
    fn update_notices<R>(
        &mut self,
        cx: &PhaseCtx<'_, CoordinatorConfig>,
        now: i64,
        out: &mut Outcome,
        f: impl FnOnce(&mut Notices) -> R,
    ) -> Option<R> {
        let lock = notices_lock(cx.state_dir);
        if let Err(e) =
            crate::host::lock_within(cx.host, &lock, NOTICES_LOCK_TTL_MS, NOTICES_LOCK_WAIT_MS)
        {
            out.diag(
                LogLevel::Warn,
                "coord.state.locked",
                format!("could not take {lock} ({e}); notices are kept in memory and written with the next update"),
            );
            return None;
        }
        let mut n = read_notices(cx, now, out);
        for (parent, notice) in std::mem::take(&mut self.unsaved_notices) {
            if n.seen.contains_key(&notice.id) {
                continue;
            }
            n.seen.insert(notice.id.clone(), notice.at);
            n.pending.entry(parent).or_default().push(notice);
        }
        let r = f(&mut n);
        let cutoff = now.saturating_sub(NOTICE_TTL_MS);
        n.seen.retain(|_, at| *at >= cutoff);
        for v in n.pending.values_mut() {
            v.retain(|x| x.at >= cutoff);
        }
        n.pending.retain(|_, v| !v.is_empty());
        n.v = 1;
        let written = serde_json::to_vec(&n)
            .map_err(|e| HostError::Io(e.to_string()))
            .and_then(|b| {
                cx.host
                    .fs_write_atomic(&notices_path(cx.state_dir), &b, 0o600)
            });
        let _ = cx.host.fs_unlock(&lock);
        if let Err(e) = written {
            out.diag(
                LogLevel::Warn,
                "coord.state.write_failed",
                format!("could not write {} ({e})", notices_path(cx.state_dir)),
            );
        }
        Some(r)
    }

    /// The notices pending for `key`, taken out of the file (delivered once, whichever process
    /// delivers them). Reads without the lock first: most turns have none.
    fn take_notices(
        &mut self,
        cx: &PhaseCtx<'_, CoordinatorConfig>,
        now: i64,
        out: &mut Outcome,
        key: &str,
    ) -> Vec<Notice> {
        let any = read_notices(cx, now, out).pending.contains_key(key);
        if !any && self.unsaved_notices.iter().all(|(p, _)| p != key) {
            return Vec::new();
        }
        self.update_notices(cx, now, out, |n| n.pending.remove(key))
            .flatten()
            .unwrap_or_default()
    }

    /// P6-R3: running workers of a dead process are interrupted; silent ones are stale.
    fn reconcile(&mut self, cx: &PhaseCtx<'_, CoordinatorConfig>, now: i64, out: &mut Outcome) {
        let Some(l) = self.loaded.as_ref() else {
            return;
        };
        let host = cx.host;
        let dir = cx.state_dir.to_string();
        let alive = |epoch: &str| -> bool {
            let p = epoch_lock(&dir, epoch);
            match host.fs_lock(&p, EPOCH_LOCK_TTL_MS) {
                // We could take it: its owner is gone. Release it again.
                Ok(()) => {
                    let _ = host.fs_unlock(&p);
                    false
                }
                Err(HostError::Locked) => true,
                Err(_) => false,
            }
        };
        let events = l
            .registry
            .reconcile(&self.epoch, now, cx.cfg.stale_run_minutes, &alive);
        for e in events {
            let child = e.child_session_key.clone();
            let kind = e.event;
            if !self.record(cx, now, out, e) {
                continue;
            }
            let Some(r) = self
                .loaded
                .as_ref()
                .and_then(|l| l.registry.records.get(&child))
                .cloned()
            else {
                continue;
            };
            let label = label_of(&r);
            let task = r.task.clone().unwrap_or_else(|| "(task unknown)".into());
            let mins = now.saturating_sub(r.spawned_at) / 60_000;
            match kind {
                Some(EventKind::Interrupted) => {
                    let text = format!(
                        "Worker {label} ({child}) was interrupted by a restart {mins} min after it started; last progress {}. Task: \"{task}\". {INTERRUPTED_ADVICE}",
                        iso_utc(r.last_progress_at)
                    );
                    out.decide(
                        now,
                        "coord.resume.interrupted_child",
                        Action::Note,
                        &r.parent_session_key,
                        text.clone(),
                        json!({ "child": child }),
                    );
                    self.notify(
                        cx,
                        now,
                        out,
                        &r.parent_session_key.clone(),
                        format!("{child}:interrupted"),
                        text,
                    );
                }
                Some(EventKind::Stale) => {
                    let idle = now.saturating_sub(r.last_progress_at) / 60_000;
                    let text =
                        format!("Worker {label} ({child}) has shown no progress for {idle} min.");
                    out.decide(
                        now,
                        "coord.resume.stale_child",
                        Action::Note,
                        &r.parent_session_key,
                        text.clone(),
                        json!({ "child": child }),
                    );
                    self.notify(
                        cx,
                        now,
                        out,
                        &r.parent_session_key.clone(),
                        format!("{child}:stale"),
                        text,
                    );
                }
                _ => {}
            }
        }
    }

    /// `gateway_start` and the service tick: load, lock, reconcile.
    pub fn start(&mut self, cx: &PhaseCtx<'_, CoordinatorConfig>) -> Outcome {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        self.ensure(cx, now, &mut out);
        out
    }

    /// `subagent_spawned` (P6-R1).
    pub fn subagent_spawned(
        &mut self,
        cx: &PhaseCtx<'_, CoordinatorConfig>,
        event: &Value,
        ctx: &Value,
    ) -> Outcome {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        self.ensure(cx, now, &mut out);
        let Some(child) = s(event, "childSessionKey").or_else(|| s(ctx, "childSessionKey")) else {
            out.decide(
                now,
                "coord.invalid_event",
                Action::Note,
                "",
                "A subagent_spawned event without childSessionKey was ignored.".into(),
                Value::Null,
            );
            return out;
        };
        let parent = s(ctx, "requesterSessionKey")
            .or_else(|| event.get("requester").and_then(|r| s(r, "sessionKey")))
            .map(str::to_string);
        let mut e = self.event(now, EventKind::Spawned, child);
        e.parent_session_key = parent.clone();
        e.run_id = s(event, "runId").map(str::to_string);
        e.agent_id = s(event, "agentId").map(str::to_string);
        e.label = s(event, "label").map(str::to_string);
        e.spawn_mode = s(event, "mode").map(str::to_string);
        e.model = match (s(event, "resolvedProvider"), s(event, "resolvedModel")) {
            (Some(p), Some(m)) => Some(format!("{p}/{m}")),
            (None, Some(m)) => Some(m.to_string()),
            _ => None,
        };
        if let Some(p) = parent.as_deref() {
            if let Some(list) = self.pending_spawns.get_mut(p) {
                if !list.is_empty() {
                    let ps = list.remove(0);
                    e.task_hash = Some(ps.task_hash);
                    e.task = Some(ps.task);
                    e.cwd = ps.cwd;
                }
            }
        }
        self.record(cx, now, &mut out, e);
        out
    }

    /// `subagent_progress` (P6-R1).
    pub fn subagent_progress(
        &mut self,
        cx: &PhaseCtx<'_, CoordinatorConfig>,
        event: &Value,
        ctx: &Value,
    ) -> Outcome {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        self.ensure(cx, now, &mut out);
        if let Some(child) = s(event, "childSessionKey")
            .or_else(|| s(event, "targetSessionKey"))
            .or_else(|| s(ctx, "childSessionKey"))
        {
            let e = self.event(now, EventKind::Progress, child);
            self.record(cx, now, &mut out, e);
        }
        out
    }

    /// `subagent_ended` (P6-R1, R10).
    pub fn subagent_ended(
        &mut self,
        cx: &PhaseCtx<'_, CoordinatorConfig>,
        event: &Value,
        ctx: &Value,
    ) -> Outcome {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        self.ensure(cx, now, &mut out);
        let Some(child) = s(event, "targetSessionKey")
            .or_else(|| s(ctx, "childSessionKey"))
            .map(str::to_string)
        else {
            out.decide(
                now,
                "coord.invalid_event",
                Action::Note,
                "",
                "A subagent_ended event without targetSessionKey was ignored.".into(),
                Value::Null,
            );
            return out;
        };
        let mut e = self.event(now, EventKind::Ended, &child);
        e.outcome = Some(super::lineage::outcome_of(s(event, "outcome")));
        e.reason = s(event, "reason").map(str::to_string);
        if !self.record(cx, now, &mut out, e) || !cx.cfg.notify_parent {
            return out;
        }
        let Some(r) = self
            .loaded
            .as_ref()
            .and_then(|l| l.registry.records.get(&child))
            .cloned()
        else {
            return out;
        };
        let outcome = r.outcome.clone().unwrap_or_else(|| "unknown".into());
        let mut text = format!(
            "Worker {} ended: {outcome} at {}.",
            label_of(&r),
            iso_utc(now)
        );
        let parent = r.parent_session_key.clone();
        match outcome.as_str() {
            "ok" => {
                text.push(' ');
                text.push_str(VERIFY_REMINDER);
                out.decide(now, "coord.worker.verify_reminder", Action::Note, &parent, format!("Worker {} ended ok; the coordinator was reminded to verify with a fresh worker.", label_of(&r)), json!({ "child": child }));
            }
            "error" | "timeout" | "killed" => {
                text.push(' ');
                text.push_str(FAILURE_GUIDANCE);
                out.decide(
                    now,
                    "coord.worker.failure_guidance",
                    Action::Note,
                    &parent,
                    format!(
                        "Worker {} ended {outcome}; the coordinator got the failure guidance.",
                        label_of(&r)
                    ),
                    json!({ "child": child, "outcome": outcome }),
                );
            }
            _ => {}
        }
        self.notify(cx, now, &mut out, &parent, format!("{child}:ended"), text);
        out
    }

    /// The context engine's `prepareSubagentSpawn` (P6-R1, engine mode): a `prepared` event
    /// with the context mode. Answers `{rollback: true}` when the event was recorded (a failed
    /// spawn then has something to roll back: the binding hands OpenClaw a rollback handle),
    /// `null` otherwise.
    pub fn subagent_prepared(
        &mut self,
        cx: &PhaseCtx<'_, CoordinatorConfig>,
        params: &Value,
    ) -> Outcome {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        self.ensure(cx, now, &mut out);
        let Some(child) = s(params, "childSessionKey") else {
            return out;
        };
        let mut e = self.event(now, EventKind::Prepared, child);
        e.parent_session_key = s(params, "parentSessionKey").map(str::to_string);
        e.context_mode = s(params, "contextMode").map(str::to_string);
        if self.record(cx, now, &mut out, e) {
            out.ret = json!({ "rollback": true });
        }
        out
    }

    /// The rollback handle of a preparation (P6-R1): OpenClaw calls it when the spawn fails
    /// after `prepareSubagentSpawn` succeeded; the worker never ran.
    pub fn subagent_rolled_back(
        &mut self,
        cx: &PhaseCtx<'_, CoordinatorConfig>,
        params: &Value,
    ) -> Outcome {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        self.ensure(cx, now, &mut out);
        if let Some(child) = s(params, "childSessionKey") {
            let e = self.event(now, EventKind::RolledBack, child);
            self.record(cx, now, &mut out, e);
        }
        out
    }

    /// The context engine's `onSubagentEnded` (P6-R1): `ended` unless the `subagent_ended`
    /// hook already recorded it. It carries a reason but no outcome, so the outcome stays
    /// unknown until the hook fills it in, and the parent is notified by the hook (which
    /// knows the outcome), not here.
    pub fn engine_subagent_ended(
        &mut self,
        cx: &PhaseCtx<'_, CoordinatorConfig>,
        params: &Value,
    ) -> Outcome {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        self.ensure(cx, now, &mut out);
        if let Some(child) = s(params, "childSessionKey") {
            let mut e = self.event(now, EventKind::Ended, child);
            e.reason = s(params, "reason").map(str::to_string);
            self.record(cx, now, &mut out, e);
        }
        out
    }

    /// `before_tool_call` of spawn and target tools (P6-R8, R9, R11).
    pub fn before_tool_call(
        &mut self,
        cx: &PhaseCtx<'_, CoordinatorConfig>,
        event: &Value,
        ctx: &Value,
    ) -> Outcome {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        self.ensure(cx, now, &mut out);
        let Some(caller) = s(ctx, "sessionKey").map(str::to_string) else {
            return out;
        };
        let tool = s(event, "toolName").unwrap_or("");
        let params = event.get("params").cloned().unwrap_or(Value::Null);
        if tool == "sessions_spawn" {
            let Some(obj) = params.as_object() else {
                return out;
            };
            let task = obj.get("task").and_then(Value::as_str).unwrap_or("");
            let hash = task_hash(task);
            if cx.cfg.dedupe != GuardMode::Off && !task.trim().is_empty() {
                let dup = self
                    .loaded
                    .as_ref()
                    .and_then(|l| l.registry.running_duplicate(&caller, &hash))
                    .cloned();
                if let Some(d) = dup {
                    let msg = format!("A worker with the same task is still running: {} ({}). Wait for it or continue it.", label_of(&d), d.child_session_key);
                    if cx.cfg.dedupe == GuardMode::Block {
                        out.decide(
                            now,
                            "coord.spawn.duplicate",
                            Action::Deny,
                            &caller,
                            msg.clone(),
                            json!({ "child": d.child_session_key }),
                        );
                        out.ret = json!({ "block": true, "blockReason": audit::block_text("coord.spawn.duplicate", &msg) });
                        return out;
                    }
                    out.decide(
                        now,
                        "coord.spawn.duplicate",
                        Action::Note,
                        &caller,
                        msg,
                        json!({ "child": d.child_session_key }),
                    );
                }
            }
            let coordinator = self.modes.get(&caller) == Some(&ModeSetting::Coordinator);
            if coordinator && !cx.cfg.allow_worker_model && obj.contains_key("model") {
                let mut p = obj.clone();
                let model = p.remove("model");
                out.decide(now, "coord.spawn.model_stripped", Action::Note, &caller, "The worker's model parameter was removed: workers inherit the session's model.".into(), json!({ "model": model }));
                out.ret = json!({ "params": Value::Object(p) });
            }
            let norm = normalise_task(task);
            self.pending_spawns
                .entry(caller.clone())
                .or_default()
                .push(PendingSpawn {
                    task_hash: hash,
                    task: norm.chars().take(TASK_MAX_CHARS).collect(),
                    cwd: ["cwd", "worktree"]
                        .iter()
                        .find_map(|k| obj.get(*k).and_then(Value::as_str))
                        .map(str::to_string),
                });
            return out;
        }
        if !cx.cfg.target_tools.iter().any(|t| t == tool) {
            return out;
        }
        let target = [
            "sessionKey",
            "childSessionKey",
            "targetSessionKey",
            "target",
            "to",
        ]
        .iter()
        .find_map(|k| params.get(*k).and_then(Value::as_str))
        .filter(|t| t.starts_with("agent:"));
        let Some(target) = target else {
            return out;
        };
        let Some(l) = self.loaded.as_ref() else {
            out.decide(
                now,
                "coord.degraded.registry",
                Action::Note,
                &caller,
                "The worker registry is unavailable; the call proceeds.".into(),
                Value::Null,
            );
            return out;
        };
        let own_record = l.registry.records.get(target).cloned();
        match check_target(&l.registry, &caller, target) {
            TargetCheck::Own => {
                // P6-R10: continuing a worker whose recorded directory is gone.
                let gone = own_record.as_ref().and_then(|r| {
                    r.cwd
                        .clone()
                        .filter(|c| !c.is_empty())
                        .filter(|c| matches!(cx.host.fs_stat(c), Err(HostError::NotFound)))
                        .map(|c| (label_of(r), c))
                });
                if let Some((label, cwd)) = gone {
                    let text = format!("Worker {label}'s working directory {cwd} no longer exists; it will run in the agent's workspace.");
                    out.decide(now, "coord.resume.cwd_missing", Action::Note, &caller, text.clone(), json!({ "child": target, "cwd": cwd }));
                    self.notify(cx, now, &mut out, &caller, format!("{target}:cwd_missing"), text);
                }
            }
            TargetCheck::Unknown => out.decide(now, "coord.lineage.unknown_target", Action::Note, &caller, format!("Session {caller} addressed {target}, which the worker registry does not know (it may predate the plugin); allowed."), json!({ "target": target, "tool": tool })),
            TargetCheck::Foreign => {
                let msg = format!("Session {caller} may not address {target}: it is not one of its workers.");
                if cx.cfg.block_foreign_targets {
                    out.decide(now, "coord.lineage.foreign_target", Action::Deny, &caller, msg.clone(), json!({ "target": target, "tool": tool }));
                    out.ret = json!({ "block": true, "blockReason": audit::block_text("coord.lineage.foreign_target", &msg) });
                } else {
                    out.decide(now, "coord.lineage.foreign_target", Action::Note, &caller, msg, json!({ "target": target, "tool": tool }));
                }
            }
        }
        out
    }

    fn match_mode(
        &mut self,
        cx: &PhaseCtx<'_, CoordinatorConfig>,
        now: i64,
        out: &mut Outcome,
        key: &str,
        sid: &str,
        agent: &str,
    ) -> Option<String> {
        if self.modes.contains_key(key) {
            return None;
        }
        let path = mode_path(cx.state_dir, sid);
        let saved = match cx.host.fs_read(&path, 64 * 1024) {
            Ok(b) => match crate::json::read_slice::<SessionMode>(&b) {
                Ok(m) => Some(m),
                Err(e) => {
                    let aside = format!("{path}.corrupt-{}", now);
                    let _ = cx.host.fs_write_atomic(&aside, &b, 0o600);
                    let _ = cx.host.fs_remove(&path);
                    out.diag(
                        LogLevel::Warn,
                        "coord.mode.corrupt",
                        format!("{path} was not a valid mode file ({e}); moved aside"),
                    );
                    None
                }
            },
            Err(_) => None,
        };
        let configured = Self::configured_mode(cx.cfg, agent);
        let m = match_session_mode(
            key,
            saved.as_ref(),
            configured,
            cx.cfg.follow_resumed_mode,
            now,
        );
        if let Ok(b) = serde_json::to_vec(&m.save) {
            if let Err(e) = cx.host.fs_write_atomic(&path, &b, 0o600) {
                out.diag(
                    LogLevel::Warn,
                    "coord.mode.write_failed",
                    format!("could not write {path}: {e}"),
                );
            }
        }
        if let Some((from, to)) = m.switched {
            out.decide(now, "coord.mode.switched", Action::Note, key, format!("The resumed session keeps its saved {} mode although its agent is configured {}.", mode_name(to), mode_name(from)), json!({ "from": mode_name(from), "to": mode_name(to) }));
        }
        self.modes.insert(key.to_string(), m.mode);
        m.notice
    }

    /// `session_start`: a resumed session is matched again (P6-R5).
    pub fn session_start(
        &mut self,
        cx: &PhaseCtx<'_, CoordinatorConfig>,
        event: &Value,
        ctx: &Value,
    ) -> Outcome {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        self.ensure(cx, now, &mut out);
        if s(event, "resumedFrom").is_some() {
            if let Some(k) = s(ctx, "sessionKey").or_else(|| s(event, "sessionKey")) {
                self.modes.remove(k);
                self.resumed.insert(k.to_string());
            }
        }
        out
    }

    /// P6-R13: the projection `assemble` hands to the model, sanitised for a resumed session
    /// (dangling tool calls answered, orphan results and empty turns dropped; the current turn
    /// from the last user message on is never touched). `None` when nothing needed repair.
    pub fn sanitize_projection(
        &mut self,
        cx: &PhaseCtx<'_, CoordinatorConfig>,
        key: &str,
        messages: &[Value],
    ) -> (Option<Vec<Value>>, Outcome) {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        let first = self.assembled.insert(key.to_string());
        if !first && !self.resumed.contains(key) {
            return (None, out);
        }
        let fence = messages
            .iter()
            .rposition(|m| m.get("role").and_then(Value::as_str) == Some("user"))
            .unwrap_or(messages.len());
        let (fixed, rep) = super::sanitize::sanitize(messages, fence);
        if !rep.any() {
            self.resumed.remove(key);
            self.reported.remove(key);
            return (None, out);
        }
        self.resumed.insert(key.to_string());
        let counts = [
            rep.inserted_results,
            rep.removed_orphans,
            rep.removed_thinking,
            rep.removed_empty,
        ];
        if self.reported.get(key) != Some(&counts) {
            self.reported.insert(key.to_string(), counts);
            out.decisions.push(Decision {
                v: RECORD_VERSION,
                at: now,
                phase: "coordinator".into(),
                code: "coord.resume.repaired".into(),
                action: Action::Note,
                message: format!(
                    "The resumed transcript was repaired for the model: {} dangling tool call(s) answered, {} orphan result(s), {} thinking-only and {} empty assistant message(s) left out.",
                    counts[0], counts[1], counts[2], counts[3]
                ),
                session_key: Some(key.to_string()),
                run_id: None,
                tool_call_id: None,
                details: json!({
                    "insertedResults": counts[0],
                    "removedOrphans": counts[1],
                    "removedThinking": counts[2],
                    "removedEmpty": counts[3],
                }),
            });
        }
        (Some(fixed), out)
    }

    /// `before_prompt_build`: mode matching, coordinator rules and tool narrowing (P6-R6),
    /// the parent's pending notices, and worker results delivered a second time (P6-R12).
    pub fn before_prompt_build(
        &mut self,
        cx: &PhaseCtx<'_, CoordinatorConfig>,
        event: &Value,
        ctx: &Value,
    ) -> Outcome {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        self.ensure(cx, now, &mut out);
        let Some(key) = s(ctx, "sessionKey").map(str::to_string) else {
            return out;
        };
        if is_internal_key(&key) {
            return out;
        }
        let sid = self.session_name(cx, now, &mut out, s(ctx, "sessionId"), &key);
        let agent = agent_id(&key, ctx);
        let mut prepend: Vec<String> = Vec::new();
        if !is_subagent_key(&key) {
            if let Some(n) = self.match_mode(cx, now, &mut out, &key, &sid, &agent) {
                prepend.push(n);
            }
        }
        prepend.extend(
            self.take_notices(cx, now, &mut out, &key)
                .into_iter()
                .map(|x| x.text),
        );
        prepend.extend(self.check_deliveries(cx, now, &mut out, &key, event));
        let mut ret = serde_json::Map::new();
        if !prepend.is_empty() {
            ret.insert(
                "prependContext".into(),
                Value::String(format!("[agent-ops coordinator]\n{}", prepend.join("\n"))),
            );
        }
        if self.modes.get(&key) == Some(&ModeSetting::Coordinator) {
            ret.insert(
                "appendSystemContext".into(),
                Value::String(RULES.to_string()),
            );
            ret.insert("toolsAllow".into(), json!(cx.cfg.tools));
        }
        if !ret.is_empty() {
            out.ret = Value::Object(ret);
        }
        out
    }

    /// P6-R12: each worker result in the new turn's text is recorded as delivered the first
    /// time; seen again (a retried or repeated delivery, also after a restart), it gets a
    /// note telling the parent not to act on it twice. Results of workers the registry does
    /// not know (spawned before the plugin) cannot be told apart and are left alone.
    fn check_deliveries(
        &mut self,
        cx: &PhaseCtx<'_, CoordinatorConfig>,
        now: i64,
        out: &mut Outcome,
        parent: &str,
        event: &Value,
    ) -> Vec<String> {
        let mut notes = Vec::new();
        let found: Vec<super::deliveries::Completion> = super::deliveries::new_turn_texts(event)
            .into_iter()
            .flat_map(super::deliveries::completions_in)
            .collect();
        for c in found {
            let Some(r) = self
                .loaded
                .as_ref()
                .and_then(|l| l.registry.records.get(&c.child_session_key))
                .cloned()
            else {
                continue;
            };
            if let Some(at) = r.delivered.contains(&c.result_hash).then(|| {
                r.delivered_at
                    .get(&c.result_hash)
                    .copied()
                    .unwrap_or(r.ended_at.unwrap_or(r.last_progress_at))
            }) {
                let label = label_of(&r);
                notes.push(format!(
                    "The result of worker {label} shown below was already delivered at {}; do not act on it twice.",
                    iso_utc(at)
                ));
                out.decide(now,
                    "coord.delivery.duplicate",
                    Action::Note,
                    parent,
                    format!("Worker {label}'s result reached the parent again; it was told not to act on it twice."),
                    json!({ "child": c.child_session_key, "resultHash": c.result_hash, "firstDeliveredAt": at }),
                );
            } else {
                let mut e = self.event(now, EventKind::Delivered, &c.child_session_key);
                e.result_hash = Some(c.result_hash);
                self.record(cx, now, out, e);
            }
        }
        notes
    }

    /// The name of a session's mode file (its id, else its key, through the one sanitiser);
    /// the first time in this process, a file left under its pre-issue-18 name is adopted.
    fn session_name(
        &mut self,
        cx: &PhaseCtx<'_, CoordinatorConfig>,
        now: i64,
        out: &mut Outcome,
        session_id: Option<&str>,
        key: &str,
    ) -> String {
        let id = session_id.unwrap_or(key);
        let sid = state_name(id);
        if self.adopted.insert(sid.clone()) {
            let legacy = mode_path(cx.state_dir, &legacy_session_dir_name(id));
            let current = mode_path(cx.state_dir, &sid);
            out.diagnostics
                .extend(adopt_file(cx.host, &legacy, &current, now, "coord"));
        }
        sid
    }

    /// `agent_end`: the session's mode is re-stamped (P6-R4).
    pub fn agent_end(&mut self, cx: &PhaseCtx<'_, CoordinatorConfig>, ctx: &Value) -> Outcome {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        let Some(key) = s(ctx, "sessionKey") else {
            return out;
        };
        let Some(mode) = self.modes.get(key).copied() else {
            return out;
        };
        let sid = self.session_name(cx, now, &mut out, s(ctx, "sessionId"), key);
        let path = mode_path(cx.state_dir, &sid);
        let prev = cx
            .host
            .fs_read(&path, 64 * 1024)
            .ok()
            .and_then(|b| crate::json::read_slice::<SessionMode>(&b).ok());
        let save = SessionMode {
            v: super::mode::MODE_VERSION,
            session_key: key.to_string(),
            mode,
            saved_at: now,
            resumes: prev.as_ref().map_or(0, |p| p.resumes),
            last_resume_at: prev.and_then(|p| p.last_resume_at),
        };
        if let Ok(b) = serde_json::to_vec(&save) {
            if let Err(e) = cx.host.fs_write_atomic(&path, &b, 0o600) {
                out.diag(
                    LogLevel::Warn,
                    "coord.mode.write_failed",
                    format!("could not write {path}: {e}"),
                );
            }
        }
        out
    }

    /// P6-R14a: the caller's workers as text lines and details.
    pub fn workers(
        &mut self,
        cx: &PhaseCtx<'_, CoordinatorConfig>,
        caller: &str,
        status: Option<&str>,
    ) -> (String, Value) {
        let now = cx.now_ms();
        let mut out = Outcome::default();
        self.ensure(cx, now, &mut out);
        let Some(l) = self.loaded.as_ref() else {
            return (
                "agent-ops[coord.degraded.registry]: the worker registry is unavailable".into(),
                json!({ "workers": [] }),
            );
        };
        let list = l.registry.workers_of(caller, status);
        let mut text = format!("{} worker(s) of {caller}", list.len());
        if let Some(st) = status.filter(|x| *x != "all") {
            text.push_str(&format!(" with status {st}"));
        }
        text.push('\n');
        let mut details = Vec::new();
        for r in &list {
            text.push_str(&format!(
                "- {} ({}): {}{}; task: {}; model: {}; spawned {}; last progress {}{}\n",
                label_of(r),
                r.child_session_key,
                r.status.as_str(),
                r.outcome
                    .as_ref()
                    .map(|o| format!(" ({o})"))
                    .unwrap_or_default(),
                r.task.as_deref().unwrap_or("?"),
                r.model.as_deref().unwrap_or("?"),
                iso_utc(r.spawned_at),
                iso_utc(r.last_progress_at),
                r.ended_at
                    .map(|t| format!("; ended {}", iso_utc(t)))
                    .unwrap_or_default(),
            ));
            details.push(json!({
                "label": label_of(r), "childSessionKey": r.child_session_key, "task": r.task, "model": r.model,
                "status": r.status.as_str(), "outcome": r.outcome, "spawnedAt": r.spawned_at,
                "lastProgressAt": r.last_progress_at, "endedAt": r.ended_at, "depth": r.depth,
            }));
        }
        if list.is_empty() {
            text.push_str("- none\n");
        }
        (text, json!({ "workers": details }))
    }

    /// Records of a status (tests and `/workers`).
    pub fn count(&self, status: Status) -> usize {
        self.loaded.as_ref().map_or(0, |l| {
            l.registry
                .records
                .values()
                .filter(|r| r.status == status)
                .count()
        })
    }
}

fn mode_name(m: ModeSetting) -> &'static str {
    match m {
        ModeSetting::Coordinator => "coordinator",
        ModeSetting::Normal => "normal",
    }
}
