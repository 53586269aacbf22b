//! Phase 7, forked agents and skills (spec/phase7-fork-skills.md).
//!
//! Wired: skill change detection with debounce ([`detect`]), the skill scanner ([`scan`]),
//! notices and `/skills-audit` over the resolved skill set ([`skills`], [`engine`]), and the
//! cache checks of forks the agent spawns ([`forks`] over [`cache`]), disabling denied skills,
//! and skillify ([`skillify`]). Still to come: fork isolation and recursion guards.

pub mod cache;
mod config;
pub mod detect;
pub mod engine;
pub mod forks;
mod hooks;
pub mod scan;
pub mod skillify;
pub mod skills;

pub use config::{
    CacheBreakMode, ForkConfig, ForkSkillsConfig, ScannerConfig, SkillLocation, SkillifyConfig,
    SkillsConfig,
};
pub use hooks::{init, SkillsInput};
