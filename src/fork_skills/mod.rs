//! Phase 7, forked agents and skills (spec/phase7-fork-skills.md).
//!
//! Wired: skill change detection with debounce ([`detect`]), the skill scanner ([`scan`]),
//! notices and `/skills-audit` over the resolved skill set ([`skills`], [`engine`]). Pure but
//! not wired yet: cache-safe parameter comparison of forks ([`cache`]); fork isolation and
//! skillify are still to come.

pub mod cache;
mod config;
pub mod detect;
pub mod engine;
pub mod scan;
pub mod skills;

pub use config::{
    CacheBreakMode, ForkConfig, ForkSkillsConfig, ScannerConfig, SkillLocation, SkillifyConfig,
    SkillsConfig,
};
