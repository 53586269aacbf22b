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
pub use keeper::{notes_path, session_dir_name, Keeper};
pub use longterm::MEMORY_FILE_MAX_BYTES;
pub use notes::{bodies, Template};
pub use rules::TEMPLATE;
