//! Phase 5, agent memory scoping, snapshots, scan caps, cost attribution and model tiers
//! (spec/phase5-memory-scoping.md).
//!
//! The pure rules ([`paths`]: directory names, scopes, validation of configured locations,
//! ownership; [`index`]: `MEMORY.md` caps, headers, the manifest and freshness; [`snapshot`]:
//! the snapshot decision with instant comparison; [`costs`]: the cost ledger) and [`engine`],
//! which applies them at OpenClaw's hooks. The memory-file format shared with phase 3 is in
//! [`crate::memdir`].

mod config;
pub mod costs;
pub mod engine;
mod hooks;
pub mod index;
pub mod paths;
pub mod recall;
pub mod snapshot;
pub mod snapshot_io;

pub use config::{
    AgentScope, CostsConfig, EntrypointConfig, GuardMode, MemoryScopingConfig, RecallConfig,
    RoutingConfig, ScanConfig, Scope, SnapshotsConfig, Tier, TiersConfig,
};
pub use hooks::init;
