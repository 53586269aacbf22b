//! Phase 3, session memory, long-term extraction and durable drain
//! (spec/phase3-session-memory.md).
//!
//! In progress: the pure rules are in [`rules`] (notes template, update thresholds, message
//! cursors, validation of long-term extraction output). The phase is not wired to OpenClaw
//! yet: it reports itself as not implemented and registers no hooks.

mod config;
mod hooks;
mod jobs;
mod keeper;
mod longterm;
mod notes;
mod rules;

pub use config::{
    DrainConfig, JobsConfig, LongTermConfig, NotesCompactionConfig, NotesConfig,
    SessionMemoryConfig,
};
pub use hooks::{init, load_template, service, strip_removed_keys, SessionInput, TICK_MS};
pub use jobs::read_status;
pub use keeper::{notes_path, session_dir_name, NotesKeeper};
pub use longterm::MEMORY_FILE_MAX_BYTES;
pub use notes::{bodies, Template};
pub use rules::TEMPLATE;

/// The hand-written state readers against the derive (README G-R3, `json::read`).
#[cfg(test)]
mod read_tests {
    use crate::json::read::check_reader as check;
    use serde_json::json;

    #[test]
    fn session_memory_refs_and_operations() {
        use super::jobs::{JobFile, Record};
        use super::rules::{MessageRef, Operation};
        check::<JobFile>(&[
            json!({"v": 1, "jobId": "j", "kind": "long_term", "sessionKey": "k",
            "sessionId": "s", "agentId": "a", "createdAt": 2, "attempts": 3,
            "input": {"transcript": "t", "notesPath": "n", "memDir": "m", "trustedBase": "b",
                "scope": "user", "scopeNote": "note", "condense": ["c"]},
            "cursorAfter": {"c": 1}}),
        ]);
        check::<Record>(&[
            json!({"v": 1, "at": 2, "jobId": "j", "event": "dropped", "attempt": 3, "code": "c"}),
            json!({"v": 1, "at": 2, "jobId": "j", "event": "enqueued"}),
        ]);
        check::<MessageRef>(&[
            json!({"entryId": "e", "index": 3, "fingerprint": "f"}),
            json!({"index": 0, "fingerprint": ""}),
        ]);
        check::<Operation>(&[
            json!({"op": "upsert", "file": "a.md", "type": "user", "name": "n", "description": "d",
                "body": "b"}),
            json!({"op": "delete", "file": "a.md"}),
        ]);
    }
}
