//! The worker registry (P6 §3, §4): lineage events, their idempotent application to the
//! materialised records (P6-R1, R2), reconciliation after a restart (P6-R3), the ancestry
//! check of foreign targets (P6-R11) and the per-caller worker list (P6-R14a). Pure: the
//! journal and `state.json` I/O live with the runtime glue.

use crate::sorted::SortedMap;
use serde::{Deserialize, Serialize};

/// Layout version of events and records.
pub const LINEAGE_VERSION: u32 = 1;
/// A running worker without progress for this long is stale (only the tests use the
/// constant).
#[cfg(test)]
pub const STALE_RUN_MINUTES: u64 = 120;
/// Longest task text kept in a record.
pub const TASK_MAX_CHARS: usize = 300;

/// What happened to a worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// `subagent_spawned`.
    Spawned,
    /// `prepareSubagentSpawn` (engine mode).
    Prepared,
    /// The preparation's rollback.
    RolledBack,
    /// `subagent_progress`.
    Progress,
    /// `subagent_ended`.
    Ended,
    /// Reconciliation: its process died while it ran.
    Interrupted,
    /// Reconciliation: no progress for too long.
    Stale,
    /// A result was shown to the parent.
    Delivered,
    /// The parent continued it.
    Continued,
}

/// One line of `lineage/events-<n>.jsonl`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LineageEvent {
    /// Layout version.
    pub v: u32,
    /// When (ms).
    pub at: i64,
    /// Process epoch that observed it.
    pub epoch: String,
    /// What happened.
    pub event: Option<EventKind>,
    /// Parent session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_session_key: Option<String>,
    /// The worker's session.
    pub child_session_key: String,
    /// Run id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// Agent id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// `run` or `session`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spawn_mode: Option<String>,
    /// `isolated` or `fork`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_mode: Option<String>,
    /// Hash of the normalised task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_hash: Option<String>,
    /// First 300 characters of the normalised task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// `provider/model`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Working directory or worktree.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// `ok`, `error`, `timeout`, `killed`, `unknown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Why it ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Hash of a delivered result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_hash: Option<String>,
}

crate::json::read::json_enum! {
    EventKind {
        Spawned = "spawned", Prepared = "prepared", RolledBack = "rolled_back",
        Progress = "progress", Ended = "ended", Interrupted = "interrupted", Stale = "stale",
        Delivered = "delivered", Continued = "continued",
    }
    Status {
        Running = "running", Ended = "ended", Interrupted = "interrupted", Stale = "stale",
        RolledBack = "rolled_back",
    }
}

crate::json::read::json_struct!(default LineageEvent {
    "v" => v, "at" => at, "epoch" => epoch, "event" => event,
    "parentSessionKey" => parent_session_key, "childSessionKey" => child_session_key,
    "runId" => run_id, "agentId" => agent_id, "label" => label, "spawnMode" => spawn_mode,
    "contextMode" => context_mode, "taskHash" => task_hash, "task" => task, "model" => model,
    "cwd" => cwd, "outcome" => outcome, "reason" => reason, "resultHash" => result_hash,
});

/// A worker's state (`Default`: `Running`, only as the state reader's placeholder).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Still working.
    #[default]
    Running,
    /// Finished (see `outcome`).
    Ended,
    /// Its process died while it ran.
    Interrupted,
    /// No progress for too long.
    Stale,
    /// The spawn preparation was rolled back.
    RolledBack,
}

impl Status {
    /// The name used in lists and filters.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Ended => "ended",
            Status::Interrupted => "interrupted",
            Status::Stale => "stale",
            Status::RolledBack => "rolled_back",
        }
    }
}

/// The materialised view of one worker. (`Default` is the empty record the state reader fills
/// in, `json_struct!`.)
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineageRecord {
    /// The worker's session.
    pub child_session_key: String,
    /// Its parent (empty for a root).
    pub parent_session_key: String,
    /// The root of its tree.
    pub root_session_key: String,
    /// Root = 0.
    pub depth: u32,
    /// Agent id.
    pub agent_id: Option<String>,
    /// Label.
    pub label: Option<String>,
    /// `run` or `session`.
    pub spawn_mode: Option<String>,
    /// `isolated` or `fork`.
    pub context_mode: Option<String>,
    /// Hash of the normalised task.
    pub task_hash: Option<String>,
    /// Task text (≤ 300 chars).
    pub task: Option<String>,
    /// `provider/model`.
    pub model: Option<String>,
    /// Working directory.
    pub cwd: Option<String>,
    /// State.
    pub status: Status,
    /// Spawned (ms).
    pub spawned_at: i64,
    /// Last progress (ms).
    pub last_progress_at: i64,
    /// Ended (ms).
    pub ended_at: Option<i64>,
    /// Outcome.
    pub outcome: Option<String>,
    /// Epoch of the process that owned it while running.
    pub epoch: String,
    /// Hashes of results already delivered to the parent.
    pub delivered: Vec<String>,
    /// When each delivered result was first delivered (ms), by hash (P6-R12 names the time).
    #[serde(default, skip_serializing_if = "SortedMap::is_empty")]
    pub delivered_at: SortedMap<String, i64>,
}

crate::json::read::json_struct!(LineageRecord {
    "childSessionKey" => child_session_key: req,
    "parentSessionKey" => parent_session_key: req,
    "rootSessionKey" => root_session_key: req,
    "depth" => depth: req,
    "agentId" => agent_id: opt,
    "label" => label: opt,
    "spawnMode" => spawn_mode: opt,
    "contextMode" => context_mode: opt,
    "taskHash" => task_hash: opt,
    "task" => task: opt,
    "model" => model: opt,
    "cwd" => cwd: opt,
    "status" => status: req,
    "spawnedAt" => spawned_at: req,
    "lastProgressAt" => last_progress_at: req,
    "endedAt" => ended_at: opt,
    "outcome" => outcome: opt,
    "epoch" => epoch: req,
    "delivered" => delivered: req,
    "deliveredAt" => delivered_at: def,
});

/// Normalised task text: trimmed, whitespace runs collapsed.
pub fn normalise_task(task: &str) -> String {
    task.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `taskHash`: first 16 hex chars of SHA-256 of the normalised task.
pub fn task_hash(task: &str) -> String {
    crate::hash::sha256_hex_prefix(normalise_task(task).as_bytes(), 8)
}

/// Outcome values outside the known set are stored as `unknown` (P6 §10).
pub fn outcome_of(raw: Option<&str>) -> String {
    match raw {
        Some(o @ ("ok" | "error" | "timeout" | "killed")) => o.to_string(),
        _ => "unknown".to_string(),
    }
}

/// Every worker, keyed by child session key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registry {
    /// Records by child session key.
    pub records: SortedMap<String, LineageRecord>,
}

crate::json::read::json_struct!(Registry { "records" => records: req });

impl Registry {
    /// Applies one event; returns whether anything changed (P6-R2: replays change nothing).
    pub fn apply(&mut self, e: &LineageEvent) -> bool {
        let Some(kind) = e.event else {
            return false;
        };
        let key = e.child_session_key.as_str();
        if key.is_empty() {
            return false;
        }
        if kind == EventKind::Spawned || kind == EventKind::Prepared {
            if let Some(r) = self.records.get_mut(key) {
                // A `prepared` after `spawned` (or the reverse) only fills in what is missing.
                let mut changed = false;
                if r.context_mode.is_none() && e.context_mode.is_some() {
                    r.context_mode = e.context_mode.clone();
                    changed = true;
                }
                if r.task.is_none() && e.task.is_some() {
                    r.task = e.task.clone();
                    r.task_hash = e.task_hash.clone();
                    changed = true;
                }
                return changed;
            }
            let parent = e.parent_session_key.clone().unwrap_or_default();
            let (root, depth) = match self.records.get(&parent) {
                Some(p) => (p.root_session_key.clone(), p.depth.saturating_add(1)),
                None if parent.is_empty() => (key.to_string(), 0),
                None => (parent.clone(), 1),
            };
            self.records.insert(
                key.to_string(),
                LineageRecord {
                    child_session_key: key.to_string(),
                    parent_session_key: parent,
                    root_session_key: root,
                    depth,
                    agent_id: e.agent_id.clone(),
                    label: e.label.clone(),
                    spawn_mode: e.spawn_mode.clone(),
                    context_mode: e.context_mode.clone(),
                    task_hash: e.task_hash.clone(),
                    task: e.task.clone(),
                    model: e.model.clone(),
                    cwd: e.cwd.clone(),
                    status: Status::Running,
                    spawned_at: e.at,
                    last_progress_at: e.at,
                    ended_at: None,
                    outcome: None,
                    epoch: e.epoch.clone(),
                    delivered: Vec::new(),
                    delivered_at: SortedMap::new(),
                },
            );
            return true;
        }
        let Some(r) = self.records.get_mut(key) else {
            return false;
        };
        match kind {
            EventKind::Progress => {
                if r.status != Status::Running && r.status != Status::Stale {
                    return false;
                }
                r.status = Status::Running;
                r.last_progress_at = r.last_progress_at.max(e.at);
                true
            }
            EventKind::Ended => {
                if r.status == Status::Ended {
                    // The engine's `onSubagentEnded` knows no outcome; the hook's `ended`
                    // that follows it fills the outcome in (once: a replay changes nothing).
                    let known = outcome_of(e.outcome.as_deref());
                    if r.outcome.as_deref() == Some("unknown") && known != "unknown" {
                        r.outcome = Some(known);
                        return true;
                    }
                    return false;
                }
                r.status = Status::Ended;
                r.ended_at = Some(e.at);
                r.outcome = Some(outcome_of(e.outcome.as_deref()));
                true
            }
            EventKind::Interrupted | EventKind::Stale => {
                let to = if kind == EventKind::Interrupted {
                    Status::Interrupted
                } else {
                    Status::Stale
                };
                if r.status != Status::Running || r.status == to {
                    return false;
                }
                r.status = to;
                true
            }
            EventKind::RolledBack => {
                if r.status != Status::Running {
                    return false;
                }
                r.status = Status::RolledBack;
                true
            }
            EventKind::Delivered => match &e.result_hash {
                Some(h) if !r.delivered.contains(h) => {
                    r.delivered.push(h.clone());
                    r.delivered_at.insert(h.clone(), e.at);
                    true
                }
                _ => false,
            },
            EventKind::Continued => {
                if matches!(
                    r.status,
                    Status::Interrupted | Status::Stale | Status::Ended
                ) {
                    r.status = Status::Running;
                    r.epoch = e.epoch.clone();
                    r.last_progress_at = e.at;
                    r.ended_at = None;
                    true
                } else {
                    false
                }
            }
            EventKind::Spawned | EventKind::Prepared => false,
        }
    }

    /// P6-R3: running workers owned by a dead process become interrupted; running workers
    /// without progress for `stale_minutes` become stale. Returns the events to journal.
    pub fn reconcile(
        &self,
        epoch: &str,
        now_ms: i64,
        stale_minutes: u64,
        epoch_alive: &dyn Fn(&str) -> bool,
    ) -> Vec<LineageEvent> {
        let stale_ms = i64::try_from(stale_minutes.saturating_mul(60_000)).unwrap_or(i64::MAX);
        let mut out = Vec::new();
        for r in self
            .records
            .values()
            .filter(|r| r.status == Status::Running)
        {
            let kind = if r.epoch != epoch && !epoch_alive(&r.epoch) {
                EventKind::Interrupted
            } else if now_ms.saturating_sub(r.last_progress_at) > stale_ms {
                EventKind::Stale
            } else {
                continue;
            };
            out.push(LineageEvent {
                v: LINEAGE_VERSION,
                at: now_ms,
                epoch: epoch.to_string(),
                event: Some(kind),
                parent_session_key: Some(r.parent_session_key.clone()),
                child_session_key: r.child_session_key.clone(),
                ..LineageEvent::default()
            });
        }
        out
    }

    /// Whether `ancestor` is on the parent chain of `key` (depth-limited against cycles).
    pub fn has_ancestor(&self, key: &str, ancestor: &str) -> bool {
        let mut cur = key;
        for _ in 0..64 {
            let Some(r) = self.records.get(cur) else {
                return false;
            };
            if r.parent_session_key == ancestor {
                return true;
            }
            if r.parent_session_key.is_empty() {
                return false;
            }
            cur = &r.parent_session_key;
        }
        false
    }

    /// The caller's workers (records whose ancestry contains the caller), newest first,
    /// optionally filtered by status name (`all` or none: every status).
    pub fn workers_of(&self, caller: &str, status: Option<&str>) -> Vec<&LineageRecord> {
        let mut v: Vec<&LineageRecord> = self
            .records
            .values()
            .filter(|r| self.has_ancestor(&r.child_session_key, caller))
            .filter(|r| status.is_none_or(|s| s == "all" || s == r.status.as_str()))
            .collect();
        crate::sorted::sort_by_key(&mut v, |r| std::cmp::Reverse(r.spawned_at));
        v
    }

    /// A running child of `parent` with this task hash (duplicate spawn guard, P6-R9).
    pub fn running_duplicate(&self, parent: &str, task_hash: &str) -> Option<&LineageRecord> {
        self.records.values().find(|r| {
            r.status == Status::Running
                && r.parent_session_key == parent
                && r.task_hash.as_deref() == Some(task_hash)
        })
    }
}

/// P6-R11: what the foreign-target guard decides for `caller` addressing `target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetCheck {
    /// One of the caller's workers (any depth), the caller itself, or its own parent.
    Own,
    /// A registered worker of someone else.
    Foreign,
    /// Not in the registry (may predate the plugin).
    Unknown,
}

/// Classifies a target session for the foreign-target guard.
pub fn check_target(reg: &Registry, caller: &str, target: &str) -> TargetCheck {
    if target == caller {
        return TargetCheck::Own;
    }
    if reg
        .records
        .get(caller)
        .is_some_and(|r| r.parent_session_key == target)
    {
        return TargetCheck::Own;
    }
    if !reg.records.contains_key(target) {
        return TargetCheck::Unknown;
    }
    if reg.has_ancestor(target, caller) {
        TargetCheck::Own
    } else {
        TargetCheck::Foreign
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(
        kind: EventKind,
        parent: Option<&str>,
        child: &str,
        at: i64,
        epoch: &str,
    ) -> LineageEvent {
        LineageEvent {
            v: LINEAGE_VERSION,
            at,
            epoch: epoch.into(),
            event: Some(kind),
            parent_session_key: parent.map(str::to_string),
            child_session_key: child.into(),
            ..LineageEvent::default()
        }
    }

    const P: &str = "agent:main:main";
    const C: &str = "agent:main:subagent:c1";

    #[test]
    fn p6_t1_spawned_twice_is_one_record() {
        let mut r = Registry::default();
        assert!(r.apply(&ev(EventKind::Spawned, Some(P), C, 1, "A")));
        assert!(!r.apply(&ev(EventKind::Spawned, Some(P), C, 2, "A")));
        assert_eq!(r.records.len(), 1);
        assert_eq!(r.records[C].depth, 1);
        assert_eq!(r.records[C].root_session_key, P);
    }

    #[test]
    fn p6_t2_ended_records_the_outcome_once() {
        let mut r = Registry::default();
        r.apply(&ev(EventKind::Spawned, Some(P), C, 1, "A"));
        let mut e = ev(EventKind::Ended, None, C, 5, "A");
        e.outcome = Some("ok".into());
        assert!(r.apply(&e));
        assert!(!r.apply(&e));
        assert_eq!(r.records[C].status, Status::Ended);
        assert_eq!(r.records[C].outcome.as_deref(), Some("ok"));
        let mut odd = ev(
            EventKind::Spawned,
            Some(P),
            "agent:main:subagent:c2",
            1,
            "A",
        );
        r.apply(&odd);
        odd.event = Some(EventKind::Ended);
        odd.outcome = Some("exploded".into());
        r.apply(&odd);
        assert_eq!(
            r.records["agent:main:subagent:c2"].outcome.as_deref(),
            Some("unknown")
        );
    }

    #[test]
    fn p6_t3_t4_reconcile_interrupts_dead_epochs_and_marks_stale_workers() {
        let mut r = Registry::default();
        r.apply(&ev(EventKind::Spawned, Some(P), C, 0, "A"));
        r.apply(&ev(
            EventKind::Spawned,
            Some(P),
            "agent:main:subagent:c2",
            0,
            "B",
        ));
        let now = 121 * 60_000;
        let out = r.reconcile("B", now, STALE_RUN_MINUTES, &|e| e == "B");
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].event, Some(EventKind::Interrupted));
        assert_eq!(out[0].child_session_key, C);
        assert_eq!(out[1].event, Some(EventKind::Stale));
        for e in &out {
            assert!(r.apply(e));
        }
        // Once applied, nothing more to reconcile (one notice per transition).
        assert!(r
            .reconcile("B", now, STALE_RUN_MINUTES, &|e| e == "B")
            .is_empty());
        // Progress revives a stale worker.
        assert!(r.apply(&ev(
            EventKind::Progress,
            None,
            "agent:main:subagent:c2",
            now + 1,
            "B"
        )));
        assert_eq!(r.records["agent:main:subagent:c2"].status, Status::Running);
    }

    #[test]
    fn p6_t11_t12_t13_foreign_targets_and_ancestry() {
        let mut r = Registry::default();
        r.apply(&ev(EventKind::Spawned, Some("S1"), "S1-child", 1, "A"));
        r.apply(&ev(
            EventKind::Spawned,
            Some("S1-child"),
            "S1-grandchild",
            2,
            "A",
        ));
        r.apply(&ev(EventKind::Spawned, Some("S2"), "S2-child", 3, "A"));
        assert_eq!(check_target(&r, "S1", "S2-child"), TargetCheck::Foreign);
        assert_eq!(check_target(&r, "S1", "S1-grandchild"), TargetCheck::Own);
        assert_eq!(
            check_target(&r, "S1", "somewhere-else"),
            TargetCheck::Unknown
        );
        assert_eq!(check_target(&r, "S1-child", "S1"), TargetCheck::Own);
        assert_eq!(r.records["S1-grandchild"].depth, 2);
        assert_eq!(r.records["S1-grandchild"].root_session_key, "S1");
        let w: Vec<&str> = r
            .workers_of("S1", None)
            .iter()
            .map(|x| x.child_session_key.as_str())
            .collect();
        assert_eq!(w, vec!["S1-grandchild", "S1-child"]);
        assert!(r.workers_of("S1", Some("ended")).is_empty());
    }

    #[test]
    fn p6_t10_duplicate_running_task_is_found_by_hash() {
        let mut r = Registry::default();
        let mut e = ev(EventKind::Spawned, Some(P), C, 1, "A");
        e.task_hash = Some(task_hash("  fix   the build\n"));
        r.apply(&e);
        assert!(r
            .running_duplicate(P, &task_hash("fix the build"))
            .is_some());
        assert!(r
            .running_duplicate("other", &task_hash("fix the build"))
            .is_none());
        assert_eq!(task_hash("fix the build").len(), 16);
    }

    #[test]
    fn delivered_results_are_remembered_once() {
        let mut r = Registry::default();
        r.apply(&ev(EventKind::Spawned, Some(P), C, 1, "A"));
        let mut d = ev(EventKind::Delivered, None, C, 2, "A");
        d.result_hash = Some("abc".into());
        assert!(r.apply(&d));
        assert!(!r.apply(&d));
        assert_eq!(r.records[C].delivered, vec!["abc".to_string()]);
    }
}
