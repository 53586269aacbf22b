//! Phase 5, agent memory scoping, snapshots, scan caps, cost attribution and model tiers
//! (spec/phase5-memory-scoping.md).
//!
//! The pure rules ([`paths`]: directory names, scopes, validation of configured locations,
//! ownership; [`index`]: `MEMORY.md` caps, headers, the manifest and freshness; [`snapshot`]:
//! the snapshot decision with instant comparison; [`costs`]: the cost ledger) and [`engine`],
//! which applies them at OpenClaw's hooks. The memory-file format shared with phase 3 is in
//! [`crate::memdir`].

mod config;
mod costs;
mod engine;
mod hooks;
mod index;
mod paths;
mod recall;
mod snapshot;
mod snapshot_io;

pub use config::{
    AgentScope, CostsConfig, EntrypointConfig, GuardMode, MemoryScopingConfig, RecallConfig,
    RoutingConfig, ScanConfig, Scope, SnapshotsConfig, Tier, TiersConfig,
};
pub use costs::{ledger_path, price_of, read as read_costs, report as cost_report, CostRecord};
pub use engine::MemoryScoper;
pub use hooks::init;
pub use index::truncate_entrypoint;
pub use paths::dir_name;
pub use recall::cost_usd;
pub use snapshot::{check as check_snapshot, Action as SnapshotAction};
pub use snapshot_io::{
    initialize as snapshot_initialize, list_files as snapshot_files, mark as snapshot_mark,
    publish as snapshot_publish, read as snapshot_read, update as snapshot_update,
    Mode as SnapshotMode,
};
