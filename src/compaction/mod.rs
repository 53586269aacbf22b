//! Phase 1, compaction governance (spec/phase1-compaction.md).
//!
//! Not implemented yet: the phase validates its config and reports itself as not
//! implemented in `agent-ops doctor`; it registers no hooks.

mod config;

pub use config::{CompactionConfig, MicrocompactConfig, RestoreConfig, SummaryTemplate};
