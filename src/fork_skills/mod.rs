//! Phase 7, forked agents and skills (spec/phase7-fork-skills.md).
//!
//! Not implemented yet: the phase validates its config and reports itself as not
//! implemented in `agent-ops doctor`; it registers no hooks.

mod config;

pub use config::{
    CacheBreakMode, ForkConfig, ForkSkillsConfig, ScannerConfig, SkillLocation, SkillifyConfig,
    SkillsConfig,
};
