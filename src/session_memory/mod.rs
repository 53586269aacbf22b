//! Phase 3, session memory, long-term extraction and durable drain
//! (spec/phase3-session-memory.md).
//!
//! Not implemented yet: the phase validates its config and reports itself as not
//! implemented in `agent-ops doctor`; it registers no hooks.

mod config;

pub use config::{
    DrainConfig, JobsConfig, LongTermConfig, NotesCompactionConfig, NotesConfig,
    SessionMemoryConfig,
};
