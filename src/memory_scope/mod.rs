//! Phase 5, agent memory scoping, snapshots, scan caps, cost attribution and model tiers
//! (spec/phase5-memory-scoping.md).
//!
//! Not implemented yet: the phase validates its config and reports itself as not
//! implemented in `agent-ops doctor`; it registers no hooks.

mod config;

pub use config::{
    AgentScope, CostsConfig, EntrypointConfig, GuardMode, MemoryScopingConfig, RecallConfig,
    RoutingConfig, ScanConfig, Scope, SnapshotsConfig, Tier, TiersConfig,
};
