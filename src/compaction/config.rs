//! `phases.compaction` settings (P1 §13).

use crate::settings::{CheckAt, PhaseSettings};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Phase 1 settings.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct CompactionConfig {
    /// Phase on or off.
    pub enabled: bool,
    /// Allow automatic compaction at our thresholds.
    pub auto: bool,
    /// Declare `ownsCompaction: true` to OpenClaw (disables its built-in auto-compaction).
    pub owns_compaction: bool,
    /// Context window override in tokens (null: the model's window).
    pub window: Option<u64>,
    /// Window used for the auto-compact threshold (null: derived from `window`).
    pub auto_compact_window: Option<u64>,
    /// Auto-compact at this percentage of the window (null: the fixed-buffer rule).
    pub auto_compact_percent: Option<f64>,
    /// Token count above which turns are refused until compaction succeeds (null: derived).
    pub blocking_limit: Option<u64>,
    /// Minutes after which an open breaker allows one more automatic attempt (0: never).
    pub breaker_cooldown_minutes: u64,
    /// Summary structure requested from the summarizer.
    pub summary_template: SummaryTemplate,
    /// Clearing of old tool results.
    pub microcompact: MicrocompactConfig,
    /// Re-reading recently used files after a compaction.
    pub restore: RestoreConfig,
    /// Tool results longer than this are capped before they are persisted.
    pub max_tool_result_chars: u64,
}

impl Default for CompactionConfig {
    fn default() -> Self {
        CompactionConfig {
            enabled: true,
            auto: true,
            owns_compaction: false,
            window: None,
            auto_compact_window: None,
            auto_compact_percent: None,
            blocking_limit: None,
            breaker_cooldown_minutes: 0,
            summary_template: SummaryTemplate::NineSection,
            microcompact: MicrocompactConfig::default(),
            restore: RestoreConfig::default(),
            max_tool_result_chars: 60_000,
        }
    }
}

/// Which summary structure the summarizer is asked for (P1-R17).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SummaryTemplate {
    /// Our nine-section structure.
    NineSection,
    /// OpenClaw's own summary instructions.
    RuntimeDefault,
}

/// `microcompact` settings (P1 §9).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct MicrocompactConfig {
    /// Clear old results after an idle gap.
    pub time_based: bool,
    /// Clear old results under token pressure.
    pub pressure: bool,
    /// Under pressure, clear every eligible result in one pass instead of just enough to get back
    /// under `warning` (issue 20 item 5; P1-R16's minimal pass when false). Each pass invalidates
    /// the provider's prompt cache from the first newly cleared result on, so fewer, larger passes
    /// cost less than one small pass on nearly every call.
    pub pressure_batch: bool,
    /// Also rewrite the stored transcript, not only the model request.
    pub persist: bool,
    /// Most recent compactable results that are always kept.
    pub keep_recent: u64,
    /// Idle gap in minutes for the time-based trigger.
    pub gap_minutes: u64,
    /// Tools whose results may be cleared.
    pub tools: Vec<String>,
}

impl Default for MicrocompactConfig {
    fn default() -> Self {
        MicrocompactConfig {
            time_based: true,
            pressure: true,
            pressure_batch: true,
            persist: false,
            keep_recent: 5,
            gap_minutes: 60,
            // P1-R13, verified against the tool list OpenClaw 2026.9.6 sends to the model and its
            // tool catalogue (docs/tools/index.md): there are no `grep`/`glob` tools; the search
            // and fetch tools are `web_search`, `x_search` and `web_fetch`, and `browser` and
            // `code_execution` return large outputs too.
            tools: [
                "read",
                "exec",
                "process",
                "ls",
                "web_fetch",
                "web_search",
                "x_search",
                "browser",
                "code_execution",
                "edit",
                "write",
                "apply_patch",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        }
    }
}

/// `restore` settings (P1 §11).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct RestoreConfig {
    /// Restore recently read files after compaction.
    pub enabled: bool,
    /// At most this many files.
    pub max_files: u64,
}

impl Default for RestoreConfig {
    fn default() -> Self {
        RestoreConfig {
            enabled: true,
            max_files: 5,
        }
    }
}

impl PhaseSettings for CompactionConfig {
    fn enabled(&self) -> bool {
        self.enabled
    }
    fn set_enabled(&mut self, on: bool) {
        self.enabled = on;
    }
}

impl CompactionConfig {
    /// P1 §13 validation: positive integers, `autoCompactPercent` in (0, 100], `keepRecent ≥ 1`.
    pub fn validate(&self, c: &mut CheckAt<'_>) {
        if self.owns_compaction {
            // A config check (not an init failure) so that the key falls back to its default
            // like every other invalid key (issue 17 item 3).
            c.fail("ownsCompaction", "compaction.config.own_mode_unverified: \"own\" mode (ownsCompaction: true) is not verified against OpenClaw 2026.9.6 yet; use the default govern mode (false)".into());
        }
        c.positive("window", self.window);
        c.positive("autoCompactWindow", self.auto_compact_window);
        c.positive("blockingLimit", self.blocking_limit);
        if let Some(p) = self.auto_compact_percent {
            c.fraction("autoCompactPercent", p, 100.0);
        }
        c.range(
            "microcompact.keepRecent",
            self.microcompact.keep_recent,
            1,
            1_000,
        );
        c.range(
            "microcompact.gapMinutes",
            self.microcompact.gap_minutes,
            1,
            525_600,
        );
        c.range("restore.maxFiles", self.restore.max_files, 0, 100);
        c.range(
            "maxToolResultChars",
            self.max_tool_result_chars,
            1,
            100_000_000,
        );
    }
}

// The config reader (README G-R3): one line per key, in declaration order.
crate::settings::read_struct!(CompactionConfig {
    "enabled" => enabled,
    "auto" => auto,
    "ownsCompaction" => owns_compaction,
    "window" => window,
    "autoCompactWindow" => auto_compact_window,
    "autoCompactPercent" => auto_compact_percent,
    "blockingLimit" => blocking_limit,
    "breakerCooldownMinutes" => breaker_cooldown_minutes,
    "summaryTemplate" => summary_template,
    "microcompact" => microcompact,
    "restore" => restore,
    "maxToolResultChars" => max_tool_result_chars,
});
crate::settings::read_struct!(MicrocompactConfig {
    "timeBased" => time_based,
    "pressure" => pressure,
    "persist" => persist,
    "keepRecent" => keep_recent,
    "gapMinutes" => gap_minutes,
    "tools" => tools,
    "pressureBatch" => pressure_batch,
});
crate::settings::read_struct!(RestoreConfig {
    "enabled" => enabled,
    "maxFiles" => max_files,
});
crate::settings::read_enum! {
    SummaryTemplate { NineSection = "nine-section", RuntimeDefault = "runtime-default" }
}
