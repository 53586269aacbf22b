//! Phase 6, coordinator mode and subagent resume integrity (spec/phase6-coordinator.md).
//!
//! The worker registry and its reconciliation ([`lineage`], persisted by [`store`]), mode
//! matching on resume ([`mode`]), the hooks ([`engine`]) and transcript sanitation
//! ([`sanitize`], applied by the context engine's assemble), and duplicate result deliveries
//! ([`deliveries`]).

mod config;
mod deliveries;
mod engine;
mod hooks;
mod lineage;
mod mode;
mod sanitize;
mod store;

pub use config::{AgentMode, CoordinatorConfig, ModeSetting, ResumeConfig};
pub use engine::{mode_path, ResumeGuard};
pub use hooks::init;
pub use lineage::{EventKind, LineageEvent, Status, LINEAGE_VERSION};
pub use store::{
    append as append_lineage, load as load_lineage, rotate_above as rotate_lineage_above, Loaded,
    StateFile, JOURNAL_ROTATE_BYTES,
};

/// The hand-written state readers against the derive (README G-R3, `json::read`).
#[cfg(test)]
mod read_tests {
    use crate::json::read::check_reader as check;
    use serde_json::{json, Value};

    fn lineage_record() -> Value {
        json!({"childSessionKey": "agent:main:subagent:1", "parentSessionKey": "agent:main:main",
            "rootSessionKey": "agent:main:main", "depth": 1, "agentId": "main", "label": "l",
            "spawnMode": "run", "contextMode": "fork", "taskHash": "ab", "task": "t", "model": "p/m",
            "cwd": "/w", "status": "rolled_back", "spawnedAt": 5, "lastProgressAt": -6,
            "endedAt": 7, "outcome": "ok", "epoch": "e", "delivered": ["h"],
            "deliveredAt": {"h": 9}})
    }

    #[test]
    fn coordinator_state() {
        use super::engine::Notices;
        use super::lineage::{LineageEvent, LineageRecord, Registry};
        use super::mode::SessionMode;
        use super::store::StateFile;
        check::<LineageRecord>(&[lineage_record()]);
        check::<Registry>(&[
            json!({"records": {"a": lineage_record()}}),
            json!({"records": {}}),
        ]);
        check::<StateFile>(&[json!({"v": 1, "journal": 2, "lines": 3,
            "registry": {"records": {"a": lineage_record()}}})]);
        check::<LineageEvent>(&[
            json!({"v": 1, "at": 2, "epoch": "e", "event": "delivered", "parentSessionKey": "p",
                "childSessionKey": "c", "runId": "r", "agentId": "a", "label": "l",
                "spawnMode": "run", "contextMode": "isolated", "taskHash": "h", "task": "t",
                "model": "m", "cwd": "/", "outcome": "ok", "reason": "why", "resultHash": "x"}),
            json!({}),
        ]);
        check::<Notices>(&[
            json!({"v": 1, "pending": {"p": [{"id": "i", "text": "t", "at": 3}]}, "seen": {"i": 4}}),
            json!({}),
        ]);
        check::<SessionMode>(&[
            json!({"v": 1, "sessionKey": "k", "mode": "coordinator", "savedAt": 2, "resumes": 3,
                "lastResumeAt": 4}),
            json!({"v": 1, "sessionKey": "k", "mode": "normal", "savedAt": 2}),
        ]);
    }
}
