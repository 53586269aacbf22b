//! Phase 7, forked agents and skills (spec/phase7-fork-skills.md).
//!
//! Wired: skill change detection with debounce ([`detect`]), the skill scanner ([`scan`]),
//! notices and `/skills-audit` over the resolved skill set ([`skills`], [`engine`]), and the
//! cache checks of forks the agent spawns ([`forks`] over [`cache`]), disabling denied skills,
//! and skillify ([`skillify`]). Still to come: fork isolation and recursion guards.

mod cache;
mod config;
mod detect;
mod engine;
mod forks;
mod hooks;
mod scan;
mod skillify;
mod skills;

pub use config::{
    CacheBreakMode, ForkConfig, ForkSkillsConfig, ScannerConfig, SkillLocation, SkillifyConfig,
    SkillsConfig,
};
pub use engine::{IndexFile, SkillGuard};
pub use hooks::{init, SkillsInput};
pub use scan::scan;
pub use skills::parse;
