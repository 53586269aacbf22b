//! Phase 1, compaction governance (spec/phase1-compaction.md).
//!
//! Pure decisions: [`thresholds`] from the context window, [`tokens`](crate::tokens) counting, the gate and
//! circuit breaker in [`state`], [`microcompact`]ion of old tool results, the nine-section
//! [`summary`], oversize-result [`cap`]ping and post-compaction [`restore`]. [`engine`] maps
//! them onto OpenClaw's context-engine methods and hooks.

mod cap;
mod config;
mod engine;
mod hooks;
mod microcompact;
mod restore;
mod state;
mod summary;
mod thresholds;
/// Token counting moved to the ground floor (issue 18); the old path stays during the move.
pub use crate::tokens;

pub use config::{CompactionConfig, MicrocompactConfig, RestoreConfig, SummaryTemplate};
pub use engine::{state_path, CompactionGovernor, ENGINE_ID};
pub use hooks::{handles, init, invalid_input, passthrough, EngineProtocol, ENGINE_METHODS};
pub use state::CompactionState;
pub use summary::SECTIONS;
