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
pub use engine::{mode_path, Coordinator};
pub use hooks::init;
pub use lineage::{EventKind, LineageEvent, Status, LINEAGE_VERSION};
pub use store::{
    append as append_lineage, load as load_lineage, rotate_above as rotate_lineage_above, Loaded,
    StateFile, JOURNAL_ROTATE_BYTES,
};
