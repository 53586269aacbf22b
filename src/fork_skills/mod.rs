//! Phase 7, forked agents and skills (spec/phase7-fork-skills.md).
//!
//! In progress: the pure rules exist — cache-safe parameter comparison ([`cache`]), skill
//! roots, discovery, validation and resolution ([`skills`]), change detection with debounce
//! ([`detect`]) and the skill scanner ([`scan`]). The phase is not wired to OpenClaw yet: it
//! reports itself as not implemented and registers no hooks.

pub mod cache;
mod config;
pub mod detect;
pub mod scan;
pub mod skills;

pub use config::{
    CacheBreakMode, ForkConfig, ForkSkillsConfig, ScannerConfig, SkillLocation, SkillifyConfig,
    SkillsConfig,
};
