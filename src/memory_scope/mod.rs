//! Phase 5, agent memory scoping, snapshots, scan caps, cost attribution and model tiers
//! (spec/phase5-memory-scoping.md).
//!
//! In progress: the pure rules are here ([`paths`]: directory names, scopes, validation of
//! configured locations, ownership; [`index`]: `MEMORY.md` caps, headers, the manifest and
//! freshness; [`snapshot`]: the snapshot decision with instant comparison). The phase is not
//! wired to OpenClaw yet: it reports itself as not implemented and registers no hooks.

mod config;
pub mod costs;
pub mod engine;
pub mod index;
pub mod paths;
pub mod recall;
pub mod snapshot;
pub mod snapshot_io;

pub use config::{
    AgentScope, CostsConfig, EntrypointConfig, GuardMode, MemoryScopingConfig, RecallConfig,
    RoutingConfig, ScanConfig, Scope, SnapshotsConfig, Tier, TiersConfig,
};
