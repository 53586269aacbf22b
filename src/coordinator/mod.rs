//! Phase 6, coordinator mode and subagent resume integrity (spec/phase6-coordinator.md).
//!
//! In progress: the pure rules exist — the worker registry and its reconciliation
//! ([`lineage`]), mode matching on resume ([`mode`]) and transcript sanitation
//! ([`sanitize`]). The phase is not wired to OpenClaw yet: it reports itself as not
//! implemented and registers no hooks.

mod config;
pub mod lineage;
pub mod mode;
pub mod sanitize;

pub use config::{AgentMode, CoordinatorConfig, ModeSetting, ResumeConfig};
