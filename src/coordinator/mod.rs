//! Phase 6, coordinator mode and subagent resume integrity (spec/phase6-coordinator.md).
//!
//! The worker registry and its reconciliation ([`lineage`], persisted by [`store`]), mode
//! matching on resume ([`mode`]), the hooks ([`engine`]) and transcript sanitation
//! ([`sanitize`], applied by the context engine's assemble), and duplicate result deliveries
//! ([`deliveries`]).

mod config;
pub mod deliveries;
pub mod engine;
mod hooks;
pub mod lineage;
pub mod mode;
pub mod sanitize;
pub mod store;

pub use config::{AgentMode, CoordinatorConfig, ModeSetting, ResumeConfig};
pub use hooks::init;
