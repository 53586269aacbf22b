//! Phase 1, compaction governance (spec/phase1-compaction.md).
//!
//! Pure decisions: [`thresholds`] from the context window, [`tokens`](crate::tokens) counting, the gate and
//! circuit breaker in [`state`], [`microcompact`]ion of old tool results, the nine-section
//! [`summary`], oversize-result [`cap`]ping and post-compaction [`restore`]. [`engine`] maps
//! them onto OpenClaw's context-engine methods and hooks.

pub mod cap;
mod config;
pub mod engine;
mod hooks;
pub mod microcompact;
pub mod restore;
pub mod state;
pub mod summary;
pub mod thresholds;
/// Token counting moved to the ground floor (issue 18); the old path stays during the move.
pub use crate::tokens;

pub use config::{CompactionConfig, MicrocompactConfig, RestoreConfig, SummaryTemplate};
pub use engine::Governor;
pub use hooks::{handles, init, invalid_input, passthrough, EngineProtocol, ENGINE_METHODS};
