//! `phases.forkSkills` settings (P7 §9).

use crate::settings::{CheckAt, PhaseSettings};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Phase 7 settings.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct ForkSkillsConfig {
    /// Phase on or off.
    pub enabled: bool,
    /// Fork settings.
    pub fork: ForkConfig,
    /// Skill change detection.
    pub skills: SkillsConfig,
    /// Skill scanner.
    pub scanner: ScannerConfig,
    /// Skillify workflow.
    pub skillify: SkillifyConfig,
}

impl Default for ForkSkillsConfig {
    fn default() -> Self {
        ForkSkillsConfig {
            enabled: true,
            fork: ForkConfig::default(),
            skills: SkillsConfig::default(),
            scanner: ScannerConfig::default(),
            skillify: SkillifyConfig::default(),
        }
    }
}

/// Fork settings.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct ForkConfig {
    /// Deepest fork nesting.
    pub max_fork_depth: u64,
    /// Fork children may spawn agents themselves.
    pub fork_children_may_spawn: bool,
    /// Give fork children the fork worker rules.
    pub inject_fork_rules: bool,
    /// Check forks for cache-breaking parameters.
    pub check_cache_safety: bool,
    /// What a cache-breaking spawned fork gets.
    pub cache_break: CacheBreakMode,
}

impl Default for ForkConfig {
    fn default() -> Self {
        ForkConfig {
            max_fork_depth: 1,
            fork_children_may_spawn: false,
            inject_fork_rules: true,
            check_cache_safety: true,
            cache_break: CacheBreakMode::Warn,
        }
    }
}

/// warn / block / off for cache breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CacheBreakMode {
    /// Record and allow.
    Warn,
    /// Block the spawn.
    Block,
    /// Ignore.
    Off,
}

/// Skill change detection settings.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct SkillsConfig {
    /// Detect skill changes.
    pub detect_changes: bool,
    /// Scan interval in ms.
    pub scan_interval_ms: u64,
    /// A file must be unchanged this long before it counts, in ms.
    pub stability_ms: u64,
    /// Changes closer than this are merged, in ms.
    pub debounce_ms: u64,
    /// Directory entries visited per scan.
    pub max_scan_entries: u64,
    /// Tell the agent about changes.
    pub notify: bool,
    /// Directory of OpenClaw's bundled skills (null: not scanned).
    pub bundled_dir: Option<String>,
}

impl Default for SkillsConfig {
    fn default() -> Self {
        SkillsConfig {
            detect_changes: true,
            scan_interval_ms: 2_000,
            stability_ms: 1_000,
            debounce_ms: 300,
            max_scan_entries: 5_000,
            notify: true,
            bundled_dir: None,
        }
    }
}

/// Skill scanner settings.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct ScannerConfig {
    /// Scan skills for dangerous content.
    pub enabled: bool,
    /// Disable skills the scanner denies (writes `skills.entries.<key>.enabled`).
    pub disable_on_deny: bool,
}

impl Default for ScannerConfig {
    fn default() -> Self {
        ScannerConfig {
            enabled: true,
            disable_on_deny: false,
        }
    }
}

/// Where skillify saves a skill by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SkillLocation {
    /// `<workspace>/skills`.
    Workspace,
    /// `~/.agents/skills`.
    Personal,
}

/// Skillify settings.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct SkillifyConfig {
    /// Offer the skillify workflow.
    pub enabled: bool,
    /// Default save location.
    pub default_location: SkillLocation,
}

impl Default for SkillifyConfig {
    fn default() -> Self {
        SkillifyConfig {
            enabled: true,
            default_location: SkillLocation::Workspace,
        }
    }
}

impl PhaseSettings for ForkSkillsConfig {
    fn enabled(&self) -> bool {
        self.enabled
    }
    fn set_enabled(&mut self, on: bool) {
        self.enabled = on;
    }
}

impl ForkSkillsConfig {
    /// P7 §9 validation.
    pub fn validate(&self, c: &mut CheckAt<'_>) {
        let s = &self.skills;
        c.range("skills.debounceMs", s.debounce_ms, 50, 10_000);
        c.range("skills.stabilityMs", s.stability_ms, 200, 60_000);
        c.range("skills.scanIntervalMs", s.scan_interval_ms, 500, 600_000);
        c.range("skills.maxScanEntries", s.max_scan_entries, 1, 1_000_000);
        c.range("fork.maxForkDepth", self.fork.max_fork_depth, 0, 8);
    }
}

// The config reader (README G-R3): one line per key, in declaration order.
crate::settings::read_struct!(ForkSkillsConfig {
    "enabled" => enabled,
    "fork" => fork,
    "skills" => skills,
    "scanner" => scanner,
    "skillify" => skillify,
});
crate::settings::read_struct!(ForkConfig {
    "maxForkDepth" => max_fork_depth,
    "forkChildrenMaySpawn" => fork_children_may_spawn,
    "injectForkRules" => inject_fork_rules,
    "checkCacheSafety" => check_cache_safety,
    "cacheBreak" => cache_break,
});
crate::settings::read_struct!(SkillsConfig {
    "detectChanges" => detect_changes,
    "scanIntervalMs" => scan_interval_ms,
    "stabilityMs" => stability_ms,
    "debounceMs" => debounce_ms,
    "maxScanEntries" => max_scan_entries,
    "notify" => notify,
    "bundledDir" => bundled_dir,
});
crate::settings::read_struct!(ScannerConfig {
    "enabled" => enabled,
    "disableOnDeny" => disable_on_deny,
});
crate::settings::read_struct!(SkillifyConfig {
    "enabled" => enabled,
    "defaultLocation" => default_location,
});
crate::settings::read_enum! {
    CacheBreakMode { Warn = "warn", Block = "block", Off = "off" }
    SkillLocation { Workspace = "workspace", Personal = "personal" }
}
