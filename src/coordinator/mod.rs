//! Phase 6, coordinator mode and subagent resume integrity (spec/phase6-coordinator.md).
//!
//! The worker registry and its reconciliation ([`lineage`], persisted by [`store`]), mode
//! matching on resume ([`mode`]), the hooks ([`engine`]) and transcript sanitation
//! ([`sanitize`], not wired into the context engine yet).

mod config;
pub mod engine;
pub mod lineage;
pub mod mode;
pub mod sanitize;
pub mod store;

pub use config::{AgentMode, CoordinatorConfig, ModeSetting, ResumeConfig};
